/**
 * A queue worker process for `vigie bench scale`: the real `startWorker`, with the tile job
 * replaced by nothing (`noop`), by writing the job's Parquet file without detecting (`write`),
 * or left as it is (`real`). Prints one JSON line when the queue is drained: jobs, CPU time of
 * the whole process (all threads) and of the jobs alone (from the first job's start), and the
 * first start / last end times (epoch ms), and the process's peak resident memory.
 *
 *   node --import tsx pipelines/scale/bench-worker.ts --redis URL --queue NAME --mode noop|write|real [--concurrency N]
 */
import { parseArgs } from 'node:util';
import { startWorker } from '../../engine/queue/bull.ts';
import { outputPath } from '../../engine/queue/spec.ts';
import { writeJobParquet } from '../../engine/queue/tile-job.ts';
import { DuckDBInstance } from '@duckdb/node-api';

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    queue: { type: 'string' },
    mode: { type: 'string', default: 'noop' },
    concurrency: { type: 'string', default: '1' },
    'lock-ms': { type: 'string', default: '30000' },
  },
});
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let firstStart = 0;
let cpuAtFirst = 0;
let lastEnd = 0;
let bytesRead = 0;
let detections = 0;
const mark = () => {
  if (!firstStart) {
    firstStart = Date.now();
    cpuAtFirst = cpu();
  }
};
const conn = values.mode === 'write' ? await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect() : null;
let chain: Promise<unknown> = Promise.resolve();
const w = await startWorker(values.redis!, {
  queue: values.queue,
  concurrency: Number(values.concurrency),
  lockMs: Number(values['lock-ms']),
  drain: true,
  processor:
    values.mode === 'real'
      ? undefined
      : async (spec, out) => {
          mark();
          if (conn) {
            const b = spec.b ?? [0, 0, 0, 0];
            const row = {
              run_key: spec.id, tile: spec.tile, model_hash: spec.model, content_hash: spec.sha256, settings_hash: spec.settings,
              context: spec.nb.map((n) => n.h).sort().join(','), source_file: spec.src, minx: b[0], miny: b[1], maxx: b[2], maxy: b[3],
              crs: spec.c ?? null, detections: 0, processed_at: new Date().toISOString(),
            };
            const next = chain.then(() => writeJobParquet(conn, outputPath(out, spec.id), row, []));
            chain = next.catch(() => undefined);
            await next;
          }
          lastEnd = Date.now();
          return { id: spec.id, tile: spec.tile, detections: 0, ms: 0 };
        },
  onJob: (j) => {
    mark();
    lastEnd = Date.now();
    bytesRead += j.bytesRead ?? 0;
    detections += j.detections ?? 0;
  },
});
process.stdout.write('{"ready":true}\n');
// in real mode the first job's start is not seen: take the worker's ready time
if (values.mode === 'real') {
  firstStart = Date.now();
  cpuAtFirst = cpu();
}
const r = await w.done;
process.stdout.write(JSON.stringify({ jobs: r.jobs, failed: r.failed, cpu_ms: cpu(), cpu_jobs_ms: cpu() - cpuAtFirst, first_start_ms: firstStart, last_end_ms: lastEnd, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), bytes_read: bytesRead, detections }) + '\n');
process.exit(0);
