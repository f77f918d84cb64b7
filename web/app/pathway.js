// A pathway run on the page: the timeline of what is built when (shared builds and each
// scenario's), the periods' and scenarios' totals with their regrets, and the map of one
// period of one scenario (the run's GeoJSON tags every feature with its scenario and year).
import { t, euros, tonnes, num } from './i18n.js';

/** Whether a result document is a pathway's. */
export function isPathway(result) { return Boolean(result && result.kind === 'pathway'); }

/** The default choice of a pathway: its first scenario and first period. */
export function firstChoice(result) {
  return { scenario: (result.scenario_names || ['base'])[0], year: (result.years || [])[0] };
}

/** The result and GeoJSON of one (scenario, year), as the page draws a single year's. */
export function periodView(result, geojson, choice) {
  const mine = (row) => row.scenario === choice.scenario && row.year === choice.year;
  const tables = { ...result.tables };
  for (const name of ['flows', 'built_links', 'converters', 'marginal_values']) {
    if (tables[name]) tables[name] = tables[name].filter(mine);
  }
  const period = (result.tables.periods || []).find(mine);
  const totals = period
    ? { valorisation_eur_per_yr: period.valorisation, co2_avoided_t_per_yr: period.co2_avoided, investment_eur: period.investment }
    : result.totals;
  const features = geojson.features.filter((f) => f.properties.scenario === choice.scenario && f.properties.year === choice.year);
  return { result: { ...result, tables, totals }, geojson: { type: 'FeatureCollection', features } };
}

/** Fill the period and scenario pickers of the map with the pathway's choices. */
export function renderPickers(h, scenarioSelect, yearSelect, result, choice) {
  scenarioSelect.replaceChildren(...(result.scenario_names || []).map((name) => h('option', { value: name }, name)));
  yearSelect.replaceChildren(...(result.years || []).map((year) => h('option', { value: String(year) }, String(year))));
  scenarioSelect.value = choice.scenario;
  yearSelect.value = String(choice.year);
}

function builds(result, scenario) {
  return (result.tables.schedule || []).filter((row) => row.shared || row.scenario === scenario);
}

/** One timeline cell: ● (built that period), ━ (in service), or nothing. */
function cell(row, year) {
  if (row.year === year) return `● ${euros(row.investment_eur).replace(t('per_year'), '')}`;
  if (row.year < year && year < row.until) return '━';
  return '';
}

/** The Pathway tab: the timeline, the periods, the scenarios and their regrets. */
export function renderPathway(h, box, result, choice, onPick) {
  if (!isPathway(result)) { box.replaceChildren(h('p', { class: 'hint' }, t('pathway.none'))); return; }
  const years = result.years || [];
  const head = h('tr', {}, h('th', { scope: 'col' }, t('pathway.item')), h('th', { scope: 'col' }, t('pathway.scenario')),
    years.map((year) => h('th', { scope: 'col', class: year === choice.year ? 'num current' : 'num' },
      h('button', { type: 'button', 'data-year': year, onclick: () => onPick({ ...choice, year }) }, String(year)))));
  const rows = builds(result, choice.scenario).map((row) => h('tr', { 'data-item': row.item, class: row.no_regret ? 'noregret' : '' },
    h('td', {}, row.item, row.no_regret ? h('span', { class: 'badge noregret' }, t('pathway.noregret')) : null,
      row.hedge_only ? h('span', { class: 'badge hedge' }, t('pathway.hedge')) : null),
    h('td', {}, row.shared ? t('pathway.all') : row.scenario),
    years.map((year) => h('td', { class: year === choice.year ? 'num current' : 'num', 'data-year': year }, cell(row, year)))));
  const timeline = h('table', { class: 'table timeline', id: 'timeline' }, h('thead', {}, head), h('tbody', {}, rows));
  const periods = (result.tables.periods || []).filter((p) => p.scenario === choice.scenario);
  const periodTable = h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('pathway.year')), h('th', { class: 'num' }, t('total.valorisation_eur_per_yr')),
      h('th', { class: 'num' }, t('total.co2_avoided_t_per_yr')), h('th', { class: 'num' }, t('pathway.invested')))),
    h('tbody', {}, periods.map((p) => h('tr', {}, h('td', {}, `${p.year}–${p.until}`), h('td', { class: 'num' }, euros(p.valorisation)),
      h('td', { class: 'num' }, tonnes(p.co2_avoided)), h('td', { class: 'num' }, euros(p.investment).replace(t('per_year'), ''))))));
  const parts = [
    h('p', { id: 'pathway-head' }, t('pathway.head', { value: euros(result.totals.valorisation_eur_per_yr), npv: euros(result.totals.npv_eur).replace(t('per_year'), '') })),
    h('h3', {}, t('pathway.timeline')), timeline,
    h('h3', {}, t('pathway.periods', { scenario: choice.scenario })), periodTable,
  ];
  const scenarios = result.tables.scenarios || [];
  if (scenarios.length > 1) {
    const value = (x) => (x === null || x === undefined ? '—' : euros(x));
    parts.push(h('h3', {}, t('pathway.scenarios')), h('table', { class: 'table', id: 'pathway-scenarios' },
      h('thead', {}, h('tr', {}, [t('pathway.scenario'), t('pathway.probability'), t('pathway.value'), t('pathway.own'), t('pathway.regret')]
        .map((x, i) => h('th', { class: i ? 'num' : '' }, x)))),
      h('tbody', {}, scenarios.map((s) => h('tr', { 'data-scenario': s.scenario }, h('td', {}, s.scenario), h('td', { class: 'num' }, num(s.probability)),
        h('td', { class: 'num' }, value(s.value)), h('td', { class: 'num' }, value(s.own_optimum)), h('td', { class: 'num' }, value(s.regret)))))));
    const m = result.measures || {};
    parts.push(h('p', { id: 'pathway-measures' }, t('pathway.measures', { evpi: value(m.evpi), vss: value(m.vss) })));
  }
  box.replaceChildren(...parts);
}
