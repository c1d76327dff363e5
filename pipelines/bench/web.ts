/**
 * Web app benchmark: the built app (dist/web) served by the real server (engine/server, as in
 * production) over a database seeded at national size by the project's generator (46,760
 * monuments scored under four scenarios, 100,000 detections; pipelines/bench/seed.ts), in
 * headless Chromium with software WebGL (SwiftShader) — the slowest renderer DRAC staff may
 * meet. Measures the first map render (navigation start → first frame with the monuments,
 * window.__vigie.firstRenderMs; target ≤ 3 s) and frame times (requestAnimationFrame deltas)
 * during a scripted mouse pan, with and without the detection layer. Prints/returns JSON.
 *   npx tsx pipelines/bench/web.ts [--monuments N] [--detections N] [--build]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from '../chromium.ts';
import { WARM_UP_URLS, createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { SEED_USER, seedNational } from './seed.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface WebBenchOptions {
  monuments?: number;
  detections?: number;
  /** Rebuild dist/web first (otherwise only when missing). */
  build?: boolean;
  chromium?: string;
  log?: (s: string) => void;
  /** serve this existing database (e.g. the real national one) instead of seeding one */
  db?: string;
  /** reviewer account of `db`, to measure the detection layer too */
  login?: { username: string; password: string };
}

function stats(deltas: number[]) {
  const s = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10 : null);
  return { frames: s.length, p50_ms: q(0.5), p95_ms: q(0.95), max_ms: s.length ? Math.round(s[s.length - 1] * 10) / 10 : null };
}

/** Drags the map across its middle in `steps` mouse moves, recording rAF deltas meanwhile. */
async function pan(page: Page, steps = 60) {
  const rect = (await page.evaluate('window.__vigie.mapRect()')) as { left: number; top: number; width: number; height: number };
  // A string, not a function: tsx's transform would inject helpers the page does not have.
  await page.evaluate(`(() => {
    window.__deltas = [];
    window.__rec = true;
    let last = 0;
    const tick = (t) => {
      window.__deltas.push(t - last);
      last = t;
      if (window.__rec) requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  })()`);
  const x0 = rect.left + rect.width * 0.7;
  const y0 = rect.top + rect.height * 0.5;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    // Out and back, so the view ends where it started.
    const k = i <= steps / 2 ? i / (steps / 2) : (steps - i) / (steps / 2);
    await page.mouse.move(x0 - rect.width * 0.4 * k, y0 - rect.height * 0.15 * k);
  }
  await page.mouse.up();
  await page.waitForTimeout(300);
  const deltas = (await page.evaluate('window.__rec = false, window.__deltas')) as number[];
  return stats(deltas);
}

export async function runWebBench(o: WebBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? ((s: string) => console.error(s));
  const monuments = o.monuments ?? 46_760;
  const detections = o.detections ?? 100_000;
  if (o.build || !existsSync(join(ROOT, 'dist/web/index.html'))) {
    log('building dist/web');
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-web-'));
  const store = await Store.open(o.db ?? join(dir, 'national.duckdb'));
  const t0 = performance.now();
  if (!o.db) {
    await seedNational(store, { dir, monuments, detections, log });
    log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const account = o.db ? o.login : { username: SEED_USER.username, password: SEED_USER.password };
  const counts = await store.one<{ monuments: number; detections: number }>(
    `SELECT (SELECT count(*) FROM monuments WHERE lon IS NOT NULL) AS monuments, (SELECT count(*) FROM detections) AS detections`);
  const app = await createServer({ store, webRoot: join(ROOT, 'dist/web'), checkResponses: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  const browser = await launchChromium(o.chromium);
  try {
    // Warm the server's caches (as `vigie serve` does at start), then a cold page.
    for (const u of WARM_UP_URLS) await fetch(new URL(u, base)).then((r) => r.arrayBuffer());
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const t0 = performance.now();
    await page.goto(base);
    await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 120_000 });
    const wallMs = Math.round(performance.now() - t0);
    const probe = (await page.evaluate(`({
      firstRenderMs: window.__vigie.firstRenderMs,
      drawn: window.__vigie.monumentsDrawn,
      marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
      resources: performance.getEntriesByType('resource').map((r) => ({
        url: r.name.replace(location.origin, ''),
        startMs: Math.round(r.startTime),
        endMs: Math.round(r.responseEnd),
        kB: Math.round(r.transferSize / 1024),
      })),
    })`)) as { firstRenderMs: number | null; drawn: number; marks: Record<string, number>; resources: unknown[] };
    log(`first render ${probe.firstRenderMs} ms, ${probe.drawn} monuments drawn`);
    await page.waitForTimeout(500);
    const panMonuments = await pan(page);
    log(`pan (monuments): ${JSON.stringify(panMonuments)}`);

    // Log in, zoom to where detections show (the whole synthetic region is in view at 10).
    await page.evaluate(
      `fetch('api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(${JSON.stringify(account ?? {})}) })`,
    );
    await page.goto(`${base}?carte=-2.9,47.64,10.2&couches=flood,detections,archeo`);
    await page.waitForFunction(() => window.__vigie?.ready === true, null, { timeout: 120_000 });
    await page.waitForTimeout(2500);
    const panDetections = await pan(page);
    log(`pan (monuments + detections in view): ${JSON.stringify(panDetections)}`);
    await page.close();
    return {
      renderer: 'Chromium headless, SwiftShader (software WebGL)',
      server: o.db ? `engine/server on ${o.db}` : 'engine/server on a seeded national-size DuckDB file (pipelines/bench/seed.ts)',
      database: o.db ?? 'seeded (pipelines/bench/seed.ts, seed 42)',
      monuments: Number(counts?.monuments ?? monuments),
      detections: Number(counts?.detections ?? detections),
      monumentsDrawn: probe.drawn,
      firstRenderMs: probe.firstRenderMs,
      firstRenderTargetMs: 3000,
      firstRenderWithinTarget: probe.firstRenderMs !== null && probe.firstRenderMs <= 3000,
      pageReadyWallMs: wallMs,
      marks: probe.marks,
      /** what the page fetched before its first render: when each request started and ended */
      resources: probe.resources,
      panMonuments,
      panWithDetections: panDetections,
    };
  } finally {
    await browser.close();
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { monuments: { type: 'string' }, detections: { type: 'string' }, build: { type: 'boolean' }, db: { type: 'string' } } });
  const r = await runWebBench({
    monuments: values.monuments ? Number(values.monuments) : undefined,
    detections: values.detections ? Number(values.detections) : undefined,
    build: values.build,
    db: values.db,
  });
  console.log(JSON.stringify(r, null, 2));
}
