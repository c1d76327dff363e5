import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * The app lives in web/ and is served in production by engine/server from dist/web.
 * In development, /api is proxied to the real server: `vigie run` (sample region, port 8080) or
 * `vigie serve` on a national-size seeded database (web/README.md). There is no second API.
 */
const apiTarget = process.env.VIGIE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: resolve(import.meta.dirname, 'web'),
  base: './',
  publicDir: false,
  plugins: [svelte()],
  css: {
    // dsfr.min.css still carries old-IE "@media \\0" hacks; drop them instead of failing.
    lightningcss: { errorRecovery: true },
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: {
    host: '127.0.0.1',
    proxy: { '/api': { target: apiTarget } },
  },
});
