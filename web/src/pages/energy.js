// energy.js - every stored series over a day, week, month or year of the
// park's calendar, with the previous period overlaid for comparison and a
// CSV download of exactly what is drawn. The view is in the URL
// (#/energy?period=month&at=2024-06-01&series=a,b&compare=1), so it can be
// bookmarked and the browser test can open a given view.
import { api, digitsFor, esc, fmtNum, isoPark, offsetText, parkFields, parkInstant, parseTime, toPark } from '../api.js';
import { chart, draw, palette } from '../charts.js';
import { t } from '../i18n.js';

const PERIODS = ['day', 'week', 'month', 'year'];
// Coarsest step wanted per period (s): a day by minutes, a week by quarter
// hours, a month or a year by hours (8,784 values for a leap year).
const TARGET_STEP_S = { day: 60, week: 900, month: 3600, year: 3600 };
const DEFAULT_SERIES = 6;

let root = null;
let shown = null; // what is drawn, for the CSV: {from, prevFrom, period, data: [{meta, cur, prev}]}

function pad(n) {
  return String(n).padStart(2, '0');
}

// [from, to) of the period holding park date (y, m, d), shifted by k periods.
export function periodBounds(period, y, m, d, k = 0) {
  switch (period) {
    case 'day':
      return [parkInstant(y, m, d + k), parkInstant(y, m, d + k + 1)];
    case 'week': {
      const dow = new Date(Date.UTC(y, m, d)).getUTCDay();
      const monday = d - ((dow + 6) % 7) + 7 * k;
      return [parkInstant(y, m, monday), parkInstant(y, m, monday + 7)];
    }
    case 'month':
      return [parkInstant(y, m + k, 1), parkInstant(y, m + k + 1, 1)];
    default:
      return [parkInstant(y + k, 0, 1), parkInstant(y + k + 1, 0, 1)];
  }
}

function dateText(ms) {
  const f = parkFields(ms);
  return `${f.y}-${pad(f.m + 1)}-${pad(f.d)}`;
}

function periodTitle(period, from) {
  const f = parkFields(from);
  if (period === 'year') return String(f.y);
  if (period === 'month') return `${f.y}-${pad(f.m + 1)}`;
  if (period === 'week') return `${dateText(from)} – ${dateText(from + 6 * 86400e3)}`;
  return dateText(from);
}

// The anchor date: ?at=, else the latest stored reading if that is before
// the park's "now", else now.
function anchor(params, list, status) {
  const at = params.get('at');
  if (at && /^\d{4}-\d{2}-\d{2}$/.test(at)) {
    const [y, m, d] = at.split('-').map(Number);
    return { y, m: m - 1, d };
  }
  let now = status ? parseTime(status.time) : Date.now();
  if (!Number.isFinite(now)) now = Date.now();
  const last = Math.max(...list.map((s) => parseTime(s.last)).filter(Number.isFinite));
  const when = Number.isFinite(last) && last < now ? last - 1 : now;
  const f = parkFields(when);
  return { y: f.y, m: f.m, d: f.d };
}

function hashFor(state) {
  const q = new URLSearchParams();
  q.set('period', state.period);
  q.set('at', state.at);
  q.set('series', state.series.join(','));
  if (state.compare) q.set('compare', '1');
  return '#/energy?' + q.toString();
}

function stats(values) {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let last = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
    last = v;
  }
  return { n, min: n ? min : null, max: n ? max : null, last };
}

function points(doc, shiftMs) {
  const from = parseTime(doc.from);
  const step = doc.step_s * 1000;
  const out = new Array(doc.values.length);
  for (let i = 0; i < doc.values.length; i++) out[i] = [toPark(from + i * step + shiftMs), doc.values[i]];
  return out;
}

function chartOption(unit, items, compare, period, from, to) {
  const series = [];
  items.forEach((it, k) => {
    const color = palette.series[k % palette.series.length];
    const big = it.cur.values.length > 2000;
    series.push({
      type: 'line', name: it.meta.name, showSymbol: false, connectNulls: false,
      sampling: big ? 'lttb' : undefined, lineStyle: { width: 1.4, color }, itemStyle: { color },
      data: points(it.cur, 0),
    });
    if (compare && it.prev) {
      series.push({
        type: 'line', name: t('energy.previous', { name: it.meta.name }), showSymbol: false,
        sampling: big ? 'lttb' : undefined,
        lineStyle: { width: 1, type: 'dashed', color, opacity: 0.6 }, itemStyle: { color },
        data: points(it.prev, from - parseTime(it.prev.from)),
      });
    }
  });
  const wide = period === 'month' || period === 'year';
  return {
    animation: false,
    grid: { left: 64, right: 24, top: 40, bottom: wide ? 70 : 40 },
    legend: { type: 'scroll', top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${fmtNum(v, digitsFor(v))} ${unit}` },
    xAxis: { type: 'time', min: toPark(from), max: toPark(to) },
    yAxis: { type: 'value', name: unit, scale: false },
    dataZoom: wide ? [{ type: 'inside' }, { type: 'slider', height: 20, bottom: 10, showDataShadow: false }] : [],
    series,
  };
}

function csvCell(v) {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The CSV of what is shown: one row per step of the current period, a
// column per series and, when comparing, the previous period's value at the
// same position.
export function csvText(view) {
  const cols = ['time'];
  for (const it of view.data) {
    cols.push(`${it.meta.name} (${it.meta.unit})`);
    if (view.compare && it.prev) cols.push(`${it.meta.name} (${it.meta.unit}) previous period`);
  }
  const lines = [cols.map(csvCell).join(',')];
  const n = Math.max(0, ...view.data.map((it) => it.cur.values.length));
  const step = view.data.length ? view.data[0].cur.step_s * 1000 : 0;
  for (let i = 0; i < n; i++) {
    const row = [isoPark(view.from + i * step)];
    for (const it of view.data) {
      const v = it.cur.values[i];
      row.push(v === null || v === undefined ? '' : String(v));
      if (view.compare && it.prev) {
        const p = it.prev.values[i];
        row.push(p === null || p === undefined ? '' : String(p));
      }
    }
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

function download(view) {
  const blob = new Blob([csvText(view)], { type: 'text/csv' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `zeropark-${view.period}-${dateText(view.from)}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export default {
  async mount(el, ctx, params) {
    root = el;
    shown = null;
    // Coarser series (the accounting meters) first, then the raw device points.
    const list = ((await api.seriesList()).series || []).slice()
      .sort((x, y) => (y.step_s || 0) - (x.step_s || 0) || x.name.localeCompare(y.name));
    if (!list.length) {
      el.innerHTML = `<section class="card"><h2>${esc(t('energy.title'))}</h2><p>${esc(t('energy.noseries'))}</p></section>`;
      return;
    }
    const period = PERIODS.includes(params.get('period')) ? params.get('period') : 'day';
    const a = anchor(params, list, ctx.status);
    const names = new Set(list.map((s) => s.name));
    let selected = (params.get('series') || '').split(',').filter((n) => names.has(n));
    if (!params.has('series')) {
      const kw = list.filter((s) => s.unit === 'kW');
      selected = (kw.length ? kw : list).slice(0, DEFAULT_SERIES).map((s) => s.name);
    }
    const compare = params.get('compare') === '1';
    const [from, to] = periodBounds(period, a.y, a.m, a.d);
    const [pfrom, pto] = periodBounds(period, a.y, a.m, a.d, -1);
    const state = { period, at: dateText(from), series: selected, compare };

    el.innerHTML = `
      <section class="card controls">
        <div class="row">
          <div class="seg" role="group" aria-label="${esc(t('energy.period'))}">
            ${PERIODS.map((p) => `<button type="button" data-period="${p}" class="${p === period ? 'on' : ''}">${esc(t('energy.' + p))}</button>`).join('')}
          </div>
          <div class="nav-period">
            <button type="button" class="prev" aria-label="${esc(t('energy.prev'))}">‹</button>
            <span class="period-title">${esc(periodTitle(period, from))}</span>
            <button type="button" class="next" aria-label="${esc(t('energy.next'))}">›</button>
          </div>
          <label class="check"><input type="checkbox" class="compare" ${compare ? 'checked' : ''}> ${esc(t('energy.compare'))}</label>
          <button type="button" class="csv">${esc(t('energy.csv'))}</button>
          <small class="tz">UTC${esc(offsetText())}</small>
        </div>
        <fieldset class="series-pick"><legend>${esc(t('energy.series'))}</legend>
          ${list.map((s) => `<label class="chip"><input type="checkbox" value="${esc(s.name)}" ${selected.includes(s.name) ? 'checked' : ''}> ${esc(s.name)} <small>${esc(s.unit)}</small></label>`).join('')}
        </fieldset>
      </section>
      <div class="energy-charts"></div>
      <section class="card"><table class="data energy-table"><thead><tr>
        <th>${esc(t('energy.table.series'))}</th><th>${esc(t('energy.table.unit'))}</th><th>${esc(t('energy.table.step'))}</th>
        <th>${esc(t('energy.table.points'))}</th><th>${esc(t('energy.table.min'))}</th><th>${esc(t('energy.table.max'))}</th>
        <th>${esc(t('energy.table.last'))}</th></tr></thead><tbody></tbody></table></section>`;

    const go = (patch) => {
      window.location.hash = hashFor({ ...state, ...patch });
    };
    for (const b of el.querySelectorAll('[data-period]')) b.addEventListener('click', () => go({ period: b.dataset.period }));
    el.querySelector('.prev').addEventListener('click', () => go({ at: dateText(pfrom) }));
    el.querySelector('.next').addEventListener('click', () => go({ at: dateText(to) }));
    el.querySelector('.compare').addEventListener('change', (e) => go({ compare: e.target.checked }));
    for (const c of el.querySelectorAll('.series-pick input')) {
      c.addEventListener('change', () => {
        const pick = [...el.querySelectorAll('.series-pick input:checked')].map((x) => x.value);
        go({ series: pick });
      });
    }
    el.querySelector('.csv').addEventListener('click', () => {
      if (shown) download(shown);
    });

    const metas = list.filter((s) => selected.includes(s.name));
    // One step for the whole view (so the CSV has one time column): the
    // period's target rounded up to a multiple of each stored step.
    const step = Math.max(...metas.map((m) => {
      const st = m.step_s > 0 ? m.step_s : 1;
      return st * Math.ceil(TARGET_STEP_S[period] / st);
    }));
    const t0 = performance.now();
    const data = await Promise.all(metas.map(async (meta) => {
      const cur = await api.series(meta.name, isoPark(from), isoPark(to), step);
      const prev = compare ? await api.series(meta.name, isoPark(pfrom), isoPark(pto), step) : null;
      return { meta, cur, prev };
    }));
    const fetchMs = performance.now() - t0;
    if (root !== el) return;
    shown = { period, from, compare, data };

    el.querySelector('.energy-table tbody').innerHTML = data.map((it) => {
      const st = stats(it.cur.values);
      const d = (v) => fmtNum(v, digitsFor(v));
      return `<tr data-series="${esc(it.meta.name)}"><td>${esc(it.meta.name)}</td><td>${esc(it.cur.unit)}</td>` +
        `<td class="num">${esc(it.cur.step_s)} s</td><td class="num" data-key="n">${st.n}</td>` +
        `<td class="num" data-key="min" data-value="${esc(st.min)}">${esc(d(st.min))}</td>` +
        `<td class="num" data-key="max" data-value="${esc(st.max)}">${esc(d(st.max))}</td>` +
        `<td class="num" data-key="last" data-value="${esc(st.last)}">${esc(d(st.last))}</td></tr>`;
    }).join('');

    const units = [...new Set(data.map((it) => it.cur.unit))];
    const host = el.querySelector('.energy-charts');
    host.innerHTML = units.map((u, i) => `<section class="card"><h2>${esc(u)}</h2>` +
      `<div class="chart energy-chart" data-unit="${esc(u)}" id="energy-chart-${i}"></div></section>`).join('');
    const r0 = performance.now();
    await Promise.all(units.map((u, i) => draw(chart(host.querySelector('#energy-chart-' + i), 'energy-' + u),
      chartOption(u, data.filter((it) => it.cur.unit === u), compare, period, from, to))));
    const renderMs = performance.now() - r0;
    const values = data.reduce((n, it) => n + it.cur.values.length + (it.prev ? it.prev.values.length : 0), 0);
    window.zpDashboard.timing.energy_fetch = fetchMs;
    window.zpDashboard.timing.energy_render = renderMs;
    window.zpDashboard.timing.energy_values = values;
    host.dataset.renderMs = renderMs.toFixed(1);
    host.dataset.values = String(values);
  },
  unmount() {
    root = null;
  },
};
