/**
 * `vigie bench scale`: the national plan simulated on this machine. Prints JSON.
 *
 *  1. queue: the national LiDAR HD manifest (one job per 1 km tile: metropolitan France from
 *     IGN's départements on the Lambert-93 km grid, plus the overseas départements LiDAR HD
 *     covers; pipelines/scale/national.ts) submitted to a local redis-server (AOF on,
 *     fsync every second), then drained by two no-op worker processes: per-job queue overhead
 *     (CPU of the submitter, the workers and Redis), jobs/s, Redis memory (INFO memory).
 *  2. write + collect: on a sample, workers that write each job's Parquet file (no detection),
 *     then `collect` into a DuckDB file: per-job cost of the outputs and of the reduce,
 *     extrapolated linearly to the national count (said so in the output).
 *  3. tiny real tiles: a 16-tile mosaic of 200 m tiles through real workers, one SIGKILLed
 *     mid-run; lost tiles and doubled or missing detections against `vigie detect`; the
 *     per-job time of a real (tiny) job and the queue's share of it.
 *  4. 1 km tiles: 16 tiles of the held-out detection bench (4 × 4 km) with one worker, then two,
 *     alternated three times, timed from when every worker has loaded its model (jobs wait in a
 *     paused queue until then): km²/min and their ratio; CPU-seconds per km² of the queue path
 *     and of `vigie detect`.
 *
 * Steps: VIGIE_SCALE_STEPS=queue,outputs,tiny,km (default all) runs some of them; the cost model
 * (pipelines/scale/cost-model.ts) merges the JSON of several runs.
 * Sizes: VIGIE_SCALE_TILES (default: the national count; --quick: 20,000) jobs for step 1,
 * VIGIE_SCALE_WRITE_SAMPLE (default 20,000; --quick 2,000) for step 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCalibration } from '../../engine/detect/calibrate.ts';
import { detectTiles, runSettings, settingsHash } from '../../engine/detect/detections.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { DEFAULT_CALIBRATION, readModelFile } from '../../engine/detect/model.ts';
import { Queue } from 'bullmq';
import { connect, queueStatus, readMeta, submitJobs } from '../../engine/queue/bull.ts';
import { collectOutputs } from '../../engine/queue/collect.ts';
import { ensureRedisServer, startRedis, type LocalRedis } from '../../engine/queue/local-redis.ts';
import { planJobs } from '../../engine/queue/spec.ts';
import { Store } from '../../engine/store/store.ts';
import { generateLidar } from '../samples/lidar/generate.ts';
import { lidarMosaicCurrent } from '../samples/lidar/writer.ts';
import { nationalCounts, nationalSpecs, OVERSEAS } from '../scale/national.ts';
import { BENCH, splitTiles } from './detect.ts';
import { scaleTargets } from '../scale/targets.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER = join(ROOT, 'pipelines', 'scale', 'bench-worker.ts');

interface WorkerReport { jobs: number; failed: number; cpu_ms: number; cpu_jobs_ms: number; first_start_ms: number; last_end_ms: number; max_rss_mb: number; bytes_read: number; detections: number }

let workerTmp: string | undefined;

function spawnWorker(url: string, queue: string, mode: string, concurrency: number, lockMs = 30_000): { proc: ChildProcess; report: Promise<WorkerReport | null>; ready: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER, '--redis', url, '--queue', queue, '--mode', mode, '--concurrency', String(concurrency), '--lock-ms', String(lockMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
    // job folders of a killed worker stay in the bench's own folder, removed with it
    env: workerTmp ? { ...process.env, TMPDIR: workerTmp } : process.env,
  });
  let out = '';
  let err = '';
  let readyNow: () => void = () => {};
  const ready = new Promise<void>((r) => (readyNow = r));
  proc.stdout!.on('data', (b) => {
    out += b;
    if (out.includes('"ready"')) readyNow();
  });
  proc.stderr!.on('data', (b) => (err += b));
  const report = new Promise<WorkerReport | null>((resolve, reject) =>
    proc.once('exit', (code, sig) => {
      if (sig === 'SIGKILL') return resolve(null);
      if (code !== 0) return reject(new Error(`bench worker exited ${code}: ${err.slice(-800)}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as WorkerReport);
    }),
  );
  return { proc, report, ready };
}

const SPIN = 'const t0 = Date.now(); let x = 0, n = 0; while (Date.now() - t0 < 3000) { for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); n++; } console.log(n + (x > 0 ? 0 : 1));';

/** Work two CPU-bound processes do together over what one does alone, now: what this machine lends to a second worker. */
async function machineRatio(): Promise<number> {
  const spin = () => new Promise<number>((resolve) => {
    const p = spawn(process.execPath, ['-e', SPIN], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout!.on('data', (b) => (out += b));
    p.once('exit', () => resolve(Number(out.trim())));
  });
  const one = await spin();
  const two = (await Promise.all([spin(), spin()])).reduce((a, b) => a + b, 0);
  return Math.round((two / one) * 100) / 100;
}

async function redisInfo(redis: LocalRedis): Promise<Record<string, number>> {
  const c = connect(redis.url);
  try {
    const text = (await c.info('memory')) + (await c.info('cpu'));
    const out: Record<string, number> = {};
    for (const line of text.split(/\r?\n/)) {
      const m = /^(\w+):([\d.]+)$/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  } finally {
    c.disconnect();
  }
}

const redisCpuMs = (i: Record<string, number>) => (i.used_cpu_user + i.used_cpu_sys) * 1000;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const load = () => loadavg().map((v) => Math.round(v * 100) / 100);

function sumJobs(rs: (WorkerReport | null)[]) {
  const ok = rs.filter((r): r is WorkerReport => r !== null);
  return {
    jobs: ok.reduce((a, r) => a + r.jobs, 0),
    cpu_ms: ok.reduce((a, r) => a + r.cpu_jobs_ms, 0),
    wall_ms: Math.max(...ok.map((r) => r.last_end_ms)) - Math.min(...ok.map((r) => r.first_start_ms)),
    last_end_ms: Math.max(...ok.map((r) => r.last_end_ms)),
    max_rss_mb: Math.max(...ok.map((r) => r.max_rss_mb ?? 0)),
    bytes_read: ok.reduce((a, r) => a + (r.bytes_read ?? 0), 0),
    detections: ok.reduce((a, r) => a + (r.detections ?? 0), 0),
  };
}

export async function runScaleBench(o: { quick: boolean; keep: boolean; log: (s: string) => void }): Promise<Record<string, unknown>> {
  const bin = ensureRedisServer();
  if (!bin.path) return { skipped: bin.reason };
  const work = mkdtempSync(join(tmpdir(), 'vigie-bench-scale-'));
  workerTmp = join(work, 'tmp');
  mkdirSync(workerTmp, { recursive: true });
  const redis = await startRedis({ dir: join(work, 'redis'), aof: true, fsync: 'everysec', bin: bin.path });
  const national = nationalCounts();
  const N = Number(process.env.VIGIE_SCALE_TILES ?? (o.quick ? 20_000 : national.total));
  const S = Math.min(N, Number(process.env.VIGIE_SCALE_WRITE_SAMPLE ?? (o.quick ? 2_000 : 20_000)));
  const model = readModelFile().hash;
  const settings = settingsHash(runSettings({ calibration: loadCalibration(DEFAULT_CALIBRATION) }, undefined));
  const steps = new Set((process.env.VIGIE_SCALE_STEPS ?? 'queue,outputs,tiny,km').split(',').map((x) => x.trim()));
  const result: Record<string, unknown> = {
    machine: { cores: availableParallelism(), note: 'shared machine: other processes ran during the bench; load averages are given per step' },
    national: { tiles: national.total, metropolitan: national.metro, overseas: national.overseas, overseas_note: `${OVERSEAS.map((t) => t.name).join(', ')}: land area in km² (INSEE) as tile count; Guyane left out` },
  };
  let queueMs = Number.NaN;
  let dequeueWorkerMs = 0;
  try {
    // ---- 1. the national manifest through the queue, no-op jobs
    if (steps.has('queue')) {
      o.log(`queue: generating ${N} job specs (cost measured apart)`);
      let c0 = cpuMs();
      let t0 = performance.now();
      let k = 0;
      let dataBytes = 0;
      for (const s of nationalSpecs(model, settings, N)) {
        k++;
        if (k <= 10_000) dataBytes += Buffer.byteLength(JSON.stringify(s));
      }
      const genCpu = cpuMs() - c0;
      const genWall = performance.now() - t0;
      const i0 = await redisInfo(redis);
      o.log(`queue: submitting ${N} jobs to redis-server (AOF, fsync every second)`);
      c0 = cpuMs();
      t0 = performance.now();
      const sub = await submitJobs(redis.url, nationalSpecs(model, settings, N), { queue: 'national', out: join(work, 'out-noop'), total: N });
      const submitWall = performance.now() - t0;
      const submitCpu = cpuMs() - c0 - genCpu;
      const i1 = await redisInfo(redis);
      const loadSubmit = load();
      o.log(`queue: ${sub.added} submitted in ${r1(submitWall / 1000)} s; Redis ${r1(i1.used_memory / 2 ** 20)} MB; draining with 2 no-op workers`);
      const drainers = [0, 1].map(() => spawnWorker(redis.url, 'national', 'noop', 64));
      const drained = sumJobs(await Promise.all(drainers.map((d) => d.report)));
      const i2 = await redisInfo(redis);
      const loadDrain = load();
      const redisSubmitCpu = redisCpuMs(i1) - redisCpuMs(i0);
      const redisDrainCpu = redisCpuMs(i2) - redisCpuMs(i1);
      const perJob = {
        submit_client_ms: r3(submitCpu / N),
        submit_redis_ms: r3(redisSubmitCpu / N),
        dequeue_ack_worker_ms: r3(drained.cpu_ms / N),
        dequeue_ack_redis_ms: r3(redisDrainCpu / N),
      };
      queueMs = perJob.submit_client_ms + perJob.submit_redis_ms + perJob.dequeue_ack_worker_ms + perJob.dequeue_ack_redis_ms;
      dequeueWorkerMs = perJob.dequeue_ack_worker_ms;
      const memJob = (i1.used_memory - i0.used_memory) / N;
      result.queue = {
        jobs: N,
        measured_on: N === national.total ? 'the whole national manifest' : `a sample of ${N} of the ${national.total} national jobs; national figures extrapolated linearly`,
        job_data_bytes_avg: Math.round(dataBytes / Math.min(N, 10_000)),
        spec_generation_s: r1(genWall / 1000),
        submit: { wall_s: r1(submitWall / 1000), jobs_per_s: Math.round(N / (submitWall / 1000)), load: loadSubmit },
        drain: { workers: 2, concurrency: 64, wall_s: r1(drained.wall_ms / 1000), jobs_per_s: Math.round(N / (drained.wall_ms / 1000)), jobs: drained.jobs, load: loadDrain },
        cpu_ms_per_job: perJob,
        overhead_ms_per_job: r3(queueMs),
        national_one_core_minutes: r1((queueMs * national.total) / 60_000),
        redis: {
          used_memory_mb_before: r1(i0.used_memory / 2 ** 20),
          used_memory_mb_with_manifest: r1(i1.used_memory / 2 ** 20),
          used_memory_rss_mb: r1(i1.used_memory_rss / 2 ** 20),
          bytes_per_waiting_job: Math.round(memJob),
          national_manifest_mb: r1((memJob * national.total + i0.used_memory) / 2 ** 20),
          used_memory_mb_after_drain: r1(i2.used_memory / 2 ** 20),
        },
      };
    }

    // ---- 2. outputs and the reduce, on a sample
    if (steps.has('outputs')) {
      o.log(`write + collect: ${S} jobs writing their Parquet file, then collect`);
      const outW = join(work, 'out-write');
      await submitJobs(redis.url, nationalSpecs(model, settings, S), { queue: 'write', out: outW, total: S });
      const writers = sumJobs(await Promise.all([0, 1].map(() => spawnWorker(redis.url, 'write', 'write', 8).report)));
      const files = readdirSync(outW).filter((f) => f.endsWith('.parquet'));
      const bytes = files.slice(0, 1000).reduce((a, f) => a + statSync(join(outW, f)).size, 0) / Math.min(1000, files.length);
      const db = await Store.open(join(work, 'collect.duckdb'));
      const c0 = cpuMs();
      const t0 = performance.now();
      const col = await collectOutputs(db, outW);
      const collectWall = performance.now() - t0;
      const collectCpu = cpuMs() - c0;
      db.close();
      const writeJobMs = writers.cpu_ms / S - dequeueWorkerMs; // the dequeue measured in step 1 (0 when it did not run)
      result.outputs = {
        sample_jobs: S,
        files: files.length,
        parquet_bytes_per_empty_tile: Math.round(bytes),
        write_cpu_ms_per_job: r3(writeJobMs),
        collect: { files: col.files, tiles: col.tiles, wall_s: r1(collectWall / 1000), cpu_ms_per_job: r3(collectCpu / S) },
        national_collect_s_extrapolated: r1(((collectWall / S) * national.total) / 1000),
        extrapolation: `linear from ${S} jobs to ${national.total}`,
        load: load(),
      };
      result.per_job_overhead_ms = r3(queueMs + writeJobMs + collectCpu / S);
    }

    // ---- 3. tiny real tiles, a worker killed mid-run
    if (steps.has('tiny')) {
      o.log('tiny tiles: 16 × 200 m through two real workers, one SIGKILLed');
      const tinyDir = join(ROOT, 'var', 'cache', 'bench-scale', 'tiny');
      if (!lidarMosaicCurrent(tinyDir)) {
        await generateLidar({ seed: 7, originX: 330000, originY: 6712000, tilesX: 4, tilesY: 4, tilePixels: 400, style: 'mixed', outDir: tinyDir, format: 'tif' });
      }
      const tiny = readdirSync(tinyDir).filter((f) => f.endsWith('.tif')).sort().map((f) => join(tinyDir, f));
      const det = await loadDetector({ workers: 1 });
      const ref = await Store.open(':memory:');
      await detectTiles(ref, tiny, { detector: det });
      const tinySpecs = await planJobs(det, tiny);
      const outT = join(work, 'out-tiny');
      await submitJobs(redis.url, tinySpecs, { queue: 'tiny', out: outT });
      const wa = spawnWorker(redis.url, 'tiny', 'real', 2, 2000);
      const meta = connect(redis.url);
      while (((await readMeta(meta, 'tiny'))?.done ?? 0) < 2) await new Promise((r) => setTimeout(r, 50));
      const activeAtKill = (await queueStatus(redis.url, 'tiny')).counts.active;
      wa.proc.kill('SIGKILL');
      await wa.report;
      const wb = spawnWorker(redis.url, 'tiny', 'real', 1, 2000);
      await wb.report;
      meta.disconnect();
      const got = await Store.open(':memory:');
      await collectOutputs(got, outT);
      const key = `SELECT detection_id, class, score, x, y FROM detections`;
      const a = new Map((await ref.all<{ detection_id: string }>(key)).map((r) => [r.detection_id, JSON.stringify(r)]));
      const bRows = await got.all<{ detection_id: string }>(key);
      const b = new Map(bRows.map((r) => [r.detection_id, JSON.stringify(r)]));
      const tilesGot = Number(await got.value('SELECT count(*) FROM detection_tiles'));
      const kill = {
        tiles: tiny.length,
        tiles_lost: tiny.length - tilesGot,
        detections_reference: a.size,
        detections_collected: bRows.length,
        detections_missing: [...a.keys()].filter((k) => b.get(k) !== a.get(k)).length,
        detections_duplicated: bRows.length - b.size,
        detections_extra: [...b.keys()].filter((k) => !a.has(k)).length,
        jobs_held_by_killed_worker: activeAtKill,
      };
      got.close();
      ref.close();
      // one real worker, alone, for the per-job time of a tiny real job
      await submitJobs(redis.url, tinySpecs, { queue: 'tiny1', out: join(work, 'out-tiny1') });
      const one = sumJobs([await spawnWorker(redis.url, 'tiny1', 'real', 1).report]);
      const tinyJobMs = one.cpu_ms / tiny.length;
      result.tiny_real = {
        sigkill: kill,
        tile_km2: 0.04,
        cpu_ms_per_job: Math.round(tinyJobMs),
        wall_ms_per_job: Math.round(one.wall_ms / tiny.length),
        queue_overhead_share: typeof result.per_job_overhead_ms === 'number' ? r3(result.per_job_overhead_ms / tinyJobMs) : null,
        load: load(),
      };
      await det.close();
    }

    // ---- 4. 1 km tiles: one worker, then two, alternated (the median of each, as load drifts)
    if (steps.has('km')) {
      const det = await loadDetector({ workers: 1 });
      const R = o.quick ? 1 : 3;
      o.log(`1 km tiles: 16 tiles of the detection bench, 1 worker then 2, ${R} time(s)`);
      const bench = await splitTiles(join(ROOT, 'tmp', 'detector-data'), BENCH);
      const km = bench.tiles.filter((f) => /LHD_FXX_090[0-3]_660[1-4]_/.test(basename(f))); // 4 × 4 km
      const refKm = await Store.open(':memory:');
      const singleDet = await loadDetector();
      const c1 = cpuMs();
      const t1 = performance.now();
      await detectTiles(refKm, km, { detector: singleDet });
      const detectWall = performance.now() - t1;
      const detectCpu = cpuMs() - c1;
      await singleDet.close();
      refKm.close();
      const kmSpecs = await planJobs(det, km);
      type KmRun = { wall_s: number; km2_per_min: number; cpu_s_per_km2: number; worker_max_rss_mb: number; bytes_read_per_tile: number; detections_per_km2: number; load: number[] };
      const all: Record<number, KmRun[]> = { 1: [], 2: [] };
      const machine: number[] = [];
      for (let rep = 0; rep < R; rep++) {
        machine.push(await machineRatio());
        for (const n of [1, 2]) {
          const q = `km${n}-${rep}`;
          // jobs wait in a paused queue until every worker has loaded its model: the clock starts at resume
          const conn = connect(redis.url);
          const bq = new Queue(q, { connection: conn });
          await bq.pause();
          await submitJobs(redis.url, kmSpecs, { queue: q, out: join(work, `out-${q}`) });
          const ws = Array.from({ length: n }, () => spawnWorker(redis.url, q, 'real', 1));
          await Promise.all(ws.map((w) => w.ready));
          const resumed = Date.now();
          await bq.resume();
          const w = sumJobs(await Promise.all(ws.map((x) => x.report)));
          w.wall_ms = w.last_end_ms - resumed;
          await bq.close();
          conn.disconnect();
          all[n].push({ wall_s: r1(w.wall_ms / 1000), km2_per_min: r1((km.length / w.wall_ms) * 60_000), cpu_s_per_km2: r3(w.cpu_ms / 1000 / km.length), worker_max_rss_mb: w.max_rss_mb, bytes_read_per_tile: Math.round(w.bytes_read / km.length), detections_per_km2: r1(w.detections / km.length), load: load() });
        }
      }
      const median = (rs: KmRun[]) => [...rs].sort((a, b) => a.km2_per_min - b.km2_per_min)[Math.floor(rs.length / 2)];
      const runs = { '1_worker': { ...median(all[1]), runs_km2_per_min: all[1].map((r) => r.km2_per_min) }, '2_workers': { ...median(all[2]), runs_km2_per_min: all[2].map((r) => r.km2_per_min) } };
      const ratio = runs['2_workers'].km2_per_min / runs['1_worker'].km2_per_min;
      const tileBytes = km.reduce((s, f) => s + statSync(f).size, 0) / km.length;
      result.km_tiles = {
        tiles: km.length,
        tile_bytes_avg: Math.round(tileBytes),
        ...runs,
        ratio_2_vs_1: r3(ratio),
        machine_2_vs_1: { runs: machine, note: 'two CPU-bound spin processes over one, measured before each pair of runs: the most a second worker could add on this machine at that time' },
        vigie_detect_single_process: { wall_s: r1(detectWall / 1000), cpu_s_per_km2: r3(detectCpu / 1000 / km.length), km2_per_min: r1((km.length / detectWall) * 60_000), detector_threads: 2 },
        note: 'each queue worker is one process with one inference thread; the queue path reads each neighbour\'s margin strip for every tile; median of the alternated runs',
      };
      await det.close();
    }

    result.targets = scaleTargets(result);
    return result;
  } finally {
    await redis.stop();
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else o.log(`kept ${work}`);
  }
}
