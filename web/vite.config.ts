// Dashboard build: `npm run build:web` -> web/dist (served by the server at `/`, see
// src/server/dashboard.ts). Preact through esbuild's automatic JSX runtime: no Babel preset.
// `npm run dev:web` serves it with hot reload and proxies the API to a server on :8080.
import { defineConfig } from 'vite';

const API = ['/runs', '/queues', '/workers', '/policy', '/events', '/metrics', '/workflows', '/bench', '/healthz'];

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 400, reportCompressedSize: false },
  server: { proxy: Object.fromEntries(API.map((p) => [p, { target: process.env.KAIROS_URL ?? 'http://127.0.0.1:8080' }])) },
});
