// overview.js - the park at a glance: the live power flow (PV, wind,
// battery, grid, loads, data center, with kW and direction), today's energy
// by source and use, and gauges for green share (hourly matched and
// volumetric), self-sufficiency, carbon this year against the budget and
// PUE. Every figure is a field of /api/v1/status; updates come from the
// status events without reloading.
import { digitsFor, esc, fmtNum, fmtPct, fmtTime } from '../api.js';
import { chart, draw, palette } from '../charts.js';
import { t } from '../i18n.js';

const TODAY_KEYS = ['pv', 'wind', 'battery_discharge', 'grid_import', 'load', 'datacenter',
  'battery_charge', 'grid_export'];
const EMISSION_KEYS = ['scope1', 'scope2_location', 'scope2_market'];

let root = null;

// The flows the park has: PV and wind only with such components, the
// battery only with storage, the data center only when there is one.
function flowKeys(info) {
  const c = (info && info.components) || {};
  const keys = [];
  if (c.pv && c.pv.length) keys.push('pv');
  if (c.wind && c.wind.length) keys.push('wind');
  if (c.storage && c.storage.length) keys.push('battery');
  keys.push('grid', 'load');
  if (c.datacenter) keys.push('datacenter');
  return keys;
}

function direction(key, kw) {
  if (kw === null || kw === undefined || Math.abs(kw) < 1e-9) return t('flow.idle');
  if (key === 'battery') return kw > 0 ? t('flow.discharging') : t('flow.charging');
  if (key === 'grid') return kw > 0 ? t('flow.importing') : t('flow.exporting');
  if (key === 'pv' || key === 'wind') return t('flow.producing');
  return t('flow.consuming');
}

// Positions of the nodes around the park's bus (graph coordinates).
const POS = {
  pv: [50, 30], wind: [50, 170], battery: [200, 200], grid: [200, 0],
  load: [350, 30], datacenter: [350, 170], bus: [200, 100],
};

// Power flows into the bus from supplies and out of it to uses; the sign of
// the API's battery and grid figures gives the direction.
function flowOption(info, s) {
  const keys = flowKeys(info);
  const f = (s && s.flows_kw) || {};
  const maxKw = Math.max(1, ...keys.map((k) => Math.abs(Number(f[k]) || 0)));
  const nodes = [{
    name: 'bus', x: POS.bus[0], y: POS.bus[1], symbol: 'circle', symbolSize: 34,
    itemStyle: { color: palette.bus }, label: { show: true, formatter: t('flow.bus'), color: '#fff', position: 'inside' },
  }];
  const links = [];
  for (const k of keys) {
    const kw = f[k];
    const v = Number(kw) || 0;
    let name = t('flow.' + k);
    if (k === 'battery' && s && s.soc !== null && s.soc !== undefined) name += ` · ${fmtPct(s.soc, 0)}`;
    const label = `${name}\n${fmtNum(kw, digitsFor(kw))} kW`;
    nodes.push({
      name: k, x: POS[k][0], y: POS[k][1], symbol: 'roundRect', symbolSize: [108, 50],
      itemStyle: { color: palette[k] },
      label: { show: true, formatter: label, color: '#fff', position: 'inside', lineHeight: 15 },
      value: kw,
    });
    const supply = k === 'pv' || k === 'wind' || ((k === 'battery' || k === 'grid') && v > 0);
    const idle = Math.abs(v) < 1e-9;
    links.push({
      source: supply ? k : 'bus',
      target: supply ? 'bus' : k,
      value: Math.abs(v),
      symbol: idle ? ['none', 'none'] : ['none', 'arrow'],
      lineStyle: {
        width: idle ? 1 : 1.5 + 7 * Math.abs(v) / maxKw,
        color: palette[k], type: idle ? 'dashed' : 'solid', opacity: 0.85,
      },
      label: { show: !idle, formatter: `${fmtNum(Math.abs(v), digitsFor(v))} kW`, fontSize: 11 },
    });
  }
  return {
    animation: false,
    tooltip: { show: false },
    series: [{
      type: 'graph', layout: 'none', roam: false, data: nodes, links,
      edgeSymbolSize: 12, left: 60, right: 60, top: 36, bottom: 44,
      emphasis: { disabled: true },
    }],
  };
}

// One gauge of the indicators chart (all gauges share one ECharts instance,
// side by side; the captions under it are HTML).
function gaugeSeries(name, value, min, max, unit, color, digits) {
  return {
    type: 'gauge', min, max, startAngle: 210, endAngle: -30, radius: '88%',
    progress: { show: true, width: 12, itemStyle: { color } },
    axisLine: { lineStyle: { width: 12 } },
    splitNumber: 4, axisTick: { show: false }, splitLine: { length: 6, distance: 2, lineStyle: { width: 1 } },
    axisLabel: {
      distance: 14, fontSize: 10,
      formatter: (v) => (max >= 10000 ? `${fmtNum(v / 1000, 0)}k` : fmtNum(v, max - min < 5 ? 1 : 0)),
    },
    pointer: { show: false },
    anchor: { show: false },
    title: { show: false },
    detail: {
      valueAnimation: false, offsetCenter: [0, '10%'], fontSize: 18,
      formatter: (v) => (value === null ? '—' : `${fmtNum(v, digits)}${unit}`),
    },
    data: [{ value: value === null ? min : value, name }],
  };
}

function gaugesOption(gs) {
  const n = gs.length;
  return {
    animation: false,
    series: gs.map((g, i) => ({ ...g.series, center: [`${((i + 0.5) * 100) / n}%`, '58%'] })),
  };
}

function gauges(info, s) {
  const today = (s && s.today) || {};
  const gs = today.green_share || {};
  const year = (s && s.year) || {};
  const pct = (x) => (x === null || x === undefined ? null : Number(x) * 100);
  const pueMax = Math.max(2, (info.targets && info.targets.max_pue) ? info.targets.max_pue * 1.25 : 0);
  const out = [
    { id: 'gauge-hourly', key: 'today.green_share.hourly_matched', raw: gs.hourly_matched,
      text: fmtPct(gs.hourly_matched), label: t('gauge.hourly'),
      series: gaugeSeries('hourly', pct(gs.hourly_matched), 0, 100, ' %', palette.wind, 1) },
    { id: 'gauge-volumetric', key: 'today.green_share.volumetric', raw: gs.volumetric,
      text: fmtPct(gs.volumetric), label: t('gauge.volumetric'),
      series: gaugeSeries('volumetric', pct(gs.volumetric), 0, 100, ' %', palette.pv, 1) },
    { id: 'gauge-self', key: 'today.self_sufficiency', raw: today.self_sufficiency,
      text: fmtPct(today.self_sufficiency), label: t('gauge.self'),
      series: gaugeSeries('self', pct(today.self_sufficiency), 0, 100, ' %', palette.battery, 1) },
  ];
  const b = year.budget_t;
  if (b !== null && b !== undefined && b > 0) {
    // The arc runs from 0 to the budget; the value is the API's tonnes.
    const used = year.emissions_t === null || year.emissions_t === undefined ? null : Number(year.emissions_t);
    out.push({ id: 'gauge-budget', key: 'year.emissions_t', raw: year.emissions_t,
      text: t('gauge.ytd', { v: fmtNum(year.emissions_t, 1), b: fmtNum(b, 0), p: fmtNum(year.projected_t, 1) }),
      label: t('gauge.budget'),
      series: gaugeSeries('budget', used, 0, Number(b), ' t', used !== null && used > b ? palette.projection : palette.budget, 0) });
  } else {
    out.push({ id: 'gauge-budget', key: 'year.emissions_t', raw: year.emissions_t,
      text: `${t('gauge.ytd_nobudget', { v: fmtNum(year.emissions_t, 1), p: fmtNum(year.projected_t, 1) })} · ${t('gauge.nobudget')}`,
      label: t('gauge.budget'),
      series: gaugeSeries('budget', null, 0, 100, ' %', palette.budget, 1) });
  }
  if (info.components && info.components.datacenter) {
    out.push({ id: 'gauge-pue', key: 'today.pue', raw: today.pue,
      text: fmtNum(today.pue, 3), label: t('gauge.pue'),
      series: gaugeSeries('pue', today.pue === null || today.pue === undefined ? null : Number(today.pue), 1, pueMax, '', palette.datacenter, 3) });
  }
  return out;
}

function todayOption(s) {
  const e = (s && s.today && s.today.energy_kwh) || {};
  const keys = TODAY_KEYS.filter((k) => e[k] !== undefined && e[k] !== null);
  const colors = { pv: palette.pv, wind: palette.wind, battery_discharge: palette.battery,
    battery_charge: palette.battery, grid_import: palette.grid, grid_export: palette.grid,
    load: palette.load, datacenter: palette.datacenter };
  return {
    animation: false,
    grid: { left: 130, right: 70, top: 10, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', name: 'kWh', nameLocation: 'end' },
    yAxis: { type: 'category', inverse: true, data: keys.map((k) => t('today.' + k)) },
    series: [{
      type: 'bar', name: 'kWh',
      data: keys.map((k) => ({ value: e[k], itemStyle: { color: colors[k] } })),
      label: { show: true, position: 'right', formatter: (p) => fmtNum(p.value, digitsFor(p.value)) },
    }],
  };
}

function flowRows(info, s) {
  const f = (s && s.flows_kw) || {};
  return flowKeys(info).map((k) => `<tr><th>${esc(t('flow.' + k))}</th>` +
    `<td class="num" data-key="flows_kw.${k}" data-value="${esc(f[k])}">${esc(fmtNum(f[k], 1))}</td>` +
    `<td class="unit">kW</td><td class="dir">${esc(direction(k, f[k]))}</td></tr>`).join('') +
    (s && s.soc !== null && s.soc !== undefined
      ? `<tr><th>${esc(t('flow.soc'))}</th><td class="num" data-key="soc" data-value="${esc(s.soc)}">` +
        `${esc(fmtNum(s.soc * 100, 1))}</td><td class="unit">%</td><td></td></tr>` : '');
}

function todayRows(s) {
  const today = (s && s.today) || {};
  const e = today.energy_kwh || {};
  const em = today.emissions_kg || {};
  const rows = TODAY_KEYS.filter((k) => e[k] !== undefined && e[k] !== null).map((k) =>
    `<tr><th>${esc(t('today.' + k))}</th><td class="num" data-key="today.energy_kwh.${k}" ` +
    `data-value="${esc(e[k])}">${esc(fmtNum(e[k], 1))}</td><td class="unit">kWh</td></tr>`);
  rows.push(`<tr class="sep"><th colspan="3">${esc(t('today.emissions'))}</th></tr>`);
  for (const k of EMISSION_KEYS) {
    if (em[k] === undefined) continue;
    rows.push(`<tr><th>${esc(t(k))}</th><td class="num" data-key="today.emissions_kg.${k}" ` +
      `data-value="${esc(em[k])}">${esc(fmtNum(em[k], 1))}</td><td class="unit">kg CO2e</td></tr>`);
  }
  return rows.join('');
}

function render(ctx) {
  const s = ctx.status;
  const jobs = [];
  root.querySelector('.flow-time').textContent = s ? t('flow.at', { time: fmtTime(s.time, 'seconds') }) : '';
  root.querySelector('.flow-table tbody').innerHTML = flowRows(ctx.info, s);
  root.querySelector('.today-table tbody').innerHTML = todayRows(s);
  const gs = gauges(ctx.info, s);
  const caps = root.querySelector('.gauge-captions');
  if (caps.children.length !== gs.length) {
    caps.style.gridTemplateColumns = `repeat(${gs.length}, minmax(0, 1fr))`;
    caps.innerHTML = gs.map((g) => `<div class="gauge" id="${g.id}"><span class="gauge-label"></span>` +
      '<span class="gauge-val"></span></div>').join('');
  }
  for (const g of gs) {
    const cap = caps.querySelector('#' + g.id);
    cap.querySelector('.gauge-label').textContent = g.label;
    const val = cap.querySelector('.gauge-val');
    val.textContent = g.text;
    val.dataset.key = g.key;
    val.dataset.value = g.raw === null || g.raw === undefined ? '' : String(g.raw);
  }
  // Charts after every DOM write, so that their sizes cost one layout.
  jobs.push(draw(chart(root.querySelector('.flow-chart'), 'flow'), flowOption(ctx.info, s)));
  jobs.push(draw(chart(root.querySelector('.today-chart'), 'today'), todayOption(s)));
  jobs.push(draw(chart(root.querySelector('.gauges-chart'), 'gauges'), gaugesOption(gs)));
  return Promise.all(jobs);
}

export default {
  async mount(el, ctx) {
    root = el;
    el.innerHTML = `
      <div class="grid2">
        <section class="card">
          <h2>${esc(t('flow.title'))} <small class="flow-time"></small></h2>
          <div class="chart flow-chart"></div>
          <table class="kv flow-table"><tbody></tbody></table>
        </section>
        <section class="card">
          <h2>${esc(t('today.title'))}</h2>
          <div class="chart today-chart"></div>
          <table class="kv today-table"><tbody></tbody></table>
        </section>
      </div>
      <section class="card">
        <h2>${esc(t('gauge.title'))}</h2>
        <div class="chart gauges-chart"></div>
        <div class="gauge-captions"></div>
      </section>`;
    await render(ctx);
  },
  update(s, ctx) {
    if (root && root.isConnected) render(ctx);
  },
  unmount() {
    root = null;
  },
};
