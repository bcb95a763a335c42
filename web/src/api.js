// api.js - the dashboard's only data source: the JSON API of `zeropark serve`
// under /api/v1 (docs/api.md). Also the formatting of numbers and of times
// in the park's local time. Nothing here computes energy or carbon: every
// figure shown is one the API returned.
import { locale } from './i18n.js';

export class ApiError extends Error {
  constructor(path, status, code, message) {
    super(`${path}: ${status ? status + ' ' : ''}${code ? code + ': ' : ''}${message}`);
    this.path = path;
    this.status = status;
    this.code = code;
  }
}

// The request index.html started for name before the bundle ran, once.
function early(name) {
  const b = window.zpBoot;
  if (!b || !b[name]) return undefined;
  const p = b[name];
  delete b[name];
  return p;
}

// GET a JSON document; throws ApiError with the API's own error message.
// pending: a fetch of the same URL already under way.
export async function getJson(path, params, pending) {
  let url = path;
  if (params) {
    const q = Object.entries(params)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    if (q) url += '?' + q;
  }
  let res;
  try {
    res = await (pending || fetch(url, { headers: { Accept: 'application/json' } }));
  } catch (e) {
    throw new ApiError(url, 0, 'network', e.message);
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    throw new ApiError(url, res.status, 'bad_json', 'the answer is not JSON');
  }
  if (!res.ok) {
    const err = body && body.error ? body.error : {};
    throw new ApiError(url, res.status, err.code || '', err.message || res.statusText);
  }
  return body;
}

export const api = {
  info: () => getJson('/api/v1/info', null, early('info')),
  status: () => getJson('/api/v1/status', null, early('status')),
  seriesList: () => getJson('/api/v1/series'),
  series: (name, from, to, step) =>
    getJson('/api/v1/series/' + encodeURIComponent(name), { from, to, step }),
  carbon: (from, to, by) => getJson('/api/v1/carbon', { from, to, by }),
  plan: () => getJson('/api/v1/plan'),
  devices: () => getJson('/api/v1/devices'),
  alerts: () => getJson('/api/v1/alerts'),
};

// ---- the park's clock ------------------------------------------------------
// Times travel as ISO-8601 with the park's offset. Internally an instant is
// Unix milliseconds; "park milliseconds" are those shifted by the offset so
// that UTC getters (and ECharts with useUTC) show the park's wall clock.

let offsetH = 8;

export function setOffset(h) {
  offsetH = Number.isFinite(h) ? h : 8;
}

export function offset() {
  return offsetH;
}

export function offsetText() {
  const s = offsetH < 0 ? '-' : '+';
  const m = Math.round(Math.abs(offsetH) * 60);
  return `${s}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function parseTime(v) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  return Date.parse(v);
}

export function toPark(ms) {
  return ms + offsetH * 3600e3;
}

export function fromPark(pms) {
  return pms - offsetH * 3600e3;
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

// ISO-8601 with the park's offset, as the API wants it in from/to.
export function isoPark(ms) {
  const d = new Date(toPark(ms));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${offsetText()}`;
}

// "2024-06-01 12:00" in park time; parts: 'datetime' | 'date' | 'time'.
export function fmtTime(v, parts = 'datetime') {
  const ms = parseTime(v);
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(toPark(ms));
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (parts === 'date') return date;
  if (parts === 'time') return time;
  if (parts === 'seconds') return `${date} ${time}:${pad(d.getUTCSeconds())}`;
  return `${date} ${time}`;
}

// Park-local calendar fields of an instant.
export function parkFields(ms) {
  const d = new Date(toPark(ms));
  return {
    y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(),
    dow: d.getUTCDay(), h: d.getUTCHours(),
  };
}

// Instant of a park-local wall time (month 0-based, day may overflow).
export function parkInstant(y, m, d = 1, h = 0) {
  return fromPark(Date.UTC(y, m, d, h));
}

// ---- numbers ---------------------------------------------------------------
const fmtCache = new Map();

export function fmtNum(v, digits = 1) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return '—';
  const key = locale() + digits;
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    fmtCache.set(key, f);
  }
  return f.format(Number(v));
}

// A 0..1 fraction as a percentage.
export function fmtPct(frac, digits = 1) {
  if (frac === null || frac === undefined || !Number.isFinite(Number(frac))) return '—';
  return fmtNum(Number(frac) * 100, digits) + ' %';
}

// Digits that keep about four significant figures for a magnitude.
export function digitsFor(v) {
  const a = Math.abs(Number(v));
  if (!Number.isFinite(a) || a >= 1000) return 0;
  if (a === 0) return 1;
  if (a >= 100) return 1;
  if (a >= 1) return 2;
  return 3;
}

export function esc(s) {
  return String(s === null || s === undefined ? '' : s)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
