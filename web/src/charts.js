// charts.js - Apache ECharts, imported module by module (only the chart
// types and components the dashboard draws, so the bundle stays small), and
// a registry of the charts on the current page. The registry is what the
// browser test reads (window.zpDashboard.chart(id).getOption()) to compare
// the data drawn with the API's.
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, GraphChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GaugeChart, GraphChart, LineChart, DataZoomComponent, GridComponent,
  LegendComponent, TooltipComponent, CanvasRenderer]);

export const palette = {
  pv: '#f2a900',
  wind: '#2a9d8f',
  battery: '#7b61ff',
  grid: '#6c757d',
  load: '#e76f51',
  datacenter: '#264653',
  bus: '#1b4332',
  scope1: '#9c6644',
  scope2: '#d62828',
  location: '#495057',
  budget: '#2d6a4f',
  projection: '#e63946',
  series: ['#1f77b4', '#e76f51', '#2a9d8f', '#f2a900', '#7b61ff', '#264653', '#d62828',
    '#6a994e', '#bc6c25', '#118ab2', '#8d99ae', '#ef476f'],
};

const registry = new Map();
let observer = null;

// The observer also reports every element once when it starts observing:
// resize (and redraw) only a chart whose box really changed.
function resizeAll(entries) {
  for (const e of entries) {
    const c = echarts.getInstanceByDom(e.target);
    if (!c) continue;
    const w = Math.round(e.contentRect.width);
    const h = Math.round(e.contentRect.height);
    if (w !== c.getWidth() || h !== c.getHeight()) c.resize();
  }
}

// Make (or reuse) the chart in element el, registered under id.
export function chart(el, id) {
  let c = echarts.getInstanceByDom(el);
  if (!c) {
    c = echarts.init(el, null, { renderer: 'canvas' });
    if (!observer) observer = new ResizeObserver(resizeAll);
    observer.observe(el);
  }
  registry.set(id, c);
  el.dataset.chart = id;
  return c;
}

// Set an option (with the park's clock on time axes) and resolve once the
// chart has rendered; the resolved value is the time it took in ms.
export function draw(c, option, notMerge = true) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      c.off('finished', finish);
      resolve(performance.now() - t0);
    };
    c.on('finished', finish);
    c.setOption({ useUTC: true, ...option }, notMerge);
    // 'finished' does not fire when nothing changed; do not wait forever.
    setTimeout(finish, 3000);
  });
}

export function get(id) {
  return registry.get(id) || null;
}

export function ids() {
  return [...registry.keys()];
}

// Dispose every chart (leaving a page).
export function disposeAll() {
  for (const c of registry.values()) {
    if (observer) observer.unobserve(c.getDom());
    c.dispose();
  }
  registry.clear();
}
