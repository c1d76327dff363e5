/**
 * Generates the detector's training, calibration and bench terrain with the sample generator
 * and exports each mosaic as raw float32 at 1 m (the network's working resolution: 2×2 means of
 * the 0.5 m tiles, nodata filled exactly as at inference) for pipelines/train/train.py.
 *
 *   npx tsx pipelines/train/export-patches.ts [--out tmp/detector-data] [--only train|calib|bench|real]
 *
 * Real ground (`--only real`, needs ../shared/realdata/lidar): the training part of each real DTM
 * (pipelines/bench/real-terrain-data.ts; never its calibration or bench part) in
 * REAL_LAYOUTS layouts with generator features planted (seeds 1000 + 100·layout + source index),
 * as mosaics `train-real-<source>-<layout>`; their confusers.json holds the real look-alikes —
 * every candidate of the shipped model (score ≥ 0.1) and of the classical baseline on the
 * training part without features (knobs, kettles, drumlins, TIN facets, field edges …), less
 * those within reach of a planted feature.
 *
 * Re-mining (`--only real --remine --model M [--mine-score 0.05]`): runs M over the same training
 * parts without features and appends its candidates (score ≥ mine-score) to the existing real
 * mosaics' confusers.json, marked `"remined": true` with their score (those of an earlier
 * re-mining are replaced; the original look-alikes are kept); train.py `--remined-weight` draws
 * them more often. The mosaics themselves are not rewritten.
 *
 * Splits never share a seed, and the `hummocks` style (natural hummocks and boulders, the
 * hardest confusers) appears only in calibration and bench mosaics ('mixed' style).
 * Per mosaic: tiles/*.tif + truth.geojson, z.f32 (rows north→south), valid.u8, meta.json; training
 * mosaics also get confusers.json (natural hummocks, boulders, tree throws: where the trainer
 * centres hard-negative patches). Held-out splits never get one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openRaster } from '../../engine/geo/raster.ts';
import { generateLidar, type TerrainStyle } from '../samples/lidar/generate.ts';
import { CELL, cellObjects } from '../samples/lidar/objects.ts';
import { lidarMosaicCurrent } from '../samples/lidar/writer.ts';
import { downsample2, fillNodata } from '../../engine/detect/model.ts';
import { baselineDetector } from '../../engine/detect/baseline.ts';
import { loadDetector } from '../../engine/detect/infer.ts';
import { ensureLazSource, loadPart, plantFeatures, registerRealCrs, seedIndex, trainingSources, trainOnlySources, WORK_RES, type Part } from '../bench/real-terrain-data.ts';
import { detectPart, writePart } from '../bench/real-terrain.ts';

export interface MosaicSpec {
  split: 'train' | 'calib' | 'bench';
  name: string;
  seed: number;
  style: TerrainStyle | 'mixed';
  originX: number;
  originY: number;
  tiles: number;
}

const TRAIN_STYLES: TerrainStyle[] = ['plains', 'hills', 'valleys', 'forest', 'fields', 'roads', 'ditches', 'quarries', 'artefacts'];

/** The fixed list of mosaics: seeds 100–199 train, 200–299 calibration, 300–399 bench. */
export const MOSAICS: MosaicSpec[] = [
  ...TRAIN_STYLES.map((style, i) => ({ split: 'train' as const, name: `train-${style}`, seed: 101 + i, style, originX: 600000 + i * 10000, originY: 6600000, tiles: 3 })),
  { split: 'calib', name: 'calib-mixed', seed: 201, style: 'mixed', originX: 800000, originY: 6600000, tiles: 4 },
  { split: 'bench', name: 'bench-mixed', seed: 301, style: 'mixed', originX: 900000, originY: 6600000, tiles: 5 },
];

export async function exportMosaic(m: MosaicSpec, outRoot: string): Promise<void> {
  const dir = join(outRoot, m.name);
  const tilesDir = join(dir, 'tiles');
  if (!lidarMosaicCurrent(tilesDir)) {
    // absent, or written by an older generator: start this mosaic afresh
    await rm(dir, { recursive: true, force: true });
    const t0 = performance.now();
    await generateLidar({ seed: m.seed, originX: m.originX, originY: m.originY, tilesX: m.tiles, tilesY: m.tiles, style: m.style, outDir: tilesDir, format: 'tif' });
    console.error(`${m.name}: generated ${m.tiles}×${m.tiles} tiles in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (m.split === 'train' && !existsSync(join(dir, 'confusers.json'))) await writeConfusers(m, dir);
  if (existsSync(join(dir, 'meta.json'))) return;
  const side = m.tiles * 1000; // 1 m pixels
  const z = new Float32Array(side * side);
  const valid = new Uint8Array(side * side);
  const files = (await readdir(tilesDir)).filter((f) => f.endsWith('.tif'));
  const top = m.originY + m.tiles * 1000;
  for (const f of files) {
    const r = await openRaster(join(tilesDir, f));
    const data = await r.readAll();
    const vm = fillNodata(data, r.grid.width, r.grid.height, r.nodata); // per tile, as inference does
    const d = downsample2(data, r.grid.width, r.grid.height);
    const c0 = Math.round(r.grid.originX - m.originX);
    const r0 = Math.round(top - r.grid.originY);
    for (let row = 0; row < d.height; row++) {
      z.set(d.data.subarray(row * d.width, (row + 1) * d.width), (r0 + row) * side + c0);
      for (let col = 0; col < d.width; col++) {
        const i = 2 * row * r.grid.width + 2 * col;
        valid[(r0 + row) * side + c0 + col] = vm[i] & vm[i + 1] & vm[i + r.grid.width] & vm[i + r.grid.width + 1];
      }
    }
  }
  const truth = JSON.parse(await (await import('node:fs/promises')).readFile(join(tilesDir, 'truth.geojson'), 'utf8'));
  const features = truth.features.map((f: { properties: Record<string, unknown>; geometry: { coordinates: number[] } }) => ({
    class: f.properties.class,
    diameter_m: f.properties.diameter_m,
    variant: f.properties.variant,
    x: f.geometry.coordinates[0],
    y: f.geometry.coordinates[1],
    col: f.geometry.coordinates[0] - m.originX,
    row: top - f.geometry.coordinates[1],
  }));
  await writeFile(join(dir, 'z.f32'), Buffer.from(z.buffer));
  await writeFile(join(dir, 'valid.u8'), valid);
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ ...m, width: side, height: side, pixel: 1, left: m.originX, top, features }, null, 1));
  const counts: Record<string, number> = {};
  for (const f of features) counts[f.class] = (counts[f.class] ?? 0) + 1;
  console.error(`${m.name}: ${features.length} features ${JSON.stringify(counts)}`);
}

/** Mound look-alikes of a training mosaic, in the same 1 m col/row frame as meta.json's features. */
async function writeConfusers(m: MosaicSpec, dir: string): Promise<void> {
  const top = m.originY + m.tiles * 1000;
  const out: { kind: string; col: number; row: number; r: number }[] = [];
  for (let cy = Math.floor(m.originY / CELL); cy < Math.ceil(top / CELL); cy++) {
    for (let cx = Math.floor(m.originX / CELL); cx < Math.ceil((m.originX + m.tiles * 1000) / CELL); cx++) {
      for (const o of cellObjects(m.seed, m.style as TerrainStyle, cx, cy).confusers) {
        if (o.kind !== 'hummock' && o.kind !== 'boulder' && o.kind !== 'treethrow') continue;
        out.push({ kind: o.kind, col: +(o.x - m.originX).toFixed(2), row: +(top - o.y).toFixed(2), r: +o.r.toFixed(2) });
      }
    }
  }
  await writeFile(join(dir, 'confusers.json'), JSON.stringify(out));
  console.error(`${m.name}: ${out.length} confusers`);
}

/** Planted layouts per real training part, and their density (features per km²). */
export const REAL_LAYOUTS = 12;
export const REAL_TRAIN_DENSITY = 60;
/**
 * Further layouts per real training part whose features are recorded at the source's own
 * resolution (plantFeatures' nativeResolution: a 1 m or 2 m survey never has a feature's 0.5 m
 * detail), seeds 5000 + 100·layout + source index, as mosaics `train-real-<source>-n<layout>`;
 * their look-alikes are layout 0's (re-mined ones included) off the new features. Sources
 * already at 0.5 m get none (the two plantings are the same there).
 */
export const REAL_NATIVE_LAYOUTS = 8;

/** Real training mosaics (see the header); `model` mines the hard negatives (default: the shipped model). */
export async function exportRealTraining(outRoot: string, model?: string, withLaz = false): Promise<void> {
  const sources = withLaz ? trainOnlySources() : trainingSources();
  for (const s of sources) await ensureLazSource(s);
  if (sources.length === 0) {
    console.error('real training data skipped: neither ../shared/realdata/lidar nor extra real terrain found');
    return;
  }
  registerRealCrs();
  const det = await loadDetector({ modelPath: model });
  const base = baselineDetector();
  try {
    for (const s of sources) {
      const si = seedIndex(s);
      if (existsSync(join(outRoot, `train-real-${s.id}-${REAL_LAYOUTS - 1}`, 'meta.json'))) continue;
      const p = await loadPart(s, 'train');
      const dir = join(outRoot, 'real-train');
      await mkdir(dir, { recursive: true });
      const file = await writePart(p, p.z, join(dir, `${s.id}-clean.tif`));
      const mined = [...await detectPart(det, file, p.grid.crs, 0.1), ...await detectPart(base, file, p.grid.crs)];
      for (let k = 0; k < REAL_LAYOUTS; k++) {
        const { z, truth } = plantFeatures(p, { seed: 1000 + 100 * k + si, density: REAL_TRAIN_DENSITY });
        const negs = mined.filter((d) => truth.every((t) => Math.hypot(t.x - d.x, t.y - d.y) > t.reach + 4));
        await writeRealMosaic(join(outRoot, `train-real-${s.id}-${k}`), p, z, truth, negs.map((d) => ({ kind: `look-alike-${d.cls}`, x: d.x, y: d.y, r: d.diameter / 2 })));
      }
      console.error(`train-real-${s.id}: ${p.grid.width / 2} × ${p.grid.height / 2} m, ${REAL_LAYOUTS} layouts, ${mined.length} mined look-alikes`);
    }
  } finally {
    await det.close();
  }
  for (const s of sources) await exportNativeLayouts(outRoot, s);
}

/** The source-resolution layouts of one real training part (see REAL_NATIVE_LAYOUTS). */
async function exportNativeLayouts(outRoot: string, s: Parameters<typeof loadPart>[0]): Promise<void> {
  if (existsSync(join(outRoot, `train-real-${s.id}-n${REAL_NATIVE_LAYOUTS - 1}`, 'meta.json'))) return;
  const p = await loadPart(s, 'train');
  if (Math.round(p.sourceRes / WORK_RES) <= 1) return;
  const si = seedIndex(s);
  const left = p.grid.originX;
  const top = p.grid.originY;
  const base = JSON.parse(await readFile(join(outRoot, `train-real-${s.id}-0`, 'confusers.json'), 'utf8')) as { kind: string; col: number; row: number; r: number; remined?: boolean; score?: number }[];
  for (let k = 0; k < REAL_NATIVE_LAYOUTS; k++) {
    const { z, truth } = plantFeatures(p, { seed: 5000 + 100 * k + si, density: REAL_TRAIN_DENSITY, nativeResolution: true });
    const dir = join(outRoot, `train-real-${s.id}-n${k}`);
    await writeRealMosaic(dir, p, z, truth, []);
    const negs = base.filter((c) => truth.every((t) => Math.hypot(t.x - (left + c.col), t.y - (top - c.row)) > t.reach + 4));
    await writeFile(join(dir, 'confusers.json'), JSON.stringify(negs));
  }
  console.error(`train-real-${s.id}: ${REAL_NATIVE_LAYOUTS} layouts at the source's ${p.sourceRes} m`);
}

/** Appends `model`'s own candidates on the clean training parts to the real mosaics' look-alikes (see the header). */
export async function remineRealTraining(outRoot: string, model: string | undefined, minScore: number, withLaz = false): Promise<void> {
  const sources = withLaz ? trainOnlySources() : trainingSources();
  for (const s of sources) await ensureLazSource(s);
  if (sources.length === 0) {
    console.error('real training data skipped: neither ../shared/realdata/lidar nor extra real terrain found');
    return;
  }
  registerRealCrs();
  const det = await loadDetector({ modelPath: model });
  try {
    for (const s of sources) {
      const si = seedIndex(s);
      const p = await loadPart(s, 'train');
      const dir = join(outRoot, 'real-train');
      await mkdir(dir, { recursive: true });
      const file = await writePart(p, p.z, join(dir, `${s.id}-clean.tif`));
      const mined = await detectPart(det, file, p.grid.crs, minScore);
      const left = p.grid.originX;
      const top = p.grid.originY;
      let kept = 0;
      // every layout: its planted truth (same seeds as when written), re-mined look-alikes off it
      const layouts = [
        ...Array.from({ length: REAL_LAYOUTS }, (_, k) => ({ name: `${k}`, seed: 1000 + 100 * k + si, nativeResolution: false, required: true })),
        // the source-resolution layouts, where they were written
        ...Array.from({ length: REAL_NATIVE_LAYOUTS }, (_, k) => ({ name: `n${k}`, seed: 5000 + 100 * k + si, nativeResolution: true, required: false })),
      ];
      for (const l of layouts) {
        const mdir = join(outRoot, `train-real-${s.id}-${l.name}`);
        if (!existsSync(join(mdir, 'meta.json'))) {
          if (l.required) throw new Error(`${mdir}: no real training mosaic; run --only real first`);
          continue;
        }
        const { truth } = plantFeatures(p, { seed: l.seed, density: REAL_TRAIN_DENSITY, nativeResolution: l.nativeResolution });
        const negs = mined.filter((d) => truth.every((t) => Math.hypot(t.x - d.x, t.y - d.y) > t.reach + 4));
        if (!l.nativeResolution) kept += negs.length;
        const old = (JSON.parse(await readFile(join(mdir, 'confusers.json'), 'utf8')) as { remined?: boolean }[]).filter((c) => !c.remined);
        const add = negs.map((d) => ({ kind: `look-alike-${d.cls}`, col: +(d.x - left).toFixed(2), row: +(top - d.y).toFixed(2), r: +(d.diameter / 2).toFixed(2), remined: true, score: +d.score.toFixed(3) }));
        await writeFile(join(mdir, 'confusers.json'), JSON.stringify([...old, ...add]));
      }
      const byCls = Object.entries(mined.reduce<Record<string, number>>((a, d) => ({ ...a, [d.cls]: (a[d.cls] ?? 0) + 1 }), {})).map(([c, n]) => `${c} ${n}`).join(', ');
      console.error(`train-real-${s.id}: ${mined.length} re-mined look-alikes (score ≥ ${minScore}: ${byCls || 'none'}; ≥ 0.2: ${mined.filter((d) => d.score >= 0.2).length}), ${(kept / REAL_LAYOUTS).toFixed(1)} per layout off planted features`);
    }
  } finally {
    await det.close();
  }
}

/** A real part as a 1 m training mosaic (same files as exportMosaic). */
async function writeRealMosaic(dir: string, p: Part, z05: Float32Array, truth: { cls: string; x: number; y: number; diameter: number; variant: string; prominence: number }[], negs: { kind: string; x: number; y: number; r: number }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const z = z05.slice();
  const vm = fillNodata(z, p.grid.width, p.grid.height, null);
  const d = downsample2(z, p.grid.width, p.grid.height);
  const valid = new Uint8Array(d.width * d.height);
  for (let row = 0; row < d.height; row++) {
    for (let col = 0; col < d.width; col++) {
      const i = 2 * row * p.grid.width + 2 * col;
      valid[row * d.width + col] = vm[i] & vm[i + 1] & vm[i + p.grid.width] & vm[i + p.grid.width + 1];
    }
  }
  const left = p.grid.originX;
  const top = p.grid.originY;
  const features = truth.map((t) => ({ class: t.cls, diameter_m: t.diameter, variant: t.variant, prominence: t.prominence, x: t.x, y: t.y, col: t.x - left, row: top - t.y }));
  await writeFile(join(dir, 'z.f32'), Buffer.from(d.data.buffer));
  await writeFile(join(dir, 'valid.u8'), valid);
  await writeFile(join(dir, 'confusers.json'), JSON.stringify(negs.map((n) => ({ kind: n.kind, col: +(n.x - left).toFixed(2), row: +(top - n.y).toFixed(2), r: +n.r.toFixed(2) }))));
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ split: 'train', name: dir.split('/').pop(), source: p.source.id, crs: p.grid.crs, width: d.width, height: d.height, pixel: 1, left, top, features }, null, 1));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' }, model: { type: 'string' }, remine: { type: 'boolean' }, 'mine-score': { type: 'string' }, 'with-laz': { type: 'boolean' } } });
  const out = values.out ?? 'tmp/detector-data';
  await mkdir(out, { recursive: true });
  if (values.remine) {
    await remineRealTraining(out, values.model, Number(values['mine-score'] ?? 0.05), values['with-laz']);
    process.exit(0);
  }
  for (const m of MOSAICS) if (!values.only || values.only === m.split) await exportMosaic(m, out);
  if (!values.only || values.only === 'real') await exportRealTraining(out, values.model, values['with-laz']);
}
