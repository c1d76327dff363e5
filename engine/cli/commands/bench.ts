/**
 * `vigie bench [name…]`: benchmarks on seeded synthetic data, each printing JSON with what was
 * measured and, where one exists, a peer measured in the same run. Registered by name.
 */
import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';

type BenchRun = (o: { quick: boolean; keep: boolean; log: (s: string) => void }) => Promise<Record<string, unknown>>;

const BENCHES: Record<string, { summary: string; load: () => Promise<BenchRun> }> = {
  risk: {
    summary: 'national crossing + scoring; COG point sampling vs gdallocationinfo',
    load: async () => (await import('../../../pipelines/bench/risk.ts')).runRiskBench,
  },
  relief: {
    summary: 'relief visualisations on a 2000² tile vs gdaldem',
    load: async () => (await import('../../../pipelines/bench/relief.ts')).runReliefBench,
  },
  exports: {
    summary: 'department PDF report; 46,760 monuments to every export format',
    load: async () => (await import('../../../pipelines/bench/exports.ts')).runExportsBench,
  },
  detect: {
    summary: 'held-out LiDAR bench: per-class P/R/F1 vs the classical baseline, calibration, km²/min',
    load: async () => (await import('../../../pipelines/bench/detect.ts')).runDetectBench,
  },
  api: {
    summary: 'list and bbox endpoints at 50 concurrent clients (46,760 monuments, 100,000 detections)',
    load: async () => (await import('../../../pipelines/bench/api.ts')).benchApi,
  },
  web: {
    summary: 'first map render and pan frame times in headless Chromium (46,760 monuments)',
    load: async () => (await import('../../../pipelines/bench/web.ts')).runWebBench,
  },
  real: {
    summary: 'all of France from the real published files: import, national scoring, map layer vs API, first render',
    load: async () => (await import('../../../pipelines/bench/real-national.ts')).runRealNationalBench,
  },
  dtm: {
    summary: 'LAZ → MNT: |Δz| vs IGN\'s DTMs, decode/triangulate/rasterise points/s, time for a 1 km² LiDAR HD tile',
    load: async () => (await import('../../../pipelines/bench/dtm.ts')).runDtmBench,
  },
  sparse: {
    summary: 'detector on a mostly-nodata tile: over its data only vs the whole tile, same detections',
    load: async () => (await import('../../../pipelines/bench/sparse-tile.ts')).runSparseTileBench,
  },
  scale: {
    summary: 'national plan on a local Redis: per-job queue overhead, jobs/s, Redis memory, 1 vs 2 workers, SIGKILL',
    load: async () => (await import('../../../pipelines/bench/scale.ts')).runScaleBench,
  },
};

export function registerBench(name: string, summary: string, load: () => Promise<BenchRun>): void {
  BENCHES[name] = { summary, load };
}

export const benchCommand: Command = {
  summary: 'run benchmarks on seeded synthetic data and print JSON (all, or: ' + Object.keys(BENCHES).join(', ') + ')',
  usage:
    'vigie bench [name…] [--quick] [--keep]\n' +
    Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(8)} ${b.summary}`).join('\n') +
    '\n  --quick: small sizes (smoke test); --keep: leave temp dirs (risk)',
  options: { quick: { type: 'boolean' }, keep: { type: 'boolean' } },
  async run({ values, positionals }) {
    const names = positionals.length ? positionals : Object.keys(BENCHES);
    for (const n of names) {
      if (!BENCHES[n]) throw new InputError(`unknown benchmark ${JSON.stringify(n)}: expected ${Object.keys(BENCHES).join(', ')}`);
    }
    const results: Record<string, unknown> = {};
    for (const n of names) {
      console.error(`… bench ${n}`);
      const run = await BENCHES[n].load();
      results[n] = await run({ quick: Boolean(values.quick), keep: Boolean(values.keep), log: (l) => console.error(`  ${l}`) });
    }
    console.log(JSON.stringify(names.length === 1 ? results[names[0]] : results, null, 2));
    return 0;
  },
};
