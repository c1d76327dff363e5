/**
 * The worker without a queue, for Kubernetes Indexed Jobs (or any batch scheduler that numbers
 * its tasks): task `index` of `shards` takes a contiguous slice of the manifest and runs its jobs
 * one after another, with retries and backoff. A job whose output file exists is skipped, so a
 * restarted pod resumes where the last one stopped. A tile that still fails after its tries is
 * written to `<out>/failed/<job id>.json` with its message, the others go on, and the task exits
 * non-zero so the scheduler can retry the index (backoffLimitPerIndex).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { countManifest, outputPath, readManifest, shardRange, type JobSpec } from './spec.ts';
import { PermanentJobError, TileJobRunner } from './tile-job.ts';

export interface ShardOptions {
  manifest: string;
  shards: number;
  index: number;
  out: string;
  attempts?: number;
  backoffMs?: number;
  modelPath?: string;
  threads?: number;
  onJob?: (r: { ok: boolean; tile: string; error?: string; detections?: number; done: number; total: number }) => void;
}

export interface ShardResult {
  index: number;
  shards: number;
  from: number;
  to: number;
  processed: number;
  skipped_done: number;
  failed: { tile: string; id: string; error: string }[];
}

export async function runShard(opts: ShardOptions): Promise<ShardResult> {
  const total = await countManifest(opts.manifest);
  const range = shardRange(total, opts.shards, opts.index);
  const specs = await readManifest(opts.manifest, range);
  const out = resolve(opts.out);
  await mkdir(out, { recursive: true });
  const res: ShardResult = { index: opts.index, shards: opts.shards, ...range, processed: 0, skipped_done: 0, failed: [] };
  const todo: JobSpec[] = [];
  for (const s of specs) {
    if (existsSync(outputPath(out, s.id))) res.skipped_done++;
    else todo.push(s);
  }
  if (todo.length === 0) return res;
  const runner = await TileJobRunner.create({ modelPath: opts.modelPath, workers: opts.threads ?? 1 });
  const attempts = opts.attempts ?? 3;
  try {
    for (const [k, s] of todo.entries()) {
      let error: string | null = null;
      let detections: number | undefined;
      for (let a = 0; a < attempts; a++) {
        if (a > 0) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 2000) * 2 ** (a - 1)));
        try {
          detections = (await runner.run(s, out)).detections;
          error = null;
          break;
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
          if (err instanceof PermanentJobError) break;
        }
      }
      const failedFile = join(out, 'failed', `${s.id}.json`);
      if (error === null) {
        res.processed++;
        await rm(failedFile, { force: true });
      } else {
        res.failed.push({ tile: s.tile, id: s.id, error });
        await mkdir(join(out, 'failed'), { recursive: true });
        await writeFile(failedFile, JSON.stringify({ tile: s.tile, src: s.src, id: s.id, attempts, error }) + '\n');
      }
      opts.onJob?.({ ok: error === null, tile: s.tile, error: error ?? undefined, detections, done: k + 1, total: todo.length });
    }
  } finally {
    await runner.close();
  }
  return res;
}
