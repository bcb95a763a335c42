// carbon.js - the accounting engine's result for one calendar year, as the
// API returns it (/api/v1/carbon, the same document as `zeropark account
// --json`): emissions by scope and month, the budget burn-down with the
// engine's year-end projection, the targets with their status, and the
// factor set and method. Nothing is computed here; months, cumulative
// emissions, projections and statuses are the engine's.
import { api, esc, fmtNum, fmtTime, fromPark, isoPark, parkFields, parkInstant, parseTime, toPark } from '../api.js';
import { chart, draw, palette } from '../charts.js';
import { t } from '../i18n.js';

// Accounting meters as `zeropark account` names them (docs/methodology.md,
// "Meter names"): ROLE[.ASSET]_UNIT.
const METER = /^(grid_import|grid_export|pv|wind|storage_charge|storage_discharge|load|dc_it|dc_facility|water)(\.[A-Za-z0-9_.:-]+?)?_(kw|kwh|mwh|kwh_total|mwh_total|l|m3|l_total|m3_total)$/;

let root = null;

function pad(n) {
  return String(n).padStart(2, '0');
}

function defaultYear(list, status) {
  let now = status ? parseTime(status.time) : Date.now();
  if (!Number.isFinite(now)) now = Date.now();
  const last = Math.max(...list.map((s) => parseTime(s.last)).filter(Number.isFinite));
  return parkFields(Number.isFinite(last) && last < now ? last - 1 : now).y;
}

function monthLabel(iso) {
  const f = parkFields(parseTime(iso));
  return `${f.y}-${pad(f.m + 1)}`;
}

function num(v, d) {
  return fmtNum(v, d);
}

function kv(label, key, value, text, unit) {
  return `<tr><th>${esc(label)}</th><td class="num" data-key="${esc(key)}" data-value="${esc(value)}">` +
    `${esc(text)}</td><td class="unit">${esc(unit)}</td></tr>`;
}

function scopeOption(months, categories) {
  const by = new Map(months.map((m) => [monthLabel(m.start), m.emissions_t || {}]));
  const col = (k) => categories.map((c) => (by.has(c) ? by.get(c)[k] : null));
  return {
    animation: false,
    grid: { left: 70, right: 20, top: 40, bottom: 40 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${num(v, 1)} t CO2e` },
    xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value', name: 't CO2e' },
    series: [
      { type: 'bar', name: t('scope1'), stack: 'market', data: col('scope1'), itemStyle: { color: palette.scope1 } },
      { type: 'bar', name: t('scope2_market'), stack: 'market', data: col('scope2_market'), itemStyle: { color: palette.scope2 } },
      { type: 'line', name: t('total_location'), data: col('total_location'), itemStyle: { color: palette.location },
        lineStyle: { type: 'dashed' }, symbolSize: 5 },
    ],
  };
}

function burnOption(months, categories, budget) {
  const by = new Map(months.map((m) => [monthLabel(m.start), m.cumulative_market_t]));
  const cum = categories.map((c) => (by.has(c) ? by.get(c) : null));
  const series = [{
    type: 'line', name: t('carbon.cumulative'), data: cum, symbolSize: 6,
    itemStyle: { color: palette.scope2 }, areaStyle: { opacity: 0.12 },
  }];
  if (budget && budget.projected_year_end_t !== null && budget.projected_year_end_t !== undefined) {
    let lastIdx = -1;
    cum.forEach((v, i) => { if (v !== null && v !== undefined) lastIdx = i; });
    const proj = categories.map(() => null);
    if (lastIdx >= 0) proj[lastIdx] = cum[lastIdx];
    proj[categories.length - 1] = budget.projected_year_end_t;
    series.push({
      type: 'line', name: t('carbon.projection'), data: proj, connectNulls: true, symbolSize: 6,
      lineStyle: { type: 'dashed' }, itemStyle: { color: palette.projection },
    });
  }
  if (budget && budget.budget_t !== null && budget.budget_t !== undefined) {
    series.push({
      type: 'line', name: t('carbon.budget'), data: categories.map(() => budget.budget_t), symbol: 'none',
      lineStyle: { width: 2 }, itemStyle: { color: palette.budget },
    });
  }
  return {
    animation: false,
    grid: { left: 80, right: 20, top: 30, bottom: 64 },
    legend: { bottom: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${num(v, 1)} t CO2e` },
    xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value', name: 't CO2e', min: 0 },
    series,
  };
}

function targetRows(targets) {
  return targets.map((x) => {
    const st = x.status || (x.met ? 'met' : 'missed');
    return `<tr data-target="${esc(x.name)}"><td>${esc(t('target.' + x.name))}</td>` +
      `<td class="num" data-key="limit" data-value="${esc(x.limit)}">${esc(num(x.limit, 2))}</td>` +
      `<td class="num" data-key="value" data-value="${esc(x.value)}">${esc(num(x.value, 2))}</td>` +
      `<td class="num" data-key="projected" data-value="${esc(x.projected)}">${esc(num(x.projected, 2))}</td>` +
      `<td><span class="badge status-${esc(st)}">${esc(t('status.' + st))}</span></td></tr>`;
  }).join('');
}

function factorText(f) {
  if (!f) return '—';
  const parts = [`${num(f.value, 4)} ${f.unit || ''}`];
  if (f.region) parts.push(f.region);
  if (f.year) parts.push(String(f.year));
  return parts.join(' · ');
}

export default {
  async mount(el, ctx, params) {
    root = el;
    const list = (await api.seriesList()).series || [];
    const py = Number(params.get('year'));
    const year = Number.isInteger(py) && py > 1900 && py < 3000 ? py : defaultYear(list, ctx.status);
    const yearStart = parkInstant(year, 0, 1);
    const yearEnd = parkInstant(year + 1, 0, 1);
    let now = ctx.status ? parseTime(ctx.status.time) : Date.now();
    if (!Number.isFinite(now)) now = Date.now();
    // The window is the server's, as the overview's: this year is exactly
    // the /status year's window (1 January to its last complete step), so
    // both pages show one accounting; another year is its calendar year.
    // The engine cuts either to the stored readings and pro-rates the
    // model's fuels and certificates to the metered time.
    const sy = ctx.status && ctx.status.year;
    const current = sy && sy.from && sy.to && parkFields(parseTime(sy.from)).y === year;
    const meters = list.filter((x) => METER.test(x.name) && x.first && x.last &&
      parseTime(x.first) < yearEnd && parseTime(x.last) > yearStart);
    const from = current ? parseTime(sy.from) : yearStart;
    const to = current ? parseTime(sy.to) : Math.min(yearEnd, fromPark(Math.floor(toPark(now) / 60000) * 60000));
    const none = current ? !(sy.metered_h > 0) : !meters.length;
    const nav = `<section class="card controls"><div class="row">
        <div class="nav-period">
          <a class="btn" href="#/carbon?year=${year - 1}" aria-label="${esc(String(year - 1))}">‹</a>
          <span class="period-title">${esc(t('carbon.year', { y: year }))}</span>
          <a class="btn" href="#/carbon?year=${year + 1}" aria-label="${esc(String(year + 1))}">›</a>
        </div>`;
    if (none || !(to > from)) {
      el.innerHTML = `${nav}</div></section><section class="card"><p class="carbon-nodata">${esc(t('carbon.nodata'))}</p></section>`;
      return;
    }
    const r = await api.carbon(current ? sy.from : isoPark(from), current ? sy.to : isoPark(to), 'month');
    if (root !== el) return;

    const e = r.emissions_t || {};
    const g = r.green_share_pct || {};
    const m = r.method || {};
    const info = ctx.info || {};
    const factors = info.factors || {};
    const months = r.months || [];
    const categories = Array.from({ length: 12 }, (_, i) => `${year}-${pad(i + 1)}`);
    const budget = r.budget || null;
    const targets = r.targets || [];

    el.innerHTML = `
      ${nav}
        <small class="window">${esc(fmtTime((r.period && r.period.start) || r.from || from))} – ${esc(fmtTime((r.period && r.period.end) || r.to || to))}
          · <span class="metered" data-key="period.metered_h" data-value="${esc(r.period && r.period.metered_h)}">${esc(t('carbon.metered', { h: num(r.period && r.period.metered_h, 1) }))}</span></small>
      </div></section>
      <div class="grid2">
        <section class="card">
          <h2>${esc(t('carbon.byscope'))}</h2>
          <div class="chart carbon-scope"></div>
        </section>
        <section class="card">
          <h2>${esc(t('carbon.burndown'))}</h2>
          <div class="chart carbon-burn"></div>
          <p class="note burn-note">${budget ? (budget.crossing ? esc(t('carbon.crossing', { d: fmtTime(budget.crossing, 'date') })) : '') : esc(t('carbon.nobudget'))}</p>
        </section>
      </div>
      <div class="grid3">
        <section class="card">
          <h2>${esc(t('carbon.totals'))}</h2>
          <table class="kv carbon-totals"><tbody>
            ${kv(t('scope1'), 'emissions_t.scope1', e.scope1, num(e.scope1, 1), 't CO2e')}
            ${kv(t('scope2_location'), 'emissions_t.scope2_location', e.scope2_location, num(e.scope2_location, 1), 't CO2e')}
            ${kv(t('scope2_market'), 'emissions_t.scope2_market', e.scope2_market, num(e.scope2_market, 1), 't CO2e')}
            ${kv(t('total_location'), 'emissions_t.total_location', e.total_location, num(e.total_location, 1), 't CO2e')}
            ${kv(t('total_market'), 'emissions_t.total_market', e.total_market, num(e.total_market, 1), 't CO2e')}
            ${kv(t('carbon.green_hourly'), 'green_share_pct.hourly_matched', g.hourly_matched, num(g.hourly_matched, 1), '%')}
            ${kv(t('carbon.green_volumetric'), 'green_share_pct.annual_volumetric', g.annual_volumetric, num(g.annual_volumetric, 1), '%')}
            ${r.indicator ? kv(t('carbon.indicator'), 'indicator.t_co2_per_tce', r.indicator.t_co2_per_tce, num(r.indicator.t_co2_per_tce, 3), 't CO2/tce') : ''}
            ${r.indicator ? kv(t('carbon.clean_share'), 'indicator.clean_energy_share_pct', r.indicator.clean_energy_share_pct, num(r.indicator.clean_energy_share_pct, 1), '%') : ''}
            ${r.datacenter ? kv(t('carbon.pue'), 'datacenter.pue', r.datacenter.pue, num(r.datacenter.pue, 3), '') : ''}
            ${budget ? kv(t('carbon.budget'), 'budget.budget_t', budget.budget_t, num(budget.budget_t, 0), 't CO2e') : ''}
            ${budget ? kv(t('carbon.projection'), 'budget.projected_year_end_t', budget.projected_year_end_t, num(budget.projected_year_end_t, 1), 't CO2e') : ''}
          </tbody></table>
        </section>
        <section class="card">
          <h2>${esc(t('carbon.targets'))}</h2>
          ${targets.length ? `<table class="data carbon-targets"><thead><tr><th>${esc(t('carbon.target'))}</th>
            <th>${esc(t('carbon.limit'))}</th><th>${esc(t('carbon.value'))}</th><th>${esc(t('carbon.projected'))}</th>
            <th>${esc(t('carbon.status'))}</th></tr></thead><tbody>${targetRows(targets)}</tbody></table>`
    : `<p>${esc(t('carbon.notargets'))}</p>`}
        </section>
        <section class="card">
          <h2>${esc(t('carbon.method'))}</h2>
          <table class="kv carbon-method"><tbody>
            <tr><th>${esc(t('carbon.factor_set'))}</th><td data-key="method.factor_set">${esc(m.factor_set || factors.set || '—')}</td></tr>
            <tr><th>${esc(t('carbon.method_name'))}</th><td data-key="factors.method">${esc(factors.method || '—')}</td></tr>
            <tr><th>${esc(t('carbon.gwp'))}</th><td>${esc(m.gwp || '—')}</td></tr>
            <tr><th>${esc(t('carbon.location_factor'))}</th><td data-key="method.location_factor.value" data-value="${esc(m.location_factor && m.location_factor.value)}">${esc(factorText(m.location_factor))}
              <br><small>${esc(t('carbon.source'))}: ${esc(m.location_factor && m.location_factor.source)}</small></td></tr>
            <tr><th>${esc(t('carbon.residual_factor'))}</th><td data-key="method.residual_factor.value" data-value="${esc(m.residual_factor && m.residual_factor.value)}">${esc(factorText(m.residual_factor))}
              <br><small>${esc(t('carbon.source'))}: ${esc(m.residual_factor && m.residual_factor.source)}</small></td></tr>
            <tr><th>${esc(t('carbon.residual_method'))}</th><td>${esc(m.residual_method || '—')}</td></tr>
          </tbody></table>
          ${(r.notes || []).length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
        </section>
      </div>`;

    await Promise.all([
      draw(chart(el.querySelector('.carbon-scope'), 'carbon-scope'), scopeOption(months, categories)),
      draw(chart(el.querySelector('.carbon-burn'), 'carbon-burn'), burnOption(months, categories, budget)),
    ]);
  },
  unmount() {
    root = null;
  },
};
