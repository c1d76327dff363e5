/**
 * `vigie bench api`: latency and throughput of the review API's list endpoints on loopback with
 * seeded synthetic data (46,760 monuments scored, 100,000 detections). A worker thread runs
 * `clients` keep-alive clients for `seconds` per endpoint, each request a seeded random bbox,
 * while the server runs in this process as in production. Target: p95 ≤ 50 ms at 50 clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createUser } from '../../engine/auth/users.ts';
import { toWgs84 } from '../../engine/geo/crs.ts';
import { createServer } from '../../engine/server/server.ts';
import { Store } from '../../engine/store/store.ts';
import { seedNational } from './seed.ts';
import { SIDE, X0, Y0, mulberry32 } from './synthetic.ts';

export interface ApiBenchOptions {
  /** seconds of load per endpoint (default 10) */
  seconds?: number;
  /** concurrent clients (default 50) */
  clients?: number;
  /** smaller data set for a smoke run */
  quick?: boolean;
  log?: (line: string) => void;
}

export interface EndpointResult {
  endpoint: string;
  requests: number;
  errors: number;
  requests_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_items: number;
  target_p95_ms: number;
  ok: boolean;
}

// The load generator: plain node:http with a keep-alive agent, one loop per client.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, cookie, paths, clients, seconds } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const u = new URL(url);
const lat = []; let errors = 0; let items = 0; let k = 0;
const get = (path) => new Promise((ok) => {
  const t0 = performance.now();
  const req = http.get({ host: u.hostname, port: u.port, path, agent, headers: { cookie } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) errors++;
      else { lat.push(ms); try { items += JSON.parse(Buffer.concat(chunks).toString()).items.length; } catch { errors++; } }
      ok();
    });
  });
  req.on('error', () => { errors++; ok(); });
});
(async () => {
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) await get(paths[k++ % paths.length]);
  }));
  parentPort.postMessage({ lat, errors, items, elapsed: (performance.now() - t0) / 1000 });
  agent.destroy();
})();
`;

function load(url: string, cookie: string, paths: string[], clients: number, seconds: number): Promise<{ lat: number[]; errors: number; items: number; elapsed: number }> {
  return new Promise((ok, fail) => {
    const w = new Worker(WORKER, { eval: true, workerData: { url, cookie, paths, clients, seconds } });
    w.once('message', (m) => { ok(m); void w.terminate(); });
    w.once('error', fail);
  });
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const r2 = (v: number) => Math.round(v * 100) / 100;

export async function benchApi(o: ApiBenchOptions = {}): Promise<{ data: Record<string, number>; setup_s: number; results: EndpointResult[]; env: Record<string, unknown> }> {
  const log = o.log ?? ((l: string) => console.error(l));
  const seconds = o.seconds ?? 10, clients = o.clients ?? 50;
  const nDet = o.quick ? 10_000 : 100_000;
  const nMon = o.quick ? 4_000 : 46_760;
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-api-'));
  const store = await Store.open(':memory:');
  try {
    const t0 = performance.now();
    await seedNational(store, { dir, monuments: nMon, detections: nDet, log });
    await createUser(store, 'bench', { username: 'bench', password: 'bench-password', roles: ['lecteur'] });
    const rnd = mulberry32(7);
    const app = await createServer({ store });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const setup = (performance.now() - t0) / 1000;
    log(`data ready in ${setup.toFixed(1)} s; server at ${url}`);
    try {
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
      const cookie = res.headers.get('set-cookie')!.split(';')[0];
      // Seeded bboxes of about 20 × 15 km (a map view at zoom ~10) anywhere in the extent.
      const boxes = Array.from({ length: 2000 }, () => {
        const x = X0 + rnd() * (SIDE - 20_000), y = Y0 + rnd() * (SIDE - 15_000);
        const [w, s] = toWgs84(x, y), [e, n] = toWgs84(x + 20_000, y + 15_000);
        return `${w.toFixed(5)},${s.toFixed(5)},${e.toFixed(5)},${n.toFixed(5)}`;
      });
      const endpoints: [string, string[]][] = [
        ['/api/sites?bbox=…&limit=100', boxes.map((b) => `/api/sites?scenario=%2B2.7&bbox=${b}&limit=100`)],
        ['/api/sites?limit=100 (whole extent, page 1)', ['/api/sites?scenario=%2B2.7&limit=100']],
        ['/api/detections?bbox=…', boxes.map((b) => `/api/detections?bbox=${b}`)],
        ['/api/detections?status=pending&limit=100', ['/api/detections?status=pending&limit=100']],
      ];
      // warm the in-memory indexes, as a first map view does
      for (const [, paths] of endpoints) await fetch(url + paths[0], { headers: { cookie } });
      const results: EndpointResult[] = [];
      for (const [name, paths] of endpoints) {
        log(`${name}: ${clients} clients for ${seconds} s…`);
        const r = await load(url, cookie, paths, clients, seconds);
        const sorted = r.lat.sort((a, b) => a - b);
        const p95 = pct(sorted, 95);
        results.push({
          endpoint: name, requests: sorted.length, errors: r.errors, requests_per_s: Math.round(sorted.length / r.elapsed),
          p50_ms: r2(pct(sorted, 50)), p95_ms: r2(p95), p99_ms: r2(pct(sorted, 99)), max_ms: r2(sorted[sorted.length - 1] ?? NaN),
          mean_items: r2(r.items / Math.max(1, sorted.length)), target_p95_ms: 50, ok: p95 <= 50 && r.errors === 0,
        });
        log(`  p50 ${pct(sorted, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${Math.round(sorted.length / r.elapsed)} req/s`);
      }
      return {
        data: { monuments: nMon, scored_monuments: Number(await store.value(`SELECT count(*) FROM risk_sites`)), detections: nDet },
        setup_s: r2(setup), results,
        env: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, loadavg_1m: loadavg()[0], clients, seconds_per_endpoint: seconds },
      };
    } finally {
      await app.close();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
  console.log(JSON.stringify(await benchApi({ quick, seconds: secondsArg ? Number(secondsArg.slice(10)) : undefined }), null, 2));
}
