// The WebGL map (MapLibre GL JS): sites by sector, hubs, the optimum's links (width by quantity,
// colour by commodity), candidate links on a toggle, a comparison's differences.  Without a
// background tile URL it draws the coastline and borders of Natural Earth (world-atlas, ISC /
// public domain), the outline of Hauts-de-France with its départements and cantons (IGN ADMIN
// EXPRESS, Licence Ouverte, shipped at /ui/geo/) and the dashed extent of the sites, so it
// needs no internet.
import * as maplibregl from '/ui/vendor/maplibre-gl/maplibre-gl.mjs';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#ff7f0e', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#31a354'];
const CHANGE = { appears: '#0d7a34', disappears: '#c0001a', changes: '#d98200' };
const EMPTY = { type: 'FeatureCollection', features: [] };
const NEIGHBOURS = new Set(['250', '056', '826', '528', '276', '442']);
const REGION = '/ui/geo/hauts-de-france.geo.json';
const ATTRIBUTION = '<a href="/ui/vendor/world-atlas/README.md">Natural Earth</a> via world-atlas (<a href="/ui/vendor/world-atlas/LICENSE">ISC</a>)'
  + ' · <a href="/ui/geo/LICENCE.md">IGN ADMIN EXPRESS 2018</a> (Licence Ouverte)';

/** A colour per name, stable for a given list of names. */
export function colours(names) {
  const sorted = [...new Set(names)].sort();
  return Object.fromEntries(sorted.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
}

function matchExpression(property, table, fallback = '#555555') {
  const pairs = Object.entries(table).flat();
  return pairs.length ? ['match', ['get', property], ...pairs, fallback] : fallback;
}

function style(config) {
  const sources = {};
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe9ef' } }];
  if (config.tiles) {
    sources.tiles = { type: 'raster', tiles: [config.tiles], tileSize: 256, attribution: config.tiles_attribution || '' };
    layers.push({ id: 'tiles', type: 'raster', source: 'tiles' });
  }
  return { version: 8, sources, layers };
}

export class ToileMap {
  constructor(container, config, onSite) {
    this.onSite = onSite;
    this.map = new maplibregl.Map({
      container, style: style(config), center: [2.25, 51.03], zoom: 10,
      attributionControl: { compact: true, customAttribution: ATTRIBUTION },
      fadeDuration: 0,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
    this.ready = new Promise((resolve) => this.map.on('load', () => { this.addLayers(); resolve(); }));
    this.sectorColours = {};
    this.commodityColours = {};
  }

  addLayers() {
    const m = this.map;
    for (const id of ['outline', 'region', 'extent', 'candidates', 'links', 'diff', 'robust', 'sites']) m.addSource(id, { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'land', type: 'fill', source: 'outline', paint: { 'fill-color': '#f7f5ee', 'fill-opacity': 0.9 } });
    m.addLayer({ id: 'borders', type: 'line', source: 'outline', paint: { 'line-color': '#7a7a7a', 'line-width': 1 } });
    // the region (pale fill, dark outline), its départements, its cantons (the Sankey's zones) when zoomed in
    m.addLayer({ id: 'region-fill', type: 'fill', source: 'region', filter: ['==', ['get', 'level'], 'region'],
      paint: { 'fill-color': '#fbf8ec', 'fill-opacity': 0.9 } });
    m.addLayer({ id: 'region-cantons', type: 'line', source: 'region', minzoom: 8, filter: ['==', ['get', 'level'], 'canton'],
      paint: { 'line-color': '#b5b0a0', 'line-width': 0.6, 'line-dasharray': [2, 2] } });
    m.addLayer({ id: 'region-departements', type: 'line', source: 'region', filter: ['==', ['get', 'level'], 'departement'],
      paint: { 'line-color': '#8a8470', 'line-width': 1 } });
    m.addLayer({ id: 'region-outline', type: 'line', source: 'region', filter: ['==', ['get', 'level'], 'region'],
      paint: { 'line-color': '#3d3a30', 'line-width': 2 } });
    m.addLayer({ id: 'extent', type: 'line', source: 'extent', paint: { 'line-color': '#0b5c7a', 'line-width': 1.5, 'line-dasharray': [3, 2] } });
    m.addLayer({ id: 'candidates', type: 'line', source: 'candidates', layout: { visibility: 'none' },
      paint: { 'line-color': '#6b6b6b', 'line-width': 2, 'line-dasharray': [2, 2], 'line-opacity': 0.8 } });
    // a pathway's no-regret links (built now in every scenario's own optimum): a gold casing
    m.addLayer({ id: 'noregret', type: 'line', source: 'links', filter: ['==', ['get', 'no_regret'], true],
      layout: { 'line-cap': 'round' }, paint: { 'line-color': '#d4a017', 'line-width': ['+', ['get', 'w'], 6], 'line-opacity': 0.75 } });
    m.addLayer({ id: 'links', type: 'line', source: 'links',
      paint: { 'line-color': '#555', 'line-width': ['get', 'w'], 'line-opacity': 0.85 } });
    m.addLayer({ id: 'diff', type: 'line', source: 'diff', layout: { visibility: 'none', 'line-cap': 'round' },
      paint: { 'line-color': matchExpression('change', CHANGE), 'line-width': 5, 'line-opacity': 0.9 } });
    // a sweep's exchanges, width by the share of draws in which each is built
    m.addLayer({ id: 'robust', type: 'line', source: 'robust', layout: { visibility: 'none', 'line-cap': 'round' },
      paint: { 'line-color': ['case', ['>=', ['get', 'share'], 0.9], '#1a7f37', '#b35900'],
        'line-width': ['+', 1, ['*', 7, ['get', 'share']]], 'line-opacity': 0.9 } });
    m.addLayer({ id: 'sites', type: 'circle', source: 'sites', paint: {
      'circle-radius': ['case', ['get', 'hub'], 8, 5],
      'circle-color': '#555',
      'circle-stroke-color': ['case', ['get', 'hub'], '#000000', '#ffffff'],
      'circle-stroke-width': ['case', ['get', 'hub'], 2.5, 1],
    } });
    m.on('click', 'sites', (e) => this.onSite(e.features[0].properties.id));
    // a candidate link picked on the map, for the scenario form's pin / forbid
    m.on('click', 'candidates', (e) => { if (this.onCandidate) this.onCandidate(e.features[0].properties); });
    m.on('mouseenter', 'candidates', () => { m.getCanvas().style.cursor = 'pointer'; });
    m.on('mouseleave', 'candidates', () => { m.getCanvas().style.cursor = ''; });
    m.on('mouseenter', 'sites', () => { m.getCanvas().style.cursor = 'pointer'; });
    m.on('mouseleave', 'sites', () => { m.getCanvas().style.cursor = ''; });
    this.loadOutline();
  }

  async loadOutline() {
    // Hauts-de-France, its départements and cantons: the shipped open-licensed boundary file.
    this.region = await (await fetch(REGION)).json();
    this.map.getSource('region').setData(this.region);
    // Natural Earth 1:50m countries: the coast and borders around the territory.
    const topo = await (await fetch('/ui/vendor/world-atlas/countries-50m.json')).json();
    const all = window.topojson.feature(topo, topo.objects.countries);
    const features = all.features.filter((f) => NEIGHBOURS.has(String(f.id)));
    this.map.getSource('outline').setData({ type: 'FeatureCollection', features });
  }

  /** Draw a run's GeoJSON (sites and links in use) and frame it. */
  showToile(collection, { fit = true } = {}) {
    // Links are the lines (their `kind` property is the link's kind: pipeline, truck...).
    const sites = collection.features.filter((f) => f.geometry.type === 'Point');
    const links = collection.features.filter((f) => f.geometry.type === 'LineString');
    this.sectorColours = colours(sites.map((f) => f.properties.sector || '—'));
    this.commodityColours = colours(links.map((f) => firstCommodity(f)));
    this.map.setPaintProperty('sites', 'circle-color', matchExpression('sector', this.sectorColours));
    this.map.setPaintProperty('links', 'line-color', matchExpression('commodity', this.commodityColours));
    this.map.getSource('sites').setData({ type: 'FeatureCollection', features: sites });
    this.map.getSource('links').setData({ type: 'FeatureCollection', features: withWidths(links) });
    this.map.getSource('extent').setData(hull(sites));
    if (fit && sites.length) this.fit(sites);
  }

  /** Frame the territory: the sites near its centre, not a far-away outlet (an offshore store). */
  fit(points) {
    const near = core(points.map((f) => f.geometry.coordinates));
    const xs = near.map((c) => c[0]);
    const ys = near.map((c) => c[1]);
    this.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]],
      { padding: 60, duration: 0, maxZoom: 13 });
  }

  showCandidates(collection, visible) {
    if (collection) this.map.getSource('candidates').setData(collection);
    this.map.setLayoutProperty('candidates', 'visibility', visible ? 'visible' : 'none');
  }

  showDiff(collection, visible) {
    if (collection) this.map.getSource('diff').setData(collection);
    this.map.setLayoutProperty('diff', 'visibility', visible ? 'visible' : 'none');
    this.map.setPaintProperty('links', 'line-opacity', visible ? 0.25 : 0.85);
  }

  /** A sweep's exchanges by robustness (green: built in at least 90 % of the draws). */
  showRobust(collection, visible) {
    if (!this.map.getLayer('robust')) return; // not loaded yet: nothing drawn to hide
    if (collection) this.map.getSource('robust').setData(collection);
    this.map.setLayoutProperty('robust', 'visibility', visible ? 'visible' : 'none');
    this.map.setPaintProperty('links', 'line-opacity', visible ? 0.2 : 0.85);
  }

  /** The features drawn on screen in `layer` (what the browser tests check). */
  rendered(layer) {
    return this.map.queryRenderedFeatures({ layers: [layer] });
  }

  flyTo(coordinates) { this.map.easeTo({ center: coordinates, duration: 300 }); }
}

export function firstCommodity(feature) {
  return String(feature.properties.commodities || feature.properties.commodity || '').split(',')[0].trim();
}

/** The points within three times the median distance from the median point. */
function core(coords) {
  const median = (values) => { const v = [...values].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
  const centre = [median(coords.map((c) => c[0])), median(coords.map((c) => c[1]))];
  const dist = coords.map((c) => Math.hypot(c[0] - centre[0], (c[1] - centre[1]) * 1.5));
  const limit = 3 * Math.max(median(dist), 1e-3);
  const kept = coords.filter((_, i) => dist[i] <= limit);
  return kept.length ? kept : coords;
}

/** Width by quantity: within a commodity, 1.5 px to 10 px by the square root of the flow. */
function withWidths(links) {
  const most = {};
  for (const f of links) {
    const c = firstCommodity(f);
    most[c] = Math.max(most[c] || 0, Math.abs(Number(f.properties.flow) || 0));
  }
  return links.map((f) => {
    const c = firstCommodity(f);
    const share = most[c] > 0 ? Math.abs(Number(f.properties.flow) || 0) / most[c] : 0;
    return { ...f, properties: { ...f.properties, commodity: c, w: 1.5 + 8.5 * Math.sqrt(share) } };
  });
}

/** The convex hull of the sites (monotone chain), as a closed dashed line. */
export function hull(points) {
  const pts = points.map((f) => f.geometry.coordinates).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return EMPTY;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list) => {
    const out = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  const ring = [...half(pts), ...half([...pts].reverse())];
  ring.push(ring[0]);
  return { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: ring } }] };
}

export const CHANGE_COLOURS = CHANGE;
