/**
 * Detection benchmark on the held-out bench: a 5 × 5 km 'mixed' mosaic (seed 301, never used
 * in training nor calibration), 0.5 m deflate GeoTIFF tiles → detections in DuckDB. Prints JSON:
 * km²/min, CPU-seconds per km², share of time in decode / preprocessing / inference /
 * post-processing, per-class metrics of the model and of the classical baseline measured in
 * the same run (operating thresholds from models/calibration.json, fitted on the calibration splits),
 * and the reliability-level check.
 *
 *   npx tsx pipelines/bench/detect.ts [--quick] [--workers 2] [--data tmp/detector-data] [--model models/detector.onnx]
 *
 * `runDetectBench` is the same as a function (for `vigie bench detect`); `--quick` runs a 2 × 2 km
 * mosaic of its own seed as a smoke test.
 *
 * Beside it, the real-terrain bench (pipelines/bench/real-terrain.ts, under `real_terrain`): real
 * airborne-LiDAR DTMs without and with planted features; skipped with a message when
 * ../shared/realdata/lidar is absent (`--no-real` skips it too).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { readdir, readFile } from 'node:fs/promises';
import { fromArrayBuffer } from 'geotiff';
import { readFloat32Band } from '../../engine/geo/float-band.mjs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../../engine/store/store.ts';
import { detectTiles } from '../../engine/detect/detections.ts';
import { detectFiles, loadDetector, type Detection, type Detector, type Timings } from '../../engine/detect/infer.ts';
import { baselineDetector } from '../../engine/detect/baseline.ts';
import { evaluate, readPoints, type EvalResult } from '../../engine/detect/evaluate.ts';
import { checkLevels, type Level } from '../../engine/detect/calibrate.ts';
import { generateLidar } from '../samples/lidar/generate.ts';
import { lidarMosaicCurrent } from '../samples/lidar/writer.ts';
import { runRealTerrainBench } from './real-terrain.ts';

export const BENCH = { name: 'bench-mixed', seed: 301, style: 'mixed' as const, originX: 900000, originY: 6600000, tiles: 5 };
export const CALIB = { name: 'calib-mixed', seed: 201, style: 'mixed' as const, originX: 800000, originY: 6600000, tiles: 4 };
/** More calibration / model-selection mosaics (seeds 2xx are never trained on, never the bench). */
export const CALIB2 = { name: 'calib2-mixed', seed: 202, style: 'mixed' as const, originX: 1000000, originY: 6600000, tiles: 5 };
export const CALIB3 = { name: 'calib3-mixed', seed: 203, style: 'mixed' as const, originX: 1100000, originY: 6600000, tiles: 5 };
/** The mosaics the operating thresholds and the score → precision maps are fitted on: 66 km². */
export const CALIBRATION_SPLITS = [CALIB, CALIB2, CALIB3];
export const CLASS_NAMES = ['mound', 'kiln', 'enclosure', 'pit'];

/** The tiles of a split, generated deterministically on first use. */
export async function splitTiles(dataDir: string, s: typeof BENCH): Promise<{ tiles: string[]; truth: string }> {
  const dir = join(dataDir, s.name, 'tiles');
  if (!lidarMosaicCurrent(dir)) {
    await generateLidar({ seed: s.seed, originX: s.originX, originY: s.originY, tilesX: s.tiles, tilesY: s.tiles, style: s.style, outDir: dir, format: 'tif' });
  }
  const tiles = (await readdir(dir)).filter((f) => f.endsWith('.tif')).sort().map((f) => join(dir, f));
  return { tiles, truth: join(dir, 'truth.geojson') };
}

export async function truthOf(path: string) {
  return (await readPoints(path)).map((p) => ({ cls: p.cls, x: p.x, y: p.y, diameter: p.diameter }));
}

/** Evaluation at per-class operating thresholds. */
export function evalAt(truth: Awaited<ReturnType<typeof truthOf>>, dets: Detection[], threshold: (cls: string) => number): EvalResult {
  const kept = dets.filter((d) => d.score >= threshold(d.cls));
  return evaluate(truth, kept.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
}

export async function runDetector(det: Detector, tiles: string[], timings?: Timings): Promise<Detection[]> {
  const { detections, reports } = await detectFiles(det, tiles, { timings });
  const bad = reports.filter((r) => !r.ok);
  if (bad.length) throw new Error(`bench tiles failed: ${bad.map((r) => r.error).join('; ')}`);
  return detections;
}

const pick = (r: EvalResult) => Object.fromEntries(Object.entries(r.classes).map(([c, s]) => [c, { precision: +s.precision.toFixed(3), recall: +s.recall.toFixed(3), f1: +s.f1.toFixed(3), truth: s.truth, tp: s.tp, fp: s.fp, fn: s.fn }]));

/** The smoke-test mosaic of `--quick`: 2 × 2 km, its own seed (never trained or calibrated on). */
export const QUICK = { name: 'bench-quick', seed: 302, style: 'mixed' as const, originX: 920000, originY: 6600000, tiles: 2 };

export interface DetectBenchOptions {
  /** 2 × 2 km smoke run instead of the 5 × 5 km held-out bench */
  quick?: boolean;
  log?: (s: string) => void;
  /** where the bench tiles are generated and kept, default tmp/detector-data */
  dataDir?: string;
  modelPath?: string;
  calibrationPath?: string;
  /** inference worker threads (default: one per core, at most 2) */
  workers?: number;
  threads?: number;
  /** run the real-terrain bench too (default true; skipped with a message without ../shared) */
  real?: boolean;
}

/**
 * Runs the detection bench: 0.5 m deflate GeoTIFF tiles → detections in an in-memory DuckDB
 * store, timed; then per-class P/R/F1 of the model and of the classical baseline (both at the
 * operating thresholds fitted on the calibration splits) and the reliability-level check.
 */
export async function runDetectBench(o: DetectBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = o.log ?? (() => {});
  const split = o.quick ? QUICK : BENCH;
  const dataDir = o.dataDir ?? 'tmp/detector-data';
  log(`detect bench: ${split.name} (${split.tiles}×${split.tiles} km) under ${dataDir}`);
  const { tiles, truth: truthPath } = await splitTiles(dataDir, split);
  const truth = await truthOf(truthPath);
  const det = await loadDetector({ modelPath: o.modelPath, calibrationPath: o.calibrationPath, workers: o.workers, threads: o.threads });
  try {
    const store = await Store.open(':memory:');
    const timings: Timings = { decode: 0, prep: 0, inference: 0, post: 0 };
    const load = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let res: Awaited<ReturnType<typeof detectTiles>>;
    let stored: number;
    try {
      res = await detectTiles(store, tiles, { detector: det, timings });
      stored = Number(await store.value('SELECT count(*) FROM detections'));
    } finally {
      store.close();
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const km2 = res.reports.filter((r) => r.ok).length; // 1 km² tiles
    log(`model: ${km2} km² in ${wall.toFixed(1)} s`);
    const model = evalAt(truth, res.detections, (c) => det.calibration.threshold(c));
    const tb = performance.now();
    const baseDets = await runDetector(baselineDetector(), tiles);
    log(`baseline: ${((performance.now() - tb) / 1000).toFixed(1)} s`);
    const bt = (det.calibration.file as { baseline?: Record<string, number> }).baseline ?? {};
    const baseline = evalAt(truth, baseDets, (c) => bt[c] ?? 0);
    const all = evaluate(truth, res.detections.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
    const levels = checkLevels(res.detections.map((d, i) => ({ level: d.level as Level, hit: all.matchOf[i] >= 0 })), det.calibration.file.bands);
    const busy = timings.decode + timings.prep + timings.inference + timings.post;
    const real = o.real === false ? { skipped: 'not asked (--no-real)' } : await runRealTerrainBench({ det, dataDir, replicates: o.quick ? 2 : undefined, log });
    const decode = await decodePeers(tiles.slice(0, o.quick ? 2 : 5));
    return {
      bench: `${split.name} (seed ${split.seed}, ${split.tiles}×${split.tiles} km, style ${split.style}, 0.5 m deflate GeoTIFF)`,
      quick: !!o.quick,
      model_hash: det.hash,
      tiles: km2,
      detections_stored: stored,
      throughput: {
        cores: availableParallelism(),
        workers: det.concurrency ?? 1,
        load_avg_1min_before: +load.toFixed(2),
        wall_s: +wall.toFixed(2),
        km2_per_min: +((km2 / wall) * 60).toFixed(1),
        cpu_s_per_km2: +((cpu.user + cpu.system) / 1e6 / km2).toFixed(3),
        time_share: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, +(v / busy).toFixed(3)])),
        ms_per_km2: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, +(v / km2).toFixed(1)])),
      },
      decode,
      tolerance: 'max(5 m, 0.25 × truth diameter), greedy by score',
      model: pick(model),
      baseline: pick(baseline),
      f1_gain: Object.fromEntries(CLASS_NAMES.map((c) => [c, +(model.classes[c].f1 - baseline.classes[c].f1).toFixed(3)])),
      levels: levels.map((l) => ({ ...l, precision: Number.isFinite(l.precision) ? +l.precision.toFixed(3) : null })),
      real_terrain: real,
    };
  } finally {
    await det.close();
  }
}

/**
 * The tile decoder the inference workers use (engine/geo/float-band.mjs) beside its peer,
 * geotiff.js's readRasters, on the same bench tiles in this thread, alternating; the bits are
 * compared too.
 */
async function decodePeers(paths: string[]): Promise<Record<string, unknown>> {
  const ms = { float_band: [] as number[], geotiff_readRasters: [] as number[] };
  let differ = 0;
  for (const path of paths) {
    const bytes = await readFile(path);
    const image = await (await fromArrayBuffer(new Uint8Array(bytes).buffer)).getImage(0);
    const t0 = performance.now();
    const fast = await readFloat32Band(image, bytes);
    const t1 = performance.now();
    const peer = (await image.readRasters({ samples: [0], interleave: true })) as Float32Array;
    const t2 = performance.now();
    ms.float_band.push(t1 - t0);
    ms.geotiff_readRasters.push(t2 - t1);
    const a = new Uint32Array(fast!.buffer);
    const b = new Uint32Array(peer.buffer, peer.byteOffset, peer.length);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return {
    tiles: paths.length,
    median_ms_per_tile: { float_band: +median(ms.float_band).toFixed(1), geotiff_readRasters: +median(ms.geotiff_readRasters).toFixed(1) },
    ratio: +(median(ms.float_band) / median(ms.geotiff_readRasters)).toFixed(2),
    pixels_differing: differ,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, calibration: { type: 'string' }, threads: { type: 'string' }, workers: { type: 'string' }, quick: { type: 'boolean' }, 'no-real': { type: 'boolean' } } });
  const out = await runDetectBench({
    quick: values.quick,
    dataDir: values.data,
    modelPath: values.model,
    calibrationPath: values.calibration,
    workers: values.workers !== undefined ? Number(values.workers) : undefined,
    threads: values.threads !== undefined ? Number(values.threads) : undefined,
    real: !values['no-real'],
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(out, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
