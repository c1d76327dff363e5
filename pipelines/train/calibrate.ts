/**
 * Fits models/calibration.json on the calibration splits ('mixed' mosaics of 4 × 4 km, seed 201,
 * and 5 × 5 km, seeds 202 and 203: 66 km², disjoint from training and bench): per class, an isotonic map score → precision and the
 * F1-optimal operating threshold; the baseline's thresholds are fitted the same way so the
 * bench compares like with like.
 *
 *   npx tsx pipelines/train/calibrate.ts [--data tmp/detector-data] [--model models/detector.onnx]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { baselineDetector } from '../../engine/detect/baseline.ts';
import { DEFAULT_BANDS, f1Threshold, isotonic, type CalibrationFile } from '../../engine/detect/calibrate.ts';
import { evaluate } from '../../engine/detect/evaluate.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { DEFAULT_CALIBRATION } from '../../engine/detect/model.ts';
import { CALIBRATION_SPLITS, CLASS_NAMES, runDetector, splitTiles, truthOf } from '../bench/detect.ts';

const FLOOR = 0.2;

const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } } });
const dataDir = values.data ?? 'tmp/detector-data';
const splits = await Promise.all(CALIBRATION_SPLITS.map(async (s) => {
  const { tiles, truth } = await splitTiles(dataDir, s);
  return { tiles, truth: await truthOf(truth) };
}));
/** Scored samples (is each detection a true one?) and truth counts per class, pooled over the splits. */
const fit = async (det: Awaited<ReturnType<typeof loadDetector>>) => {
  const out: Record<string, { samples: { score: number; hit: boolean }[]; truth: number }> = {};
  for (const c of CLASS_NAMES) out[c] = { samples: [], truth: 0 };
  for (const { tiles, truth } of splits) {
    const dets = (await runDetector(det, tiles)).filter((d) => d.score >= FLOOR || det.hash === 'baseline-v1');
    const r = evaluate(truth, dets.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
    for (const c of CLASS_NAMES) out[c].truth += r.classes[c].truth;
    dets.forEach((d, i) => out[d.cls].samples.push({ score: d.score, hit: r.matchOf[i] >= 0 }));
  }
  return out;
};
const det = await loadDetector({ modelPath: values.model, calibrationPath: '/nonexistent' });
const model = await fit(det);
const base = await fit(baselineDetector());
const file: CalibrationFile & { baseline: Record<string, number>; calib_f1: Record<string, number> } = {
  version: 1,
  model_hash: det.hash,
  split: CALIBRATION_SPLITS.map((s) => `${s.name} seed ${s.seed} ${s.tiles}x${s.tiles} km ${s.style}`).join(' + '),
  floor: FLOOR,
  bands: DEFAULT_BANDS,
  classes: {},
  baseline: {},
  calib_f1: {},
};
for (const c of CLASS_NAMES) {
  const t = f1Threshold(model[c].samples, model[c].truth);
  file.classes[c] = { table: isotonic(model[c].samples, 10).map(([s, p]) => [+s.toFixed(4), +p.toFixed(4)]), threshold: +t.threshold.toFixed(4) };
  file.calib_f1[c] = +t.f1.toFixed(3);
  file.baseline[c] = +f1Threshold(base[c].samples, base[c].truth).threshold.toFixed(4);
}
await det.close();
const outPath = values.out ?? DEFAULT_CALIBRATION;
await writeFile(outPath, JSON.stringify(file, null, 1) + '\n');
console.log(`wrote ${outPath}: ${JSON.stringify(file.calib_f1)} (F1 at the operating thresholds, pooled over the calibration splits)`);
