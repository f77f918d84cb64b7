// ToileMaker's page: sign-in, inventories, runs, the map, the Sankey, scenarios, comparisons,
// uploads, the Pareto chart and a printable summary.  Everything comes from the JSON API with
// the signed-in key, so the page shows exactly what the API returns to that key.
import { api, ApiError, savedKey, saveKey, forgetKey, download } from './api.js';
import { t, setLanguage, num, euros, tonnes, quantity, percent, date, scaled, totalName } from './i18n.js';
import { ToileMap, CHANGE_COLOURS } from './map.js';
import { drawSankey, drawPareto, resizeAll, chartOf } from './charts.js';
import { renderMemberEditor } from './member.js';
import { isPathway, firstChoice, periodView, renderPickers, renderPathway } from './pathway.js';

const $ = (id) => document.getElementById(id);
const OVER = new Set(['finished', 'failed', 'cancelled']);

const state = {
  config: {}, who: null, inventories: [], inventory: null, version: null, content: null,
  scenarios: [], runs: [], current: null, results: new Map(), comparison: null, map: null,
  candidates: new Map(), polling: null, tab: 'map',
};
window.toile = state; // for the browser tests and for curious coordinators
state.chart = (id) => chartOf(document.getElementById(id));

// -- small DOM helpers -------------------------------------------------------------------------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function table(headers, rows, numeric = []) {
  return h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : '' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x, i) => h('td', { class: numeric.includes(i) ? 'num' : '' }, x))))));
}

function problemText(error) {
  if (!(error instanceof ApiError)) return t('error.network', { detail: error.message });
  const lines = [error.problem.detail || error.message];
  for (const e of error.problem.errors || []) lines.push(`${e.path}: ${e.message}`);
  return lines.join('\n');
}

function showError(id, error) { $(id).textContent = error ? problemText(error) : ''; }

// -- sign-in -----------------------------------------------------------------------------------
async function signIn(key) {
  saveKey(key);
  try {
    state.who = await api.get('/v1/territory');
  } catch (error) {
    forgetKey();
    $('signin-error').textContent = error.status === 401 ? t('signin.bad') : problemText(error);
    return;
  }
  $('signin-error').textContent = '';
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  document.body.classList.toggle('viewer', state.who.role !== 'coordinator');
  document.body.dataset.role = state.who.role;
  renderWho();
  if (!state.map) {
    state.map = new ToileMap($('map'), state.config, openSite);
    state.map.onCandidate = pickLinkOnMap;
    await state.map.ready;
  }
  await loadInventories();
}

function renderWho() {
  if (!state.who) return;
  const role = t(`role.${state.who.role}`);
  $('who').textContent = state.who.site
    ? t('who.member', { territory: state.who.territory, role, site: state.who.site })
    : t('who', { territory: state.who.territory, role });
}

function signOut() {
  forgetKey();
  location.hash = '';
  location.reload();
}

// -- inventories ---------------------------------------------------------------------------------
async function loadInventories(selectId) {
  state.inventories = await api.get('/v1/inventories');
  const select = $('inventory');
  select.replaceChildren(...state.inventories.map((inv) => h('option', { value: inv.id }, inv.name)));
  if (!state.inventories.length) {
    $('inventory-info').textContent = t('inventory.none');
    return;
  }
  select.value = selectId || state.inventory?.id || state.inventories[state.inventories.length - 1].id;
  await onInventory();
}

async function onInventory() {
  state.inventory = state.inventories.find((inv) => inv.id === $('inventory').value);
  const versions = state.inventory.versions;
  $('version').replaceChildren(...[...versions].reverse().map((v) => h('option', { value: v.version }, `v${v.version}`)));
  $('version').value = state.inventory.latest_version;
  state.current = null;
  await onVersion();
}

async function onVersion() {
  const inv = state.inventory;
  state.version = Number($('version').value);
  const v = inv.versions.find((x) => x.version === state.version);
  $('inventory-info').textContent = t('inventory.info', { sites: num(v.sites, 0), links: num(v.links, 0), date: date(v.created_at) });
  state.content = await api.get(`/v1/inventories/${inv.id}/versions/${state.version}`);
  state.scenarios = await api.get(`/v1/scenarios?inventory_id=${inv.id}`);
  renderMember();
  renderTargets();
  renderScenarioForm();
  renderScenarios();
  renderVersions();
  await refreshRuns();
  if (!state.current) {
    const finished = state.runs.find((r) => r.state === 'finished');
    if (finished) await showRun(finished.id);
    else renderEmptyToile();
  }
}

/** A member's form to change its own haves and wants (the API refuses anything else). */
function renderMember() {
  if (state.who?.role !== 'member') return;
  renderMemberEditor({
    who: state.who,
    inventory: state.inventory,
    content: state.version === state.inventory.latest_version ? state.content : null,
    onSaved: async (stored) => { state.current = null; await loadInventories(stored.id); },
  });
}

function renderTargets() {
  const options = [h('option', { value: `v:${state.version}` }, t('runs.version', { name: state.inventory.name, version: state.version }))];
  for (const s of state.scenarios) options.push(h('option', { value: `s:${s.id}` }, t('runs.scenario', { name: s.name })));
  const keep = $('run-target').value;
  $('run-target').replaceChildren(...options);
  if ([...$('run-target').options].some((o) => o.value === keep)) $('run-target').value = keep;
}

// -- runs ------------------------------------------------------------------------------------------
function runLabel(run) {
  const point = state.front?.points.find((p) => p.run_id === run.id && p.role === 'epsilon');
  if (point) return `${t('runs.version', { name: state.inventory?.name || '', version: run.version })} · ${t('pareto.epsilon', { floor: tonnes(point.epsilon) })}`;
  if (run.scenario_id) {
    const s = state.scenarios.find((x) => x.id === run.scenario_id);
    return t('runs.scenario', { name: s ? s.name : run.scenario_id.slice(0, 8) });
  }
  return t('runs.version', { name: state.inventory?.name || '', version: run.version });
}

async function refreshRuns() {
  const all = await api.get('/v1/runs?limit=200');
  state.runs = all.filter((r) => r.inventory_id === state.inventory?.id);
  renderRuns();
  renderCompareChoices();
  const active = state.runs.some((r) => !OVER.has(r.state));
  if (active && !state.polling) state.polling = setInterval(pollRuns, 1000);
  if (!active && state.polling) { clearInterval(state.polling); state.polling = null; }
}

async function pollRuns() {
  const before = new Map(state.runs.map((r) => [r.id, r.state]));
  await refreshRuns();
  for (const run of state.runs) {
    const justFinished = run.state === 'finished' && before.get(run.id) && before.get(run.id) !== 'finished';
    if (justFinished && (run.id === state.watching || !state.current)) {
      await showRun(run.id);
    }
  }
  if (state.tab === 'pareto') renderPareto();
}

function renderRuns() {
  const list = $('runs');
  if (!state.runs.length) { list.replaceChildren(h('li', {}, t('runs.none'))); return; }
  list.replaceChildren(...state.runs.map((run) => {
    const figures = [];
    const figure = run.objective === 'co2' ? tonnes : euros;
    if (run.incumbent !== null) figures.push(`${t('runs.incumbent')} ${figure(run.incumbent)}`);
    if (run.bound !== null) figures.push(`${t('runs.bound')} ${figure(run.bound)}`);
    if (run.gap !== null) figures.push(`${t('runs.gap')} ${percent(run.gap)}`);
    if (run.elapsed !== null) figures.push(`${t('runs.elapsed')} ${num(run.elapsed, 1)} s`);
    const progress = run.state === 'running' && run.gap !== null
      ? h('progress', { max: 1, value: Math.max(0, 1 - Math.min(1, run.gap)), 'aria-label': t('runs.gap') }) : null;
    const actions = [];
    if (run.state === 'finished') actions.push(h('button', { type: 'button', onclick: () => showRun(run.id) }, t('runs.show')));
    if (!OVER.has(run.state) && state.who.role === 'coordinator') {
      actions.push(h('button', { type: 'button', class: 'writer', onclick: () => cancelRun(run.id) }, t('runs.cancel')));
    }
    return h('li', { class: run.id === state.current ? 'current' : '', 'data-run': run.id, 'data-state': run.state },
      h('div', {}, h('strong', {}, runLabel(run)), ' · ', t(`objective.${run.objective}`)),
      h('div', {}, h('span', { class: `state state-${run.state}` }, t(`state.${run.state}`)), ' · ', date(run.created_at)),
      figures.length ? h('div', { class: 'figures' }, figures.join(' · ')) : null,
      progress,
      run.reason && run.state !== 'finished' ? h('div', { class: 'error reason' }, `${t('runs.reason')}: ${run.reason}`) : null,
      actions.length ? h('div', { class: 'actions' }, actions) : null);
  }));
}

async function startRun(event) {
  event.preventDefault();
  showError('run-error', null);
  const [kind, id] = $('run-target').value.split(':');
  const body = { objective: $('run-objective').value, time_limit: Number($('run-time').value) || undefined };
  if (kind === 's') body.scenario_id = id;
  else { body.inventory_id = state.inventory.id; body.version = Number(id); }
  try {
    const run = await api.post('/v1/runs', body);
    state.watching = run.id;
    await refreshRuns();
  } catch (error) {
    showError('run-error', error);
  }
}

async function cancelRun(id) {
  try { await api.post(`/v1/runs/${id}/cancel`); } catch (error) { showError('run-error', error); }
  await refreshRuns();
}

async function runResult(id) {
  if (!state.results.has(id)) {
    const [result, raw] = await Promise.all([api.get(`/v1/runs/${id}/result`), api.get(`/v1/runs/${id}/result.geojson`)]);
    const geojson = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (isPathway(result)) { // the page shows one period of one scenario at a time
      const choice = firstChoice(result);
      state.results.set(id, { full: { result, geojson }, choice, ...periodView(result, geojson, choice) });
    } else {
      state.results.set(id, { result, geojson });
    }
  }
  return state.results.get(id);
}

/** Show another period or scenario of the pathway run on display. */
function choosePeriod(choice) {
  const entry = state.results.get(state.current);
  if (!entry || !entry.full) return;
  Object.assign(entry, periodView(entry.full.result, entry.full.geojson, choice), { choice });
  state.map.showToile(entry.geojson, { fit: false });
  renderPickers(h, $('pathway-scenario'), $('pathway-year'), entry.full.result, choice);
  renderMapTitle();
  renderLegend();
  renderSiteJump();
  renderSummary();
  renderPathwayTab();
  $('site-panel').hidden = true;
  if (state.tab === 'sankey') renderSankey();
}

function renderPathwayTab() {
  const entry = state.current && state.results.get(state.current);
  const full = entry && entry.full;
  $('pathway-pick').hidden = !full;
  renderPathway(h, $('pathway'), full ? full.result : null, full ? entry.choice : null,
    (choice) => { choosePeriod(choice); selectTab('map'); });
}

async function runContent(run) {
  if (!run.scenario_id && run.version === state.version) return state.content;
  if (run.scenario_id && state.who?.role === 'member') return state.content; // scenarios are the planners'
  const key = run.scenario_id ? `s:${run.scenario_id}` : `v:${run.version}`;
  state.contents = state.contents || new Map();
  if (!state.contents.has(key)) {
    const path = run.scenario_id ? `/v1/scenarios/${run.scenario_id}/inventory` : `/v1/inventories/${run.inventory_id}/versions/${run.version}`;
    state.contents.set(key, await api.get(path));
  }
  return state.contents.get(key);
}

// -- the toile of a run: map, site panel, Sankey, summary ------------------------------------------------
async function showRun(id) {
  state.current = id;
  const run = state.runs.find((r) => r.id === id) || await api.get(`/v1/runs/${id}`);
  const entry = await runResult(id);
  state.currentContent = await runContent(run);
  state.map.showToile(entry.geojson);
  if (entry.full) renderPickers(h, $('pathway-scenario'), $('pathway-year'), entry.full.result, entry.choice);
  renderPathwayTab();
  await updateCandidates();
  if (state.tab === 'scenarios') await renderLinkChoices();
  renderMapTitle();
  renderLegend();
  renderSiteJump();
  renderRuns();
  $('site-panel').hidden = true;
  renderSummary();
  if (state.tab === 'sankey') await renderSankey();
  if (state.tab === 'pareto') renderPareto();
  document.body.dataset.run = id;
}

function renderEmptyToile() {
  $('map-title').textContent = t('map.norun');
  renderSummary();
}

function renderMapTitle() {
  if (!state.current) { $('map-title').textContent = t('map.norun'); return; }
  const run = state.runs.find((r) => r.id === state.current);
  const { result, choice } = state.results.get(state.current);
  const label = run ? runLabel(run) : result.territory;
  $('map-title').textContent = t('map.title', {
    label: choice ? `${label} · ${t('map.period', choice)}` : label,
    value: euros(result.totals.valorisation_eur_per_yr),
    co2: tonnes(result.totals.co2_avoided_t_per_yr),
  });
}

function renderLegend() {
  const m = state.map;
  const items = [h('strong', {}, t('legend.sectors'))];
  for (const [name, colour] of Object.entries(m.sectorColours)) items.push(h('span', {}, h('span', { class: 'dot', style: `background:${colour}` }), name));
  items.push(h('span', {}, h('span', { class: 'dot', style: 'background:#fff;border:2.5px solid #000' }), t('legend.hub')));
  items.push(h('strong', {}, t('legend.links')));
  for (const [name, colour] of Object.entries(m.commodityColours)) items.push(h('span', {}, h('span', { class: 'sw', style: `background:${colour}` }), name));
  items.push(h('span', {}, h('span', { class: 'sw', style: 'border-top:2px dashed #6b6b6b;height:0' }), t('legend.candidate')));
  if (state.results.get(state.current)?.full) items.push(h('span', {}, h('span', { class: 'sw noregret' }), t('legend.noregret')));
  if ($('show-diff').checked) {
    for (const [name, colour] of Object.entries(CHANGE_COLOURS)) items.push(h('span', {}, h('span', { class: 'sw', style: `background:${colour}` }), t(`legend.${name}`)));
  }
  items.push(h('span', { class: 'hint' }, t('legend.extent')));
  $('legend').replaceChildren(...items);
}

function renderSiteJump() {
  const sites = state.map ? (state.results.get(state.current)?.geojson.features || []).filter((f) => f.properties.kind === 'site') : [];
  const options = [h('option', { value: '' }, t('map.pick'))];
  for (const f of [...sites].sort((a, b) => a.properties.name.localeCompare(b.properties.name))) {
    options.push(h('option', { value: f.properties.id }, f.properties.name));
  }
  $('site-jump').replaceChildren(...options);
}

function openSite(id) {
  const entry = state.results.get(state.current);
  if (!entry) return;
  const site = entry.geojson.features.find((f) => f.properties.kind === 'site' && f.properties.id === id);
  if (!site) return;
  state.site = id;
  const inv = state.currentContent || {};
  const flows = entry.result.tables.flows || [];
  const gains = (entry.result.tables.site_gains || []).find((g) => g.site_id === id);
  const list = (items) => (items.length ? h('ul', {}, items.map((x) => h('li', {}, x))) : h('p', { class: 'hint' }, t('site.none')));
  const haves = (inv.supplies || []).filter((s) => s.site === id).map((s) => `${s.commodity}: ${s.quantity}`);
  const wants = (inv.demands || []).filter((d) => d.site === id).map((d) => `${d.commodity}: ${d.quantity}`);
  const sends = flows.filter((f) => f.from_id === id).map((f) => `${f.commodity} → ${f.to}: ${quantity(f.delivered, f.unit)}`);
  const receives = flows.filter((f) => f.to_id === id).map((f) => `${f.commodity} ← ${f.from}: ${quantity(f.delivered, f.unit)}`);
  const p = site.properties;
  const panel = $('site-panel');
  panel.replaceChildren(
    h('button', { type: 'button', class: 'close', 'aria-label': t('site.close'), onclick: () => { panel.hidden = true; $('site-jump').focus(); } }, '×'),
    h('h3', {}, p.name),
    h('p', {}, `${t('site.sector')}: ${p.sector}${p.hub ? ` · ${t('site.hub')}` : ''}`),
    p.position_precision != null && p.position_precision >= 1
      ? h('p', { class: 'hint approximate' }, t('site.approximate', { km: num(p.position_precision, 1) })) : null,
    gains || state.who?.role !== 'member' // a member does not see its counterparts' gains
      ? h('p', { class: 'gain' }, h('strong', {}, `${t('site.gain')}: `), euros(gains ? gains.gain_eur : 0), ' · ',
        h('strong', {}, `${t('site.co2')}: `), tonnes(gains ? gains.co2_avoided_t : 0)) : null,
    h('h4', {}, t('site.haves')), list(haves),
    h('h4', {}, t('site.wants')), list(wants),
    h('h4', {}, t('site.sends')), list(sends),
    h('h4', {}, t('site.receives')), list(receives));
  panel.hidden = false;
  panel.dataset.site = id;
}

async function updateCandidates() {
  const visible = $('show-candidates').checked;
  let data = null;
  if (visible && state.current) {
    if (!state.candidates.has(state.current)) {
      const text = await api.get(`/v1/runs/${state.current}/candidates.geojson`);
      state.candidates.set(state.current, typeof text === 'string' ? JSON.parse(text) : text);
    }
    data = state.candidates.get(state.current);
  }
  state.map.showCandidates(data, visible);
  if (visible) await renderLinkChoices(); // so that a candidate clicked on the map can be pinned
}

async function renderSankey() {
  if (!state.current) return;
  const group = $('sankey-group').value;
  const choice = state.results.get(state.current)?.choice;
  const period = choice ? `&scenario=${encodeURIComponent(choice.scenario)}&year=${choice.year}` : '';
  const data = await api.get(`/v1/runs/${state.current}/sankey?group=${group}${period}`);
  state.sankey = data;
  $('sankey-note').textContent = t('sankey.note', { grouping: t(`sankey.by.${data.grouping}`) });
  drawSankey($('sankey'), data);
}

function renderSummary() {
  const box = $('summary');
  const entry = state.current && state.results.get(state.current);
  if (!entry) { box.replaceChildren(h('p', {}, t('summary.none'))); return; }
  const r = entry.result;
  const run = state.runs.find((x) => x.id === state.current);
  const totals = Object.entries(r.totals).map(([k, v]) => [t(`total.${k}`),
    k.startsWith('co2') ? tonnes(v) : k.endsWith('per_t') ? `${num(v)} €/t` : euros(v)]);
  const top = (r.tables.flows || []).slice(0, 12).map((f) => [f.from, f.to, f.commodity, quantity(f.delivered, f.unit), euros(f.indicative_value_eur)]);
  const gains = (r.tables.site_gains || []).slice(0, 8).map((g) => [g.site, euros(g.gain_eur), tonnes(g.co2_avoided_t)]);
  box.replaceChildren(
    h('h2', {}, t('summary.title', { territory: r.territory })),
    h('p', {}, `${t('summary.run')}: ${run ? runLabel(run) : state.current} · ${t('summary.status')}: ${r.status} · ${t('runs.gap')} ${percent(r.gap)}`),
    h('h3', {}, t('summary.totals')), table(['', ''], totals, [1]),
    h('h3', {}, t('summary.top')), table([t('compare.from'), t('compare.to'), t('compare.commodity'), '', '€'], top, [3, 4]),
    h('h3', {}, t('summary.gains')), table(['', t('site.gain'), t('site.co2')], gains, [1, 2]));
}

// -- comparison ---------------------------------------------------------------------------------------
function renderCompareChoices() {
  const box = $('compare-runs');
  const checked = new Set([...box.querySelectorAll('input:checked')].map((x) => x.value));
  const legend = box.querySelector('legend');
  const finished = state.runs.filter((r) => r.state === 'finished');
  box.replaceChildren(legend, ...finished.map((run) => h('label', {},
    h('input', { type: 'checkbox', value: run.id, checked: checked.has(run.id) }), ` ${runLabel(run)} · ${t(`objective.${run.objective}`)} · ${date(run.created_at)}`)));
}

async function compare() {
  showError('compare-error', null);
  const ids = [...$('compare-runs').querySelectorAll('input:checked')].map((x) => x.value).reverse();
  if (ids.length < 2) { $('compare-error').textContent = t('compare.need'); return; }
  try {
    state.comparison = await api.post('/v1/comparisons', { run_ids: ids });
  } catch (error) {
    showError('compare-error', error);
    return;
  }
  await Promise.all(ids.map(runResult));
  renderComparison();
}

function renderComparison() {
  const c = state.comparison;
  if (!c) return;
  const labels = c.labels;
  const totals = c.totals.map((row) => {
    const name = row.index ?? row.total ?? Object.values(row)[0];
    return [totalName(name), ...labels.map((l) => totalCell(name, row[l]))];
  });
  const changed = c.exchanges.filter((e) => labels.slice(1).some((l) => e[`change:${l}`] !== 'same'));
  const rows = changed.map((e) => [e.from, e.to, e.commodity, ...labels.map((l) => quantity(e[l], e.unit)),
    ...labels.slice(1).map((l) => h('span', { class: `change-${e[`change:${l}`]}` }, t(`change.${e[`change:${l}`]}`)))]);
  $('compare-result').replaceChildren(
    h('h3', {}, t('compare.totals')), table(['', ...labels], totals, labels.map((_, i) => i + 1)),
    h('h3', {}, t('compare.exchanges')),
    changed.length ? table([t('compare.from'), t('compare.to'), t('compare.commodity'), ...labels,
      ...labels.slice(1).map((l) => `${t('compare.change')} (${l})`)], rows, labels.map((_, i) => i + 3)) : h('p', {}, t('compare.none')),
    h('button', { type: 'button', onclick: showComparisonOnMap }, t('compare.show')));
  $('show-diff').disabled = false;
  state.map.showDiff(diffFeatures(changed, labels), $('show-diff').checked);
}

/** A comparison total in its unit: the row names end with "(EUR/yr)", "(t/yr)", "(EUR)"... */
function totalCell(name, value) {
  if (typeof value !== 'number') return value;
  if (name.endsWith('(EUR/yr)')) return euros(value);
  if (name.endsWith('(t/yr)')) return tonnes(value);
  if (name.endsWith('(EUR)')) return scaled(value, '€');
  return num(value);
}

function diffFeatures(changed, labels) {
  const where = new Map();
  for (const id of state.comparison.run_ids) {
    for (const f of state.results.get(id)?.geojson.features || []) {
      if (f.properties.kind === 'site') where.set(f.properties.id, f.geometry.coordinates);
    }
  }
  const last = labels[labels.length - 1];
  const features = changed.filter((e) => where.has(e.from_id) && where.has(e.to_id)).map((e) => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [where.get(e.from_id), where.get(e.to_id)] },
    properties: { change: e[`change:${last}`], from: e.from, to: e.to, commodity: e.commodity },
  }));
  return { type: 'FeatureCollection', features };
}

async function showComparisonOnMap() {
  $('show-diff').checked = true;
  const last = state.comparison.run_ids[state.comparison.run_ids.length - 1];
  selectTab('map');
  if (state.current !== last) await showRun(last);
  state.map.showDiff(diffFeatures(state.comparison.exchanges.filter((e) => state.comparison.labels.slice(1).some((l) => e[`change:${l}`] !== 'same')), state.comparison.labels), true);
  renderLegend();
}

// -- scenarios ------------------------------------------------------------------------------------------
function renderScenarioForm() {
  const inv = state.content || {};
  const items = [h('option', { value: '' }, t('scenario.nothing'))];
  for (const [section, verb] of [['supplies', 'scenario.has'], ['demands', 'scenario.wants']]) {
    (inv[section] || []).forEach((x, i) => items.push(h('option', { value: `${section}:${i}` }, `${x.site} ${t(verb)} ${x.commodity} (${x.quantity})`)));
  }
  $('sc-item').replaceChildren(...items);
  $('sc-remove').replaceChildren(h('option', { value: '' }, t('scenario.nothing')),
    ...(inv.sites || []).map((s) => h('option', { value: s.id }, s.name || s.id)));
  renderChosenLinks();
}

// Pins and bans: candidate links of the run on the map, chosen from a list or on the map.
const LIST_LINKS = 2000;
const linkKey = (l) => `${l.from}|${l.to}|${l.mode}`;
const linkText = (l) => `${l.fromName || l.from} → ${l.toName || l.to} (${l.mode})`;

async function loadLinks() {
  if (!state.current) return [];
  if (!state.candidates.has(state.current)) {
    const text = await api.get(`/v1/runs/${state.current}/candidates.geojson`);
    state.candidates.set(state.current, typeof text === 'string' ? JSON.parse(text) : text);
  }
  const names = new Map((state.currentContent?.sites || state.content?.sites || []).map((x) => [x.id, x.name || x.id]));
  return state.candidates.get(state.current).features.map((f) => ({
    from: f.properties.from_id, to: f.properties.to_id, mode: f.properties.mode, built: f.properties.built,
    commodities: f.properties.commodities, fromName: names.get(f.properties.from_id), toName: names.get(f.properties.to_id),
  }));
}

async function renderLinkChoices() {
  const links = (await loadLinks()).sort((a, b) => (b.built - a.built) || linkText(a).localeCompare(linkText(b)));
  state.links = new Map(links.map((l) => [linkKey(l), l]));
  const keep = $('sc-link').value;
  // a regional inventory has tens of thousands of candidates: the list shows the built ones
  // first and stops at LIST_LINKS; the map picks any of them
  const listed = links.slice(0, LIST_LINKS);
  if (state.links.has(keep) && !listed.some((l) => linkKey(l) === keep)) listed.push(state.links.get(keep));
  $('sc-link').replaceChildren(h('option', { value: '' }, t('scenario.nothing')), ...listed.map((l) => h('option', { value: linkKey(l) },
    `${linkText(l)} · ${l.commodities}${l.built ? ` · ${t('scenario.built')}` : ''}`)));
  if (state.links.has(keep)) $('sc-link').value = keep;
  renderChosenLinks();
}

function chooseLink(action) {
  const key = $('sc-link').value;
  if (!key) return;
  state.linkChoices = (state.linkChoices || []).filter((c) => c.key !== key);
  state.linkChoices.push({ key, action, link: state.links.get(key) });
  renderChosenLinks();
}

function renderChosenLinks() {
  const choices = state.linkChoices || [];
  $('sc-choices').replaceChildren(...choices.map((c) => h('li', { 'data-link': c.key, 'data-action': c.action },
    `${linkText(c.link)}: ${t(c.action === 'pin' ? 'scenario.pinned' : 'scenario.forbidden')} `,
    h('button', { type: 'button', onclick: () => { state.linkChoices = choices.filter((x) => x !== c); renderChosenLinks(); } }, t('scenario.drop')))));
}

/** A candidate link clicked on the map becomes the scenario form's chosen link. */
function pickLinkOnMap(props) {
  const key = linkKey({ from: props.from_id, to: props.to_id, mode: props.mode });
  if (!state.links?.has(key)) return;
  if (![...$('sc-link').options].some((o) => o.value === key)) {
    const l = state.links.get(key);
    $('sc-link').append(h('option', { value: key }, `${linkText(l)} · ${l.commodities}`));
  }
  $('sc-link').value = key;
  state.picked = key;
  $('map-title').textContent = t('scenario.picked', { link: linkText(state.links.get(key)) });
}

function renderScenarios() {
  $('scenarios').replaceChildren(...state.scenarios.map((s) => h('li', {}, `${s.name} (v${s.version}) `,
    h('button', { type: 'button', class: 'writer', onclick: () => { $('run-target').value = `s:${s.id}`; startRun(new Event('submit')); } }, t('scenario.run')))));
}

async function createScenario(event) {
  event.preventDefault();
  $('scenario-error').textContent = '';
  const body = { name: $('sc-name').value.trim(), inventory_id: state.inventory.id, version: state.version };
  const item = $('sc-item').value;
  if (item && $('sc-quantity').value.trim()) {
    const [section, index] = item.split(':');
    const x = state.content[section][Number(index)];
    body.update = { [section]: [{ site: x.site, commodity: x.commodity, quantity: $('sc-quantity').value.trim() }] };
  }
  if ($('sc-remove').value) body.remove = { sites: [$('sc-remove').value] };
  if ($('sc-carbon').value.trim()) body.territory = { carbon_price: $('sc-carbon').value.trim() };
  const choices = state.linkChoices || [];
  const asked = (action) => choices.filter((c) => c.action === action).map((c) => ({ from: c.link.from, to: c.link.to, mode: c.link.mode }));
  if (asked('pin').length) body.pin = asked('pin');
  if (asked('forbid').length) body.forbid = asked('forbid');
  if (!body.update && !body.remove && !body.territory && !body.pin && !body.forbid) { $('scenario-error').textContent = t('scenario.empty'); return; }
  try {
    const created = await api.post('/v1/scenarios', body);
    state.scenarios = await api.get(`/v1/scenarios?inventory_id=${state.inventory.id}`);
    renderTargets();
    renderScenarios();
    $('run-target').value = `s:${created.id}`;
    $('scenario-error').replaceChildren(h('span', { class: 'ok' }, t('scenario.created', { name: created.name })));
    $('scenario-form').reset();
    state.linkChoices = [];
    renderChosenLinks();
  } catch (error) {
    $('scenario-error').textContent = problemText(error);
  }
}

// -- uploads and stored versions ---------------------------------------------------------------------------
function renderVersions() {
  const inv = state.inventory;
  const rows = [...inv.versions].reverse().map((v) => [`v${v.version}`, v.source_format, v.change, num(v.sites, 0), date(v.created_at),
    h('span', {}, ['json', 'yaml'].map((fmt) => h('button', { type: 'button', onclick: () => download(`/v1/inventories/${inv.id}/versions/${v.version}?format=${fmt}`, `${inv.name}-v${v.version}.${fmt}`) }, `${t('upload.download')} ${fmt.toUpperCase()}`)))]);
  $('versions').replaceWith(Object.assign(table(['', t('upload.format'), t('upload.change'), t('upload.sites'), t('upload.date'), ''], rows, [3]), { id: 'versions' }));
}

/** `sites[1].latitude` → sheet "sites", row 3 (the header is row 1), field "latitude". */
export function locate(path) {
  const match = /^([a-z_]+)(?:\[(\d+)\])?(?:\.(.+))?$/.exec(path || '');
  if (!match) return { sheet: '', row: '', field: path };
  return { sheet: match[1], row: match[2] !== undefined ? Number(match[2]) + 2 : '', field: match[3] || '' };
}

async function upload(event) {
  event.preventDefault();
  const file = $('upload-file').files[0];
  $('upload-errors').replaceChildren();
  if (!file) { $('upload-status').textContent = t('upload.choose'); return; }
  const form = new FormData();
  form.append('file', file);
  const asVersion = document.querySelector('input[name=upload-mode]:checked').value === 'version' && state.inventory;
  try {
    let stored;
    if (asVersion) stored = await api.upload('PUT', `/v1/inventories/${state.inventory.id}/upload`, form, { 'If-Match': state.inventory.etag });
    else stored = await api.upload('POST', '/v1/inventories/upload', form);
    $('upload-status').textContent = t('upload.ok', { name: stored.name, version: stored.latest_version });
    await loadInventories(stored.id);
  } catch (error) {
    const problems = error instanceof ApiError ? error.problem.errors || [] : [];
    $('upload-status').textContent = problems.length ? t('upload.bad', { count: problems.length }) : problemText(error);
    const rows = problems.map((p) => { const at = locate(p.path); return [at.sheet, String(at.row), at.field, p.message]; });
    if (rows.length) $('upload-errors').replaceChildren(Object.assign(table([t('upload.sheet'), t('upload.row'), t('upload.field'), t('upload.message')], rows), { className: 'table problems' }));
  }
}

// -- Pareto ----------------------------------------------------------------------------------------------------
async function renderPareto() {
  // the runs of the selected version only: a scenario is another problem, with its own front
  const finished = state.runs.filter((r) => r.state === 'finished' && !r.scenario_id && r.version === state.version);
  await Promise.all(finished.map((r) => runResult(r.id)));
  const points = finished.map((r) => {
    const totals = state.results.get(r.id).result.totals;
    return { id: r.id, label: `${runLabel(r)} · ${t(`objective.${r.objective}`)}`, value: totals.valorisation_eur_per_yr, co2: totals.co2_avoided_t_per_yr };
  });
  const computed = await serviceFront();
  drawPareto($('pareto'), points, pickParetoPoint, computed);
}

async function pickParetoPoint(id) {
  await selectTab('map');
  await showRun(id);
}

/** The points of the service's epsilon-constraint front of this version (GET /v1/pareto). */
async function serviceFront() {
  // a member sees no front: its points would show other members' totals by scenario
  if (!state.inventory || state.who?.role === 'member') return [];
  const front = await api.get(`/v1/pareto?inventory_id=${state.inventory.id}&version=${state.version}`);
  state.front = front;
  renderRuns(); // the runs of the front are labelled by their CO2 floor
  const done = front.points.filter((p) => p.state === 'finished' && p.valorisation_eur_per_yr !== null);
  // the front proper: the valorisation end, then the epsilon points by CO2 floor (the CO2 end
  // stands in for the last one until it is solved)
  const ordered = [...done.filter((p) => p.role === 'valorisation'), ...done.filter((p) => p.role === 'epsilon')];
  if (!done.some((p) => p.role === 'epsilon')) ordered.push(...done.filter((p) => p.role === 'co2'));
  const busy = front.computing || front.points.some((p) => !OVER.has(p.state));
  $('pareto-status').textContent = busy ? t('pareto.computing', { done: done.length, total: front.points.length })
    : ordered.length ? t('pareto.done', { total: ordered.length }) : '';
  if (front.computing && !state.frontPolling) {
    state.frontPolling = setTimeout(async () => { state.frontPolling = null; await refreshRuns(); if (state.tab === 'pareto') await renderPareto(); }, 1000);
  }
  return ordered.map((p) => ({
    id: p.run_id,
    value: p.valorisation_eur_per_yr,
    co2: p.co2_avoided_t_per_yr,
    label: p.role === 'epsilon' ? t('pareto.epsilon', { floor: tonnes(p.epsilon) }) : t(`pareto.end.${p.role}`),
  }));
}

async function computeFront(event) {
  event.preventDefault();
  showError('pareto-error', null);
  const points = Number($('pareto-points').value) || 5;
  try {
    await api.post('/v1/pareto', { inventory_id: state.inventory.id, version: state.version, points });
  } catch (error) {
    showError('pareto-error', error);
    return;
  }
  await refreshRuns();
  await renderPareto();
}

async function optimiseEnds() {
  for (const objective of ['valorisation', 'co2']) {
    try {
      await api.post('/v1/runs', { inventory_id: state.inventory.id, version: state.version, objective });
    } catch (error) { showError('run-error', error); }
  }
  await refreshRuns();
}

// -- sweeps: many solves, the robust toile ---------------------------------------------------------------
async function refreshSweeps() {
  if (!state.inventory) return;
  const all = await api.get('/v1/sweeps?limit=100');
  state.sweeps = all.filter((s) => s.inventory_id === state.inventory.id);
  renderSweeps();
  const active = state.sweeps.some((s) => !OVER.has(s.state));
  if (active && !state.sweepPolling) state.sweepPolling = setInterval(refreshSweeps, 1000);
  if (!active && state.sweepPolling) { clearInterval(state.sweepPolling); state.sweepPolling = null; }
}

function renderSweeps() {
  const list = $('sweeps');
  if (!state.sweeps?.length) { list.replaceChildren(h('li', {}, t('sweep.none'))); return; }
  list.replaceChildren(...state.sweeps.map((s) => h('li', { 'data-sweep': s.id, 'data-state': s.state },
    h('div', {}, h('strong', {}, t('sweep.label', { version: s.version, total: num(s.total, 0) }))),
    h('div', {}, h('span', { class: `state state-${s.state}` }, t(`state.${s.state}`)), ' · ', date(s.created_at)),
    h('div', { class: 'figures' }, t('sweep.progress', { done: num(s.done, 0), total: num(s.total, 0), failed: num(s.failed, 0) })),
    s.state === 'running' ? h('progress', { max: s.total, value: s.done, 'aria-label': t('sweep.progress', { done: s.done, total: s.total, failed: s.failed }) }) : null,
    s.reason && s.state !== 'finished' ? h('div', { class: 'error reason' }, s.reason) : null,
    s.state === 'finished' ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => showSweep(s.id) }, t('sweep.show'))) : null)));
}

async function startSweep(event) {
  event.preventDefault();
  showError('sweep-error', null);
  const body = { inventory_id: state.inventory.id, version: state.version, draws: Number($('sweep-draws').value) || 0, seed: Number($('sweep-seed').value) || 0 };
  const prices = $('sweep-prices').value.split(/[;]/).map((v) => v.trim()).filter(Boolean);
  if (prices.length) body.grid = { carbon_price: prices.map((v) => (/[a-z€]/i.test(v) ? v : `${v} EUR/t`)) };
  try {
    await api.post('/v1/sweeps', body);
    await refreshSweeps();
  } catch (error) {
    showError('sweep-error', error);
  }
}

async function showSweep(id) {
  const sweep = state.sweeps.find((s) => s.id === id);
  state.sweep = { id, exchanges: await api.get(`/v1/sweeps/${id}/tables/exchanges`) };
  const v = sweep.summary.valorisation_eur_per_yr;
  $('sweep-title').textContent = t('sweep.title', { total: num(sweep.total, 0) });
  $('sweep-summary').textContent = t('sweep.summary', { p10: scaled(v.p10, '€'), p50: scaled(v.p50, '€'), p90: scaled(v.p90, '€') });
  const rows = state.sweep.exchanges.map((e) => [e.from, e.to, e.commodity, percent(e.share_built, 0), quantity(e.p50, e.unit), e.driven_by || '']);
  $('sweep-table').replaceChildren(table([t('compare.from'), t('compare.to'), t('compare.commodity'), t('sweep.share'), t('sweep.p50'), t('sweep.driver')], rows, [3, 4]));
  $('sweep-map').hidden = false;
  document.body.dataset.sweep = id;
}

function robustFeatures(exchanges) {
  const where = new Map((state.content?.sites || []).map((s) => [s.id, [s.longitude, s.latitude]]));
  const features = exchanges.filter((e) => where.has(e.from_id) && where.has(e.to_id)).map((e) => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [where.get(e.from_id), where.get(e.to_id)] },
    properties: { share: e.share_built, from: e.from, to: e.to, commodity: e.commodity },
  }));
  return { type: 'FeatureCollection', features };
}

async function showSweepOnMap() {
  await selectTab('map');
  state.map.showRobust(robustFeatures(state.sweep.exchanges), true);
}

// -- tabs, language, start -------------------------------------------------------------------------------------
const TABS = ['map', 'sankey', 'compare', 'scenarios', 'upload', 'pareto', 'sweeps', 'pathway', 'summary'];

async function selectTab(name, focus = false) {
  state.tab = name;
  for (const tab of TABS) {
    const on = tab === name;
    $(`tab-${tab}`).setAttribute('aria-selected', String(on));
    $(`tab-${tab}`).tabIndex = on ? 0 : -1;
    $(`panel-${tab}`).hidden = !on;
  }
  if (focus) $(`tab-${name}`).focus();
  if (name === 'map' && state.map) state.map.map.resize();
  if (name === 'sankey') await renderSankey();
  if (name === 'pareto') await renderPareto();
  if (name === 'sweeps') await refreshSweeps();
  if (name === 'scenarios') await renderLinkChoices();
  if (name === 'pathway') renderPathwayTab();
  if (name !== 'map' && state.map) state.map.showRobust(null, false);
  resizeAll();
}

function tabKeys(event) {
  const i = TABS.indexOf(state.tab);
  const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 };
  if (!(event.key in moves)) return;
  event.preventDefault();
  selectTab(TABS[(moves[event.key] + TABS.length) % TABS.length], true);
}

function changeLanguage(code) {
  setLanguage(code);
  localStorage.setItem('symbiose.lang', code);
  $('lang').value = code;
  renderWho();
  if (!state.inventory) return;
  renderMember();
  const v = state.inventory.versions.find((x) => x.version === state.version);
  if (v) $('inventory-info').textContent = t('inventory.info', { sites: num(v.sites, 0), links: num(v.links, 0), date: date(v.created_at) });
  renderTargets();
  renderRuns();
  renderCompareChoices();
  renderScenarioForm();
  renderVersions();
  if (state.current) { renderMapTitle(); renderLegend(); renderSummary(); renderSiteJump(); renderPathwayTab(); }
  if (state.site && !$('site-panel').hidden) openSite(state.site);
  if (state.comparison) renderComparison();
  if (state.tab === 'sankey') renderSankey();
  if (state.tab === 'pareto') renderPareto();
  if (state.tab === 'sweeps') renderSweeps();
}

function wire() {
  $('signin-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('key').value.trim()); });
  $('signout').addEventListener('click', signOut);
  $('lang').addEventListener('change', () => changeLanguage($('lang').value));
  $('inventory').addEventListener('change', onInventory);
  $('version').addEventListener('change', () => { state.current = null; onVersion(); });
  $('run-form').addEventListener('submit', startRun);
  $('show-candidates').addEventListener('change', updateCandidates);
  $('show-diff').addEventListener('change', () => { state.map.showDiff(null, $('show-diff').checked); renderLegend(); });
  $('site-jump').addEventListener('change', () => {
    const id = $('site-jump').value;
    if (!id) return;
    openSite(id);
    const f = state.results.get(state.current).geojson.features.find((x) => x.properties.id === id && x.properties.kind === 'site');
    if (f) state.map.flyTo(f.geometry.coordinates);
    $('site-panel').focus();
  });
  $('sankey-group').addEventListener('change', renderSankey);
  const pick = () => choosePeriod({ scenario: $('pathway-scenario').value, year: Number($('pathway-year').value) });
  $('pathway-scenario').addEventListener('change', pick);
  $('pathway-year').addEventListener('change', pick);
  $('compare-go').addEventListener('click', compare);
  $('scenario-form').addEventListener('submit', createScenario);
  $('sc-pin').addEventListener('click', () => chooseLink('pin'));
  $('sc-forbid').addEventListener('click', () => chooseLink('forbid'));
  $('upload-form').addEventListener('submit', upload);
  $('pareto-ends').addEventListener('click', optimiseEnds);
  $('pareto-form').addEventListener('submit', computeFront);
  $('sweep-form').addEventListener('submit', startSweep);
  $('sweep-map').addEventListener('click', showSweepOnMap);
  $('print').addEventListener('click', () => window.print());
  for (const tab of TABS) $(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
  document.querySelector('[role=tablist]').addEventListener('keydown', tabKeys);
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); $('upload-file').files = e.dataTransfer.files; });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('site-panel').hidden) $('site-panel').hidden = true; });
}

async function start() {
  wire();
  const stored = localStorage.getItem('symbiose.lang');
  changeLanguage(stored || (navigator.language || 'en').slice(0, 2));
  state.config = await (await fetch('/ui/config.json')).json();
  // A key in the address's fragment (never sent to the server) signs in at once: the demo
  // script opens http://127.0.0.1:8000/#key=... ; the fragment is then cleared.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) history.replaceState(null, '', location.pathname);
  const key = fromHash || savedKey();
  if (key) await signIn(key);
  document.body.dataset.ready = '1';
}

start();
