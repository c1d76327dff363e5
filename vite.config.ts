import { defineConfig } from 'vite';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin, Rollup } from 'vite';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/**
 * main.ts asks for the first screen's data, then imports the app (maplibre, deck.gl, the
 * components) dynamically; this hints that chunk and its imports in index.html so that the browser fetches
 * and compiles it while the entry runs, not after; and the fonts of the first screen.
 */
const FIRST_SCREEN_FONTS = /(^|\/)Marianne-(Regular|Medium|Bold|Regular_Italic)-[\w-]+\.woff2$/;
const FIRST_SCREEN_FONT_COUNT = 4;

function preloadApp(): Plugin {
  return {
    name: 'vigie-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find(
          (c): c is Rollup.OutputChunk => c.type === 'chunk' && c.isDynamicEntry && !!c.facadeModuleId?.endsWith('/web/src/App.svelte'),
        );
        if (!chunk) throw new Error('vigie-preload-app: no dynamic chunk for web/src/App.svelte (main.ts must import it dynamically)');
        const modules = [chunk.fileName, ...chunk.imports.filter((file) => !html.includes(file))].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: '', href: `./${file}` },
          injectTo: 'head' as const,
        }));
        // The DSFR's Marianne faces the first screen uses: fetched with the page rather than once
        // the stylesheet has been applied, so the text is laid out and painted once, not twice.
        const fonts = Object.values(ctx.bundle ?? {})
          .filter((a) => a.type === 'asset' && FIRST_SCREEN_FONTS.test(a.fileName))
          .map((a) => ({
            tag: 'link',
            attrs: { rel: 'preload', as: 'font', type: 'font/woff2', crossorigin: '', href: `./${a.fileName}` },
            injectTo: 'head' as const,
          }));
        if (fonts.length !== FIRST_SCREEN_FONT_COUNT) throw new Error(`vigie-preload-app: ${fonts.length} first-screen fonts in the build, expected ${FIRST_SCREEN_FONT_COUNT}`);
        return [...modules, ...fonts];
      },
    },
  };
}

/**
 * Writes a Brotli (`.br`, quality 9: quality 11 saves another 9 % for ten times the build time)
 * and a gzip (`.gz`, level 9) copy beside each compressible file of the build: engine/server
 * serves them (`preCompressed`) to browsers that accept them instead of compressing the 1.6 MB
 * app on every request (~40 ms of server CPU each time, in the first screen's critical path);
 * Brotli is also 10 % smaller than gzip and three times quicker to decode.
 */
function compressAssets(): Plugin {
  return {
    name: 'vigie-compress-assets',
    apply: 'build',
    enforce: 'post',
    // After writing: Vite still rewrites chunks in generateBundle (preload maps), so compress
    // the bytes as they are on disk.
    writeBundle(options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(m?js|css|svg|json|wasm)$/.test(fileName)) continue;
        const path = join(options.dir!, fileName);
        const bytes = readFileSync(path);
        if (bytes.length < 1024) continue;
        writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

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
  plugins: [svelte(), preloadApp(), compressAssets()],
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
