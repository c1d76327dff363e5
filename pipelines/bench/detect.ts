/**
 * Detection benchmark on the held-out bench: a 5 × 5 km 'mixed' mosaic (seed 301, never used
 * in training nor calibration), 0.5 m deflate GeoTIFF tiles → detections in DuckDB. Prints JSON:
 * km²/min, CPU-seconds per km², share of time in decode / preprocessing / inference /
 * post-processing, per-class metrics of the model and of the classical baseline measured in
 * the same run (operating thresholds from models/calibration.json, fitted on the calib split),
 * and the reliability-level check.
 *
 *   npx tsx pipelines/bench/detect.ts [--data tmp/detector-data] [--model models/detector.onnx]
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../../engine/store/store.ts';
import { detectTiles } from '../../engine/detect/detections.ts';
import { detectFiles, loadDetector, type Detection, type Detector, type Timings } from '../../engine/detect/infer.ts';
import { baselineDetector } from '../../engine/detect/baseline.ts';
import { evaluate, readPoints, type EvalResult } from '../../engine/detect/evaluate.ts';
import { checkLevels, type Level } from '../../engine/detect/calibrate.ts';
import { generateLidar } from '../samples/lidar/generate.ts';

export const BENCH = { name: 'bench-mixed', seed: 301, style: 'mixed' as const, originX: 900000, originY: 6600000, tiles: 5 };
export const CALIB = { name: 'calib-mixed', seed: 201, style: 'mixed' as const, originX: 800000, originY: 6600000, tiles: 4 };
export const CLASS_NAMES = ['mound', 'kiln', 'enclosure', 'pit'];

/** The tiles of a split, generated deterministically on first use. */
export async function splitTiles(dataDir: string, s: typeof BENCH): Promise<{ tiles: string[]; truth: string }> {
  const dir = join(dataDir, s.name, 'tiles');
  if (!existsSync(join(dir, 'truth.geojson'))) {
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, threads: { type: 'string' } } });
  const dataDir = values.data ?? 'tmp/detector-data';
  const { tiles, truth: truthPath } = await splitTiles(dataDir, BENCH);
  const truth = await truthOf(truthPath);
  const det = await loadDetector({ modelPath: values.model, threads: values.threads ? Number(values.threads) : undefined });
  const store = await Store.open(':memory:');
  const timings: Timings = { decode: 0, prep: 0, inference: 0, post: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await detectTiles(store, tiles, { detector: det, timings });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stored = Number(await store.value('SELECT count(*) FROM detections'));
  store.close();
  const km2 = res.reports.filter((r) => r.ok).length; // 1 km² tiles
  const model = evalAt(truth, res.detections, (c) => det.calibration.threshold(c));
  const base = baselineDetector();
  const baseDets = await runDetector(base, tiles);
  const bt = (det.calibration.file as { baseline?: Record<string, number> }).baseline ?? {};
  const baseline = evalAt(truth, baseDets, (c) => bt[c] ?? 0);
  const all = evaluate(truth, res.detections.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
  const levels = checkLevels(res.detections.map((d, i) => ({ level: d.level as Level, hit: all.matchOf[i] >= 0 })), det.calibration.file.bands);
  const busy = timings.decode + timings.prep + timings.inference + timings.post;
  const out = {
    bench: `${BENCH.name} (seed ${BENCH.seed}, ${BENCH.tiles}×${BENCH.tiles} km, style ${BENCH.style}, 0.5 m deflate GeoTIFF)`,
    model_hash: det.hash,
    tiles: km2,
    detections_stored: stored,
    wall_s: +wall.toFixed(2),
    km2_per_min: +((km2 / wall) * 60).toFixed(1),
    cpu_s_per_km2: +((cpu.user + cpu.system) / 1e6 / km2).toFixed(3),
    time_share: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, +(v / busy).toFixed(3)])),
    model: pick(model),
    baseline: pick(baseline),
    f1_gain: Object.fromEntries(CLASS_NAMES.map((c) => [c, +(model.classes[c].f1 - baseline.classes[c].f1).toFixed(3)])),
    levels: levels.map((l) => ({ ...l, precision: Number.isFinite(l.precision) ? +l.precision.toFixed(3) : null })),
  };
  await det.close();
  console.log(JSON.stringify(out, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
