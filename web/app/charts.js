// The Sankey of an optimum and the Pareto chart (Apache ECharts, canvas renderer).
import * as echarts from '/ui/vendor/echarts/echarts.esm.min.mjs';
import { t, euros, tonnes, quantity, percent, scaled } from './i18n.js';
import { colours } from './map.js';

const charts = new Map();

function chart(element) {
  let instance = charts.get(element);
  if (!instance) {
    instance = echarts.init(element, null, { renderer: 'canvas' });
    charts.set(element, instance);
    new ResizeObserver(() => instance.resize()).observe(element);
  }
  return instance;
}

const KIND_COLOURS = { commodity: '#6b6b6b', hub: '#000000', converter: '#7b4173' };

/** Draw the Sankey served by GET /v1/runs/{id}/sankey. */
export function drawSankey(element, data) {
  const sectors = colours(data.nodes.filter((n) => n.kind !== 'commodity').map((n) => n.sector || n.label));
  const commodities = colours(data.nodes.filter((n) => n.kind === 'commodity').map((n) => n.label));
  const nodes = data.nodes.map((n) => ({
    name: n.id,
    depth: n.depth,
    value: undefined,
    label: { formatter: n.kind === 'hub' ? `${n.label} (${t('site.hub')})` : n.label },
    itemStyle: { color: n.kind === 'commodity' ? commodities[n.label] : KIND_COLOURS[n.kind] || sectors[n.sector || n.label] },
    kind: n.kind,
    title: n.label,
  }));
  const links = data.links.map((l) => ({
    source: l.source, target: l.target, value: l.value,
    lineStyle: { color: commodities[l.commodity] || '#999', opacity: 0.45 },
    detail: l,
  }));
  const instance = chart(element);
  instance.setOption({
    animation: false,
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        if (p.dataType === 'node') return p.data.title;
        const d = p.data.detail;
        return `${d.commodity}: ${quantity(d.quantity, d.unit)}<br>${euros(d.value_eur)} · ${percent(d.share, 1)}`;
      },
    },
    series: [{
      type: 'sankey', data: nodes, links, nodeAlign: 'justify', layoutIterations: 32,
      emphasis: { focus: 'adjacency' }, nodeGap: 10, left: 10, right: 230,
      label: { color: '#1a1a1a', fontSize: 12, width: 220, overflow: 'truncate' },
    }],
  }, true);
  return instance;
}

/**
 * The runs as points (CO2 avoided, valorisation); the non-dominated ones joined as the front.
 * `computed` are the points of the service's epsilon-constraint front (GET /v1/pareto), drawn
 * as diamonds joined in order of their CO2 floor.
 */
export function drawPareto(element, points, onPick, computed = []) {
  const front = points
    .filter((p) => !points.some((q) => q !== p && q.co2 >= p.co2 && q.value >= p.value && (q.co2 > p.co2 || q.value > p.value)))
    .sort((a, b) => a.co2 - b.co2);
  const instance = chart(element);
  instance.setOption({
    animation: false,
    grid: { left: 110, right: 30, top: 30, bottom: 60 },
    tooltip: { trigger: 'item', formatter: (p) => `${p.data.label}<br>${euros(p.data.value[1])}<br>${tonnes(p.data.value[0])}` },
    legend: { data: [t('pareto.runs'), t('pareto.front'), t('pareto.service')], top: 0, right: 10 },
    xAxis: { type: 'value', name: t('pareto.x'), nameLocation: 'middle', nameGap: 35, scale: true,
      axisLabel: { formatter: (v) => scaled(v, 't', 4) } },
    yAxis: { type: 'value', name: t('pareto.y'), scale: true,
      axisLabel: { formatter: (v) => scaled(v, '€', 4) } },
    series: [
      { name: t('pareto.runs'), type: 'scatter', symbolSize: 14, itemStyle: { color: '#0b5c7a' },
        data: points.map((p) => ({ value: [p.co2, p.value], label: p.label, id: p.id })) },
      { name: t('pareto.front'), type: 'line', step: false, itemStyle: { color: '#d62728' }, symbol: 'none',
        data: front.map((p) => ({ value: [p.co2, p.value], label: p.label, id: p.id })) },
      { name: t('pareto.service'), type: 'line', symbol: 'diamond', symbolSize: 16, itemStyle: { color: '#b35900' },
        lineStyle: { type: 'dashed' }, z: 5,
        data: computed.map((p) => ({ value: [p.co2, p.value], label: p.label, id: p.id })) },
    ],
  }, true);
  instance.off('click');
  instance.on('click', (p) => { if (p.data && p.data.id) onPick(p.data.id); });
  return instance;
}

/** The chart drawn in `element` (the browser tests read its option). */
export function chartOf(element) { return charts.get(element); }

export function resizeAll() { for (const c of charts.values()) c.resize(); }
