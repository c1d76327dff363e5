/**
 * From verdicts back to training, end to end, on the sample region: the shipped detector runs on
 * the sample LiDAR region (seed 42, Lambert-93 origin 330 000 / 6 712 000, `mixed` style; by
 * default 6 × 6 km from the demo's origin: the same seed and origin as `vigie run`'s 2 × 2 km), a simulated
 * reviewer gives verdicts from the generator's truth through the real review code path
 * (engine/review/detections.ts: versions, audit rows), `vigie export training`'s module writes
 * them as examples, train.py fine-tunes the shipped weights on them plus the synthetic and real
 * training mosaics, calibrate.ts refits the levels, and both benches run before and after.
 *
 *   npx tsx pipelines/train/verdict-loop.ts [--km 6] [--budget-s 900] [--runs 2] [--verdict-share 0.3]
 *       [--real-share 0.6] [--lr 8e-4] [--seed 71] [--name verdicts] [--shipped-share 0] [--reuse-runs] [--work tmp/verdict-loop] [--data tmp/detector-data] [--out tmp/verdict-loop/result.json]
 *
 * --reuse-runs keeps the fine-tuned runs of an earlier call (ft/R*.pt) and redoes the rest;
 * --shipped-share S puts the shipped weights into the final average with share S.
 *
 * Seed 42 and this origin are used by no training (seeds 101–109, real layouts 1000+),
 * calibration (201–203) or bench (301, 302, real 3000+) mosaic: the benches stay held out.
 *
 * Simulated reviewer (seeded): a detection within max(5 m, 0.25 × diameter) of a true feature
 * (any class) → « oui » with the true class (corrected_class when the detector's class is
 * wrong); otherwise « non »; 5 % of detections, drawn at random, get « peut-être » instead.
 * Every stored detection is reviewed (all levels: the doubtful ones hold the hard negatives and
 * the low-scored true features).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createUser } from '../../engine/auth/users.ts';
import { detectTiles } from '../../engine/detect/detections.ts';
import { readPoints } from '../../engine/detect/evaluate.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { DEFAULT_CALIBRATION, DEFAULT_MODEL } from '../../engine/detect/model.ts';
import { reviewDetection } from '../../engine/review/detections.ts';
import { exportTrainingExamples } from '../../engine/review/training-export.ts';
import { Store } from '../../engine/store/store.ts';
import { runDetectBench, CLASS_NAMES } from '../bench/detect.ts';
import { runRealParts, summariseRealRun } from '../bench/real-terrain.ts';
import { SAMPLE_SEED } from '../paths.ts';
import { Rng } from '../samples/rng.ts';
import { generateLidar, lidarSampleDefaults } from '../samples/lidar/generate.ts';
import { lidarMosaicCurrent } from '../samples/lidar/writer.ts';

const PY = '/usr/bin/python3';
const { values } = parseArgs({
  options: {
    km: { type: 'string' }, 'budget-s': { type: 'string' }, runs: { type: 'string' }, 'verdict-share': { type: 'string' },
    work: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, lr: { type: 'string' }, 'reuse-runs': { type: 'boolean' },
    'shipped-share': { type: 'string' }, 'real-share': { type: 'string' }, seed: { type: 'string' }, name: { type: 'string' },
  },
});
const side = Number(values.km ?? 6);
const budget = Number(values['budget-s'] ?? 900);
const runs = Number(values.runs ?? 2);
const share = Number(values['verdict-share'] ?? 0.3);
const lr = values.lr ?? '8e-4';
const realShare = values['real-share'] ?? '0.6';
const seed0 = Number(values.seed ?? 71);
/** names this round's files: ft-NAME/, detector-NAME.onnx, calibration-NAME.json, bench-after-NAME.json */
const name = values.name ?? 'verdicts';
if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) throw new Error(`--name ${name}: expected letters, digits, - or _`);
// share of the shipped weights in the final weight average (a "soup" with the starting point keeps
// more of what the shipped model knew of real ground); 0 = the mean of the fine-tuned runs alone
const shippedShare = Number(values['shipped-share'] ?? 0);
if (!(shippedShare >= 0 && shippedShare <= 0.75)) throw new Error(`--shipped-share ${values['shipped-share']}: expected 0..0.75`);
const work = values.work ?? 'tmp/verdict-loop';
const dataDir = values.data ?? 'tmp/detector-data';
const outPath = values.out ?? join(work, 'result.json');
if (!(Number.isInteger(side) && side >= 2 && side <= 20)) throw new Error(`--km ${values.km}: expected a side of 2..20 km`);
if (!(budget >= 30 && budget <= 1500)) throw new Error(`--budget-s ${values['budget-s']}: expected 30..1500 s (≤ 25 min per run)`);
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 2)) throw new Error(`--runs ${values.runs}: expected 1 or 2`);
const log = (m: string) => console.error(`[verdict-loop ${new Date().toISOString().slice(11, 19)}] ${m}`);
await mkdir(work, { recursive: true });

// 1. the sample region, larger, and the shipped detector on it
const region = { seed: SAMPLE_SEED, originX: lidarSampleDefaults.originX, originY: lidarSampleDefaults.originY, tiles: side, style: 'mixed' as const };
const tilesDir = join(work, `region-seed${region.seed}-${side}km`);
if (!lidarMosaicCurrent(tilesDir)) {
  log(`generating the sample region, seed ${region.seed}, ${side} × ${side} km`);
  await generateLidar({ seed: region.seed, originX: region.originX, originY: region.originY, tilesX: side, tilesY: side, style: region.style, outDir: tilesDir, format: 'tif' });
}
const dbPath = join(work, 'verdicts.duckdb');
await rm(dbPath, { force: true });
await rm(`${dbPath}.wal`, { force: true });
const store = await Store.open(dbPath);
let summary: Record<string, unknown>;
let shippedHash: string;
try {
  const det = await loadDetector({});
  shippedHash = det.hash;
  let res;
  try {
    res = await detectTiles(store, [tilesDir], { detector: det });
  } finally {
    await det.close();
  }
  log(`detections stored: ${res.detections.length} (model ${res.modelHash})`);

  // 2. simulated verdicts, through the review code path
  const truth = (await readPoints(join(tilesDir, 'truth.geojson'))).map((t) => ({ cls: t.cls, x: t.x, y: t.y, diameter: t.diameter ?? 10 }));
  await createUser(store, 'verdict-loop', { username: 'relecteur-simule', password: 'simulated-reviewer-not-a-login', roles: ['relecteur_detections'] });
  const rng = new Rng(4242);
  const counts: Record<string, number> = { oui: 0, non: 0, peut_etre: 0, corrected: 0 };
  const t0 = Date.parse('2025-06-01T08:00:00Z');
  for (const [i, d] of res.detections.entries()) {
    let best: (typeof truth)[number] | null = null;
    let bestD = Infinity;
    for (const t of truth) {
      const dist = Math.hypot(t.x - d.x, t.y - d.y);
      if (dist <= Math.max(5, 0.25 * t.diameter) && dist < bestD) { best = t; bestD = dist; }
    }
    const maybe = rng.next() < 0.05;
    const decision = maybe ? 'peut_etre' : best ? 'oui' : 'non';
    const corrected = best && best.cls !== d.cls ? (best.cls as (typeof CLASS_NAMES)[number]) : null;
    await reviewDetection(store, 'relecteur-simule', d.id, { decision, corrected_class: corrected as never, version: 0 }, t0 + i * 1000);
    counts[decision]++;
    if (corrected && decision === 'oui') counts.corrected++;
  }
  log(`verdicts: ${JSON.stringify(counts)}`);

  // 3. export, with the module behind `vigie export training`
  const exportDir = join(work, 'training-examples');
  await rm(exportDir, { recursive: true, force: true });
  const ex = await exportTrainingExamples(store, { out: exportDir, dbName: dbPath });
  log(`exported ${ex.examples} examples ${JSON.stringify(ex.labels)} ${JSON.stringify(ex.classes)}, skipped ${ex.skipped.length}`);
  summary = {
    region: `sample region seed ${region.seed}, ${side} × ${side} km from Lambert-93 ${region.originX} / ${region.originY}, style ${region.style}`,
    truth_features: truth.length,
    detections: res.detections.length,
    verdicts: counts,
    examples: { total: ex.examples, ...ex.labels, positives_by_class: ex.classes, skipped: ex.skipped.length },
  };
} finally {
  store.close();
}

// 4. fine-tune from the shipped weights (BatchNorm fused in the ONNX: --freeze-bn), recalibrate
const ftDir = join(work, name === 'verdicts' ? 'ft' : `ft-${name}`);
await mkdir(ftDir, { recursive: true });
const newModel = join(work, `detector-${name}.onnx`);
const newCalib = join(work, `calibration-${name}.json`);
const py = (args: string[], logFile: string) => new Promise<void>((resolve, reject) => {
  const p = spawn('nice', ['-n', '10', PY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer) => { tail = (tail + b.toString()).slice(-4000); };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
  p.on('close', async (code) => {
    await writeFile(logFile, tail);
    if (code === 0) resolve(); else reject(new Error(`${args[0]} exited ${code}: ${tail.slice(-800)}`));
  });
});
const tTrain = performance.now();
const runFiles = Array.from({ length: runs }, (_, k) => join(ftDir, `R${k}.pt`));
const shippedCopies = Math.round((shippedShare * runs) / (1 - shippedShare));
execFileSync(PY, ['pipelines/train/onnx2pt.py', DEFAULT_MODEL, join(ftDir, 'shipped.pt')], { stdio: 'ignore' });
if (values['reuse-runs'] && runFiles.every((f) => existsSync(f))) log(`reusing the fine-tuned runs ${runFiles.join(', ')}`);
else {
  const common = ['pipelines/train/train.py', '--data', dataDir, '--init', join(ftDir, 'shipped.pt'), '--freeze-bn', '--threads', '1',
    '--feat-share', '0.6', '--neg-share', '0.25', '--big-ploughed', '2.5', '--real-share', realShare, '--lr', lr, '--budget-s', String(budget),
    '--verdicts', join(work, 'training-examples'), '--verdict-share', String(share)];
  log(`fine-tuning: ${runs} run(s) of ${budget} s, verdict share ${share}, real share ${realShare}, lr ${lr} (load ${loadavg()[0].toFixed(2)})`);
  await Promise.all(runFiles.map((f, k) => py([...common, '--seed', String(seed0 + k), '--ckpt', f, '--out', join(ftDir, `R${k}.onnx`)], join(ftDir, `R${k}.log`))));
  log(`trained in ${((performance.now() - tTrain) / 1000).toFixed(0)} s`);
}
execFileSync(PY, ['pipelines/train/average.py', newModel, ...Array(shippedCopies).fill(join(ftDir, 'shipped.pt')), ...runFiles, '--flip'], { stdio: 'ignore' });
log(`weights: mean of ${runs} run(s)${shippedCopies ? ` and ${shippedCopies} × the shipped weights` : ''}; recalibrating`);
execFileSync('npx', ['tsx', 'pipelines/train/calibrate.ts', '--data', dataDir, '--model', newModel, '--out', newCalib, '--real-weight', '0.5', '--baseline-from', DEFAULT_CALIBRATION], { stdio: ['ignore', 'inherit', 'inherit'] });
const iterations = await Promise.all(Array.from({ length: runs }, async (_, k) => {
  const m = /trained (\d+) iterations/.exec(await readFile(join(ftDir, `R${k}.log`), 'utf8').catch(() => ''));
  return m ? Number(m[1]) : null;
}));

// selection figures (never the bench): the real calibration parts, as model choices were made for v6
const calibParts = async (modelPath?: string, calibrationPath?: string) => {
  const det = await loadDetector({ modelPath, calibrationPath });
  try {
    const r = summariseRealRun(await runRealParts({ det, dataDir, part: 'calib' }), (c) => det.calibration.threshold(c)) as Record<string, any>;
    return {
      false_possible_or_better_per_km2: r.without_features.possible_or_better_per_km2,
      false_very_probable_per_km2: r.without_features.very_probable_per_km2,
      recall_possible_or_better: Object.fromEntries(CLASS_NAMES.map((c) => [c, r.with_planted_features.by_level.possible_or_better[c].recall])),
    };
  } finally {
    await det.close();
  }
};
const calibNew = JSON.parse(await readFile(newCalib, 'utf8'));
const selection = {
  note: 'real calibration parts (pipelines/bench/real-terrain.ts --part calib) and calibration-split F1 (calibrate.ts): what a choice may look at',
  before: { ...(await calibParts()), calib_f1_synthetic: JSON.parse(await readFile(DEFAULT_CALIBRATION, 'utf8')).calib_f1_synthetic },
  after: { ...(await calibParts(newModel, newCalib)), calib_f1_synthetic: calibNew.calib_f1_synthetic },
};
log(`selection figures: ${JSON.stringify(selection)}`);

// 5. both benches, before and after (the shipped model's bench is kept per model hash)
const figures = (b: Record<string, any>) => ({
  model_hash: b.model_hash,
  synthetic_f1: Object.fromEntries(CLASS_NAMES.map((c) => [c, b.model[c].f1])),
  real_false_possible_or_better_per_km2: b.real_terrain.without_features?.possible_or_better_per_km2 ?? null,
  real_false_very_probable_per_km2: b.real_terrain.without_features?.very_probable_per_km2 ?? null,
  real_recall_possible_or_better: Object.fromEntries(CLASS_NAMES.map((c) => [c, b.real_terrain.with_planted_features?.by_level.possible_or_better[c].recall ?? null])),
  km2_per_min: b.throughput.km2_per_min,
  load_avg_1min_before: b.throughput.load_avg_1min_before,
});
const beforePath = join(work, `bench-${shippedHash}.json`);
let before: Record<string, any>;
if (existsSync(beforePath)) before = JSON.parse(await readFile(beforePath, 'utf8'));
else {
  log('bench, shipped model');
  before = await runDetectBench({ dataDir, log });
  await writeFile(beforePath, JSON.stringify(before, null, 1));
}
log('bench, fine-tuned model');
const after = await runDetectBench({ dataDir, modelPath: newModel, calibrationPath: newCalib, log });
await writeFile(join(work, `bench-after-${name}.json`), JSON.stringify(after, null, 1));
const b = figures(before), a = figures(after);

// 6. ship only if no worse on every figure of both benches and better on some, and above the floors
const cmp: { figure: string; before: number; after: number; better: 'higher' | 'lower' }[] = [
  ...CLASS_NAMES.map((c) => ({ figure: `synthetic F1 ${c}`, before: b.synthetic_f1[c], after: a.synthetic_f1[c], better: 'higher' as const })),
  { figure: 'real false possible+ /km²', before: b.real_false_possible_or_better_per_km2, after: a.real_false_possible_or_better_per_km2, better: 'lower' },
  { figure: 'real false very probable /km²', before: b.real_false_very_probable_per_km2, after: a.real_false_very_probable_per_km2, better: 'lower' },
  ...CLASS_NAMES.map((c) => ({ figure: `real recall possible+ ${c}`, before: b.real_recall_possible_or_better[c], after: a.real_recall_possible_or_better[c], better: 'higher' as const })),
];
const worse = cmp.filter((x) => (x.better === 'higher' ? x.after < x.before : x.after > x.before)).map((x) => x.figure);
const improved = cmp.filter((x) => (x.better === 'higher' ? x.after > x.before : x.after < x.before)).map((x) => x.figure);
const floors = [
  a.real_false_possible_or_better_per_km2 <= 5 ? null : 'real false possible+ > 5 /km²',
  a.real_false_very_probable_per_km2 <= 1 ? null : 'real false very probable > 1 /km²',
  ...CLASS_NAMES.map((c) => (a.real_recall_possible_or_better[c] >= 0.8 ? null : `real recall ${c} < 0.8`)),
  a.synthetic_f1.mound >= 0.85 ? null : 'synthetic mound F1 < 0.85',
  ...CLASS_NAMES.slice(1).map((c) => (a.synthetic_f1[c] >= 0.75 ? null : `synthetic ${c} F1 < 0.75`)),
].filter(Boolean);
const result = {
  ...summary,
  training: { runs, budget_s_each: budget, iterations, shipped_share_in_average: shippedCopies / (shippedCopies + runs), verdict_share: share, real_share: Number(realShare), lr, seeds: Array.from({ length: runs }, (_, k) => seed0 + k), init: `shipped ${shippedHash} (onnx2pt.py, --freeze-bn)`, other_data: `${dataDir}: synthetic train-* mosaics + real train-real-* (real share ${realShare} of the other patches)`, model: newModel, calibration: newCalib },
  selection,
  before: b,
  after: a,
  worse_on: worse,
  better_on: improved,
  floors_missed_after: floors,
  ship: worse.length === 0 && improved.length > 0,
  note: 'ship = no worse on every figure of both benches and better on at least one (throughput compared apart: it depends on the machine load)',
};
await writeFile(outPath, JSON.stringify(result, null, 1) + '\n');
console.log(JSON.stringify(result, null, 1));
