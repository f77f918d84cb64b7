// A member's view: the form that changes its own site's haves (supplies) and wants (demands).
// The page reads everything else through the API as any client does, and the API already cuts
// it to the member's site (api/visibility.py), so this module only adds the editing form.
// A change is one PATCH with the version's ETag in If-Match: it becomes the next version.
import { api, ApiError } from './api.js';
import { t } from './i18n.js';

const SECTIONS = [
  // section, label, the price-like field a member may change beside the quantity
  ['supplies', 'member.have', 'disposal_cost', 'member.disposal'],
  ['demands', 'member.want', 'price', 'member.price'],
];

let notice = ''; // what the last save said, shown by the form re-rendered from the new version

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** The sidebar section of the form, created once, after the inventory section. */
function box() {
  let section = document.getElementById('member-edit');
  if (!section) {
    section = el('section', { id: 'member-edit', 'aria-labelledby': 'member-title' });
    const inventory = document.getElementById('inv-title').closest('section');
    inventory.after(section);
  }
  return section;
}

function problemLines(error) {
  if (!(error instanceof ApiError)) return error.message;
  return [error.problem.detail || error.message, ...(error.problem.errors || []).map((e) => `${e.path}: ${e.message}`)].join('\n');
}

/**
 * Show the form for `who.site` in `content` (the latest version as the API gives it to the
 * member; null while an earlier version is shown, which hides the form);
 * `inventory` carries the ETag; `onSaved(stored)` is called with the inventory after a save.
 */
export function renderMemberEditor({ who, inventory, content, onSaved }) {
  const section = box();
  section.hidden = content === null; // an earlier version is read, not edited: edit the latest
  if (content === null) return;
  const status = el('p', { id: 'member-status', role: 'status', class: 'hint' }, notice);
  notice = '';
  const mine = (section_) => (content?.[section_] || []).filter((x) => x.site === who.site);
  const rows = [];
  for (const [name, verb, priceField, priceLabel] of SECTIONS) {
    for (const item of mine(name)) {
      const quantity = el('input', { value: item.quantity ?? '', 'aria-label': `${t('member.quantity')} ${item.commodity}`, 'data-field': 'quantity', size: 12 });
      const price = el('input', { value: item[priceField] ?? '', 'aria-label': `${t(priceLabel)} ${item.commodity}`, 'data-field': priceField, size: 10 });
      const row = el('tr', { 'data-section': name, 'data-commodity': item.commodity },
        el('td', {}, `${t(verb)} ${item.commodity}`), el('td', {}, quantity), el('td', {}, price));
      rows.push({ name, item, inputs: [quantity, price], row });
    }
  }
  const kind = el('select', { id: 'member-new-kind', 'aria-label': t('member.add') },
    ...SECTIONS.map(([name, verb]) => el('option', { value: name }, t(verb))));
  const commodity = el('input', { id: 'member-new-commodity', placeholder: 'waste_heat', 'aria-label': t('member.new_commodity'), size: 12 });
  const amount = el('input', { id: 'member-new-quantity', placeholder: '10 GWh/yr', 'aria-label': t('member.quantity'), size: 12 });

  async function save(event) {
    event.preventDefault();
    status.textContent = '';
    const patch = {};
    for (const { name, item, inputs } of rows) {
      const changed = {};
      for (const input of inputs) {
        const field = input.dataset.field;
        const value = input.value.trim();
        if (value && value !== String(item[field] ?? '')) changed[field] = value;
      }
      if (Object.keys(changed).length) {
        patch.update = patch.update || {};
        (patch.update[name] = patch.update[name] || []).push({ site: who.site, commodity: item.commodity, ...changed });
      }
    }
    if (commodity.value.trim() && amount.value.trim()) {
      patch.add = { [kind.value]: [{ site: who.site, commodity: commodity.value.trim(), quantity: amount.value.trim() }] };
    }
    if (!patch.update && !patch.add) { status.textContent = t('member.nothing'); return; }
    try {
      const stored = await api.upload('PATCH', `/v1/inventories/${inventory.id}`, JSON.stringify(patch),
        { 'If-Match': inventory.etag, 'Content-Type': 'application/json' });
      notice = t('member.saved', { version: stored.latest_version });
      await onSaved(stored); // re-renders this form from the new version
    } catch (error) {
      status.textContent = problemLines(error);
      status.className = 'error';
    }
  }

  const hasSite = (content?.sites || []).some((s) => s.id === who.site);
  section.replaceChildren(
    el('h2', { id: 'member-title' }, t('member.title')),
    el('p', { class: 'hint' }, t('member.note')),
    hasSite ? el('form', { id: 'member-form', onsubmit: save },
      el('table', { class: 'table' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ''), el('th', { scope: 'col' }, t('member.quantity')), el('th', { scope: 'col' }, `${t('member.price')} / ${t('member.disposal')}`))),
        el('tbody', {}, rows.map((r) => r.row))),
      el('p', {}, kind, ' ', commodity, ' ', amount),
      el('button', { type: 'submit', id: 'member-save' }, t('member.save'))) : el('p', {}, t('member.none')),
    status);
}

/** Remove the form (after signing in with another key's role). */
export function removeMemberEditor() {
  document.getElementById('member-edit')?.remove();
}
