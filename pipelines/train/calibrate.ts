/**
 * Fits models/calibration.json on the calibration splits ('mixed' mosaics of 4 × 4 km, seed 201,
 * and 5 × 5 km, seeds 202 and 203: 66 km², disjoint from training and bench) and on the
 * calibration parts of the real DTMs (pipelines/bench/real-terrain-data.ts: never trained on,
 * never the bench half), as they are and with features planted in REAL_LAYOUTS layouts: per
 * class, an isotonic map score → precision and the F1-optimal operating threshold; the
 * baseline's thresholds are fitted the same way (synthetic splits only) so the bench compares
 * like with like.
 *
 * Real ground is small (≈ 0.45 km² usable) next to 66 km² of synthetic terrain, so its samples
 * are weighted: real detections together weigh `--real-weight` (default 0.5) of the evidence,
 * area for area (each real layout counts its part's area once more). Without ../shared the fit
 * uses the synthetic splits only, and says so. The reliability levels also take the calibration
 * halves of the real terrain outside ../shared when it is present (EXTRA_SOURCES, ≈ 0.56 km²
 * more), all real ground then weighing `--level-real-weight` (default: --real-weight); the
 * operating thresholds keep ../shared's parts only.
 *
 *   npx tsx pipelines/train/calibrate.ts [--data tmp/detector-data] [--model models/detector.onnx] [--real-weight 0.5] [--level-real-weight W] [--out F]
 *       [--baseline-from models/calibration.json]   (reuse the baseline's thresholds instead of refitting them)
 *       [--scale-test off|C1[,MINFACTOR[,FLOOR[,LEVELCAP]]]]  (the mound scale test the scores are fitted after, recorded in the file; default off)
 *       [--native-planting]   (real parts' features recorded at each source's own resolution, see plantFeatures)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { baselineDetector } from '../../engine/detect/baseline.ts';
import { DEFAULT_BANDS, f1Threshold, isotonic, type CalibrationFile, type CalibSample } from '../../engine/detect/calibrate.ts';
import { levelSources, realLidarDir } from '../bench/real-terrain-data.ts';
import { runRealParts } from '../bench/real-terrain.ts';
import { evaluate } from '../../engine/detect/evaluate.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { parseScaleTest } from '../../engine/detect/scale-test.ts';
import { DEFAULT_CALIBRATION } from '../../engine/detect/model.ts';
import { CALIBRATION_SPLITS, CLASS_NAMES, runDetector, splitTiles, truthOf } from '../bench/detect.ts';

const FLOOR = 0.2;

const REAL_LAYOUTS = 8;
const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, 'real-weight': { type: 'string' }, 'level-real-weight': { type: 'string' }, 'baseline-from': { type: 'string' }, 'scale-test': { type: 'string' }, 'native-planting': { type: 'boolean' } } });
const dataDir = values.data ?? 'tmp/detector-data';
const realWeight = values['real-weight'] !== undefined ? Number(values['real-weight']) : 0.5;
if (!(realWeight >= 0 && realWeight < 1)) throw new Error(`--real-weight ${values['real-weight']}: expected a share in [0, 1)`);
const levelWeight = values['level-real-weight'] !== undefined ? Number(values['level-real-weight']) : realWeight;
if (!(levelWeight >= 0 && levelWeight < 1)) throw new Error(`--level-real-weight ${values['level-real-weight']}: expected a share in [0, 1)`);
const splits = await Promise.all(CALIBRATION_SPLITS.map(async (s) => {
  const { tiles, truth } = await splitTiles(dataDir, s);
  return { tiles, truth: await truthOf(truth) };
}));
/** Scored samples (is each detection a true one?) and truth counts per class, pooled over the splits. */
const fit = async (det: Awaited<ReturnType<typeof loadDetector>>) => {
  const out: Record<string, { samples: CalibSample[]; truth: number }> = {};
  for (const c of CLASS_NAMES) out[c] = { samples: [], truth: 0 };
  for (const { tiles, truth } of splits) {
    const dets = (await runDetector(det, tiles)).filter((d) => d.score >= FLOOR || det.hash === 'baseline-v1');
    const r = evaluate(truth, dets.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
    for (const c of CLASS_NAMES) out[c].truth += r.classes[c].truth;
    dets.forEach((d, i) => out[d.cls].samples.push({ score: d.score, hit: r.matchOf[i] >= 0 }));
  }
  return out;
};
const det = await loadDetector({ modelPath: values.model, calibrationPath: '/nonexistent', scaleTest: parseScaleTest(values['scale-test']) });
const model = await fit(det);
// the baseline does not depend on the model: its thresholds may be taken from an earlier fit
const baseFrom = values['baseline-from'] ? (JSON.parse(await readFile(values['baseline-from'], 'utf8')) as { baseline?: Record<string, number> }).baseline : undefined;
const base = baseFrom ? null : await fit(baselineDetector());
// F1 on the synthetic splits alone at a threshold (for model selection beside the pooled fit;
// `model` holds the synthetic samples only, real ones are pooled in apart)
const f1At = (c: string, th: number) => {
  const tp = model[c].samples.filter((x) => x.score >= th && x.hit).length;
  const n = model[c].samples.filter((x) => x.score >= th).length;
  const p = n ? tp / n : 0;
  const r = model[c].truth ? tp / model[c].truth : 0;
  return p + r ? (2 * p * r) / (p + r) : 0;
};
const synthKm2 = splits.reduce((a, s) => a + s.tiles.length, 0); // 1 km² tiles
let realNote = `real ground not used: ${realLidarDir()} not found`;
/**
 * Real samples (unweighted) and truth counts per class, per group: `shared` (../shared's parts)
 * fits the operating thresholds and the levels, `extra` (real terrain outside ../shared, when
 * present) the levels only, so the thresholds — and the F1 figures of the model card — do not
 * depend on files a clone may lack, while the levels see all the real ground there is.
 */
type Group = Record<string, { samples: CalibSample[]; truth: number }>;
const emptyGroup = (): Group => Object.fromEntries(CLASS_NAMES.map((c) => [c, { samples: [], truth: 0 }]));
const real = { shared: emptyGroup(), extra: emptyGroup() };
const km2 = { shared: 0, extra: 0 };
const sources = levelSources();
if (sources.length && (realWeight > 0 || levelWeight > 0)) {
  const run = await runRealParts({ det, dataDir, part: 'calib', sources, replicates: REAL_LAYOUTS, nativePlanting: values['native-planting'], log: (m) => console.error(m) });
  const groupOf = (id: string) => (sources.find((s) => s.id === id)!.extra ? 'extra' : 'shared');
  const keep = (d: { score: number }) => d.score >= FLOOR;
  for (const c of run.clean) {
    km2[groupOf(c.id)] += c.effectiveKm2 * (REAL_LAYOUTS + 1);
    for (const d of c.dets.filter(keep)) real[groupOf(c.id)][d.cls].samples.push({ score: d.score, hit: false });
  }
  for (const s of run.planted) {
    const g = real[groupOf(s.id)];
    const dets = s.dets.filter(keep);
    const r = evaluate(s.truth.map((t) => ({ cls: t.cls, x: t.x, y: t.y, diameter: t.diameter })), dets.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
    for (const c of CLASS_NAMES) g[c].truth += r.classes[c].truth;
    dets.forEach((d, i) => g[d.cls].samples.push({ score: d.score, hit: r.matchOf[i] >= 0 }));
  }
  const ids = (g: string) => run.clean.filter((c) => groupOf(c.id) === g).map((c) => c.id).join(', ');
  realNote = `real calibration parts (${ids('shared')}; ${(km2.shared / (REAL_LAYOUTS + 1)).toFixed(3)} km² usable, clean + ${REAL_LAYOUTS} planted layouts${values['native-planting'] ? ' recorded at each source\'s own resolution' : ''}) weighted ${realWeight} of the evidence (w = ${weightOf(realWeight, km2.shared).toFixed(2)} per detection)` +
    (km2.extra > 0
      ? `; reliability levels also from real terrain outside ../shared (${ids('extra')}: ${(km2.extra / (REAL_LAYOUTS + 1)).toFixed(3)} km² usable, EXTRA_SOURCES of pipelines/bench/real-terrain-data.ts), all real ground weighted ${levelWeight} (w = ${weightOf(levelWeight, km2.shared + km2.extra).toFixed(2)})`
      : levelWeight !== realWeight ? `; levels with real ground weighted ${levelWeight}` : '');
}
/** weight of one real detection so that `km` km² of real ground is `share` of the evidence, area for area */
function weightOf(share: number, km: number): number {
  return km > 0 ? (share / (1 - share)) * (synthKm2 / km) : 0;
}
/** synthetic samples plus the real ones of `groups` at weight `share` */
const pooled = (c: string, share: number, groups: ('shared' | 'extra')[]) => {
  const w = weightOf(share, groups.reduce((a, g) => a + km2[g], 0));
  const reals = groups.flatMap((g) => real[g][c].samples);
  return {
    samples: [...model[c].samples, ...(w > 0 ? reals.map((x) => ({ ...x, w })) : [])],
    truth: model[c].truth + w * groups.reduce((a, g) => a + real[g][c].truth, 0),
  };
};
console.error(realNote);
const file: CalibrationFile & { baseline: Record<string, number>; calib_f1: Record<string, number>; calib_f1_synthetic: Record<string, number> } = {
  version: 1,
  model_hash: det.hash,
  split: CALIBRATION_SPLITS.map((s) => `${s.name} seed ${s.seed} ${s.tiles}x${s.tiles} km ${s.style}`).join(' + ') + '; ' + realNote,
  floor: FLOOR,
  // the scale test the scores were fitted after (detections must be made with the same one)
  scale_test: det.scaleTest ?? 'off',
  bands: DEFAULT_BANDS,
  classes: {},
  baseline: {},
  calib_f1: {},
  calib_f1_synthetic: {},
};
for (const c of CLASS_NAMES) {
  const forThreshold = pooled(c, realWeight, ['shared']);
  const forLevels = pooled(c, levelWeight, ['shared', 'extra']);
  const t = f1Threshold(forThreshold.samples, forThreshold.truth);
  file.classes[c] = { table: isotonic(forLevels.samples, 10).map(([s, p]) => [+s.toFixed(4), +p.toFixed(4)]), threshold: +t.threshold.toFixed(4) };
  file.calib_f1[c] = +t.f1.toFixed(3);
  file.calib_f1_synthetic[c] = +f1At(c, t.threshold).toFixed(3);
  file.baseline[c] = base ? +f1Threshold(base[c].samples, base[c].truth).threshold.toFixed(4) : baseFrom![c];
}
await det.close();
const outPath = values.out ?? DEFAULT_CALIBRATION;
await writeFile(outPath, JSON.stringify(file, null, 1) + '\n');
console.log(`wrote ${outPath}: F1 at the operating thresholds, pooled (real weighted) ${JSON.stringify(file.calib_f1)}, synthetic splits alone ${JSON.stringify(file.calib_f1_synthetic)}`);
