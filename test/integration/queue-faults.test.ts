/**
 * The tile queue under faults and on its other inputs and engine: a corrupt tile ends in the
 * failed set with its message after its tries while the others complete; Redis killed and
 * restarted with its append-only file mid-run, the run completes; the Kubernetes form (an
 * Indexed Job: JOB_COMPLETION_INDEX picks a shard of the manifest) and tiles read over HTTP by
 * range requests give the same detections as `vigie detect` over the same mosaic.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTiles } from '../../engine/detect/detections.ts';
import { loadDetector, type Detector } from '../../engine/detect/infer.ts';
import { connect, queueStatus, readMeta, submitJobs } from '../../engine/queue/bull.ts';
import { collectOutputs } from '../../engine/queue/collect.ts';
import { ensureRedisServer, startRedis } from '../../engine/queue/local-redis.ts';
import { planJobs, shardRange, writeManifest } from '../../engine/queue/spec.ts';
import { TileJobRunner } from '../../engine/queue/tile-job.ts';
import { Store } from '../../engine/store/store.ts';
import { generateLidar } from '../../pipelines/samples/lidar/generate.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vigie.js');
const redisBin = ensureRedisServer();
if (!redisBin.path) console.warn(`SKIPPED the Redis cases of test/integration/queue-faults.test.ts: ${redisBin.reason}`);

let dir: string;
let det: Detector;
let tiles: string[];
let ref: Store;
const DETECTIONS = `SELECT detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty FROM detections ORDER BY detection_id`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-queue-faults-'));
  // 2 × 2 tiles of 200 m
  tiles = (await generateLidar({ seed: 11, originX: 412000, originY: 6640000, tilesX: 2, tilesY: 2, tilePixels: 400, style: 'mixed', outDir: join(dir, 'tiles'), format: 'tif' })).tiles;
  det = await loadDetector({ workers: 1 });
  ref = await Store.open(':memory:');
  const r = await detectTiles(ref, tiles, { detector: det });
  expect(r.reports.filter((x) => x.ok)).toHaveLength(4);
}, 120_000);

afterAll(async () => {
  ref?.close();
  await det?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function vigie(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let log = '';
    p.stdout!.on('data', (b) => (log += b));
    p.stderr!.on('data', (b) => (log += b));
    p.once('exit', (code) => resolve({ code, log }));
  });
}

async function collected(out: string): Promise<unknown[]> {
  const db = await Store.open(':memory:');
  try {
    await collectOutputs(db, out);
    return await db.all(DETECTIONS);
  } finally {
    db.close();
  }
}

describe.skipIf(!redisBin.path)('queue faults on Redis', () => {
  it('puts a corrupt tile in the failed set with its message after its tries; the other tiles complete', async () => {
    const redis = await startRedis({ dir: join(dir, 'redis-poison'), bin: redisBin.path! });
    try {
      const bad = join(dir, 'poison', 'LHD_FXX_0999_6999_MNT_O_0M50_LAMB93_IGN69.tif');
      mkdirSync(join(dir, 'poison'), { recursive: true });
      writeFileSync(bad, readFileSync(tiles[0]).subarray(0, 600)); // a truncated download
      const specs = await planJobs(det, [...tiles, bad]);
      const out = join(dir, 'out-poison');
      await submitJobs(redis.url, specs, { out, attempts: 2, backoffMs: 100, queue: 'poison' });
      const w = await vigie(['queue', 'worker', '--redis', redis.url, '--queue', 'poison', '--drain', '--lock-ms', '5000']);
      expect(w.code).toBe(0);
      const st = await queueStatus(redis.url, 'poison');
      expect(st.counts.failed).toBe(1);
      expect(st.done).toBe(4);
      expect(st.failed).toHaveLength(1);
      expect(st.failed[0].tile).toBe('LHD_FXX_0999_6999_MNT_O_0M50_LAMB93_IGN69');
      expect(st.failed[0].attempts).toBe(2);
      expect(st.failed[0].error).toMatch(/LHD_FXX_0999_6999.*(corrupt|not a readable GeoTIFF|truncated)/);
      // `vigie queue status` says so too
      const s = await vigie(['queue', 'status', '--redis', redis.url, '--queue', 'poison']);
      expect(s.log).toMatch(/FAILED LHD_FXX_0999_6999_MNT_O_0M50_LAMB93_IGN69 after 2 tries: /);
      expect(await collected(out)).toEqual(await ref.all(DETECTIONS));
    } finally {
      await redis.stop();
    }
  }, 90_000);

  it('completes the run when Redis is killed and restarted mid-run with its append-only file', async () => {
    const redis = await startRedis({ dir: join(dir, 'redis-aof'), aof: true, bin: redisBin.path! });
    try {
      const specs = await planJobs(det, tiles);
      const out = join(dir, 'out-aof');
      await submitJobs(redis.url, specs, { out, queue: 'aof', backoffMs: 200 });
      const w = vigie(['queue', 'worker', '--redis', redis.url, '--queue', 'aof', '--drain', '--lock-ms', '3000']);
      const meta = connect(redis.url);
      const t0 = Date.now();
      while (((await readMeta(meta, 'aof').catch(() => null))?.done ?? 0) < 1) {
        if (Date.now() - t0 > 60_000) throw new Error('no tile done within 60 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const doneAtKill = (await readMeta(meta, 'aof'))?.done ?? 0;
      meta.disconnect();
      await redis.kill(); // no shutdown save: only the AOF survives
      await new Promise((r) => setTimeout(r, 1500));
      await redis.restart();
      const r = await w;
      expect(r.code).toBe(0);
      const st = await queueStatus(redis.url, 'aof');
      expect(st.counts.failed).toBe(0);
      expect(st.counts.waiting + st.counts.active + st.counts.delayed).toBe(0);
      expect(readdirSync(out).filter((f) => f.endsWith('.parquet'))).toHaveLength(4);
      expect(await collected(out)).toEqual(await ref.all(DETECTIONS));
      expect(doneAtKill).toBeLessThan(4); // Redis died with tiles left to do
      const m2 = connect(redis.url);
      expect((await readMeta(m2, 'aof'))?.done).toBeGreaterThanOrEqual(4); // counters survived in the AOF
      m2.disconnect();
    } finally {
      await redis.stop();
    }
  }, 90_000);
});

describe('the worker in other settings', () => {
  it('runs as a Kubernetes Indexed Job: JOB_COMPLETION_INDEX selects a shard of the manifest', async () => {
    const specs = await planJobs(det, tiles);
    const manifest = join(dir, 'manifest.jsonl');
    await writeManifest(manifest, specs);
    // shards are contiguous slices covering every line once
    const parts = [0, 1, 2].map((i) => shardRange(4, 3, i));
    expect(parts).toEqual([{ from: 0, to: 2 }, { from: 2, to: 3 }, { from: 3, to: 4 }]);
    const out = join(dir, 'out-k8s');
    const runs = await Promise.all([0, 1].map((i) => vigie(['queue', 'worker', '--manifest', manifest, '--shards', '2', '--out', out, '--json'], { JOB_COMPLETION_INDEX: String(i) })));
    for (const r of runs) expect(r.code).toBe(0);
    const reports = runs.map((r) => JSON.parse(r.log.slice(r.log.indexOf('{'))));
    expect(reports.map((r) => [r.index, r.from, r.to, r.processed])).toEqual([[0, 0, 2, 2], [1, 2, 4, 2]]);
    expect(await collected(out)).toEqual(await ref.all(DETECTIONS));
    // a restarted pod finds its outputs and does nothing again
    const again = await vigie(['queue', 'worker', '--manifest', manifest, '--shards', '2', '--out', out, '--json'], { JOB_COMPLETION_INDEX: '1' });
    expect(JSON.parse(again.log.slice(again.log.indexOf('{')))).toMatchObject({ processed: 0, skipped_done: 2 });
  }, 90_000);

  it('runs the commands of deploy/k8s/job-indexed.yaml and collect-job.yaml as written', async () => {
    const yaml = (f: string) => readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'k8s', f), 'utf8');
    const job = yaml('job-indexed.yaml');
    const data = join(dir, 'k8s-data');
    mkdirSync(data, { recursive: true });
    const argsOf = (text: string, env: Record<string, string>) =>
      (JSON.parse(/^\s*args: (\[.*\])\s*$/m.exec(text)![1]) as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (_, k: string) => env[k]).replace(/^\/data/, data));
    const shards = /- name: SHARDS\s+value: "(\d+)"/.exec(job)![1];
    expect(/^\s*completions: (\d+)/m.exec(job)![1]).toBe(shards); // the two places agree
    expect(job).toMatch(/completionMode: Indexed/);
    await writeManifest(join(data, 'manifest.jsonl'), await planJobs(det, tiles));
    // the Job's command with SHARDS = 2 here (4 tiles), as Kubernetes would start tasks 0 and 1
    const args = argsOf(job, { SHARDS: '2' });
    const runs = await Promise.all(['0', '1'].map((k) => vigie(args, { JOB_COMPLETION_INDEX: k })));
    for (const r of runs) expect(r.code).toBe(0);
    expect(readdirSync(join(data, 'out')).filter((f) => f.endsWith('.parquet'))).toHaveLength(4);
    const c = await vigie(argsOf(yaml('collect-job.yaml'), {}));
    expect(c.code).toBe(0);
    const db = await Store.open(join(data, 'vigie.duckdb'), { readOnly: true });
    try {
      expect(await db.all(DETECTIONS)).toEqual(await ref.all(DETECTIONS));
    } finally {
      db.close();
    }
  }, 120_000);

  it('reads tiles over HTTP by range requests and gives the same detections', async () => {
    const ranges: string[] = [];
    let served = 0;
    const root = join(dir, 'tiles');
    const server: Server = createServer((req, res) => {
      const file = join(root, basename(decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.writeHead(404).end();
        return;
      }
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      ranges.push(req.headers.range ?? 'none');
      if (!m) {
        res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
        served += size;
        createReadStream(file).pipe(res);
        return;
      }
      const start = Number(m[1]);
      const end = Math.min(size - 1, m[2] ? Number(m[2]) : size - 1);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1, 'accept-ranges': 'bytes' });
      served += end - start + 1;
      createReadStream(file, { start, end }).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const runner = await TileJobRunner.create({ workers: 1 });
    try {
      const urls = tiles.map((t) => `http://127.0.0.1:${port}/${basename(t)}`);
      const specs = await planJobs(det, urls, { cacheDir: join(dir, 'plan-cache') });
      expect(specs.every((s) => s.src.startsWith('http://') && s.nb.every((n) => n.src.startsWith('http://')))).toBe(true);
      // the job ids are those of the same files read locally: the id is the content, not the path
      expect(specs.map((s) => s.id).sort()).toEqual((await planJobs(det, tiles)).map((s) => s.id).sort());
      ranges.length = 0;
      served = 0;
      const out = join(dir, 'out-http');
      for (const s of specs) await runner.run(s, out);
      expect(ranges.length).toBeGreaterThan(0);
      expect(ranges.every((r) => r.startsWith('bytes='))).toBe(true);
      // each job reads its tile whole and only the blocks of its neighbours that its margin needs
      const whole = specs.reduce((a, s) => a + statSync(join(root, `${s.tile}.tif`)).size + s.nb.reduce((b, n) => b + statSync(join(root, basename(n.src))).size, 0), 0);
      expect(served).toBeLessThan(whole);
      expect(await collected(out)).toEqual(await ref.all(DETECTIONS));
      // a job whose file changed after submission fails for good, naming the file
      const copy = join(dir, 'changed.tif');
      copyFileSync(tiles[0], copy);
      const [spec] = await planJobs(det, [copy]);
      writeFileSync(copy, readFileSync(tiles[1]));
      await expect(runner.run(spec, out)).rejects.toThrow(/changed\.tif: the file changed since it was submitted/);
    } finally {
      await runner.close();
      await new Promise((r) => server.close(r));
    }
  }, 90_000);
});
