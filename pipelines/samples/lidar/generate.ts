/**
 * Synthetic IGN LiDAR HD terrain (MNT) with planted archaeological features and realistic
 * confusers, written as tiles in the real formats plus a truth GeoJSON. Everything is a function
 * of world coordinates and the seed, so tiles join without seams and the same seed gives
 * byte-identical files whichever tiles are asked for.
 *
 * Pipeline per tile: regional style amplitudes → continuous relief (noise.ts, styles.ts) →
 * LiDAR swath stripes → linear confusers (linear.ts) → objects (objects.ts, stamps.ts) →
 * centimetre quantisation (as IGN delivers) → coverage-edge nodata → GeoTIFF / ASCII grid.
 */
import { mkdir } from 'node:fs/promises';
import { InputError, show } from '../../../engine/errors.ts';
import { grid as makeGrid } from '../../../engine/geo/grid.ts';
import { Rng } from '../rng.ts';
import { hashInts, noiseAt, type TileGeom } from './noise.ts';
import { CELL, cellObjects, reach, truthOf, type Obj, type PlantedFeature } from './objects.ts';
import { LINE_REACH, MACRO, macroLines, stampLine, type Line } from './linear.ts';
import { overlapsTile, stampObject } from './stamps.ts';
import { fillContinuous, profileFields, TERRAIN_STYLES, type TerrainStyle } from './styles.ts';
import { LIDAR_NODATA, tileName, writeTile, writeTruth } from './writer.ts';

export type { TerrainStyle } from './styles.ts';
export type { PlantedFeature, FeatureClass } from './objects.ts';
export { TERRAIN_STYLES } from './styles.ts';

export interface GenerateLidarOptions {
  seed: number;
  /** lower-left corner of the mosaic, Lambert-93 metres */
  originX: number;
  originY: number;
  tilesX: number;
  tilesY: number;
  style?: TerrainStyle | 'mixed';
  /** metres, default 0.5 */
  pixel?: number;
  /** default 2000 */
  tilePixels?: number;
  outDir: string;
  format?: 'tif' | 'asc';
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface GenerateLidarResult {
  tiles: string[];
  truthPath: string;
  features: PlantedFeature[];
}

/** The sample mosaic generated on the app's first start: 2 × 2 km near Lambert-93 (330 km, 6712 km). */
export const lidarSampleDefaults = Object.freeze({
  seed: 42,
  originX: 330000,
  originY: 6712000,
  tilesX: 2,
  tilesY: 2,
  style: 'mixed' as const,
  format: 'tif' as const,
});

const OBJECT_REACH = 100; // metres: larger than any object's reach()

function validate(o: GenerateLidarOptions): Required<Omit<GenerateLidarOptions, 'onProgress'>> {
  const bad = (field: string, v: unknown, expected: string) => new InputError(`generateLidar, ${field}: ${show(v)} ${expected}`);
  if (!Number.isInteger(o.seed)) throw bad('seed', o.seed, 'is not an integer');
  if (!Number.isFinite(o.originX) || !Number.isFinite(o.originY)) throw bad('originX/originY', `${o.originX},${o.originY}`, 'are not finite metres');
  for (const k of ['tilesX', 'tilesY'] as const) if (!(Number.isInteger(o[k]) && o[k] >= 1 && o[k] <= 200)) throw bad(k, o[k], 'is not an integer in 1..200');
  const style = o.style ?? 'mixed';
  if (style !== 'mixed' && !TERRAIN_STYLES.includes(style)) throw bad('style', style, `is not one of mixed, ${TERRAIN_STYLES.join(', ')}`);
  const pixel = o.pixel ?? 0.5;
  if (!(pixel >= 0.1 && pixel <= 10)) throw bad('pixel', pixel, 'is not a pixel size in 0.1..10 m');
  const tilePixels = o.tilePixels ?? 2000;
  if (!(Number.isInteger(tilePixels) && tilePixels >= 16 && tilePixels <= 10000)) throw bad('tilePixels', tilePixels, 'is not an integer in 16..10000');
  const format = o.format ?? 'tif';
  if (format !== 'tif' && format !== 'asc') throw bad('format', format, 'is not tif or asc');
  return { seed: o.seed, originX: o.originX, originY: o.originY, tilesX: o.tilesX, tilesY: o.tilesY, style, pixel, tilePixels, outDir: o.outDir, format };
}

/**
 * Coverage edge: one side of the mosaic (chosen from the seed) loses a ragged band of up to
 * ~20 % of a tile, as where a LiDAR survey block ends. Returns true where there is data.
 */
function coverage(seed: number, x0: number, y0: number, x1: number, y1: number): (x: number, y: number) => boolean {
  const rng = new Rng(hashInts(seed, 0xc0fe));
  const side = rng.int(0, 3);
  // 6–14 % of the mosaic's shorter side (60–140 m for 1 km), so small test mosaics keep data
  const depth = rng.range(0.06, 0.14) * Math.min(1000, x1 - x0, y1 - y0);
  const spec = { seed: seed + 901, spacing: 350, octaves: 3 };
  return (x, y) => {
    const along = side < 2 ? y : x;
    const into = side === 0 ? x - x0 : side === 1 ? x1 - x : side === 2 ? y - y0 : y1 - y;
    return into > depth * (0.5 + 1.2 * noiseAt(spec, along, 0));
  };
}

function addStripes(z: Float32Array, g: TileGeom, seed: number, amp: Float32Array): void {
  // Overlapping flight lines disagree by a few cm: straight bands with sharp edges.
  const theta = (hashInts(seed, 0x5781) / 4294967296) * Math.PI;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const W = 280;
  for (let r = 0; r < g.height; r++) {
    const y = g.y0 - (r + 0.5) * g.pixel;
    for (let col = 0; col < g.width; col++) {
      const i = r * g.width + col;
      if (amp[i] < 0.02) continue;
      const band = Math.floor(((g.x0 + (col + 0.5) * g.pixel) * c + y * s) / W);
      z[i] += amp[i] * 0.07 * ((hashInts(seed, band, 0x5782) / 4294967296) * 2 - 1);
    }
  }
}

export async function generateLidar(opts: GenerateLidarOptions): Promise<GenerateLidarResult> {
  const o = validate(opts);
  await mkdir(o.outDir, { recursive: true });
  const tileSize = o.tilePixels * o.pixel;
  const mx0 = o.originX;
  const my0 = o.originY;
  const mx1 = mx0 + o.tilesX * tileSize;
  const my1 = my0 + o.tilesY * tileSize;
  const covered = coverage(o.seed, mx0, my0, mx1, my1);

  const cells = new Map<string, ReturnType<typeof cellObjects>>();
  const cellsIn = (x0: number, y0: number, x1: number, y1: number) => {
    const out: { cx: number; cy: number; objs: ReturnType<typeof cellObjects> }[] = [];
    for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
      for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        const key = `${cx},${cy}`;
        let objs = cells.get(key);
        if (!objs) cells.set(key, (objs = cellObjects(o.seed, o.style, cx, cy)));
        out.push({ cx, cy, objs });
      }
    }
    return out;
  };
  const macros = new Map<string, Line[]>();
  const linesIn = (x0: number, y0: number, x1: number, y1: number) => {
    const out: Line[] = [];
    for (let my = Math.floor((y0 - LINE_REACH) / MACRO); my <= Math.floor((y1 + LINE_REACH) / MACRO); my++) {
      for (let mx = Math.floor((x0 - LINE_REACH) / MACRO); mx <= Math.floor((x1 + LINE_REACH) / MACRO); mx++) {
        const key = `${mx},${my}`;
        let ls = macros.get(key);
        if (!ls) macros.set(key, (ls = macroLines(o.seed, o.style, mx, my)));
        out.push(...ls);
      }
    }
    return out;
  };

  const tiles: string[] = [];
  const total = o.tilesX * o.tilesY;
  // North row first, west to east: the order a reader of the mosaic expects.
  for (let ty = o.tilesY - 1; ty >= 0; ty--) {
    for (let tx = 0; tx < o.tilesX; tx++) {
      const x0 = mx0 + tx * tileSize;
      const y1 = my0 + (ty + 1) * tileSize;
      const g: TileGeom = { x0, y0: y1, pixel: o.pixel, width: o.tilePixels, height: o.tilePixels };
      const z = new Float32Array(o.tilePixels * o.tilePixels);
      const f = profileFields(g, o.style, o.seed);
      fillContinuous(z, g, o.style, o.seed, f);
      addStripes(z, g, o.seed, f.artefacts);
      for (const l of linesIn(x0, y1 - tileSize, x0 + tileSize, y1)) stampLine(z, g, l);
      const objs = cellsIn(x0 - OBJECT_REACH, y1 - tileSize - OBJECT_REACH, x0 + tileSize + OBJECT_REACH, y1 + OBJECT_REACH);
      for (const { objs: c } of objs) for (const ob of [...c.confusers, ...c.features]) if (overlapsTile(ob, g)) stampObject(z, g, ob);
      finish(z, g, covered, tx === 0 || ty === 0 || tx === o.tilesX - 1 || ty === o.tilesY - 1);
      const name = tileName(x0, y1, o.pixel, o.format);
      const gr = makeGrid({ originX: x0, originY: y1, resX: o.pixel, resY: o.pixel, width: o.tilePixels, height: o.tilePixels, crs: 'EPSG:2154' });
      tiles.push(await writeTile(o.outDir, name, z, gr, o.format));
      opts.onProgress?.(tiles.length, total, name);
    }
  }

  const features: PlantedFeature[] = [];
  for (const { cx, cy, objs } of cellsIn(mx0, my0, mx1, my1)) {
    objs.features.forEach((ob: Obj, k: number) => {
      const t = truthOf(ob, `${o.seed}-${cx}-${cy}-${k}`);
      if (!t || !(t.x >= mx0 && t.x < mx1 && t.y > my0 && t.y <= my1)) return;
      // A feature cut by the coverage edge cannot be found: leave it out of the truth.
      const r = reach(ob);
      for (let a = 0; a < 8; a++) if (!covered(ob.x + r * Math.cos(a * Math.PI / 4), ob.y + r * Math.sin(a * Math.PI / 4))) return;
      if (!covered(ob.x, ob.y)) return;
      const tx = Math.floor((t.x - mx0) / tileSize);
      const tyTop = my0 + Math.ceil((t.y - my0) / tileSize) * tileSize;
      t.tile = tileName(mx0 + tx * tileSize, tyTop, o.pixel, o.format).replace(/\.(tif|asc)$/, '');
      features.push(t);
    });
  }
  features.sort((a, b) => (a.tile! < b.tile! ? -1 : a.tile! > b.tile! ? 1 : b.y - a.y || a.x - b.x));
  const truthPath = await writeTruth(o.outDir, features);
  return { tiles, truthPath, features };
}

/** Centimetre quantisation (IGN delivers cm) and nodata outside coverage on border tiles. */
function finish(z: Float32Array, g: TileGeom, covered: (x: number, y: number) => boolean, border: boolean): void {
  for (let i = 0; i < z.length; i++) z[i] = Math.round(z[i] * 100) / 100;
  if (!border) return;
  for (let r = 0; r < g.height; r++) {
    const y = g.y0 - (r + 0.5) * g.pixel;
    for (let c = 0; c < g.width; c++) if (!covered(g.x0 + (c + 0.5) * g.pixel, y)) z[r * g.width + c] = LIDAR_NODATA;
  }
}

/** `vigie samples lidar --seed S --km N [--style S] --out DIR [--format tif|asc]` */
export async function runLidarSamples(argv: string[]): Promise<GenerateLidarResult> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--')) throw new InputError(`samples lidar: unexpected argument ${show(k)}; usage: --seed S --km N [--style S] --out DIR [--format tif|asc]`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new InputError(`samples lidar: ${k} needs a value`);
    args.set(k.slice(2), v);
    i++;
  }
  for (const k of args.keys()) if (!['seed', 'km', 'style', 'out', 'format'].includes(k)) throw new InputError(`samples lidar: unknown option --${k}`);
  const out = args.get('out');
  if (!out) throw new InputError('samples lidar: --out DIR is required');
  const seed = Number(args.get('seed') ?? lidarSampleDefaults.seed);
  const km = Number(args.get('km') ?? 4);
  if (!(km > 0 && km <= 10000)) throw new InputError(`samples lidar, --km: ${show(args.get('km'))} is not an area in 0..10000 km²`);
  const side = Math.ceil(Math.sqrt(km));
  const t0 = performance.now();
  const res = await generateLidar({
    ...lidarSampleDefaults,
    seed,
    tilesX: side,
    tilesY: side,
    style: (args.get('style') ?? 'mixed') as TerrainStyle | 'mixed',
    format: (args.get('format') ?? 'tif') as 'tif' | 'asc',
    outDir: out,
    onProgress: (d, n, f) => process.stderr.write(`  ${d}/${n} ${f}\n`),
  });
  process.stdout.write(`wrote ${res.tiles.length} tiles and truth.geojson (${res.features.length} features) to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return res;
}
