/**
 * The tile queue on Redis with BullMQ: submit (one job per tile, job id = run key, so a tile
 * queued, running, failed or done is not queued twice), workers (retries with exponential
 * backoff; a worker that dies mid-tile loses its lock and BullMQ's stalled-job check hands the
 * tile to another worker), status (counts per state, throughput, ETA, failed tiles with their
 * error) and the queue's metadata (output folder, model, settings, counters) in a Redis hash.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError } from '../errors.ts';
import { outputPath, type JobSpec } from './spec.ts';
import { PermanentJobError, TileJobRunner, type TileJobResult } from './tile-job.ts';

export const DEFAULT_QUEUE = 'vigie-detect';
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

export function redisUrl(v: string | undefined): string {
  const url = v ?? process.env.VIGIE_REDIS ?? DEFAULT_REDIS;
  if (!/^rediss?:\/\//.test(url)) throw new InputError(`--redis ${JSON.stringify(url)}: expected a URL such as redis://127.0.0.1:6379 (or rediss:// for TLS)`);
  return url;
}

export function connect(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest: null (commands wait for a reconnection instead of failing)
  const r = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  r.on('error', () => {}); // reconnection is automatic; errors surface through the commands
  return r;
}

/** Fails with a clear message when Redis does not answer within `ms`. */
export async function ensureReachable(redis: Redis, url: string, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, j) => (timer = setTimeout(() => j(new InputError(`cannot reach Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} within ${ms / 1000} s; start it (see deploy/README.md) or give --redis`)), ms))),
    ]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const metaKey = (q: string) => `vigie:${q}:meta`;
const rateKey = (q: string) => `vigie:${q}:rate`;
const RATE_BUCKET_MS = 10_000;

export interface QueueMeta {
  out: string;
  model: string;
  settings: string;
  submitted: number;
  done: number;
  km2: number;
  first_ms: number | null;
  last_ms: number | null;
}

export async function readMeta(redis: Redis, queue: string): Promise<QueueMeta | null> {
  const h = await redis.hgetall(metaKey(queue));
  if (!h.out) return null;
  return {
    out: h.out, model: h.model ?? '', settings: h.settings ?? '', submitted: Number(h.submitted ?? 0), done: Number(h.done ?? 0),
    km2: Number(h.km2 ?? 0), first_ms: h.first_ms ? Number(h.first_ms) : null, last_ms: h.last_ms ? Number(h.last_ms) : null,
  };
}

export interface SubmitOptions {
  queue?: string;
  /** folder where workers write one Parquet file per job (shared by workers and collect) */
  out: string;
  attempts?: number;
  backoffMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** number of specs, for progress when `specs` is not an array */
  total?: number;
}

async function* batches<T>(items: Iterable<T> | AsyncIterable<T>, n: number): AsyncGenerator<T[]> {
  let b: T[] = [];
  for await (const x of items) {
    b.push(x);
    if (b.length >= n) {
      yield b;
      b = [];
    }
  }
  if (b.length) yield b;
}

export interface SubmitResult {
  jobs: number;
  added: number;
  /** jobs whose output file already exists */
  done: number;
  /** jobs already in the queue (waiting, running, delayed or failed) */
  queued: number;
  ms: number;
}

/** Submits `specs` (an array, or any iterable, consumed in batches of 1,000: a national manifest need not fit in memory). */
export async function submitJobs(url: string, specs: Iterable<JobSpec> | AsyncIterable<JobSpec>, opts: SubmitOptions): Promise<SubmitResult> {
  const t0 = performance.now();
  const name = opts.queue ?? DEFAULT_QUEUE;
  const redis = connect(url);
  await ensureReachable(redis, url);
  const queue = new Queue(name, { connection: redis });
  const out = resolve(opts.out);
  let added = 0;
  let done = 0;
  let queued = 0;
  try {
    await mkdir(out, { recursive: true }).catch(() => undefined); // may live on another machine
    const prev = await readMeta(redis, name);
    if (prev && prev.out !== out) {
      throw new InputError(`queue ${name} writes to ${prev.out}, not ${out}; use that --out, or another --queue`);
    }
    await redis.hset(metaKey(name), { out });
    const models = new Set<string>();
    const settings = new Set<string>();
    const prefix = queue.opts.prefix ?? 'bull';
    const total = opts.total ?? (Array.isArray(specs) ? specs.length : 0);
    let seen = 0;
    for await (const chunk of batches(specs, 1000)) {
      seen += chunk.length;
      for (const s of chunk) {
        models.add(s.model);
        settings.add(s.settings);
      }
      const batch = chunk.filter((s) => {
        if (existsSync(outputPath(out, s.id))) {
          done++;
          return false;
        }
        return true;
      });
      // jobs already known to BullMQ (any state): one pipelined EXISTS per batch
      const pipe = redis.pipeline();
      for (const s of batch) pipe.exists(`${prefix}:${name}:${s.id}`);
      const exists = ((await pipe.exec()) ?? []).map(([, v]) => v === 1);
      const fresh = batch.filter((_, k) => !exists[k]);
      queued += batch.length - fresh.length;
      if (fresh.length > 0) {
        await queue.addBulk(
          fresh.map((s) => ({
            name: 'tile',
            data: s,
            opts: {
              jobId: s.id,
              attempts: opts.attempts ?? 3,
              backoff: { type: 'exponential', delay: opts.backoffMs ?? 2000 },
              removeOnComplete: true,
              removeOnFail: false,
            },
          })),
        );
        added += fresh.length;
        await redis.hincrby(metaKey(name), 'submitted', fresh.length);
      }
      opts.onProgress?.(seen, Math.max(seen, total));
    }
    await redis.hset(metaKey(name), { model: [...models].join(','), settings: [...settings].join(',') });
    return { jobs: seen, added, done, queued, ms: performance.now() - t0 };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

export interface WorkerOptions {
  queue?: string;
  concurrency?: number;
  /** lock of a running job, renewed every half; a dead worker's job is retried after it expires */
  lockMs?: number;
  /** output folder, when this machine mounts it elsewhere than the submitter */
  out?: string;
  modelPath?: string;
  /** inference threads per worker process */
  threads?: number;
  /** stop when nothing is waiting, delayed or running any more */
  drain?: boolean;
  /** replaces the detector (benchmarks: a no-op job) */
  processor?: (spec: JobSpec, out: string) => Promise<Partial<TileJobResult>>;
  onJob?: (r: { ok: boolean; tile: string; error?: string; detections?: number; ms?: number; bytesRead?: number }) => void;
}

export interface WorkerHandle {
  /** resolves when the worker has stopped (drained, or closed) */
  done: Promise<{ jobs: number; failed: number }>;
  close(): Promise<void>;
}

export async function startWorker(url: string, opts: WorkerOptions = {}): Promise<WorkerHandle> {
  const name = opts.queue ?? DEFAULT_QUEUE;
  const redis = connect(url);
  await ensureReachable(redis, url);
  const meta = await readMeta(redis, name);
  if (!meta && !opts.out) throw new InputError(`queue ${name} on ${url} has no jobs submitted yet (no output folder known); run \`vigie queue submit\` first or give --out`);
  const out = resolve(opts.out ?? meta!.out);
  await mkdir(out, { recursive: true });
  const runner = opts.processor ? null : await TileJobRunner.create({ modelPath: opts.modelPath, workers: opts.threads ?? 1 });
  let jobs = 0;
  let failed = 0;
  const lockMs = opts.lockMs ?? 30_000;
  const workerConn = connect(url);
  const probe = new Queue(name, { connection: redis });
  const worker = new Worker(
    name,
    async (job: Job) => {
      const spec = job.data as JobSpec;
      try {
        let r: Partial<TileJobResult>;
        if (existsSync(outputPath(out, spec.id))) r = { id: spec.id, tile: spec.tile, detections: undefined, ms: 0 }; // done before (same bytes, model, settings)
        else r = opts.processor ? await opts.processor(spec, out) : await runner!.run(spec, out);
        const now = Date.now();
        const km2 = spec.b ? ((spec.b[2] - spec.b[0]) * (spec.b[3] - spec.b[1])) / 1e6 : 0;
        await redis
          .multi()
          .hincrby(metaKey(name), 'done', 1)
          .hincrbyfloat(metaKey(name), 'km2', km2)
          .hsetnx(metaKey(name), 'first_ms', String(now))
          .hset(metaKey(name), 'last_ms', String(now))
          .hincrby(rateKey(name), String(Math.floor(now / RATE_BUCKET_MS)), 1)
          .exec();
        jobs++;
        opts.onJob?.({ ok: true, tile: spec.tile, detections: r.detections, ms: r.ms, bytesRead: r.bytesRead });
        return { detections: r.detections ?? null, ms: Math.round(r.ms ?? 0) };
      } catch (err) {
        failed++;
        const msg = err instanceof Error ? err.message : String(err);
        opts.onJob?.({ ok: false, tile: spec.tile, error: msg });
        if (err instanceof PermanentJobError) throw new UnrecoverableError(msg);
        throw err instanceof Error ? err : new Error(msg);
      }
    },
    {
      connection: workerConn,
      concurrency: opts.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
      maxStalledCount: 3,
      autorun: true,
    },
  );
  worker.on('error', () => {}); // connection drops: BullMQ reconnects and goes on
  let closing: Promise<void> | null = null;
  let resolveDone!: (v: { jobs: number; failed: number }) => void;
  const done = new Promise<{ jobs: number; failed: number }>((r) => (resolveDone = r));
  const close = () =>
    (closing ??= (async () => {
      clearInterval(timer);
      await worker.close();
      await probe.close();
      await runner?.close();
      workerConn.disconnect();
      redis.disconnect();
      resolveDone({ jobs, failed });
    })());
  let idle = 0;
  const timer = setInterval(() => {
    if (!opts.drain) return;
    void (async () => {
      try {
        const c = await probe.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const left = Object.values(c).reduce((a, b) => a + b, 0);
        idle = left === 0 ? idle + 1 : 0;
        if (idle >= 2) await close();
      } catch {
        idle = 0; // Redis away: wait for it
      }
    })();
  }, 500);
  return { done, close };
}

export interface QueueStatus {
  queue: string;
  redis: string;
  counts: Record<string, number>;
  submitted: number;
  done: number;
  km2_done: number;
  /** jobs per second over the last minute (or since the first job when shorter) */
  jobs_per_s: number;
  km2_per_min: number;
  eta_s: number | null;
  out: string | null;
  failed: { tile: string; src: string; id: string; attempts: number; error: string }[];
}

export async function queueStatus(url: string, name = DEFAULT_QUEUE, maxFailed = 50): Promise<QueueStatus> {
  const redis = connect(url);
  await ensureReachable(redis, url);
  const queue = new Queue(name, { connection: redis });
  try {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
    const meta = await readMeta(redis, name);
    const now = Date.now();
    const buckets = await redis.hgetall(rateKey(name));
    const b0 = Math.floor((now - 60_000) / RATE_BUCKET_MS);
    let recent = 0;
    for (const [k, v] of Object.entries(buckets)) if (Number(k) >= b0) recent += Number(v);
    const since = meta?.first_ms ? Math.min(60_000, now - meta.first_ms) : 60_000;
    const jobsPerS = recent > 0 ? recent / Math.max(1, since / 1000) : 0;
    const left = counts.waiting + counts.active + counts.delayed + counts.prioritized;
    const km2PerJob = meta && meta.done > 0 ? meta.km2 / meta.done : 1;
    const failedJobs = await queue.getFailed(0, maxFailed - 1);
    return {
      queue: name,
      redis: url.replace(/\/\/[^@/]*@/, '//***@'),
      counts,
      submitted: meta?.submitted ?? 0,
      done: meta?.done ?? 0,
      km2_done: Math.round((meta?.km2 ?? 0) * 1000) / 1000,
      jobs_per_s: Math.round(jobsPerS * 100) / 100,
      km2_per_min: Math.round(jobsPerS * 60 * km2PerJob * 100) / 100,
      eta_s: jobsPerS > 0 ? Math.round(left / jobsPerS) : left === 0 ? 0 : null,
      out: meta?.out ?? null,
      failed: failedJobs.filter(Boolean).map((j) => ({
        tile: (j.data as JobSpec).tile, src: (j.data as JobSpec).src, id: String(j.id), attempts: j.attemptsMade, error: j.failedReason ?? '',
      })),
    };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
