import { defineConfig, type Plugin } from 'vite';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fixtureApi } from './web/dev-fixtures/fixtureApi.ts';

/**
 * The app lives in web/ and is served in production by engine/server from dist/web.
 * In development, /api is proxied to a running `vigie run` on port 8080, unless
 * VIGIE_FIXTURES=1, in which case a small synthetic API answers (web/dev-fixtures).
 */
const useFixtures = process.env.VIGIE_FIXTURES === '1';
const apiTarget = process.env.VIGIE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: resolve(import.meta.dirname, 'web'),
  base: './',
  publicDir: false,
  plugins: [svelte(), ...(useFixtures ? [fixtureApi() as Plugin] : [])],
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
    proxy: useFixtures ? undefined : { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: {
    host: '127.0.0.1',
    proxy: useFixtures ? undefined : { '/api': { target: apiTarget } },
  },
});
