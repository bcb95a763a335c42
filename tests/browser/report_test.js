// report_test.js - open zeropark HTML reports in Debian's headless Chromium
// (through playwright-core, no downloaded browser) at a desktop and a tablet
// width; check that the page loads with no console errors and no network
// request, that every chart is an SVG that drew marks of a visible size,
// that nothing overflows the viewport, and save full-page screenshots.
//
// usage: node report_test.js OUT_DIR REPORT.html...
// Ends with "N passed, N failed"; exit status 1 on any failure.
'use strict';

const path = require('path');
const fs = require('fs');
const need = require('./need.js');
const { chromium } = need.playwright(require, 'cd tests/browser && npm ci');

const CHROMIUM = need.chromium();
// Flags this machine needs (no sandbox for root, no GPU, nothing phoned home).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CHARTS = ['chart-emissions', 'chart-sources', 'chart-heatmap', 'chart-burndown', 'chart-pue'];
const VIEWPORTS = [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'tablet', width: 768, height: 1024 },
];

let passed = 0;
let failed = 0;
function check(cond, what) {
    if (cond) {
        passed++;
    } else {
        failed++;
        console.error(`FAIL: ${what}`);
    }
}

async function testPage(browser, file, vp, outDir) {
    const label = `${path.basename(file, '.html')} @${vp.width}px`;
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));

    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });

    const info = await page.evaluate((ids) => {
        const charts = ids.map((id) => {
            const svg = document.getElementById(id);
            if (!svg) return { id, present: false };
            const box = svg.getBoundingClientRect();
            // Marks: shapes with a non-zero rendered size.
            let marks = 0;
            for (const el of svg.querySelectorAll('rect, path, circle')) {
                const b = el.getBBox();
                if (b.width > 0 || b.height > 0) marks++;
            }
            const legend = svg.querySelector('.legend');
            const title = svg.querySelector('title');
            return {
                id, present: true, tag: svg.tagName.toLowerCase(), width: box.width, height: box.height,
                right: box.right, marks, legend: !!legend, title: title ? title.textContent : '',
                viewBox: svg.getAttribute('viewBox'),
            };
        });
        return {
            charts,
            nsvg: document.querySelectorAll('svg.chart').length,
            lang: document.documentElement.lang,
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            scripts: document.querySelectorAll('script').length,
            h1: document.querySelector('h1') ? document.querySelector('h1').textContent : '',
            tables: document.querySelectorAll('table').length,
            bodyColor: getComputedStyle(document.body).color,
            bodyBg: getComputedStyle(document.body).backgroundColor,
            dispatch: (() => {
                const d = document.getElementById('dispatch');
                return d ? { key: d.dataset.dispatch, text: d.innerText, visible: d.getClientRects().length > 0 } : null;
            })(),
            costRows: document.querySelectorAll('#table-cost tbody tr').length,
            peakRows: document.querySelectorAll('#table-peaks tbody tr[data-month]').length,
            peakVisible: (() => {
                const t = document.getElementById('table-peaks');
                return !!t && t.getBoundingClientRect().height > 50;
            })(),
            kpiPeak: (() => {
                const k = document.querySelector('#kpi-peak .v');
                return k ? k.innerText : '';
            })(),
        };
    }, CHARTS);

    check(errors.length === 0, `${label}: console errors: ${errors.join(' | ')}`);
    check(requests.length === 0, `${label}: network requests: ${requests.join(' ')}`);
    check(info.scripts === 0, `${label}: page has ${info.scripts} script elements`);
    check(info.nsvg === CHARTS.length, `${label}: ${info.nsvg} SVG charts, want ${CHARTS.length}`);
    check(info.h1.length > 0, `${label}: no heading`);
    check(info.tables >= 4, `${label}: ${info.tables} tables`);
    check(info.bodyColor === 'rgb(26, 26, 26)' && info.bodyBg === 'rgb(255, 255, 255)',
        `${label}: text ${info.bodyColor} on ${info.bodyBg}, want dark on white`);
    // Responsive: nothing wider than the viewport.
    check(info.scrollWidth <= info.innerWidth, `${label}: page is ${info.scrollWidth}px wide in a ${info.innerWidth}px viewport`);
    // The dispatch used, named in the page's language; energy cost and the
    // monthly peak grid import (the campus year: 12 months).
    check(info.dispatch && info.dispatch.visible, `${label}: no dispatch in the header`);
    if (info.dispatch) {
        const want = { rule: ['rule-based', '规则调度'], optimal: ['optimal (perfect foresight)', '最优调度（完全预见）'],
            mpc: ['rolling-horizon MPC', '滚动优化调度（MPC）'] }[info.dispatch.key];
        check(want && want.includes(info.dispatch.text) && (info.lang === 'en') === (info.dispatch.text === want[0]),
            `${label}: dispatch '${info.dispatch.key}' shown as '${info.dispatch.text}'`);
    }
    check(info.costRows >= 5, `${label}: energy cost table has ${info.costRows} rows`);
    check(info.peakRows === 12 && info.peakVisible, `${label}: ${info.peakRows} months of peak grid import`);
    check(/^[0-9,]+ kW$/.test(info.kpiPeak), `${label}: peak grid import key figure '${info.kpiPeak}'`);
    for (const c of info.charts) {
        check(c.present, `${label}: ${c.id} missing`);
        if (!c.present) continue;
        check(c.tag === 'svg' && c.viewBox, `${label}: ${c.id} is not an SVG with a viewBox`);
        check(c.width > 200 && c.height > 100, `${label}: ${c.id} rendered ${c.width}x${c.height}`);
        check(c.right <= info.innerWidth + 0.5, `${label}: ${c.id} overflows (right edge ${c.right})`);
        check(c.marks > 10, `${label}: ${c.id} drew ${c.marks} marks`);
        check(c.legend, `${label}: ${c.id} has no legend`);
        check(c.title.length > 0, `${label}: ${c.id} has no title`);
    }
    const shot = path.join(outDir, `${path.basename(file, '.html')}-${vp.width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    check(fs.statSync(shot).size > 20000, `${label}: screenshot ${shot} is nearly empty`);
    console.log(`${label}: lang ${info.lang}, dispatch ${info.dispatch ? info.dispatch.text : '-'}, ${info.nsvg} charts, marks ${info.charts.map((c) => c.marks).join('/')}, screenshot ${shot}`);
    await context.close();
}

async function main() {
    const [outDir, ...files] = process.argv.slice(2);
    if (!outDir || files.length === 0) {
        console.error('usage: node report_test.js OUT_DIR REPORT.html...');
        process.exit(2);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
        for (const f of files)
            for (const vp of VIEWPORTS)
                await testPage(browser, f, vp, outDir);
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
