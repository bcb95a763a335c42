// main.js - the dashboard's shell: park info, header (park clock, mode,
// alerts, language switch), hash routing between the five pages, and live
// status from the API's Server-Sent Events (/api/v1/events), polling
// /api/v1/status while the event stream is broken.
import './style.css';
import { api, esc, fmtTime, offsetText, setOffset } from './api.js';
import * as charts from './charts.js';
import { getLang, missingKeys, setLang, t, translate } from './i18n.js';
import carbon from './pages/carbon.js';
import devices from './pages/devices.js';
import energy from './pages/energy.js';
import overview from './pages/overview.js';
import plan from './pages/plan.js';

const pages = { overview, energy, carbon, plan, devices };
const POLL_MS = 5000;          // status poll when there is no event stream
const TICK_MS = 5000;          // pages that poll their own endpoint (devices, plan)
const STATUS_STALE_MS = 15000; // no status event for this long: poll once

const ctx = { info: null, status: null };
let current = null;
let mountSeq = 0;
let lastStatusAt = 0;
let pollTimer = null;

const timing = {};
window.zpDashboard = {
  chart: (id) => charts.get(id),
  charts: () => charts.ids(),
  timing,
  info: () => ctx.info,
  status: () => ctx.status,
  lang: () => getLang(),
  missingKeys,
  statusUpdates: 0,
};

function banner(msg) {
  const b = document.getElementById('banner');
  if (msg) {
    b.textContent = msg;
    b.hidden = false;
  } else {
    b.hidden = true;
    b.textContent = '';
  }
}

function parseHash() {
  const h = window.location.hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const name = q < 0 ? h : h.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
  return { name: pages[name] ? name : 'overview', params };
}

async function show() {
  const { name, params } = parseHash();
  const seq = ++mountSeq;
  if (current && current.page.unmount) current.page.unmount();
  charts.disposeAll();
  document.body.dataset.ready = '0';
  document.body.dataset.page = name;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === name);
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const host = document.getElementById('page');
  host.innerHTML = '';
  const root = document.createElement('div');
  root.className = 'page-' + name;
  root.innerHTML = `<p class="loading">${esc(t('loading'))}</p>`;
  host.appendChild(root);
  current = { name, page: pages[name], params, root };
  const t0 = performance.now();
  try {
    await current.page.mount(root, ctx, params);
    if (seq === mountSeq) banner('');
  } catch (e) {
    if (seq === mountSeq) {
      root.innerHTML = '';
      banner(t('error.api', { msg: e.message }));
    }
  }
  if (seq !== mountSeq) return;
  timing[name] = performance.now() - t0;
  // Milliseconds since navigation start at which the page was complete.
  if (timing.first_ready === undefined) timing.first_ready = performance.now();
  document.body.dataset.ready = '1';
}

function renderHeader() {
  const info = ctx.info;
  const s = ctx.status;
  document.getElementById('park-name').textContent = info ? info.park : '';
  document.title = info ? `${info.park} · zeropark` : 'zeropark';
  const clock = document.getElementById('clock');
  clock.textContent = s ? fmtTime(s.time, 'seconds') : '';
  clock.dataset.time = s ? s.time : '';
  clock.title = t('clock.title', { off: offsetText() });
  const mode = (s && s.mode) || (info && info.mode) || '';
  const mb = document.getElementById('mode');
  mb.textContent = mode ? t('mode.' + mode) : '';
  mb.className = 'badge mode-' + mode;
  mb.hidden = !mode;
  const stale = document.getElementById('stale');
  stale.hidden = !(s && s.stale);
  stale.textContent = t('stale');
  const ab = document.getElementById('alerts-badge');
  const n = s ? s.alerts_active || 0 : 0;
  ab.hidden = n === 0;
  ab.textContent = t('alerts.n', { n });
  document.getElementById('lang').textContent = t('lang.switch');
  document.getElementById('foot').textContent = info
    ? t('foot', { version: info.version, off: offsetText(), step: info.step_min })
    : '';
}

function onStatus(s) {
  ctx.status = s;
  lastStatusAt = Date.now();
  window.zpDashboard.statusUpdates++;
  renderHeader();
  if (current && current.page.update && document.body.dataset.ready === '1') {
    current.page.update(s, ctx);
  }
}

async function pollStatus() {
  try {
    onStatus(await api.status());
  } catch (e) {
    banner(t('error.api', { msg: e.message }));
  }
}

function startPolling() {
  if (pollTimer) return;
  pollTimer = setInterval(pollStatus, POLL_MS);
}

function startLive() {
  if (!window.EventSource) {
    startPolling();
    return;
  }
  const es = new EventSource('/api/v1/events');
  es.addEventListener('status', (ev) => {
    let s;
    try {
      s = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    // The stream is back: it replaces the polling.
    if (pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
    onStatus(s);
  });
  // The browser reconnects a broken stream by itself; poll meanwhile.
  es.onerror = () => startPolling();
  // Safety net: an event stream that went quiet is backed by one poll.
  setInterval(() => {
    if (Date.now() - lastStatusAt > STATUS_STALE_MS) pollStatus();
  }, STATUS_STALE_MS);
}

function applyLang() {
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  translate(document);
  renderHeader();
}

// Park info and the first status; retried every few seconds until the API
// answers (the daemon may start after the browser).
async function boot() {
  try {
    const [info, status] = await Promise.all([api.info(), api.status()]);
    ctx.info = info;
    setOffset(Number(info.utc_offset_h));
    ctx.status = status;
    lastStatusAt = Date.now();
  } catch (e) {
    banner(t('error.api', { msg: e.message }));
    document.body.dataset.ready = '1';
    setTimeout(boot, POLL_MS);
    return;
  }
  renderHeader();
  window.addEventListener('hashchange', show);
  await show();
  startLive();
  setInterval(() => {
    if (current && current.page.tick && document.body.dataset.ready === '1') {
      current.page.tick(ctx).catch((e) => banner(t('error.api', { msg: e.message })));
    }
  }, TICK_MS);
}

function start() {
  applyLang();
  document.getElementById('lang').addEventListener('click', () => {
    setLang(getLang() === 'zh' ? 'en' : 'zh');
    applyLang();
    if (ctx.info) show();
  });
  boot();
}

start();
