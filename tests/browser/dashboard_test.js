// dashboard_test.js - the web dashboard served by a running `zeropark serve`,
// in Debian's headless Chromium through playwright-core. For every page at
// a desktop (1280 px) and a tablet (768 px) width: it loads with no console
// error or warning and no failed request, nothing is wider than the
// viewport, and the numbers shown (text and chart data) are the ones the
// API returns, fetched again here independently of the page; this year's
// carbon total is the same on the overview and the Carbon page, and the
// Plan page names the forecast the plan used. Also: the
// language switch (Chinese/English, remembered over a reload), live updates
// without reloading (a reading posted to the API reaches the power-flow
// diagram), the CSV download of the energy view, and a screenshot of each
// page kept in OUT_DIR.
//
// usage: node dashboard_test.js --base URL --out DIR [--token T --live-series S
//            --live-flow KEY] [--max-first-load-ms MS] [--bench]
// --live-series/--live-flow: a series that feeds flows_kw.KEY; the test posts
// a reading to it (bearer token T) and waits for the diagram to show it.
// --bench: measure only (first load of the overview, a year of hourly data
// charted) and print JSON lines {"bench": ..., "value": ..., "unit": ...}.
// Ends with "N passed, N failed"; exit status 1 on any failure.
'use strict';

const fs = require('fs');
const path = require('path');
const need = require('./need.js');
// web/'s playwright-core (ZP_WEB_NODE_MODULES, set by dashboard.sh), not
// tests/browser's, which the report test may be reinstalling meanwhile.
const webModules = process.env.ZP_WEB_NODE_MODULES;
const { chromium } = need.playwright((m) => require(webModules ? path.join(webModules, m) : m),
    'scripts/web.sh (web/package-lock.json)');

const CHROMIUM = need.chromium();
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORTS = [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'tablet', width: 768, height: 1024 },
];
const PAGES = ['overview', 'energy', 'carbon', 'plan', 'devices'];
const READY_MS = 20000;

function args() {
    const a = { base: null, out: null, token: null, liveSeries: null, liveFlow: null, bench: false, maxLoadMs: 1000 };
    const v = process.argv.slice(2);
    for (let i = 0; i < v.length; i++) {
        const k = v[i];
        if (k === '--base') a.base = v[++i];
        else if (k === '--out') a.out = v[++i];
        else if (k === '--token') a.token = v[++i];
        else if (k === '--live-series') a.liveSeries = v[++i];
        else if (k === '--live-flow') a.liveFlow = v[++i];
        else if (k === '--bench') a.bench = true;
        else if (k === '--max-first-load-ms') a.maxLoadMs = Number(v[++i]);
        else {
            console.error(`dashboard_test.js: unknown argument ${k}`);
            process.exit(2);
        }
    }
    if (!a.base || !a.out) {
        console.error('usage: node dashboard_test.js --base URL --out DIR [--token T --live-series S --live-flow KEY] [--bench]');
        process.exit(2);
    }
    a.base = a.base.replace(/\/$/, '');
    return a;
}

let passed = 0;
let failed = 0;
function check(cond, what) {
    if (cond) {
        passed++;
    } else {
        failed++;
        console.error(`FAIL: ${what}`);
    }
    return cond;
}

async function api(base, p) {
    const r = await fetch(base + p, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
    return r.json();
}

function dig(obj, keyPath) {
    let o = obj;
    for (const k of keyPath.split('.')) {
        if (o === null || o === undefined) return undefined;
        o = o[k];
    }
    return o;
}

// A number as the page shows it ("1,234.5", "55.0 %", "—") and the
// precision it was shown with.
function shown(text) {
    const s = String(text).trim();
    if (s === '' || s.startsWith('—')) return { value: null, digits: 0 };
    const m = s.replace(/,/g, '').match(/-?\d+(\.\d+)?/);
    if (!m) return { value: NaN, digits: 0 };
    return { value: Number(m[0]), digits: m[1] ? m[1].length - 1 : 0 };
}

// Shown text matches the API's number within the rounding of the display.
function sameNumber(text, apiValue, scale = 1) {
    const s = shown(text);
    if (apiValue === null || apiValue === undefined) return s.value === null;
    if (s.value === null || Number.isNaN(s.value)) return false;
    const want = Number(apiValue) * scale;
    return Math.abs(s.value - want) <= 0.5 * 10 ** -s.digits + 1e-9 * Math.abs(want);
}

async function eventually(fn, tries = 12, waitMs = 1000) {
    let bad = [];
    for (let i = 0; i < tries; i++) {
        bad = await fn();
        if (bad.length === 0) return bad;
        await new Promise((r) => setTimeout(r, waitMs));
    }
    return bad;
}

async function waitReady(page, name) {
    await page.waitForFunction((n) => document.body.dataset.ready === '1' && document.body.dataset.page === n,
        name, { timeout: READY_MS });
}

async function open(browser, vp, lang) {
    const context = await browser.newContext({
        viewport: { width: vp.width, height: vp.height }, locale: 'en-US', acceptDownloads: true,
    });
    await context.addInitScript((l) => {
        if (l && !window.localStorage.getItem('zp.lang')) window.localStorage.setItem('zp.lang', l);
    }, lang);
    const page = await context.newPage();
    const log = { errors: [], responses: new Map(), bodies: new Map() };
    page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => {
        // The event stream is cut when the page closes or navigates.
        if (r.url().includes('/api/v1/events')) return;
        log.errors.push(`request failed: ${r.url()} ${r.failure() ? r.failure().errorText : ''}`);
    });
    page.on('response', (r) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/v1/') && !u.pathname.endsWith('/events')) {
            if (r.status() >= 400) log.errors.push(`API ${r.status()}: ${u.pathname}${u.search}`);
            const list = log.responses.get(u.pathname) || [];
            list.push(u.pathname + u.search);
            log.responses.set(u.pathname, list);
            if (u.pathname === '/api/v1/devices') {
                r.json().then((b) => {
                    const l = log.bodies.get(u.pathname) || [];
                    l.push(b);
                    log.bodies.set(u.pathname, l);
                }).catch(() => {});
            }
        }
    });
    return { context, page, log };
}

async function layout(page) {
    return page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        charts: window.zpDashboard.charts(),
        sizes: [...document.querySelectorAll('[data-chart]')].map((el) => {
            const b = el.getBoundingClientRect();
            return { id: el.dataset.chart, w: b.width, h: b.height, right: b.right };
        }),
    }));
}

async function chartOption(page, id) {
    return page.evaluate((cid) => {
        const c = window.zpDashboard.chart(cid);
        if (!c) return null;
        const o = c.getOption();
        return { series: (o.series || []).map((s) => ({ name: s.name, type: s.type, data: s.data, links: s.links })) };
    }, id);
}

async function keyed(page, selector) {
    return page.$$eval(selector, (els) => els.map((e) => ({ key: e.dataset.key, value: e.dataset.value, text: e.textContent })));
}

// ---- overview -------------------------------------------------------------
// The page shows the status document it got last (SSE every 2 s); the API
// rebuilds it every second. Compare when both carry the same "time".
async function checkOverview(page, base, label) {
    const pct = new Set(['today.green_share.hourly_matched', 'today.green_share.volumetric', 'today.self_sufficiency']);
    let synced = false;
    let bad = [];
    for (let i = 0; i < 80 && !synced; i++) {
        const snap = await page.evaluate(() => {
            const c = window.zpDashboard.chart('flow');
            const tc = window.zpDashboard.chart('today');
            return {
                time: document.getElementById('clock').dataset.time,
                cells: [...document.querySelectorAll('.flow-table [data-key], .today-table [data-key], .gauge-val[data-key]')]
                    .map((e) => ({ key: e.dataset.key, text: e.textContent })),
                flow: c ? c.getOption().series[0].data.map((n) => ({ name: n.name, value: n.value })) : null,
                today: tc ? tc.getOption().series[0].data.map((d) => (typeof d === 'object' ? d.value : d)) : null,
            };
        });
        const s = await api(base, '/api/v1/status');
        if (s.time !== snap.time) {
            await new Promise((r) => setTimeout(r, 150));
            continue;
        }
        synced = true;
        bad = [];
        if (snap.cells.length < 8) bad.push(`only ${snap.cells.length} numbers shown`);
        for (const c of snap.cells) {
            const scale = c.key === 'soc' || pct.has(c.key) ? 100 : 1;
            const v = dig(s, c.key);
            if (!sameNumber(c.text, v, scale)) bad.push(`${c.key}: shown "${c.text}", API ${v}`);
        }
        if (!snap.flow) {
            bad.push('no flow chart');
        } else {
            for (const n of snap.flow) {
                if (n.name === 'bus') continue;
                if (n.value !== s.flows_kw[n.name]) bad.push(`flow chart ${n.name}: ${n.value}, API ${s.flows_kw[n.name]}`);
            }
        }
        const e = s.today.energy_kwh;
        const want = ['pv', 'wind', 'battery_discharge', 'grid_import', 'load', 'datacenter', 'battery_charge', 'grid_export']
            .filter((k) => e[k] !== undefined && e[k] !== null).map((k) => e[k]);
        if (JSON.stringify(snap.today) !== JSON.stringify(want)) bad.push(`today chart ${JSON.stringify(snap.today)} != API ${JSON.stringify(want)}`);
    }
    check(synced, `${label}: the page's status time never matched the API's`);
    check(bad.length === 0, `${label}: overview numbers differ from /api/v1/status: ${bad.join('; ')}`);
    const gauges = await page.$$eval('.gauge', (els) => els.length);
    check(gauges >= 4, `${label}: ${gauges} gauges, want at least 4`);
}

// ---- energy ----------------------------------------------------------------
async function checkEnergy(page, base, log, label, dl) {
    const urls = (log.responses.get('/api/v1/series') || []).length;
    check(urls > 0, `${label}: energy page did not ask for the series list`);
    const asked = [];
    for (const [p, list] of log.responses) if (p.startsWith('/api/v1/series/')) asked.push(...list);
    check(asked.length > 0, `${label}: energy page fetched no series`);
    const ids = (await layout(page)).charts.filter((id) => id.startsWith('energy-'));
    const drawn = new Map();
    for (const id of ids) {
        const o = await chartOption(page, id);
        for (const s of o.series) drawn.set(s.name, s.data);
    }
    // Per series the page asks for the current period first, then (when
    // comparing) the previous one, drawn as "name (previous period)".
    const byPath = new Map();
    for (const u of asked) {
        const p = u.split('?')[0];
        byPath.set(p, [...(byPath.get(p) || []), u]);
    }
    let compared = 0;
    for (const [, us] of byPath) {
        for (let k = 0; k < us.length; k++) {
            const doc = await api(base, us[k]);
            const name = k === 0 ? doc.name : [...drawn.keys()].find((n) => n !== doc.name && n.startsWith(doc.name + ' ('));
            const series = name ? drawn.get(name) : null;
            if (!check(Array.isArray(series), `${label}: ${doc.name} ${k ? 'previous period ' : ''}not drawn`)) continue;
            const ys = series.map((d) => d[1]);
            check(JSON.stringify(ys) === JSON.stringify(doc.values),
                `${label}: ${us[k]}: drawn values differ from the API's (${ys.length} drawn, ${doc.values.length} from the API)`);
            const dx = series.length > 1 ? series[1][0] - series[0][0] : doc.step_s * 1000;
            check(dx === doc.step_s * 1000, `${label}: ${doc.name} drawn every ${dx} ms, API step ${doc.step_s} s`);
            compared++;
        }
    }
    check(compared > 0, `${label}: no energy series compared`);
    // The table's min/max/last are those of the API's values.
    const rows = await page.$$eval('.energy-table tbody tr', (trs) => trs.map((tr) => ({
        series: tr.dataset.series,
        cells: Object.fromEntries([...tr.querySelectorAll('[data-key]')].map((c) => [c.dataset.key, c.textContent])),
    })));
    for (const r of rows) {
        const u = asked.find((x) => x.startsWith('/api/v1/series/' + encodeURIComponent(r.series) + '?'));
        if (!u) continue;
        const vals = (await api(base, u)).values.filter((v) => v !== null);
        check(Number(r.cells.n) === vals.length, `${label}: ${r.series} table says ${r.cells.n} values, API ${vals.length}`);
        if (vals.length) {
            check(sameNumber(r.cells.min, Math.min(...vals)), `${label}: ${r.series} min "${r.cells.min}" vs API ${Math.min(...vals)}`);
            check(sameNumber(r.cells.max, Math.max(...vals)), `${label}: ${r.series} max "${r.cells.max}" vs API ${Math.max(...vals)}`);
        }
    }
    if (dl) {
        // CSV of what is shown: a row per step, the API's values per column.
        const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('button.csv')]);
        const file = path.join(dl, download.suggestedFilename());
        await download.saveAs(file);
        const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
        const header = lines[0].split(',');
        const first = asked[0];
        const doc = await api(base, first);
        const col = header.findIndex((h) => h === `${doc.name} (${doc.unit})`);
        check(col > 0, `${label}: CSV header ${lines[0]} lacks ${doc.name}`);
        check(lines.length - 1 === doc.values.length, `${label}: CSV has ${lines.length - 1} rows, API ${doc.values.length} values`);
        if (col > 0) {
            const csvVals = lines.slice(1).map((l) => l.split(',')[col]).map((c) => (c === '' ? null : Number(c)));
            check(JSON.stringify(csvVals) === JSON.stringify(doc.values), `${label}: CSV column ${doc.name} differs from the API`);
            check(lines[1].split(',')[0] === doc.from.replace(/Z$/, '+00:00') || Date.parse(lines[1].split(',')[0]) === Date.parse(doc.from),
                `${label}: CSV starts at ${lines[1].split(',')[0]}, API at ${doc.from}`);
        }
        console.log(`${label}: CSV ${file}: ${lines.length - 1} rows, ${header.length} columns`);
    }
    return compared;
}

// ---- carbon ----------------------------------------------------------------
async function checkCarbon(page, base, log, label) {
    const asked = log.responses.get('/api/v1/carbon') || [];
    if (!check(asked.length > 0, `${label}: carbon page did not call /api/v1/carbon`)) return;
    const doc = await api(base, asked[asked.length - 1]);
    const cells = await keyed(page, '.carbon-totals [data-key]');
    check(cells.length >= 5, `${label}: ${cells.length} carbon totals shown`);
    for (const c of cells) {
        check(sameNumber(c.text, dig(doc, c.key)), `${label}: ${c.key} shown "${c.text}", API ${dig(doc, c.key)}`);
    }
    const scope = await chartOption(page, 'carbon-scope');
    const burn = await chartOption(page, 'carbon-burn');
    const months = doc.months || [];
    check(months.length > 0, `${label}: the API's carbon result has no months`);
    const s1 = scope.series[0].data.filter((v) => v !== null);
    const s2 = scope.series[1].data.filter((v) => v !== null);
    check(JSON.stringify(s1) === JSON.stringify(months.map((m) => m.emissions_t.scope1)), `${label}: Scope 1 by month drawn ${JSON.stringify(s1)} differs from the API`);
    check(JSON.stringify(s2) === JSON.stringify(months.map((m) => m.emissions_t.scope2_market)), `${label}: Scope 2 by month differs from the API`);
    const cum = burn.series[0].data.filter((v) => v !== null);
    check(JSON.stringify(cum) === JSON.stringify(months.map((m) => m.cumulative_market_t)), `${label}: burn-down differs from the API's cumulative_market_t`);
    if (doc.budget && doc.budget.projected_year_end_t !== null && doc.budget.projected_year_end_t !== undefined) {
        const proj = burn.series.find((s) => s.data[s.data.length - 1] === doc.budget.projected_year_end_t);
        check(!!proj, `${label}: burn-down does not end at the API's projection ${doc.budget.projected_year_end_t}`);
    }
    const targets = await page.$$eval('.carbon-targets tbody tr', (trs) => trs.map((tr) => tr.dataset.target));
    check(JSON.stringify(targets) === JSON.stringify((doc.targets || []).map((x) => x.name)), `${label}: targets ${targets} vs API`);
    const fs_ = await page.$eval('[data-key="method.factor_set"]', (e) => e.textContent);
    check(fs_ === doc.method.factor_set, `${label}: factor set "${fs_}" vs API "${doc.method.factor_set}"`);
}

// ---- plan --------------------------------------------------------------------
async function checkPlan(page, base, label) {
    const p = await api(base, '/api/v1/plan');
    const al = await api(base, '/api/v1/alerts');
    const steps = p.steps || [];
    const bat = await chartOption(page, 'plan-battery');
    check(!!bat, `${label}: no battery chart`);
    if (bat) {
        const kw = bat.series[0].data.map((d) => d[1]);
        const soc = bat.series[1].data.map((d) => d[1]);
        check(JSON.stringify(kw) === JSON.stringify(steps.map((s) => s.battery_kw)), `${label}: battery power drawn differs from the plan's`);
        const want = steps.map((s) => (s.soc === null ? null : s.soc * 100));
        check(soc.length === want.length && soc.every((v, i) => (v === null ? want[i] === null : Math.abs(v - want[i]) < 1e-9)),
            `${label}: SOC drawn differs from the plan's`);
    }
    const grid = await chartOption(page, 'plan-grid');
    if (grid && steps.length) {
        const gi = grid.series[0].data.map((d) => d[1]);
        check(JSON.stringify(gi) === JSON.stringify(steps.map((s) => s.grid_import_kw)), `${label}: grid import drawn differs from the plan's`);
    }
    const sp = await page.$$eval('.setpoints-table tbody tr[data-storage]', (trs) => trs.length);
    check(sp === (p.setpoints || []).length, `${label}: ${sp} setpoints shown, API ${(p.setpoints || []).length}`);
    const na = await page.$$eval('.alerts-table tbody tr[data-alert]', (trs) => trs.length);
    check(na === (al.alerts || []).length, `${label}: ${na} alerts shown, API ${(al.alerts || []).length}`);
    const meta = await page.$eval('.plan-meta', (e) => e.dataset.status);
    check(meta === (p.status || 'none'), `${label}: plan status ${meta}, API ${p.status}`);
    // Which forecast the plan used, and the history it had, as the API says.
    const fc = await page.$eval('.plan-forecast-used', (e) => ({
        forecast: e.dataset.forecast, text: e.querySelector('.fc-method').textContent,
        hist: e.querySelector('.fc-history').textContent, value: e.querySelector('.fc-history').dataset.value,
    }));
    check(fc.forecast === (p.forecast || 'none') && fc.text.length > 0,
        `${label}: forecast shown as ${fc.forecast} "${fc.text}", API ${p.forecast}`);
    if (p.forecast && p.forecast !== 'none') {
        check(sameNumber(fc.hist, p.forecast_history_h) && Number(fc.value) === p.forecast_history_h,
            `${label}: forecast history shown "${fc.hist}", API ${p.forecast_history_h} h`);
    }
}

// ---- overview and Carbon page: one accounting of the year ------------------
// The Carbon page of this year asks /api/v1/carbon for exactly the /status
// year's window and shows the same market-based total as the overview's
// budget gauge (docs/methodology.md "Live data").
async function checkYearAgreement(page, base, log, label) {
    let bad = ['not compared'];
    for (let i = 0; i < 3 && bad.length; i++) {
        log.responses.clear();
        await visit(page, base, 'carbon');
        const sy = (await api(base, '/api/v1/status')).year;
        const asked = (log.responses.get('/api/v1/carbon') || []).map((u) => new URL(u, base).searchParams);
        const cell = await page.$eval('[data-key="emissions_t.total_market"]', (e) => e.dataset.value).catch(() => null);
        await visit(page, base, 'overview');
        const gauge = await page.$eval('.gauge-val[data-key="year.emissions_t"]', (e) => e.dataset.value).catch(() => null);
        const sy2 = (await api(base, '/api/v1/status')).year;
        if (sy2.to !== sy.to) continue; // the year was recomputed meanwhile: again
        bad = [];
        const q = asked[asked.length - 1];
        if (!q || q.get('from') !== sy.from || q.get('to') !== sy.to) {
            bad.push(`Carbon page asked ${q ? q.get('from') + ' .. ' + q.get('to') : 'nothing'}, /status year is ${sy.from} .. ${sy.to}`);
        }
        const rel = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
        if (cell === null || !rel(Number(cell), sy.emissions_t)) bad.push(`Carbon page total ${cell} t, /status year ${sy.emissions_t} t`);
        if (gauge === null || !rel(Number(gauge), sy.emissions_t)) bad.push(`overview year gauge ${gauge} t, /status year ${sy.emissions_t} t`);
        if (!(sy.metered_h > 0)) bad.push(`/status year metered ${sy.metered_h} h`);
    }
    if (check(bad.length === 0, `${label}: overview and Carbon page disagree on this year: ${bad.join('; ')}`)) {
        console.log(`${label}: this year's total shown alike on the overview and the Carbon page`);
    }
}

// ---- devices -------------------------------------------------------------
// Counters move every poll: compare with the documents the page itself got
// from the API (one of the last three, as a render may be in flight),
// and the list of devices with a fresh request.
async function checkDevices(page, base, log, label) {
    const fresh = await api(base, '/api/v1/devices');
    const cards = await page.$$eval('section.device', (els) => els.map((el) => ({
        name: el.dataset.device,
        state: el.querySelector('[data-key="state"]').dataset.value,
        counters: Object.fromEntries([...el.querySelectorAll('.counter [data-key]')].map((c) => [c.dataset.key, c.textContent])),
        points: [...el.querySelectorAll('.points tr[data-series]')].map((tr) => ({
            series: tr.dataset.series, text: tr.querySelector('[data-key="value"]').textContent,
        })),
    })));
    const names = (fresh.devices || []).map((d) => d.name);
    check(JSON.stringify(cards.map((c) => c.name)) === JSON.stringify(names), `${label}: devices ${cards.map((c) => c.name)} vs API ${names}`);
    // The test's copy of an answer may arrive just after the page drew it.
    await new Promise((r) => setTimeout(r, 500));
    const docs = log.bodies.get('/api/v1/devices') || [];
    const compare = (doc) => {
        const out = [];
        for (const c of cards) {
            const d = (doc.devices || []).find((x) => x.name === c.name);
            if (!d) { out.push(`${c.name} not in the API's answer`); continue; }
            if (c.state !== d.state) out.push(`${c.name} state ${c.state} vs API ${d.state}`);
            for (const [k, text] of Object.entries(c.counters)) {
                if (!sameNumber(text, d[k])) out.push(`${c.name} ${k} "${text}" vs API ${d[k]}`);
            }
            for (const p of c.points) {
                const q = (d.points || []).find((x) => x.series === p.series);
                if (!q || !sameNumber(p.text, q.value)) out.push(`${c.name} ${p.series} "${p.text}" vs API ${q ? q.value : 'none'}`);
            }
        }
        return out;
    };
    const tries = docs.slice(-3).map(compare);
    const ok = tries.some((b) => b.length === 0);
    check(docs.length > 0 && ok, `${label}: devices shown differ from /api/v1/devices: ${tries.length ? tries[tries.length - 1].join('; ') : 'no answer seen'}`);
    const states = new Set(cards.map((c) => c.state));
    check(cards.length > 0 && states.has('ok'), `${label}: no device is ok (${[...states]})`);
    // A device that is down shows the API's last error and its error count.
    for (const d of (fresh.devices || []).filter((x) => x.state === 'down')) {
        const shownErr = await page.$eval(`section.device[data-device="${d.name}"] [data-key="last_error"]`, (e) => e.textContent);
        check(!!d.last_error && shownErr === d.last_error, `${label}: ${d.name} is down, shows last error "${shownErr}", API "${d.last_error}"`);
        check(d.errors > 0 || d.reconnects > 0, `${label}: ${d.name} is down with no error counted by the API`);
    }
    check(cards.some((c) => c.points.length > 0), `${label}: no device shows a reading`);
}

async function visit(page, base, name, hash) {
    await page.goto(`${base}/${hash || '#/' + name}`, { waitUntil: 'load' });
    await waitReady(page, name);
}

async function testViewport(browser, a, vp, yearView) {
    const label0 = `@${vp.width}px`;
    const { context, page, log } = await open(browser, vp, 'en');
    for (const name of PAGES) {
        const label = `${name} ${label0}`;
        log.errors.length = 0;
        log.responses.clear();
        let hash;
        if (name === 'energy' && yearView) hash = yearView.hash;
        if (name === 'carbon' && yearView) hash = `#/carbon?year=${yearView.year}`;
        await visit(page, a.base, name, hash);
        const lay = await layout(page);
        check(lay.scrollWidth <= lay.innerWidth, `${label}: page is ${lay.scrollWidth}px wide in a ${lay.innerWidth}px viewport`);
        for (const s of lay.sizes) {
            check(s.w > 100 && s.h > 100 && s.right <= lay.innerWidth + 0.5, `${label}: chart ${s.id} is ${s.w}x${s.h}, right edge ${s.right}`);
        }
        if (name === 'overview') await checkOverview(page, a.base, label);
        if (name === 'energy') await checkEnergy(page, a.base, log, label, vp.name === 'desktop' ? a.out : null);
        if (name === 'energy' && vp.name === 'desktop' && yearView) {
            // A month, then the previous month overlaid by ticking the box.
            await visit(page, a.base, 'energy', yearView.hash.replace('period=year', 'period=month'));
            log.responses.clear();
            await page.click('input.compare');
            await page.waitForFunction(() => window.location.hash.includes('compare=1'));
            await waitReady(page, 'energy');
            const n = await checkEnergy(page, a.base, log, `${label} month vs previous`, null);
            check(n >= 2, `${label}: comparison drew ${n} periods, want the month and the previous month`);
            // The periods asked of the API, in the park's calendar (offset
            // from /info): June and May at 1 h; the week holding Wednesday
            // 5 June at 15 min. Written out by hand.
            const info = await api(a.base, '/api/v1/info');
            const off = `${info.utc_offset_h < 0 ? '-' : '+'}${String(Math.abs(info.utc_offset_h)).padStart(2, '0')}:00`;
            const y = Number(yearView.year);
            const windows = (l) => (l.responses.get(`/api/v1/series/${encodeURIComponent(yearView.series)}`) || [])
                .map((u) => new URL(u, a.base).searchParams).map((q) => `${q.get('from')} ${q.get('to')} ${q.get('step')}`);
            check(JSON.stringify(windows(log)) === JSON.stringify([
                `${y}-06-01T00:00:00${off} ${y}-07-01T00:00:00${off} 3600`,
                `${y}-05-01T00:00:00${off} ${y}-06-01T00:00:00${off} 3600`]),
            `${label}: month and previous month asked as ${JSON.stringify(windows(log))}`);
            log.responses.clear();
            await visit(page, a.base, 'energy', yearView.hash.replace('period=year', 'period=week').replace(/at=[^&]*/, `at=${y}-06-05`));
            const wk = windows(log);
            // Calendar: 5 June 2024 is a Wednesday (the live campus's year).
            const week = { 2024: ['2024-06-03', '2024-06-10'] }[y];
            if (week) {
                check(JSON.stringify(wk) === JSON.stringify([`${week[0]}T00:00:00${off} ${week[1]}T00:00:00${off} 900`]),
                    `${label}: the week of ${y}-06-05 asked as ${JSON.stringify(wk)}, want Monday ${week[0]} to ${week[1]}`);
            }
        }
        if (name === 'carbon') await checkCarbon(page, a.base, log, label);
        if (name === 'carbon' && vp.name === 'desktop') {
            await checkYearAgreement(page, a.base, log, `${label} this year`);
            await visit(page, a.base, name, hash);
        }
        if (name === 'plan') await checkPlan(page, a.base, label);
        if (name === 'devices') await checkDevices(page, a.base, log, label);
        const shot = path.join(a.out, `dashboard-${name}-${vp.width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        check(fs.statSync(shot).size > 15000, `${label}: screenshot ${shot} is nearly empty`);
        check(log.errors.length === 0, `${label}: console errors: ${log.errors.join(' | ')}`);
        console.log(`${label}: ${lay.charts.length} charts, screenshot ${shot}`);
    }
    await context.close();
}

// Chinese and back: the page's text changes, the choice survives a reload.
async function testLanguage(browser, a) {
    const vp = VIEWPORTS[0];
    const { context, page, log } = await open(browser, vp, 'en');
    await visit(page, a.base, 'overview');
    const en = await page.$eval('#nav a[data-page="overview"]', (e) => e.textContent);
    check(en === 'Overview', `language: English nav reads "${en}"`);
    await page.click('#lang');
    await waitReady(page, 'overview');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const zh = await page.evaluate(() => ({
        nav: [...document.querySelectorAll('#nav a')].map((e) => e.textContent),
        h2: [...document.querySelectorAll('main h2')].map((e) => e.textContent),
        saved: window.localStorage.getItem('zp.lang'),
        missing: window.zpDashboard.missingKeys(),
    }));
    check(JSON.stringify(zh.nav) === JSON.stringify(['总览', '能源', '碳排放', '调度计划', '设备']), `language: Chinese nav reads ${zh.nav}`);
    check(zh.h2.length > 0 && zh.h2.every((h) => /[\u4e00-\u9fff]/.test(h)), `language: headings not all Chinese: ${zh.h2}`);
    check(zh.saved === 'zh', `language: localStorage zp.lang is ${zh.saved}`);
    check(zh.missing.length === 0, `language: keys missing in one language: ${zh.missing}`);
    await checkOverview(page, a.base, 'overview zh');
    await page.reload({ waitUntil: 'load' });
    await waitReady(page, 'overview');
    const kept = await page.$eval('#nav a[data-page="overview"]', (e) => e.textContent);
    check(kept === '总览', `language: after a reload the nav reads "${kept}"`);
    for (const name of PAGES) {
        await visit(page, a.base, name);
        const shot = path.join(a.out, `dashboard-${name}-zh.png`);
        await page.screenshot({ path: shot, fullPage: true });
    }
    await visit(page, a.base, 'overview');
    await page.click('#lang');
    await waitReady(page, 'overview');
    const back = await page.$eval('#nav a[data-page="overview"]', (e) => e.textContent);
    check(back === 'Overview', `language: switching back reads "${back}"`);
    check(log.errors.length === 0, `language: console errors: ${log.errors.join(' | ')}`);
    console.log('language: en -> zh -> reload -> en');
    await context.close();
}

// A reading posted to the API shows in the open overview without a reload.
async function testLive(browser, a) {
    const { context, page, log } = await open(browser, VIEWPORTS[0], 'en');
    await visit(page, a.base, 'overview');
    const before = await page.evaluate(() => window.zpDashboard.statusUpdates);
    const value = 4321.5;
    const r = await fetch(a.base + '/api/v1/readings', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${a.token}` },
        body: JSON.stringify({ readings: [{ series: a.liveSeries, t: Date.now(), value }] }),
    });
    check(r.status === 202, `live: POST /api/v1/readings answered ${r.status} ${await r.text()}`);
    let ok = false;
    let last = '';
    for (let i = 0; i < 30 && !ok; i++) {
        await new Promise((res) => setTimeout(res, 500));
        last = await page.$eval(`[data-key="flows_kw.${a.liveFlow}"]`, (e) => e.textContent).catch(() => '');
        ok = sameNumber(last, value);
    }
    const after = await page.evaluate(() => window.zpDashboard.statusUpdates);
    check(ok, `live: flows_kw.${a.liveFlow} shows "${last}" 15 s after posting ${value}`);
    check(after > before, `live: no status update reached the page (${before} -> ${after})`);
    check(log.errors.length === 0, `live: console errors: ${log.errors.join(' | ')}`);
    console.log(`live: ${a.liveSeries} = ${value} shown as "${last}" (${after - before} status updates)`);
    await context.close();
}

// With the event stream refused, the page polls /api/v1/status instead.
async function testPolling(browser, a) {
    const { context, page } = await open(browser, VIEWPORTS[0], 'en');
    await context.route('**/api/v1/events', (route) => route.abort());
    await visit(page, a.base, 'overview');
    const before = await page.evaluate(() => window.zpDashboard.statusUpdates);
    let after = before;
    for (let i = 0; i < 30 && after < before + 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        after = await page.evaluate(() => window.zpDashboard.statusUpdates);
    }
    check(after >= before + 2, `polling: ${after - before} status updates in 15 s without the event stream`);
    console.log(`polling: ${after - before} status updates without the event stream`);
    await context.close();
}

// The energy view with a year of hourly values of the series with the
// most data: {hash, values}.
async function yearViewFor(base) {
    const list = (await api(base, '/api/v1/series')).series || [];
    const withData = list.filter((s) => s.first && s.last);
    if (!withData.length) return null;
    withData.sort((x, y) => (Date.parse(y.last) - Date.parse(y.first)) - (Date.parse(x.last) - Date.parse(x.first)));
    const s = withData[0];
    const y = s.first.slice(0, 4);
    return { series: s.name, year: y, hash: `#/energy?period=year&at=${y}-06-01&series=${encodeURIComponent(s.name)}` };
}

async function measure(browser, a, yearView) {
    const out = {};
    // First load of the overview: navigation start to the page complete.
    // Also the renderer main thread's CPU time until then (Chromium's
    // ThreadTime metric), which a busy machine inflates far less.
    const loads = [];
    const cpu = [];
    for (let i = 0; i < 5; i++) {
        const { context, page } = await open(browser, VIEWPORTS[0], 'en');
        const cdp = await context.newCDPSession(page);
        await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
        const before = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime');
        await visit(page, a.base, 'overview');
        loads.push(await page.evaluate(() => window.zpDashboard.timing.first_ready));
        const after = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime');
        if (before && after) cpu.push((after.value - before.value) * 1000);
        await context.close();
    }
    const median = (v) => v.slice().sort((x, y) => x - y)[Math.floor(v.length / 2)];
    out.first_load_ms = median(loads);
    out.first_load_max_ms = Math.max(...loads);
    if (cpu.length) out.first_load_cpu_ms = median(cpu);
    if (yearView) {
        // A year of hourly values drawn, three times (median of each figure).
        const runs = [];
        for (let i = 0; i < 3; i++) {
            const { context, page } = await open(browser, VIEWPORTS[0], 'en');
            await visit(page, a.base, 'overview');
            await page.evaluate(() => {
                window.__longest = 0;
                new PerformanceObserver((l) => {
                    for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
                }).observe({ type: 'longtask', buffered: false });
            });
            await page.evaluate((h) => { window.location.hash = h.slice(1); }, yearView.hash);
            await waitReady(page, 'energy');
            runs.push(await page.evaluate(() => ({ ...window.zpDashboard.timing, longest: window.__longest })));
            await context.close();
        }
        const med = (k) => runs.map((r) => r[k]).sort((x, y) => x - y)[1];
        out.year_values = runs[0].energy_values;
        out.year_fetch_ms = med('energy_fetch');
        out.year_render_ms = med('energy_render');
        out.year_longest_task_ms = med('longest');
    }
    return out;
}

async function main() {
    const a = args();
    fs.mkdirSync(a.out, { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
        const yearView = await yearViewFor(a.base);
        if (a.bench) {
            const m = await measure(browser, a, yearView);
            const line = (bench, value, unit) => console.log(JSON.stringify({ bench, value: Math.round(value * 10) / 10, unit }));
            line('web_first_load_overview', m.first_load_ms, 'ms');
            if (m.first_load_cpu_ms !== undefined) line('web_first_load_overview_main_thread_cpu', m.first_load_cpu_ms, 'ms');
            if (m.year_render_ms !== undefined) {
                line('web_year_hourly_values', m.year_values, 'values');
                line('web_year_hourly_fetch', m.year_fetch_ms, 'ms');
                line('web_year_hourly_render', m.year_render_ms, 'ms');
                line('web_year_hourly_longest_task', m.year_longest_task_ms, 'ms');
            }
            return;
        }
        check(!!yearView, 'the API lists no series with data');
        for (const vp of VIEWPORTS) await testViewport(browser, a, vp, yearView);
        await testLanguage(browser, a);
        if (a.token && a.liveSeries && a.liveFlow) await testLive(browser, a);
        await testPolling(browser, a);
        const m = await measure(browser, a, yearView);
        console.log(`first load of the overview: median ${m.first_load_ms.toFixed(0)} ms, worst ${m.first_load_max_ms.toFixed(0)} ms`);
        check(m.first_load_ms <= a.maxLoadMs, `first load of the overview took ${m.first_load_ms.toFixed(0)} ms (limit ${a.maxLoadMs})`);
        if (m.year_render_ms !== undefined) {
            console.log(`year of hourly data: ${m.year_values} values, fetched in ${m.year_fetch_ms.toFixed(0)} ms, drawn in ${m.year_render_ms.toFixed(0)} ms, longest task ${m.year_longest_task_ms.toFixed(0)} ms`);
            check(m.year_values >= 8760, `year view drew ${m.year_values} values, want a year of hours`);
            check(m.year_render_ms < 2000, `year of hourly data took ${m.year_render_ms.toFixed(0)} ms to draw`);
        }
    } finally {
        await browser.close();
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    console.error(e);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
});
