/**
 * The tile queue end to end, as the CI runs it: a real redis-server on a free loopback port, a
 * 16-tile mosaic from the project's LiDAR generator, two `vigie queue worker` processes, one of
 * them SIGKILLed while it holds tiles; after the survivor drains the queue and `collect` runs,
 * the database holds exactly the detections of a single-process `vigie detect` of the same
 * tiles — every tile, no detection lost, none doubled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTiles } from '../../engine/detect/detections.ts';
import { loadDetector, type Detector } from '../../engine/detect/infer.ts';
import { connect, queueStatus, readMeta, submitJobs } from '../../engine/queue/bull.ts';
import { collectOutputs } from '../../engine/queue/collect.ts';
import { ensureRedisServer, startRedis, type LocalRedis } from '../../engine/queue/local-redis.ts';
import { planJobs } from '../../engine/queue/spec.ts';
import { Store } from '../../engine/store/store.ts';
import { generateLidar } from '../../pipelines/samples/lidar/generate.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vigie.js');
const redisBin = ensureRedisServer();
if (!redisBin.path) console.warn(`SKIPPED test/integration/queue.test.ts: ${redisBin.reason}`);

let dir: string;
let redis: LocalRedis;
let det: Detector;
let tiles: string[];

beforeAll(async () => {
  if (!redisBin.path) return;
  dir = mkdtempSync(join(tmpdir(), 'vigie-queue-'));
  redis = await startRedis({ dir: join(dir, 'redis'), bin: redisBin.path });
  // 16 tiles of 200 m (400 × 400 px at 0.5 m): small for CI, still a mosaic with seams
  const g = await generateLidar({ seed: 7, originX: 330000, originY: 6712000, tilesX: 4, tilesY: 4, tilePixels: 400, style: 'mixed', outDir: join(dir, 'tiles'), format: 'tif' });
  tiles = g.tiles;
  det = await loadDetector({ workers: 1 });
}, 120_000);

afterAll(async () => {
  await det?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function worker(url: string, extra: string[] = []): { proc: ChildProcess; exited: Promise<number | null>; log: () => string } {
  // TMPDIR inside the test's folder: a killed worker leaves its job folder there, removed with it
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const proc = spawn(process.execPath, [BIN, 'queue', 'worker', '--redis', url, '--lock-ms', '3000', '--drain', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: join(dir, 'tmp') },
  });
  let log = '';
  proc.stdout!.on('data', (b) => (log += b));
  proc.stderr!.on('data', (b) => (log += b));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, log: () => log };
}

async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!redisBin.path)('vigie queue on Redis (BullMQ)', () => {
  it('survives a worker SIGKILLed mid-run: every tile once, exactly the detections of vigie detect', async () => {
    expect(tiles).toHaveLength(16);
    // the reference: one process, the whole mosaic
    const ref = await Store.open(':memory:');
    const single = await detectTiles(ref, [join(dir, 'tiles')], { detector: det });
    expect(single.reports.filter((r) => r.ok)).toHaveLength(16);

    const out = join(dir, 'out');
    const specs = await planJobs(det, tiles);
    expect(new Set(specs.map((s) => s.id)).size).toBe(16);
    const sub = await submitJobs(redis.url, specs, { out, backoffMs: 200 });
    expect(sub.added).toBe(16);
    // a second submission adds nothing: every job id is already in the queue
    expect((await submitJobs(redis.url, specs, { out })).queued).toBe(16);

    const events = new QueueEvents('vigie-detect', { connection: connect(redis.url) });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();

    // worker A takes two tiles at a time; it is killed once it has finished two and holds more
    const a = worker(redis.url, ['--concurrency', '2']);
    const meta = connect(redis.url);
    let activeAtKill = 0;
    try {
      await until(async () => ((await readMeta(meta, 'vigie-detect'))?.done ?? 0) >= 2, 60_000, 'worker A to finish two tiles');
      activeAtKill = (await queueStatus(redis.url)).counts.active;
      a.proc.kill('SIGKILL');
      await a.exited;
      const b = worker(redis.url);
      expect(await b.exited).toBe(0);
      const st = await queueStatus(redis.url);
      expect(st.counts.failed).toBe(0);
      expect(st.counts.waiting + st.counts.active + st.counts.delayed).toBe(0);
    } finally {
      meta.disconnect();
      await events.close();
    }
    expect(activeAtKill).toBeGreaterThanOrEqual(1); // A held tiles when it died…
    expect(stalled.length).toBeGreaterThanOrEqual(1); // …and BullMQ handed them to B as stalled jobs

    // one Parquet file per tile, named by its job id
    expect(readdirSync(out).filter((f) => f.endsWith('.parquet')).sort()).toEqual(specs.map((s) => `${s.id}.parquet`).sort());

    const db = await Store.open(join(dir, 'collected.duckdb'));
    try {
      const c = await collectOutputs(db, out);
      expect(c).toMatchObject({ files: 16, tiles: 16, applied: 16 });
      // collecting again changes nothing
      expect((await collectOutputs(db, out)).applied).toBe(0);
      const q = `SELECT detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty FROM detections ORDER BY detection_id`;
      const got = await db.all(q);
      const want = await ref.all(q);
      expect(want.length).toBeGreaterThan(0);
      expect(got).toEqual(want); // 0 lost, 0 duplicated, same values
      expect(new Set(got.map((r) => r.detection_id)).size).toBe(got.length);
      const t = `SELECT tile, run_key, detections, minx, miny, maxx, maxy FROM detection_tiles ORDER BY tile`;
      expect(await db.all(t)).toEqual(await ref.all(t));
      expect(Number(await db.value('SELECT count(*) FROM detection_tiles'))).toBe(16);
    } finally {
      db.close();
      ref.close();
    }
  }, 120_000);
});
