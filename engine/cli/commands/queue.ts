/**
 * `vigie queue …`: detection over many machines. Tiles become jobs on a Redis queue (BullMQ),
 * workers anywhere that can read the tiles process them into one Parquet file per job, and
 * `collect` reduces the files into the database. The same worker runs as a Kubernetes Indexed
 * Job over a manifest (`--manifest`, JOB_COMPLETION_INDEX). See deploy/README.md.
 */
import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { progress } from '../progress.ts';

const USAGE =
  'vigie queue plan <tiles, folders, lists…> --manifest FILE.jsonl [--model M] [--crs CODE …]\n' +
  '       vigie queue submit <tiles, folders, lists or a manifest.jsonl> --out DIR [--redis URL] [--queue NAME]\n' +
  '                          [--model M] [--crs CODE …] [--attempts 3] [--backoff-ms 2000]\n' +
  '       vigie queue worker [--redis URL] [--queue NAME] [--concurrency 1] [--threads 1] [--model M] [--out DIR]\n' +
  '                          [--lock-ms 30000] [--drain]\n' +
  '       vigie queue worker --manifest FILE.jsonl --shards N [--index K] --out DIR   (Kubernetes Indexed Job:\n' +
  '                          K defaults to $JOB_COMPLETION_INDEX)\n' +
  '       vigie queue status [--redis URL] [--queue NAME] [--json]\n' +
  '       vigie queue collect --db FILE (--redis URL [--queue NAME] | --from DIR) [--json]\n' +
  '  Tiles: paths, folders, http(s) URLs, or .txt/.lst files listing them one a line. One job per tile; its id is\n' +
  '  the tile\'s content hash + model hash + settings hash, so a tile queued or done is not queued again.\n' +
  '  --redis defaults to $VIGIE_REDIS or redis://127.0.0.1:6379. --out: the folder (shared by the workers and\n' +
  '  collect) where each job writes <job id>.parquet. --drain: the worker stops when the queue is empty.';

export const queueCommand: Command = {
  summary: 'detection on many machines: tile jobs on a Redis queue (BullMQ) or a Kubernetes Indexed Job, reduced into the database',
  usage: USAGE,
  options: {
    redis: { type: 'string' },
    queue: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    model: { type: 'string' },
    crs: { type: 'string', multiple: true },
    attempts: { type: 'string' },
    'backoff-ms': { type: 'string' },
    'lock-ms': { type: 'string' },
    concurrency: { type: 'string' },
    threads: { type: 'string' },
    manifest: { type: 'string' },
    shards: { type: 'string' },
    index: { type: 'string' },
    drain: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const [sub, ...inputs] = positionals;
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const int = (k: string, min: number, dflt?: number): number | undefined => {
      const v = str(k);
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new InputError(`--${k} ${JSON.stringify(v)}: expected a whole number ≥ ${min}`);
      return n;
    };
    const bull = await import('../../queue/bull.ts');
    const queueName = str('queue') ?? bull.DEFAULT_QUEUE;
    switch (sub) {
      case 'plan':
      case 'submit': {
        const spec = await import('../../queue/spec.ts');
        if (inputs.length === 0) throw new InputError(`vigie queue ${sub}: expected tiles, folders, lists or a manifest.jsonl`);
        let specs;
        if (inputs.length === 1 && spec.isManifest(inputs[0])) {
          if (sub === 'plan') throw new InputError('vigie queue plan: the input is already a manifest');
          specs = await spec.readManifest(inputs[0]);
        } else specs = await planFromInputs(inputs, values);
        if (sub === 'plan') {
          const m = str('manifest');
          if (!m) throw new InputError('vigie queue plan: --manifest FILE.jsonl is required');
          await spec.writeManifest(m, specs);
          console.log(`${specs.length} job(s) written to ${m}`);
          return 0;
        }
        const out = str('out');
        if (!out) throw new InputError('vigie queue submit: --out DIR is required (the folder where workers write their results)');
        const p = progress(`submitting ${specs.length} job(s) to ${queueName}`);
        const r = await bull.submitJobs(bull.redisUrl(str('redis')), specs, {
          queue: queueName, out, attempts: int('attempts', 1, 3), backoffMs: int('backoff-ms', 0, 2000), onProgress: (d, n) => p.update(d, n),
        });
        p.done(`${r.added} added, ${r.done} already done, ${r.queued} already queued`);
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else console.log(`${r.added} job(s) added, ${r.done} already done, ${r.queued} already in the queue (${queueName})`);
        return 0;
      }
      case 'worker': {
        const manifest = str('manifest');
        if (manifest) return shardWorker(manifest, values, int);
        const url = bull.redisUrl(str('redis'));
        const status = await bull.queueStatus(url, queueName, 1);
        const total = status.counts.waiting + status.counts.active + status.counts.delayed + status.counts.prioritized;
        const p = progress(`worker on ${queueName} (${total} job(s) waiting)`);
        let n = 0;
        const w = await bull.startWorker(url, {
          queue: queueName,
          concurrency: int('concurrency', 1, 1),
          threads: int('threads', 0, 1),
          lockMs: int('lock-ms', 1000, 30_000),
          out: str('out'),
          modelPath: str('model'),
          drain: Boolean(values.drain),
          onJob: (r) => {
            if (r.ok) p.update(++n, Math.max(n, total));
            else process.stderr.write(`\n  ${r.tile}: ERROR ${r.error}\n`);
          },
        });
        const stop = () => void w.close();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        const r = await w.done;
        p.done(`${r.jobs} job(s) done, ${r.failed} failed attempt(s)`);
        return 0;
      }
      case 'status': {
        const s = await bull.queueStatus(bull.redisUrl(str('redis')), queueName);
        if (values.json) {
          console.log(JSON.stringify(s, null, 2));
          return 0;
        }
        const c = s.counts;
        console.log(`queue ${s.queue} on ${s.redis} — outputs in ${s.out ?? '(nothing submitted)'}`);
        console.log(`  submitted ${s.submitted}, done ${s.done} (${s.km2_done} km²), waiting ${c.waiting + c.prioritized}, running ${c.active}, ` +
          `retrying ${c.delayed}, failed ${c.failed}`);
        console.log(`  throughput ${s.jobs_per_s} job/s (${s.km2_per_min} km²/min); ETA ${s.eta_s === null ? 'unknown (no worker running)' : formatSeconds(s.eta_s)}`);
        for (const f of s.failed) console.log(`  FAILED ${f.tile} after ${f.attempts} tries: ${f.error}`);
        return 0;
      }
      case 'collect': {
        const db = str('db');
        if (!db) throw new InputError('vigie queue collect: --db FILE is required');
        let dir = str('from');
        if (!dir) {
          const { readMeta, connect, ensureReachable } = bull;
          const url = bull.redisUrl(str('redis'));
          const redis = connect(url);
          await ensureReachable(redis, url);
          const meta = await readMeta(redis, queueName);
          redis.disconnect();
          if (!meta) throw new InputError(`queue ${queueName} has no output folder recorded; give --from DIR`);
          dir = meta.out;
        }
        const { Store } = await import('../../store/store.ts');
        const { collectOutputs } = await import('../../queue/collect.ts');
        const store = await Store.open(db);
        try {
          const p = progress(`collecting ${dir} into ${db}`);
          const r = await collectOutputs(store, dir);
          p.done(`${r.files} file(s), ${r.applied} run(s) applied`);
          if (values.json) console.log(JSON.stringify({ ...r, db, from: dir }, null, 2));
          else console.log(`${r.files} job file(s): ${r.tiles} tile(s), ${r.detections} detection(s); ${r.applied} run(s) written to ${db} (the rest were already there)`);
        } finally {
          store.close();
        }
        return 0;
      }
      default:
        throw new InputError(`unknown subcommand ${JSON.stringify(sub ?? '')}; expected plan, submit, worker, status or collect\nUsage: ${USAGE}`);
    }
  },
};

async function planFromInputs(inputs: string[], values: Record<string, unknown>) {
  const { readModelFile, DEFAULT_CALIBRATION } = await import('../../detect/model.ts');
  const { loadCalibration } = await import('../../detect/calibrate.ts');
  const { crsPerInput } = await import('../../detect/detections.ts');
  const spec = await import('../../queue/spec.ts');
  const model = readModelFile(values.model as string | undefined);
  const det = { hash: model.hash, calibration: loadCalibration(DEFAULT_CALIBRATION) };
  const perInput = crsPerInput(inputs, values.crs as string[] | undefined);
  const groups = new Map<string, string[]>();
  for (const [i, p] of inputs.entries()) {
    const key = perInput[i] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), ...(await spec.expandSources([p]))]);
  }
  const total = [...groups.values()].reduce((a, g) => a + g.length, 0);
  const p = progress(`planning ${total} tile(s): content hashes, headers, neighbours`);
  const specs = [];
  let base = 0;
  for (const [crs, sources] of groups) {
    specs.push(...(await spec.planJobs(det, sources, { crs: crs || undefined, onProgress: (d) => p.update(base + d / 2, total) })));
    base += sources.length;
  }
  p.done(`${specs.length} job(s)`);
  return specs;
}

async function shardWorker(manifest: string, values: Record<string, unknown>, int: (k: string, min: number, d?: number) => number | undefined): Promise<number> {
  const { runShard } = await import('../../queue/shard.ts');
  const shards = int('shards', 1);
  if (shards === undefined) throw new InputError('vigie queue worker --manifest: --shards N is required (the Job\'s completions)');
  const envIndex = process.env.JOB_COMPLETION_INDEX;
  const index = int('index', 0) ?? (envIndex !== undefined ? Number(envIndex) : undefined);
  if (index === undefined) throw new InputError('vigie queue worker --manifest: give --index K or set JOB_COMPLETION_INDEX (Kubernetes sets it in Indexed Jobs)');
  const out = values.out as string | undefined;
  if (!out) throw new InputError('vigie queue worker --manifest: --out DIR is required');
  const p = progress(`shard ${index} of ${shards} of ${manifest}`);
  const r = await runShard({
    manifest, shards, index, out,
    attempts: int('attempts', 1, 3), backoffMs: int('backoff-ms', 0, 2000), modelPath: values.model as string | undefined, threads: int('threads', 0, 1),
    onJob: (j) => {
      if (j.ok) p.update(j.done, j.total);
      else process.stderr.write(`\n  ${j.tile}: ERROR ${j.error}\n`);
    },
  });
  p.done(`${r.processed} processed, ${r.skipped_done} already done, ${r.failed.length} failed (lines ${r.from}–${r.to - 1})`);
  if (values.json) console.log(JSON.stringify(r, null, 2));
  return r.failed.length > 0 ? 1 : 0;
}

function formatSeconds(s: number): string {
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
