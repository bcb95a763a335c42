// devices.js - every acquisition device's health (/api/v1/devices): state,
// last good reading, last error, the poll/error/timeout/exception/reconnect
// and write counters, and the latest value of each point it feeds. Polled
// every tick, so a device going down shows without reloading.
import { api, digitsFor, esc, fmtNum, fmtTime } from '../api.js';
import { t } from '../i18n.js';

const COUNTERS = ['polls', 'errors', 'timeouts', 'exceptions', 'reconnects', 'writes', 'write_errors'];

let root = null;

// A point's series without its device's prefix ("inv1.ac_power_kw" ->
// "ac_power_kw"); the full name is the cell's title.
function pointName(device, series) {
  return series.startsWith(device + '.') ? series.slice(device.length + 1) : series;
}

function deviceCard(d) {
  const pts = d.points || [];
  return `<section class="card device state-${esc(d.state)}" data-device="${esc(d.name)}">
    <h2>${esc(d.name)} <small>${esc(d.kind)}</small>
      <span class="badge state state-${esc(d.state)}" data-key="state" data-value="${esc(d.state)}">${esc(t('state.' + d.state))}</span></h2>
    <table class="kv"><tbody>
      <tr><th>${esc(t('devices.last_ok'))}</th><td data-key="last_ok" data-value="${esc(d.last_ok)}">${esc(d.last_ok ? fmtTime(d.last_ok, 'seconds') : '—')}</td></tr>
      <tr><th>${esc(t('devices.last_error'))}</th><td data-key="last_error">${esc(d.last_error || '—')}</td></tr>
    </tbody></table>
    <div class="counters">${COUNTERS.map((c) => `<div class="counter"><span class="c-label">${esc(t('devices.' + c))}</span>` +
      `<span class="c-val num" data-key="${c}" data-value="${esc(d[c])}">${esc(fmtNum(d[c], 0))}</span></div>`).join('')}</div>
    ${pts.length ? `<table class="data points"><thead><tr><th>${esc(t('devices.series'))}</th><th>${esc(t('devices.value'))}</th>
      <th>${esc(t('devices.time'))}</th></tr></thead><tbody>${pts.map((p) => `<tr data-series="${esc(p.series)}"><td title="${esc(p.series)}">${esc(pointName(d.name, p.series))}</td>` +
      `<td class="num" data-key="value" data-value="${esc(p.value)}">${esc(fmtNum(p.value, digitsFor(p.value)))} ${esc(p.unit || '')}</td>` +
      `<td>${esc(p.t ? fmtTime(p.t, 'seconds').slice(11) : '—')}</td></tr>`).join('')}</tbody></table>` : ''}
  </section>`;
}

async function render(el) {
  const doc = await api.devices();
  if (root !== el) return;
  const devs = doc.devices || [];
  const host = el.querySelector('.device-list');
  host.innerHTML = devs.length ? devs.map(deviceCard).join('') : `<section class="card"><p>${esc(t('devices.none'))}</p></section>`;
  const n = { ok: 0, stale: 0, down: 0, unknown: 0 };
  for (const d of devs) n[d.state] = (n[d.state] || 0) + 1;
  el.querySelector('.device-summary').innerHTML = Object.entries(n).filter(([, v]) => v)
    .map(([k, v]) => `<span class="badge state-${esc(k)}" data-key="count.${esc(k)}" data-value="${v}">${esc(t('state.' + k))}: ${v}</span>`)
    .join(' ');
}

export default {
  async mount(el) {
    root = el;
    el.innerHTML = `<section class="card"><h2>${esc(t('devices.title'))}</h2><p class="device-summary"></p></section>
      <div class="device-list grid-auto"></div>`;
    await render(el);
  },
  async tick() {
    if (root) await render(root);
  },
  unmount() {
    root = null;
  },
};
