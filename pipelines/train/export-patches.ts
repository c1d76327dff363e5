/**
 * Generates the detector's training, calibration and bench terrain with the sample generator
 * and exports each mosaic as raw float32 at 1 m (the network's working resolution: 2×2 means of
 * the 0.5 m tiles, nodata filled exactly as at inference) for pipelines/train/train.py.
 *
 *   npx tsx pipelines/train/export-patches.ts [--out tmp/detector-data] [--only train|calib|bench]
 *
 * Splits never share a seed, and the `hummocks` style (natural hummocks and boulders, the
 * hardest confusers) appears only in calibration and bench mosaics ('mixed' style).
 * Per mosaic: tiles/*.tif + truth.geojson, z.f32 (rows north→south), valid.u8, meta.json; training
 * mosaics also get confusers.json (natural hummocks, boulders, tree throws: where the trainer
 * centres hard-negative patches). Held-out splits never get one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openRaster } from '../../engine/geo/raster.ts';
import { generateLidar, type TerrainStyle } from '../samples/lidar/generate.ts';
import { CELL, cellObjects } from '../samples/lidar/objects.ts';
import { lidarMosaicCurrent } from '../samples/lidar/writer.ts';
import { downsample2, fillNodata } from '../../engine/detect/model.ts';

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

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const out = values.out ?? 'tmp/detector-data';
  await mkdir(out, { recursive: true });
  for (const m of MOSAICS) if (!values.only || values.only === m.split) await exportMosaic(m, out);
}
