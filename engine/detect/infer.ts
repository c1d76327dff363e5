/**
 * Runs the detector over LiDAR terrain tiles: each tile is read with a margin taken from its
 * neighbours (decoded once, kept while later tiles need them), nodata filled, passed through the
 * ONNX model, peaks extracted, and only detections whose centre lies in the tile's own core
 * are kept — so adjacent tiles neither miss nor duplicate objects on their seam.
 *
 * Bad files (unreadable, geographic CRS, non-square or odd pixels, tiny, all nodata) are
 * reported one by one and skipped; the others are still processed. Decoding (main thread) and
 * inference (onnxruntime's own thread) overlap, which keeps two cores busy without workers.
 */
import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CrsError, InputError } from '../errors.ts';
import { readAsciiGrid, readAsciiHeader } from '../geo/ascii-grid.ts';
import { isGeographic } from '../geo/crs.ts';
import type { Grid } from '../geo/grid.ts';
import { openRaster } from '../geo/raster.ts';
import { loadCalibration, levelOf, type Calibration } from './calibrate.ts';
import { CLASSES, DEFAULT_CALIBRATION, fillNodata, MODEL_PIXEL, MODEL_STRIDE, OUT_CHANNELS, readModelFile, type DetectClass } from './model.ts';
import { extractPeaks } from './peaks.ts';

/** Margin read from neighbours, metres: > relief radius (22 m) + half the receptive field (~70 m) in practice. */
export const MARGIN_M = 64;

export interface Detection {
  tile: string;
  cls: DetectClass;
  score: number;
  confidence: number;
  level: string;
  diameter: number;
  x: number;
  y: number;
}

export interface TileReport {
  file: string;
  tile: string;
  ok: boolean;
  detections?: number;
  error?: string;
  bounds?: { minx: number; miny: number; maxx: number; maxy: number };
}

export interface Timings {
  decode: number;
  prep: number;
  inference: number;
  post: number;
}

export interface Detector {
  readonly hash: string;
  readonly calibration: Calibration;
  run(z: Float32Array, width: number, height: number): Promise<{ maps: Float32Array; width: number; height: number }>;
  close(): Promise<void>;
}

export interface DetectorOptions {
  modelPath?: string;
  calibrationPath?: string;
  threads?: number;
}

export async function loadDetector(opts: DetectorOptions = {}): Promise<Detector> {
  const file = readModelFile(opts.modelPath);
  const calibration = loadCalibration(opts.calibrationPath ?? DEFAULT_CALIBRATION);
  const session = await ort.InferenceSession.create(file.bytes, {
    // one intra-op thread: decoding the next tile keeps the other core busy
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    hash: file.hash,
    calibration,
    async run(z, width, height) {
      if (width % MODEL_STRIDE || height % MODEL_STRIDE) {
        throw new InputError(`model input ${width}×${height} is not a multiple of ${MODEL_STRIDE} pixels`);
      }
      const res = await session.run({ [input]: new ort.Tensor('float32', z, [1, 1, height, width]) });
      const t = res[output];
      const [, c, h, w] = t.dims as number[];
      if (c !== OUT_CHANNELS) throw new InputError(`model output has ${c} channels, expected ${OUT_CHANNELS}`);
      return { maps: t.data as Float32Array, width: w, height: h };
    },
    async close() {
      await session.release();
    },
  };
}

interface TileSource {
  file: string;
  name: string;
  grid: Grid;
  nodata: number | null;
  read(): Promise<Float32Array>;
}

/** Opens a tile's header: GeoTIFF, or ESRI ASCII grid (with a .prj or --crs). */
async function openTile(file: string, crs?: string): Promise<TileSource> {
  const name = basename(file).replace(/\.(tiff?|asc)$/i, '');
  const ext = extname(file).toLowerCase();
  if (ext === '.asc') {
    const h = await readAsciiHeader(file, { crs });
    return { file, name, grid: h.grid, nodata: h.nodata, read: async () => (await readAsciiGrid(file, { crs })).data };
  }
  const r = await openRaster(file, { crs });
  return { file, name, grid: r.grid, nodata: r.nodata, read: () => r.readAll() };
}

function checkTile(t: TileSource): void {
  const g = t.grid;
  const n = basename(t.file);
  if (isGeographic(g.crs)) {
    throw new CrsError(`${n}: CRS ${g.crs} is geographic (degrees); LiDAR tiles must be in a projected CRS in metres (Lambert-93, EPSG:2154)`);
  }
  if (Math.abs(g.resX - g.resY) > 1e-6 * g.resX) {
    throw new InputError(`${n}: pixels are not square (${g.resX} × ${g.resY} m); expected ${MODEL_PIXEL} × ${MODEL_PIXEL} m`);
  }
  if (Math.abs(g.resX - MODEL_PIXEL) > 1e-6) {
    throw new InputError(`${n}: pixel size ${g.resX} m; the detector works on ${MODEL_PIXEL} m LiDAR HD terrain (resample first)`);
  }
  if (g.width < 64 || g.height < 64) {
    throw new InputError(`${n}: ${g.width}×${g.height} pixels is too small; expected at least 64×64 (32 m)`);
  }
}

export interface DetectRunOptions {
  crs?: string;
  /** minimum raw score kept, default: the calibration's floor */
  minScore?: number;
  onTile?: (r: TileReport) => void;
  timings?: Timings;
  /** tile names only used as margins for their neighbours (already processed) */
  skip?: ReadonlySet<string>;
}

/**
 * Detects anomalies in `files`. Returns the detections (core only) and one report per file;
 * never throws for a bad file.
 */
export async function detectFiles(det: Detector, files: string[], opts: DetectRunOptions = {}): Promise<{ detections: Detection[]; reports: TileReport[] }> {
  const reports: TileReport[] = [];
  const fail = (file: string, err: unknown) => {
    const r: TileReport = { file, tile: basename(file), ok: false, error: err instanceof Error ? err.message : String(err) };
    reports.push(r);
    opts.onTile?.(r);
  };
  const tiles: TileSource[] = [];
  for (const f of files) {
    try {
      const t = await openTile(f, opts.crs);
      checkTile(t);
      tiles.push(t);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fail(f, err);
    }
  }
  // one CRS per run: a tile in another CRS than the majority cannot share margins
  const crsCount = new Map<string, number>();
  for (const t of tiles) crsCount.set(t.grid.crs, (crsCount.get(t.grid.crs) ?? 0) + 1);
  const mainCrs = [...crsCount.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const usable = tiles.filter((t) => {
    if (t.grid.crs === mainCrs) return true;
    fail(t.file, new CrsError(`${basename(t.file)}: CRS ${t.grid.crs} differs from the other tiles' ${mainCrs}; process it separately`));
    return false;
  });
  // north rows first, west to east: neighbours needed by a tile are decoded just before it
  usable.sort((a, b) => b.grid.originY - a.grid.originY || a.grid.originX - b.grid.originX);
  const timings = opts.timings ?? { decode: 0, prep: 0, inference: 0, post: 0 };
  const cache = new Map<string, Promise<Float32Array | Error>>();
  const decode = (t: TileSource): Promise<Float32Array | Error> => {
    let p = cache.get(t.file);
    if (!p) {
      p = (async () => {
        const t0 = performance.now();
        try {
          const z = await t.read();
          return z;
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        } finally {
          timings.decode += performance.now() - t0;
        }
      })();
      cache.set(t.file, p);
    }
    return p;
  };
  const m = Math.round(MARGIN_M / MODEL_PIXEL);
  const neighbours = (t: TileSource) =>
    usable.filter((u) => {
      if (u === t) return false;
      const a = t.grid;
      const b = u.grid;
      return (
        b.originX < a.originX + (a.width + m) * a.resX && b.originX + b.width * b.resX > a.originX - m * a.resX &&
        b.originY - b.height * b.resY < a.originY + m * a.resY && b.originY > a.originY - (a.height + m) * a.resY
      );
    });
  const detections: Detection[] = [];
  const floor = opts.minScore ?? det.calibration.floor;
  const inflight: Promise<void>[] = [];
  for (let ti = 0; ti < usable.length; ti++) {
    const t = usable[ti];
    if (opts.skip?.has(t.name)) continue;
    const own = await decode(t);
    if (own instanceof Error) {
      fail(t.file, own);
      continue;
    }
    const g = t.grid;
    const W = roundUp(g.width + 2 * m, MODEL_STRIDE);
    const H = roundUp(g.height + 2 * m, MODEL_STRIDE);
    // -Infinity: outside every tile (edge-extended, harmless); NaN: nodata inside a tile
    const buf = new Float32Array(W * H).fill(Number.NEGATIVE_INFINITY);
    const ownValid = countValid(own, t.nodata);
    if (ownValid < 0.01 * own.length) {
      fail(t.file, new InputError(`${basename(t.file)}: ${ownValid === 0 ? 'all' : 'almost all'} pixels are nodata; nothing to detect`));
      continue;
    }
    const tp0 = performance.now();
    blit(buf, W, H, g, own, g, m, t.nodata);
    timings.prep += performance.now() - tp0;
    for (const u of neighbours(t)) {
      const z = await decode(u);
      if (z instanceof Error) continue; // reported when its own turn comes
      const tp = performance.now();
      blit(buf, W, H, g, z, u.grid, m, u.nodata);
      timings.prep += performance.now() - tp;
    }
    // free decoded tiles no later tile needs
    const later = new Set(usable.slice(ti + 1).filter((v) => !opts.skip?.has(v.name)).flatMap((v) => [v, ...neighbours(v)]).map((v) => v.file));
    for (const f of [...cache.keys()]) if (!later.has(f)) cache.delete(f);
    const tp1 = performance.now();
    const holes = new Uint8Array(W * H);
    for (let i = 0; i < buf.length; i++) if (Number.isNaN(buf[i])) holes[i] = 1;
    fillNodata(buf, W, H, null);
    timings.prep += performance.now() - tp1;
    // at most two tiles in flight: inference runs on onnxruntime's thread while this loop decodes
    if (inflight.length >= 2) await inflight.shift();
    const prev = inflight[inflight.length - 1] ?? Promise.resolve();
    inflight.push((async () => {
      await prev;
      const ti0 = performance.now();
      const out = await det.run(buf, W, H);
      timings.inference += performance.now() - ti0;
      const tq = performance.now();
      const found = postProcess(det, out, t, m, holes, W, H, floor);
      detections.push(...found);
      timings.post += performance.now() - tq;
      const r: TileReport = { file: t.file, tile: t.name, ok: true, detections: found.length, bounds: coreBounds(g) };
      reports.push(r);
      opts.onTile?.(r);
    })());
  }
  await Promise.all(inflight);
  return { detections, reports };
}

function roundUp(v: number, k: number): number {
  return Math.ceil(v / k) * k;
}

function coreBounds(g: Grid) {
  return { minx: g.originX, miny: g.originY - g.height * g.resY, maxx: g.originX + g.width * g.resX, maxy: g.originY };
}

function countValid(z: Float32Array, nodata: number | null): number {
  let n = 0;
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    if (Number.isFinite(v) && v !== nodata && v > -1000 && v < 10000) n++;
  }
  return n;
}

/** Copies `src` (grid `sg`) into the padded buffer of tile grid `g` with margin `m` pixels; nodata → NaN. */
function blit(buf: Float32Array, W: number, H: number, g: Grid, src: Float32Array, sg: Grid, m: number, nodata: number | null): void {
  const dc = Math.round((sg.originX - g.originX) / g.resX) + m; // column of src's (0,0) in buf
  const dr = Math.round((g.originY - sg.originY) / g.resY) + m;
  const c0 = Math.max(0, dc);
  const c1 = Math.min(W, dc + sg.width);
  const r0 = Math.max(0, dr);
  const r1 = Math.min(H, dr + sg.height);
  for (let r = r0; r < r1; r++) {
    const so = (r - dr) * sg.width - dc;
    const bo = r * W;
    for (let c = c0; c < c1; c++) {
      const v = src[so + c];
      buf[bo + c] = v === nodata || !(v > -1000 && v < 10000) ? Number.NaN : v;
    }
  }
}

function postProcess(det: Detector, out: { maps: Float32Array; width: number; height: number }, t: TileSource, m: number, holes: Uint8Array, W: number, H: number, floor: number): Detection[] {
  const g = t.grid;
  const cell = MODEL_STRIDE * g.resX;
  const peaks = extractPeaks({ data: out.maps, width: out.width, height: out.height, classes: CLASSES.length }, { threshold: floor, cellSize: cell, minDistance: 1.5, nmsFactor: 0.5 });
  const left = g.originX - m * g.resX;
  const top = g.originY + m * g.resY;
  const core = coreBounds(g);
  const res: Detection[] = [];
  for (const p of peaks) {
    const x = left + p.col * cell;
    const y = top - p.row * cell;
    // half-open core [minx, maxx) × (miny, maxy]: a point on a seam belongs to exactly one tile
    if (!(x >= core.minx && x < core.maxx && y > core.miny && y <= core.maxy)) continue;
    const diameter = Number.isFinite(p.diameter) ? p.diameter : 0;
    if (nearNodata(holes, W, H, Math.floor(p.col * MODEL_STRIDE), Math.floor(p.row * MODEL_STRIDE), Math.max(10, diameter / 2) / g.resX)) continue;
    const cls = CLASSES[p.cls];
    const confidence = det.calibration.confidence(cls, p.score);
    res.push({ tile: t.name, cls, score: p.score, confidence, level: levelOf(confidence, det.calibration), diameter, x, y });
  }
  return res;
}

/** True when any nodata pixel lies in the square of half-size r around (c, r0) (sampled every 2 px). */
function nearNodata(holes: Uint8Array, W: number, H: number, c: number, r0: number, rad: number): boolean {
  const R = Math.ceil(rad);
  for (let r = Math.max(0, r0 - R); r <= Math.min(H - 1, r0 + R); r += 2) {
    for (let k = Math.max(0, c - R); k <= Math.min(W - 1, c + R); k += 2) if (holes[r * W + k]) return true;
  }
  return false;
}
