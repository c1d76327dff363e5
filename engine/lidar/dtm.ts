/**
 * Point clouds → terrain model (MNT): `lazToDtm(files, { outDir })` turns classified LAS/LAZ/COPC
 * tiles into 0.5 m float32 GeoTIFFs named and gridded like IGN's LiDAR HD MNT.
 *
 * Method (IGN's own, IGNF/las-digital-models): the ground points — classes 2 (ground), 9 (water)
 * and 66 (IGN's virtual points), IGN's DTM filter — of a tile plus those of its neighbours within
 * `margin` metres are triangulated (Delaunay), and each pixel centre takes the linear
 * interpolation of the triangle that contains it. Where ground is missing the pixel is nodata
 * (−9999): outside the triangulation, or inside a triangle with an edge longer than `maxEdge`
 * (10 m by default: buildings, water without points, survey gaps — IGN interpolates across
 * those; set `maxEdge: Infinity` to do the same).
 *
 * Grid (IGN's current convention, IGNF/las-digital-models HEAD and the published LiDAR HD MNT):
 * pixel centres on multiples of the resolution from the tile corner — the upper-left pixel's
 * centre is the tile's upper-left corner, so the raster's origin is half a pixel west and north
 * of it (e.g. 769999.75, 6278000.25 for the 1 km tile 0770_6278) and a 1 km tile is 2000 × 2000
 * pixels. IGN's older test DTMs put the raster corner on the tile corner (`grid: 'corner'`).
 *
 * Tiles: a file's tile is its LiDAR HD name's (`LHD_FXX_0770_6278_PTS_…`: 1 km, west edge and
 * north edge in km) or, for other names, the smallest of 10 m … 5 km aligned squares that holds
 * its header bounds (all files of a run share the largest such size). When files of another
 * tiling share a square (flight strips, a survey cut its own way), the output tiles are the
 * aligned squares of that size the files cover, each made from the points of every file in it.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CrsError, InputError } from '../errors.ts';
import { crsFromIgnName, geoTiffKeyCode, normaliseCrs, requireProjectedMetres } from '../geo/crs.ts';
import { writeGeoTiff } from '../geo/geotiff-write.ts';
import { grid as makeGrid, type BBox, type Grid } from '../geo/grid.ts';
import { lasCrs, readLasHeader, readLasPoints, type LasHeader, type LasPoints } from './las.ts';
import { rasteriseTin } from './tin.ts';

export const DTM_NODATA = -9999;
/** IGN's DTM classes: ground, water, virtual points. */
export const DTM_CLASSES: readonly number[] = [2, 9, 66];
export const DTM_DEFAULTS = { resolution: 0.5, margin: 20, maxEdge: 10, grid: 'centre' as const };

export interface DtmOptions {
  /** folder for the GeoTIFFs (created); omit to keep the rasters in memory only */
  outDir?: string;
  /** pixel size in CRS units, default 0.5 */
  resolution?: number;
  /** classification values used as ground, default [2, 9, 66] */
  classes?: readonly number[];
  /** metres of neighbouring tiles' points added around each tile, default 20 */
  margin?: number;
  /** longest triangle edge interpolated across, default 10 (metres); longer → nodata */
  maxEdge?: number;
  /** tile edge in metres; inferred from names / bounds when omitted */
  tileSize?: number;
  /** pixel centres on the tile corner (`centre`, IGN's current grid) or raster corner on it (`corner`) */
  grid?: 'centre' | 'corner';
  /** CRS to use instead of the files' own (`EPSG:NNNN`) */
  crs?: string;
  /** keep each tile's raster in the report (tests, detection without files) */
  keepData?: boolean;
  /** most ground points held in memory for tiles not yet processed, default 30 M */
  cachePoints?: number;
  log?: (line: string) => void;
}

export interface DtmTile {
  /** the point cloud the tile comes from (the first, when several files share the tile) */
  source: string;
  /** every point cloud with points in the tile, when there are several (files not cut one per tile) */
  sources?: string[];
  /** written GeoTIFF (absent without outDir) */
  out?: string;
  grid: Grid;
  /** the tile's own square, in CRS units */
  bounds: BBox;
  /** ground points of the tile itself and from neighbours' margins */
  points: number;
  marginPoints: number;
  triangles: number;
  /** triangles left out for an edge longer than maxEdge */
  dropped: number;
  /** share of pixels with a value */
  valid: number;
  ms: { decode: number; triangulate: number; rasterise: number; write: number };
  data?: Float32Array;
}

export interface DtmRun {
  tiles: DtmTile[];
  /** points decoded (all classes) and kept as ground, over every decode */
  decoded: number;
  kept: number;
  ms: { decode: number; triangulate: number; rasterise: number; write: number; total: number };
}

const POINT_CLOUD = /\.(laz|las)$/i;

/** Expands folders (not recursively) to the LAS/LAZ/COPC files inside, sorted; files are kept. */
export async function listPointClouds(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch((err: Error) => {
      throw new InputError(`${p}: cannot read (${err.message})`, { cause: err });
    });
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => POINT_CLOUD.test(n)).sort();
      if (!names.length) throw new InputError(`${p}: no .laz, .copc.laz or .las file in this folder`);
      out.push(...names.map((n) => join(p, n)));
    } else {
      if (!POINT_CLOUD.test(p)) throw new InputError(`${basename(p)}: not a point cloud (expected .laz, .copc.laz or .las)`);
      out.push(p);
    }
  }
  return [...new Set(out.map((p) => resolve(p)))];
}

export function isPointCloud(path: string): boolean {
  return POINT_CLOUD.test(path);
}

interface TileJob {
  /** the first file of the tile (its name in logs) */
  header: LasHeader;
  /** every file with points in the tile: one for LiDAR HD and other one-file-per-tile inputs */
  sources: LasHeader[];
  /** cache key: the file for one-file tiles, else the square */
  key: string;
  crs: string;
  /** the tile square */
  x0: number;
  y1: number;
  size: number;
}

const NICE_SIZES = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000];

/** LiDAR HD point cloud names: `LHD_FXX_0770_6278_PTS_C_LAMB93_IGN69.copc.laz` → 1 km tile. */
export function lidarHdTile(name: string): { x0: number; y1: number; size: number } | null {
  const m = /LHD_[A-Z]{3}_(\d{4})_(\d{4})_PTS/i.exec(name);
  return m ? { x0: Number(m[1]) * 1000, y1: Number(m[2]) * 1000, size: 1000 } : null;
}

function fitsSquare(h: LasHeader, s: number): boolean {
  const tol = 1e-3;
  const cx = Math.floor((h.min[0] + h.max[0]) / 2 / s) * s;
  const cy = Math.floor((h.min[1] + h.max[1]) / 2 / s) * s;
  return h.min[0] >= cx - tol && h.max[0] <= cx + s + tol && h.min[1] >= cy - tol && h.max[1] <= cy + s + tol;
}

/** Tile squares for every file; CrsError when the files do not share one projected CRS in metres. */
function planTiles(headers: LasHeader[], opts: DtmOptions): TileJob[] {
  const crsOf = headers.map((h) => normaliseCrs(lasCrs(h, opts.crs ?? (h.crs ? undefined : fallbackCrs(h)))));
  for (let i = 0; i < headers.length; i++) {
    requireProjectedMetres(crsOf[i], basename(headers[i].file));
    if (crsOf[i] !== crsOf[0]) {
      throw new CrsError(`${basename(headers[i].file)}: CRS ${crsOf[i]} differs from ${crsOf[0]} of ${basename(headers[0].file)}; one run takes one CRS`);
    }
  }
  let size = opts.tileSize;
  if (size !== undefined && !(size > 0)) throw new InputError(`tile size ${size}: expected a positive number of metres`);
  if (size === undefined) {
    size = 0;
    for (const h of headers) {
      const hd = lidarHdTile(basename(h.file));
      const s = hd ? hd.size : NICE_SIZES.find((n) => fitsSquare(h, n));
      if (!s) throw new InputError(`${basename(h.file)}: points span ${(h.max[0] - h.min[0]).toFixed(0)} × ${(h.max[1] - h.min[1]).toFixed(0)} m, more than a 5 km tile; give --tile-size`);
      size = Math.max(size, s);
    }
  }
  const tileOf = (h: LasHeader) => {
    const hd = lidarHdTile(basename(h.file));
    const s = size!;
    const x0 = hd && hd.size === s ? hd.x0 : Math.floor((h.min[0] + h.max[0]) / 2 / s) * s;
    const y1 = hd && hd.size === s ? hd.y1 : Math.floor((h.min[1] + h.max[1]) / 2 / s) * s + s;
    return { x0, y1 };
  };
  const seen = new Map<string, LasHeader[]>();
  let shared = false;
  for (const h of headers) {
    const { x0, y1 } = tileOf(h);
    const key = `${x0}_${y1}`;
    const others = seen.get(key) ?? [];
    for (const other of others) {
      // Two LiDAR HD tiles on one square, or two files covering the same ground (a tile and its
      // copy in another LAS version): the same survey twice, a mistake in the input.
      if ((lidarHdTile(basename(h.file)) && lidarHdTile(basename(other.file))) || overlapShare(h, other) > 0.9) {
        throw new InputError(`${basename(h.file)} and ${basename(other.file)} fall in the same ${size} m tile (${x0}, ${y1}); give each tile once`);
      }
      shared = true;
    }
    seen.set(key, [...others, h]);
  }
  if (!shared) {
    return headers.map((h, i) => ({ header: h, sources: [h], crs: crsOf[i], ...tileOf(h), size: size!, key: h.file }));
  }
  // Files of another tiling (flight strips, a survey cut its own way): the output tiles are the
  // aligned squares the files cover, each from the points of every file that reaches into it.
  const s = size;
  const squares = new Map<string, TileJob>();
  for (const h of headers) {
    for (let x0 = Math.floor(h.min[0] / s) * s; x0 < h.max[0] || x0 === Math.floor(h.min[0] / s) * s; x0 += s) {
      for (let y0 = Math.floor(h.min[1] / s) * s; y0 < h.max[1] || y0 === Math.floor(h.min[1] / s) * s; y0 += s) {
        const key = `square:${x0}_${y0 + s}`;
        const job = squares.get(key) ?? { header: h, sources: [], crs: crsOf[0], x0, y1: y0 + s, size: s, key };
        job.sources.push(h);
        squares.set(key, job);
      }
    }
  }
  return [...squares.values()];
}

/** Area the two files' header bounds share, over the smaller one's (1: one lies inside the other). */
function overlapShare(a: LasHeader, b: LasHeader): number {
  const w = Math.min(a.max[0], b.max[0]) - Math.max(a.min[0], b.min[0]);
  const h = Math.min(a.max[1], b.max[1]) - Math.max(a.min[1], b.min[1]);
  if (!(w > 0 && h > 0)) return 0;
  const area = (x: LasHeader) => Math.max(1e-9, (x.max[0] - x.min[0]) * (x.max[1] - x.min[1]));
  return (w * h) / Math.min(area(a), area(b));
}

/**
 * LiDAR HD files name their CRS (`…_LAMB93_IGN69…`, `…_LA93_IGN69…`) even when a record is
 * missing: Lambert-93 is taken from the name then, never guessed otherwise.
 */
function fallbackCrs(h: LasHeader): string | undefined {
  return crsFromIgnName(h.file);
}

/** Output name: LiDAR HD's for Lambert-93 (`LHD_FXX_0770_6278_MNT_O_0M50_LAMB93_IGN69.tif`). */
export function dtmTileName(x0: number, y1: number, resolution: number, crs: string): string {
  const [m, cm] = resolution.toFixed(2).split('.');
  if (crs === 'EPSG:2154') {
    const onKm = x0 % 1000 === 0 && y1 % 1000 === 0;
    const v = (n: number) => (onKm ? String(n / 1000).padStart(4, '0') : String(Math.round(n)).padStart(7, '0'));
    return `LHD_FXX_${v(x0)}_${v(y1)}_MNT_O_${m}M${cm}_LAMB93_IGN69.tif`;
  }
  const code = crs.startsWith('EPSG:') ? crs.replace(':', '') : 'CRS';
  return `MNT_${Math.round(x0)}_${Math.round(y1)}_${m}M${cm}_${code}.tif`;
}

/** The 0.5 m grid of a tile, in IGN's current (`centre`) or older (`corner`) convention. */
export function dtmGrid(x0: number, y1: number, size: number, resolution: number, crs: string, convention: 'centre' | 'corner' = 'centre'): Grid {
  const n = Math.round(size / resolution);
  if (Math.abs(n * resolution - size) > 1e-9) throw new InputError(`tile size ${size} m is not a multiple of the resolution ${resolution} m`);
  const half = convention === 'centre' ? resolution / 2 : 0;
  return makeGrid({ originX: x0 - half, originY: y1 + half, resX: resolution, resY: resolution, width: n, height: n, crs });
}

interface Cached {
  pts: LasPoints;
  /** only the points within the margin of the tile's edges remain (its own tile is done) */
  bandOnly: boolean;
}

/**
 * Builds the terrain model of every point-cloud tile in `files`, each with the margins of its
 * neighbours among `files`. Tiles are processed west→east, north→south; each file is decoded
 * once while the ground points of pending tiles fit in `cachePoints`.
 */
export async function lazToDtm(files: string[], opts: DtmOptions = {}): Promise<DtmRun> {
  const t0 = performance.now();
  const res = opts.resolution ?? DTM_DEFAULTS.resolution;
  const margin = opts.margin ?? DTM_DEFAULTS.margin;
  const maxEdge = opts.maxEdge ?? DTM_DEFAULTS.maxEdge;
  const classes = opts.classes ?? DTM_CLASSES;
  const convention = opts.grid ?? DTM_DEFAULTS.grid;
  const budget = opts.cachePoints ?? 30e6;
  const log = opts.log ?? (() => {});
  if (!(res > 0)) throw new InputError(`resolution ${res}: expected a positive number of metres`);
  if (!(margin >= 0)) throw new InputError(`margin ${margin}: expected metres ≥ 0`);
  if (!(maxEdge > 0)) throw new InputError(`max edge ${maxEdge}: expected a positive number of metres`);
  if (!files.length) throw new InputError('no point cloud given');
  const headers = await Promise.all(files.map((f) => readLasHeader(f)));
  const jobs = planTiles(headers, opts).sort((a, b) => b.y1 - a.y1 || a.x0 - b.x0);
  if (opts.outDir && geoTiffKeyCode(jobs[0].crs) === null) {
    // The GeoTIFF writer records CRSs by EPSG code only (checked before any work).
    throw new CrsError(`${basename(jobs[0].header.file)}: its CRS ${jobs[0].crs.length > 80 ? 'definition' : jobs[0].crs} has no EPSG code a GeoTIFF can carry, which the output needs; give one with --crs EPSG:NNNN`);
  }
  if (opts.outDir) await mkdir(opts.outDir, { recursive: true });

  const cache = new Map<string, Cached>();
  let cached = 0;
  let decoded = 0;
  let kept = 0;
  const total = { decode: 0, triangulate: 0, rasterise: 0, write: 0 };
  const squareOf = (j: TileJob): BBox => ({ minx: j.x0, miny: j.y1 - j.size, maxx: j.x0 + j.size, maxy: j.y1 });
  const pending = new Set(jobs);

  const ground = async (j: TileJob): Promise<{ pts: LasPoints; ms: number }> => {
    const hit = cache.get(j.key);
    if (hit) {
      cache.delete(j.key); // re-inserted as most recent by the caller when kept
      cached -= hit.pts.count;
      return { pts: hit.pts, ms: 0 };
    }
    const t = performance.now();
    const parts: LasPoints[] = [];
    for (const h of j.sources) {
      const { points } = await readLasPoints(h.file, { classes });
      decoded += h.count;
      // a file shared by several squares gives each the points inside it (edges included)
      parts.push(j.key === h.file ? points : select(points, squareOf(j)));
    }
    const points = concat(parts);
    kept += points.count;
    const ms = performance.now() - t;
    total.decode += ms;
    return { pts: points, ms };
  };
  const remember = (j: TileJob, pts: LasPoints, bandOnly: boolean) => {
    cache.set(j.key, { pts, bandOnly });
    cached += pts.count;
    // Evict least recently used full clouds first; bands are small and needed later.
    for (const [f, c] of cache) {
      if (cached <= budget) break;
      if (c.bandOnly) continue;
      cache.delete(f);
      cached -= c.pts.count;
    }
  };

  const tiles: DtmTile[] = [];
  for (const job of jobs) {
    const sq = squareOf(job);
    const outer: BBox = { minx: sq.minx - margin, miny: sq.miny - margin, maxx: sq.maxx + margin, maxy: sq.maxy + margin };
    let decodeMs = 0;
    const own = await ground(job);
    decodeMs += own.ms;
    const parts: LasPoints[] = [own.pts];
    let marginPoints = 0;
    for (const nb of jobs) {
      if (nb === job) continue;
      const nsq = squareOf(nb);
      if (nsq.minx > outer.maxx || nsq.maxx < outer.minx || nsq.miny > outer.maxy || nsq.maxy < outer.miny) continue;
      const got = await ground(nb);
      decodeMs += got.ms;
      const sel = select(got.pts, outer);
      marginPoints += sel.count;
      parts.push(sel);
      const c = cache.get(nb.key);
      if (!c) remember(nb, pending.has(nb) ? got.pts : band(got.pts, nsq, margin), !pending.has(nb));
    }
    pending.delete(job);
    // This tile is done: neighbours still pending will only need its margin band.
    if (jobs.some((nb) => pending.has(nb) && near(squareOf(nb), sq, margin))) remember(job, band(own.pts, sq, margin), true);
    const all = concat(parts.map((p) => select(p, outer)));
    const g = dtmGrid(job.x0, job.y1, job.size, res, job.crs, convention);
    const tin = rasteriseTin(all.x, all.y, all.z, g, { maxEdge, nodata: DTM_NODATA });
    total.triangulate += tin.triangulateMs;
    total.rasterise += tin.rasteriseMs;
    let out: string | undefined;
    let writeMs = 0;
    if (opts.outDir) {
      const t = performance.now();
      out = join(opts.outDir, dtmTileName(job.x0, job.y1, res, job.crs));
      await writeFile(out, writeGeoTiff(tin.data, g, { nodata: DTM_NODATA }));
      writeMs = performance.now() - t;
      total.write += writeMs;
    }
    const tile: DtmTile = {
      source: job.header.file,
      ...(job.sources.length > 1 ? { sources: job.sources.map((h) => h.file) } : {}),
      out,
      grid: g,
      bounds: sq,
      points: own.pts.count,
      marginPoints,
      triangles: tin.triangles,
      dropped: tin.dropped,
      valid: tin.filled / tin.data.length,
      ms: { decode: decodeMs, triangulate: tin.triangulateMs, rasterise: tin.rasteriseMs, write: writeMs },
    };
    if (opts.keepData) tile.data = tin.data;
    tiles.push(tile);
    log(
      `${basename(job.header.file)}${job.sources.length > 1 ? ` + ${job.sources.length - 1} more` : ''} → ${out ? basename(out) : '(memory)'}: ${own.pts.count} ground points + ${marginPoints} from neighbours, ` +
        `${(tile.valid * 100).toFixed(1)} % of pixels filled`,
    );
    // Drop bands nobody pending needs any more.
    for (const [f, c] of cache) {
      if (!c.bandOnly) continue;
      const j = jobs.find((x) => x.key === f)!;
      if (!jobs.some((nb) => pending.has(nb) && near(squareOf(nb), squareOf(j), margin))) {
        cache.delete(f);
        cached -= c.pts.count;
      }
    }
  }
  return { tiles, decoded, kept, ms: { ...total, total: performance.now() - t0 } };
}

function near(a: BBox, b: BBox, margin: number): boolean {
  return a.minx <= b.maxx + margin && b.minx <= a.maxx + margin && a.miny <= b.maxy + margin && b.miny <= a.maxy + margin;
}

/** Points inside `b` (edges included). */
function select(p: LasPoints, b: BBox): LasPoints {
  return filter(p, (x, y) => x >= b.minx && x <= b.maxx && y >= b.miny && y <= b.maxy);
}

/** Points within `margin` of the edges of square `sq` (what neighbours need). */
function band(p: LasPoints, sq: BBox, margin: number): LasPoints {
  return filter(p, (x, y) => x <= sq.minx + margin || x >= sq.maxx - margin || y <= sq.miny + margin || y >= sq.maxy - margin);
}

/** The points passing `keep`, in typed arrays (two passes: count, then copy). */
function filter(p: LasPoints, keep: (x: number, y: number) => boolean): LasPoints {
  const mask = new Uint8Array(p.count);
  let n = 0;
  for (let i = 0; i < p.count; i++) if (keep(p.x[i], p.y[i])) (mask[i] = 1), n++;
  if (n === p.count) return p;
  const out = { count: n, x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n), cls: new Uint8Array(n) };
  for (let i = 0, o = 0; i < p.count; i++) {
    if (!mask[i]) continue;
    out.x[o] = p.x[i];
    out.y[o] = p.y[i];
    out.z[o] = p.z[i];
    out.cls[o++] = p.cls[i];
  }
  return out;
}

function concat(parts: LasPoints[]): LasPoints {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.count, 0);
  const out = { count: n, x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n), cls: new Uint8Array(n) };
  let o = 0;
  for (const p of parts) {
    out.x.set(p.x.subarray(0, p.count), o);
    out.y.set(p.y.subarray(0, p.count), o);
    out.z.set(p.z.subarray(0, p.count), o);
    out.cls.set(p.cls.subarray(0, p.count), o);
    o += p.count;
  }
  return out;
}
