// plan.js - the control loop's current plan (/api/v1/plan): battery state
// of charge and power, grid import and export, PV and loads over the plan's
// horizon, which forecast it used (live or the model's) and the history it
// had, with a demand charge the month's peak import so far and as planned
// and its charge, the forecasts against the measured values, the setpoints as
// requested and as written, and the alerts (/api/v1/alerts). Refreshed every
// few ticks so a new plan appears without reloading.
import { api, digitsFor, esc, fmtNum, fmtTime, parseTime, toPark } from '../api.js';
import { chart, draw, palette } from '../charts.js';
import { t } from '../i18n.js';

const REFRESH_TICKS = 6; // plan and alerts again every 6 ticks (30 s)

let root = null;
let ticks = 0;
let lastCreated = null;

function xy(rows, key) {
  return rows.map((r) => [toPark(parseTime(r.t)), r[key] === undefined ? null : r[key]]);
}

function timeAxis() {
  return { type: 'time' };
}

function batteryOption(steps) {
  return {
    animation: false,
    grid: { left: 64, right: 56, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: timeAxis(),
    yAxis: [{ type: 'value', name: 'kW' }, { type: 'value', name: '%', min: 0, max: 100 }],
    series: [
      { type: 'bar', name: t('plan.battery_kw'), data: xy(steps, 'battery_kw'), itemStyle: { color: palette.battery },
        tooltip: { valueFormatter: (v) => `${fmtNum(v, digitsFor(v))} kW` } },
      { type: 'line', name: t('plan.soc'), yAxisIndex: 1, showSymbol: false, itemStyle: { color: palette.bus },
        data: steps.map((r) => [toPark(parseTime(r.t)), r.soc === null || r.soc === undefined ? null : r.soc * 100]),
        tooltip: { valueFormatter: (v) => `${fmtNum(v, 1)} %` } },
    ],
  };
}

function gridOption(steps) {
  const keys = ['grid_import_kw', 'grid_export_kw', 'pv_kw', 'wind_kw', 'load_kw'];
  const colors = { grid_import_kw: palette.grid, grid_export_kw: '#adb5bd', pv_kw: palette.pv, wind_kw: palette.wind, load_kw: palette.load };
  return {
    animation: false,
    grid: { left: 64, right: 24, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, digitsFor(v))} kW` },
    xAxis: timeAxis(),
    yAxis: { type: 'value', name: 'kW' },
    series: keys.filter((k) => steps.some((r) => r[k] !== undefined && r[k] !== null)).map((k) => ({
      type: 'line', name: t('plan.' + k), showSymbol: false, data: xy(steps, k), itemStyle: { color: colors[k] },
      areaStyle: k === 'grid_import_kw' ? { opacity: 0.15 } : undefined,
    })),
  };
}

function forecastOption(steps, actuals) {
  return {
    animation: false,
    grid: { left: 64, right: 24, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, digitsFor(v))} kW` },
    xAxis: timeAxis(),
    yAxis: { type: 'value', name: 'kW' },
    series: [
      { type: 'line', name: t('plan.pv_forecast_kw'), showSymbol: false, data: xy(steps, 'pv_forecast_kw'),
        lineStyle: { type: 'dashed' }, itemStyle: { color: palette.pv } },
      { type: 'line', name: t('plan.pv_actual'), showSymbol: false, data: xy(actuals, 'pv_kw'), itemStyle: { color: '#b07d00' } },
      { type: 'line', name: t('plan.load_forecast_kw'), showSymbol: false, data: xy(steps, 'load_forecast_kw'),
        lineStyle: { type: 'dashed' }, itemStyle: { color: palette.load } },
      { type: 'line', name: t('plan.load_actual'), showSymbol: false, data: xy(actuals, 'load_kw'), itemStyle: { color: '#9d3a22' } },
    ],
  };
}

function setpointRows(sp) {
  if (!sp.length) return `<tr><td colspan="7">${esc(t('plan.nosetpoints'))}</td></tr>`;
  return sp.map((s) => `<tr data-storage="${esc(s.storage)}"><td>${esc(s.storage)}</td><td>${esc(s.device || '—')}</td>` +
    `<td class="num" data-key="requested_kw" data-value="${esc(s.requested_kw)}">${esc(fmtNum(s.requested_kw, 1))} kW</td>` +
    `<td class="num" data-key="applied_kw" data-value="${esc(s.applied_kw)}">${esc(fmtNum(s.applied_kw, 1))} kW</td>` +
    `<td>${esc(s.clamped ? t('yes') : t('no'))}</td><td>${esc(s.ok ? t('yes') : t('no'))}</td>` +
    `<td>${esc(s.error || '')}</td></tr>`).join('');
}

function alertRows(alerts) {
  if (!alerts.length) return `<tr><td colspan="5">${esc(t('alerts.none'))}</td></tr>`;
  return alerts.map((a) => `<tr data-alert="${esc(a.id)}" class="${a.active ? 'active' : 'cleared'}">` +
    `<td>${esc(fmtTime(a.time))}</td><td><span class="badge level-${esc(a.level)}">${esc(t('level.' + a.level))}</span></td>` +
    `<td>${esc(a.source)}</td><td>${esc(a.message)}</td><td>${esc(a.active ? t('yes') : t('no'))}</td></tr>`).join('');
}

async function render(el, ctx, force) {
  const [p, al] = await Promise.all([api.plan(), api.alerts()]);
  if (root !== el) return;
  const alerts = (al.alerts || []).slice().sort((a, b) => (b.active - a.active) || (parseTime(b.time) - parseTime(a.time)));
  el.querySelector('.alerts-table tbody').innerHTML = alertRows(alerts);
  if (!force && p.created === lastCreated) return;
  lastCreated = p.created;
  const steps = p.steps || [];
  const meta = el.querySelector('.plan-meta');
  if (!p.status || p.status === 'none' || !steps.length) {
    meta.textContent = t('plan.none');
  } else {
    meta.textContent = t('plan.meta', {
      created: fmtTime(p.created, 'seconds'), method: p.method || '—', status: p.status,
      mode: t('mode.' + (p.mode || 'normal')), step: p.step_min,
    });
  }
  meta.dataset.status = p.status || 'none';
  // Which forecast the plan used, and the history it had (the API's reason
  // as the tooltip).
  const fc = el.querySelector('.plan-forecast-used');
  const f = p.forecast || 'none';
  fc.dataset.forecast = f;
  fc.title = p.forecast_reason || '';
  fc.querySelector('.fc-method').textContent = t('plan.forecast_used', { f: t('plan.forecast.' + f) });
  const hist = fc.querySelector('.fc-history');
  const known = f !== 'none' && p.forecast_history_h !== undefined && p.forecast_history_h !== null;
  hist.textContent = known
    ? t('plan.forecast_history', { h: fmtNum(p.forecast_history_h, 1), n: fmtNum(p.forecast_needed_h, 0) }) : '';
  hist.dataset.value = known ? String(p.forecast_history_h) : '';
  // The month's peak import so far (the park store) and as planned, and
  // what the demand charge makes of it.
  const dem = el.querySelector('.plan-demand');
  const dc = p.demand_charge;
  dem.hidden = !dc;
  dem.textContent = dc ? t('plan.demand', {
    c: fmtNum(dc.cny_per_kw_month, 2), month: dc.month, so_far: fmtNum(dc.month_peak_so_far_kw, 0),
    planned: fmtNum(dc.month_planned_peak_kw, 0), charge: fmtNum(dc.month_charge_cny, 0),
  }) : '';
  dem.dataset.peakSoFar = dc ? String(dc.month_peak_so_far_kw) : '';
  el.querySelector('.setpoints-table tbody').innerHTML = setpointRows(p.setpoints || []);
  await Promise.all([
    draw(chart(el.querySelector('.plan-battery'), 'plan-battery'), batteryOption(steps)),
    draw(chart(el.querySelector('.plan-grid'), 'plan-grid'), gridOption(steps)),
    draw(chart(el.querySelector('.plan-forecast'), 'plan-forecast'), forecastOption(steps, p.actuals || [])),
  ]);
}

export default {
  async mount(el, ctx) {
    root = el;
    ticks = 0;
    lastCreated = null;
    el.innerHTML = `
      <section class="card"><h2>${esc(t('plan.title'))}</h2><p class="plan-meta"></p>
        <p class="plan-forecast-used"><span class="fc-method"></span> <small class="fc-history"></small></p>
        <p class="plan-demand" hidden></p></section>
      <div class="grid2">
        <section class="card"><h2>${esc(t('plan.battery'))}</h2><div class="chart plan-battery"></div></section>
        <section class="card"><h2>${esc(t('plan.grid'))}</h2><div class="chart plan-grid"></div></section>
      </div>
      <section class="card"><h2>${esc(t('plan.forecast'))}</h2><div class="chart plan-forecast"></div></section>
      <div class="grid2">
        <section class="card"><h2>${esc(t('plan.setpoints'))}</h2>
          <table class="data setpoints-table"><thead><tr><th>${esc(t('plan.storage'))}</th><th>${esc(t('plan.device'))}</th>
          <th>${esc(t('plan.requested'))}</th><th>${esc(t('plan.applied'))}</th><th>${esc(t('plan.clamped'))}</th>
          <th>${esc(t('plan.ok'))}</th><th>${esc(t('plan.error'))}</th></tr></thead><tbody></tbody></table></section>
        <section class="card"><h2>${esc(t('plan.alerts'))}</h2>
          <table class="data alerts-table"><thead><tr><th>${esc(t('alerts.time'))}</th><th>${esc(t('alerts.level'))}</th>
          <th>${esc(t('alerts.source'))}</th><th>${esc(t('alerts.message'))}</th><th>${esc(t('alerts.active'))}</th></tr></thead>
          <tbody></tbody></table></section>
      </div>`;
    await render(el, ctx, true);
  },
  async tick(ctx) {
    if (!root || ++ticks % REFRESH_TICKS) return;
    await render(root, ctx, false);
  },
  unmount() {
    root = null;
  },
};
