/**
 * Real-terrain detection bench: the bench parts of real airborne-LiDAR DTMs
 * (pipelines/bench/real-terrain-data.ts: half of each source, never trained or calibrated on),
 * run through the same path as a user's files (0.5 m GeoTIFF in the source's own CRS, given
 * explicitly, → `detectFiles`):
 *
 * - as they are (no archaeology was ever recorded there): false candidates per km² per
 *   reliability level and per class, over the area where a detection can be kept;
 * - with features planted by the project's generator (all four classes, intact / ploughed /
 *   robbed / eroded / partial, on the real slopes), `replicates` independent layouts: recall,
 *   precision and F1 per class at the operating threshold and at each level, recall per variant.
 *
 *   npx tsx pipelines/bench/real-terrain.ts [--model models/detector.onnx] [--calibration …] [--replicates 8] [--part calib]
 *       [--scale-test off|C1[,MINFACTOR[,FLOOR[,LEVELCAP]]]]   (mound scale test, engine/detect/scale-test.ts; default: the calibration's)
 *       [--native-planting]   (features recorded at each source's own resolution, then resampled
 *                              to 0.5 m like their surroundings: the same layouts, seen as a 1 m or
 *                              2 m survey would see them)
 *
 * Needs ../shared/realdata/lidar (or $VIGIE_REALDATA_LIDAR); without it, says so and skips.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LAMBERT93, normaliseCrs, transformer } from '../../engine/geo/crs.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { LEVELS, type Level } from '../../engine/detect/calibrate.ts';
import { evaluate } from '../../engine/detect/evaluate.ts';
import { detectFiles, loadDetector, type Detection, type Detector } from '../../engine/detect/infer.ts';
import { parseScaleTest } from '../../engine/detect/scale-test.ts';
import {
  effectiveAreaKm2, extraLidarDir, extraSourcesPresent, loadPart, plantFeatures, realDataPresent, realLidarDir, registerRealCrs,
  REAL_SOURCES, seedIndex, type Part, type PartName, type Planted, type RealSource,
} from './real-terrain-data.ts';

const CLASS_NAMES = ['mound', 'kiln', 'enclosure', 'pit'] as const;
const NODATA = -99999;
/** Planting density of the bench (features per km²) and its seeds: 3000 + 100·replicate + source index. */
export const BENCH_DENSITY = 40;
export const BENCH_SEED = 3000;

/** Writes a part (or a planted copy) as a 0.5 m deflate GeoTIFF in the source CRS. */
export async function writePart(p: Part, z: Float32Array, path: string): Promise<string> {
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = z[i] === z[i] ? z[i] : NODATA;
  await writeFile(path, writeGeoTiff(out, p.grid, { nodata: NODATA, scratch: true }));
  return path;
}

/** Detections of one file, positions back in the source CRS (detectFiles gives Lambert-93). */
export async function detectPart(det: Detector, file: string, crs: string, minScore?: number): Promise<Detection[]> {
  const { detections, reports } = await detectFiles(det, [file], { crs, minScore });
  const bad = reports.filter((r) => !r.ok);
  if (bad.length) throw new Error(`real-terrain bench: ${bad.map((r) => `${r.file}: ${r.error}`).join('; ')}`);
  if (normaliseCrs(crs) !== LAMBERT93) {
    const back = transformer(LAMBERT93, crs);
    for (const d of detections) [d.x, d.y] = back(d.x, d.y);
  }
  return detections;
}

const rank = (l: string) => LEVELS.indexOf(l as Level);

interface Scored {
  truth: Planted[];
  dets: Detection[];
}

/** tp / fp / fn per class, summed over independently matched sets (one per file). */
function tally(sets: Scored[], keep: (d: Detection) => boolean) {
  const out: Record<string, { truth: number; tp: number; fp: number; fn: number }> = {};
  for (const c of CLASS_NAMES) out[c] = { truth: 0, tp: 0, fp: 0, fn: 0 };
  const byVariant: Record<string, { truth: number; found: number }> = {};
  const byProminence: Record<string, Record<string, { truth: number; found: number }>> = {};
  for (const s of sets) {
    const kept = s.dets.filter(keep);
    const r = evaluate(s.truth.map((t) => ({ cls: t.cls, x: t.x, y: t.y, diameter: t.diameter })), kept.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: [...CLASS_NAMES] });
    for (const c of CLASS_NAMES) {
      out[c].truth += r.classes[c].truth;
      out[c].tp += r.classes[c].tp;
      out[c].fp += r.classes[c].fp;
      out[c].fn += r.classes[c].fn;
    }
    const hit = new Set<number>();
    r.matchOf.forEach((m) => { if (m >= 0) hit.add(m); });
    s.truth.forEach((t, i) => {
      const k = `${t.cls}/${t.variant}`;
      byVariant[k] ??= { truth: 0, found: 0 };
      byVariant[k].truth++;
      if (hit.has(i)) byVariant[k].found++;
      const band = PROMINENCE_BANDS.find((b) => t.prominence < b.below)!.name;
      byProminence[t.cls] ??= Object.fromEntries(PROMINENCE_BANDS.map((b) => [b.name, { truth: 0, found: 0 }]));
      byProminence[t.cls][band].truth++;
      if (hit.has(i)) byProminence[t.cls][band].found++;
    });
  }
  const r3 = (v: number) => +v.toFixed(3);
  const classes = Object.fromEntries(Object.entries(out).map(([c, s]) => {
    const precision = s.tp + s.fp ? s.tp / (s.tp + s.fp) : 0;
    const recall = s.truth ? s.tp / s.truth : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return [c, { precision: r3(precision), recall: r3(recall), f1: r3(f1), ...s }];
  }));
  return { classes, byVariant, byProminence };
}

/** Bands of Planted.prominence (feature relief over the ground's own small relief) the bench reports recall in. */
export const PROMINENCE_BANDS = [
  { name: 'under 1', below: 1 },
  { name: '1 to 2', below: 2 },
  { name: '2 to 4', below: 4 },
  { name: '4 to 8', below: 8 },
  { name: '8 and over', below: Number.POSITIVE_INFINITY },
] as const;

export interface RealBenchOptions {
  det: Detector;
  /** where the prepared GeoTIFFs are written, default tmp/detector-data */
  dataDir?: string;
  replicates?: number;
  /** which part of each source (default bench); `calib` serves pipelines/train/calibrate.ts */
  part?: PartName;
  /** default: ../shared's REAL_SOURCES */
  sources?: RealSource[];
  /** plant features at each source's own resolution (PlantOptions.nativeResolution) */
  nativePlanting?: boolean;
  /** run the parts without features too (default true; false when only planted layouts are wanted) */
  clean?: boolean;
  log?: (s: string) => void;
}

export interface RealRun {
  /** per source: effective area and the detections on the part without planted features */
  clean: { id: string; crs: string; areaKm2: number; effectiveKm2: number; dets: Detection[] }[];
  /** per source and replicate: planted truth and detections */
  planted: (Scored & { id: string; replicate: number })[];
}

/** Runs the detector over the parts of every real source, clean and planted. */
export async function runRealParts(o: RealBenchOptions): Promise<RealRun> {
  const log = o.log ?? (() => {});
  const part = o.part ?? 'bench';
  const root = o.dataDir ?? 'tmp/detector-data';
  await mkdir(root, { recursive: true });
  // one folder per run: two benches at once (two candidate models) must not overwrite each other's tiles
  const dir = await mkdtemp(join(root, `real-${part}-`));
  try {
    return await detectParts(o, part, dir, log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function detectParts(o: RealBenchOptions, part: PartName, dir: string, log: (m: string) => void): Promise<RealRun> {
  const reps = o.replicates ?? 8;
  registerRealCrs();
  const run: RealRun = { clean: [], planted: [] };
  for (const s of o.sources ?? REAL_SOURCES) {
    const si = seedIndex(s);
    const p = await loadPart(s, part);
    const clean = o.clean === false ? [] : await detectPart(o.det, await writePart(p, p.z, join(dir, `${s.id}-clean.tif`)), p.grid.crs);
    const areaKm2 = (p.grid.width * p.grid.height * 0.25) / 1e6;
    if (o.clean !== false) run.clean.push({ id: s.id, crs: p.grid.crs, areaKm2, effectiveKm2: effectiveAreaKm2(p), dets: clean });
    let n = 0;
    for (let k = 0; k < reps; k++) {
      const seed = (part === 'bench' ? BENCH_SEED : part === 'calib' ? 2000 : 1000) + 100 * k + si;
      const { z, truth } = plantFeatures(p, { seed, density: BENCH_DENSITY, nativeResolution: o.nativePlanting });
      const dets = await detectPart(o.det, await writePart(p, z, join(dir, `${s.id}-planted-${k}.tif`)), p.grid.crs);
      run.planted.push({ id: s.id, replicate: k, truth, dets });
      n += truth.length;
    }
    log(`${s.id} (${part}): ${p.grid.width / 2} × ${p.grid.height / 2} m, ${o.clean === false ? '' : `${clean.length} candidates clean, `}${n} features planted in ${reps} layouts${o.nativePlanting ? ' at the source\'s resolution' : ''}`);
  }
  return run;
}

/** Summary of a run: false candidates per km² (clean) and recall / precision / F1 (planted). */
export function summariseRealRun(run: RealRun, threshold: (cls: string) => number): Record<string, unknown> {
  const r2 = (v: number) => +v.toFixed(2);
  const eff = run.clean.reduce((a, c) => a + c.effectiveKm2, 0);
  const perLevel = (dets: Detection[], km2: number) => Object.fromEntries(LEVELS.map((l) => {
    const sel = dets.filter((d) => d.level === l);
    return [l, { per_km2: r2(sel.length / km2), count: sel.length, ...Object.fromEntries(CLASS_NAMES.map((c) => [c, sel.filter((d) => d.cls === c).length])) }];
  }));
  const all = run.clean.flatMap((c) => c.dets);
  const atLeast = (l: Level, dets: Detection[]) => dets.filter((d) => rank(d.level) >= rank(l)).length;
  const falseCandidates = {
    effective_area_km2: +eff.toFixed(3),
    area_note: 'area where a detection can be kept: data, and no nodata or raster edge within 10 m',
    per_level: perLevel(all, eff),
    possible_or_better_per_km2: r2(atLeast('possible', all) / eff),
    probable_or_better_per_km2: r2(atLeast('probable', all) / eff),
    very_probable_per_km2: r2(atLeast('very_probable', all) / eff),
    at_operating_threshold_per_km2: r2(all.filter((d) => d.score >= threshold(d.cls)).length / eff),
    per_source: Object.fromEntries(run.clean.map((c) => [c.id, {
      crs: c.crs,
      area_km2: +c.areaKm2.toFixed(3),
      effective_km2: +c.effectiveKm2.toFixed(3),
      candidates: c.dets.length,
      possible_or_better: atLeast('possible', c.dets),
      very_probable: atLeast('very_probable', c.dets),
    }])),
  };
  const sets = run.planted;
  const op = tally(sets, (d) => d.score >= threshold(d.cls));
  const byLevel = Object.fromEntries(LEVELS.map((l) => {
    const t = tally(sets, (d) => rank(d.level) >= rank(l));
    return [`${l}_or_better`, Object.fromEntries(Object.entries(t.classes).map(([c, s]) => [c, { recall: s.recall, precision: s.precision, tp: s.tp, fp: s.fp, truth: s.truth }]))];
  }));
  const possible = tally(sets, (d) => rank(d.level) >= rank('possible'));
  // share of true detections within each level, all classes (does the level's band hold here?)
  const levelShare = Object.fromEntries(LEVELS.map((l) => {
    const t = tally(sets, (d) => d.level === l);
    const tp = Object.values(t.classes).reduce((a, s) => a + s.tp, 0);
    const n = tp + Object.values(t.classes).reduce((a, s) => a + s.fp, 0);
    return [l, { detections: n, true_share: n ? +(tp / n).toFixed(3) : null }];
  }));
  return {
    without_features: falseCandidates,
    with_planted_features: {
      features: sets.reduce((a, s) => a + s.truth.length, 0),
      layouts: sets.length,
      at_operating_threshold: op.classes,
      by_level: byLevel,
      level_true_share: levelShare,
      recall_by_variant_possible_or_better: Object.fromEntries(Object.entries(possible.byVariant).sort().map(([k, v]) => [k, `${v.found}/${v.truth}`])),
      prominence_note: 'largest relief a feature adds over the RMS of the ground\'s own relief (elevation minus its 20 m mean) within 10 m of it, before planting (plantFeatures)',
      recall_by_prominence_possible_or_better: Object.fromEntries(CLASS_NAMES.map((c) => [c, Object.fromEntries(Object.entries(possible.byProminence[c] ?? {}).map(([k, v]) => [k, `${v.found}/${v.truth}`]))])),
    },
  };
}

/** The bench: clean and planted bench parts of every real source. */
export async function runRealTerrainBench(o: Omit<RealBenchOptions, 'part'>): Promise<Record<string, unknown>> {
  if (!realDataPresent()) {
    const msg = `real-terrain bench skipped: ${realLidarDir()} not found or incomplete (set VIGIE_REALDATA_LIDAR)`;
    o.log?.(msg);
    return { skipped: msg };
  }
  const t0 = performance.now();
  const run = await runRealParts({ ...o, part: 'bench' });
  // the same layouts recorded at each source's own resolution (1 m, 2 m) — what a survey of that
  // resolution would show of them — unless the whole bench was asked that way already
  const native = o.nativePlanting ? null : await runRealParts({ ...o, part: 'bench', nativePlanting: true, clean: false });
  // real terrain that is not in ../shared (when gathered): reported beside, never pooled with it
  const extras = extraSourcesPresent();
  const extra = extras.length
    ? {
      sources: Object.fromEntries(extras.map((s) => [s.id, `${s.terrain}; ${s.licence}; ${s.origin}`])),
      ...summariseRealRun(await runRealParts({ ...o, part: 'bench', sources: extras }), (c) => o.det.calibration.threshold(c)),
      ...(o.nativePlanting ? {} : {
        with_planted_features_at_source_resolution:
          summariseRealRun(await runRealParts({ ...o, part: 'bench', sources: extras, nativePlanting: true, clean: false }), (c) => o.det.calibration.threshold(c)).with_planted_features,
      }),
    }
    : { skipped: `no extra real terrain in ${extraLidarDir()} (see EXTRA_SOURCES in pipelines/bench/real-terrain-data.ts)` };
  return {
    bench: 'bench half of each real DTM (see pipelines/bench/real-terrain-data.ts), 0.5 m, CRS given explicitly',
    sources: Object.fromEntries(await Promise.all(run.clean.map(async (c) => [c.id, REAL_SOURCES.find((s) => s.id === c.id)!.terrain]))),
    planting: `${BENCH_DENSITY} features/km², seeds ${BENCH_SEED} + 100·layout + source index${o.nativePlanting ? ', each recorded at its source\'s own resolution then resampled to 0.5 m' : ', stamped at 0.5 m'}`,
    tolerance: 'max(5 m, 0.25 × truth diameter), greedy by score, each layout matched on its own',
    ...summariseRealRun(run, (c) => o.det.calibration.threshold(c)),
    ...(native ? { with_planted_features_at_source_resolution: summariseRealRun(native, (c) => o.det.calibration.threshold(c)).with_planted_features } : {}),
    terrain_not_in_shared: extra,
    wall_s: +((performance.now() - t0) / 1000).toFixed(1),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, calibration: { type: 'string' }, replicates: { type: 'string' }, part: { type: 'string' }, 'scale-test': { type: 'string' }, 'native-planting': { type: 'boolean' } } });
  const det = await loadDetector({ modelPath: values.model, calibrationPath: values.calibration, scaleTest: parseScaleTest(values['scale-test']) });
  try {
    const opts = { det, dataDir: values.data, replicates: values.replicates ? Number(values.replicates) : undefined, nativePlanting: values['native-planting'], log: (m: string) => console.error(m) };
    const out = values.part && values.part !== 'bench'
      ? summariseRealRun(await runRealParts({ ...opts, part: values.part as PartName }), (c) => det.calibration.threshold(c))
      : await runRealTerrainBench(opts);
    console.log(JSON.stringify({ model_hash: det.hash, scale_test: det.scaleTest ?? 'off', ...out }, null, 2));
  } finally {
    await det.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
