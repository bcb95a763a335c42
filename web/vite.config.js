// Vite build of the zeropark dashboard: one HTML page, hashed JS and CSS
// under assets/, relative URLs so the bundle works from any directory that
// `zeropark serve --web DIR` serves. ZP_WEB_OUT sets the output directory
// (scripts/web.sh points it into the build dir); ZP_API_PROXY points the dev
// server's /api, /metrics and /healthz at a running `zeropark serve`.
import { defineConfig } from 'vite';

const proxyTarget = process.env.ZP_API_PROXY || 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  build: {
    outDir: process.env.ZP_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: proxyTarget, changeOrigin: true },
      '/metrics': proxyTarget,
      '/healthz': proxyTarget,
    },
  },
});
