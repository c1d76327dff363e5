/**
 * Where the false candidates of the synthetic calibration splits lie: each candidate kept at its
 * class's operating threshold that matches no planted feature, sorted by what is near it — a
 * planted feature of another class (one object called by two classes: something post-processing
 * between classes could remove), one of the same class but outside the matching tolerance, or
 * nothing within 30 m (a natural look-alike: only the model can learn it). Prints JSON.
 *
 *   npx tsx pipelines/bench/false-candidates.ts [--data tmp/detector-data] [--model M --calibration C]
 */
import { parseArgs } from 'node:util';
import { evaluate } from '../../engine/detect/evaluate.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { CALIBRATION_SPLITS, CLASS_NAMES, runDetector, splitTiles, truthOf } from './detect.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' }, calibration: { type: 'string' } } });
const det = await loadDetector({ modelPath: values.model, calibrationPath: values.calibration });
const out: Record<string, Record<string, number>> = Object.fromEntries(CLASS_NAMES.map((c) => [c, {}]));
let area = 0;
try {
  for (const s of CALIBRATION_SPLITS) {
    const { tiles, truth: file } = await splitTiles(values.data ?? 'tmp/detector-data', s);
    area += tiles.length;
    const truth = await truthOf(file);
    const dets = (await runDetector(det, tiles)).filter((d) => d.score >= det.calibration.threshold(d.cls));
    const r = evaluate(truth, dets.map((d) => ({ cls: d.cls, x: d.x, y: d.y, score: d.score })), { classes: CLASS_NAMES });
    dets.forEach((d, i) => {
      if (r.matchOf[i] >= 0) return;
      let best = Infinity;
      let cls = '';
      for (const t of truth) {
        const dist = Math.hypot(t.x - d.x, t.y - d.y);
        if (dist < best) [best, cls] = [dist, t.cls];
      }
      const where = best > 30 ? 'nothing within 30 m' : cls === d.cls ? 'same class within 30 m' : `a planted ${cls} within 30 m`;
      out[d.cls][where] = (out[d.cls][where] ?? 0) + 1;
    });
  }
} finally {
  await det.close();
}
console.log(JSON.stringify({ model_hash: det.hash, splits: CALIBRATION_SPLITS.map((s) => s.name), tiles_km2: area, false_at_operating_threshold: out }, null, 1));
