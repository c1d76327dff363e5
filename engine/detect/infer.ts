/**
 * Runs the detector over LiDAR terrain tiles: each tile is read with a margin taken from its
 * neighbours (decoded once, kept while later tiles need them), nodata filled, passed through the
 * ONNX model, peaks extracted, and only detections whose centre lies in the tile's own core
 * are kept — so adjacent tiles neither miss nor duplicate objects on their seam.
 *
 * Bad files (unreadable, geographic CRS, non-square or odd pixels, tiny, all nodata) are
 * reported one by one and skipped; the others are still processed.
 *
 * onnxruntime-node runs a session synchronously on the calling JS thread, so a single session
 * serialises decode and inference. With `workers` ≥ 1 (default: one per core, at most 2), each
 * worker thread holds its own one-thread session (infer-worker.mjs) and this thread decodes,
 * assembles margins and fills nodata for the next tiles while up to `workers` tiles are inferred.
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { InputError } from '../errors.ts';
import { LAMBERT93, normaliseCrs, requireProjectedMetres, transformer, workingScale } from '../geo/crs.ts';
import { openDem, wholeNumberSteps } from '../geo/dem.ts';
import { gridBounds, type Grid, type Window } from '../geo/grid.ts';
import { inCore, MAX_RES, MIN_RES, planTiles, readWithMargin, type MosaicTile, type TileJob } from './tiling.ts';
import { loadCalibration, levelOf, type Calibration } from './calibrate.ts';
import { CLASSES, DEFAULT_CALIBRATION, fillNodata, MODEL_PIXEL, MODEL_STRIDE, OUT_CHANNELS, readModelFile, type DetectClass } from './model.ts';
import { extractPeaks } from './peaks.ts';
import { capLevel, coarsen, riseContrast, scaleFactor, SCALE_TEST, type Coarse, type ScaleTestParams } from './scale-test.ts';

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
  /** the CRS the tile was read in (detections and bounds are reprojected to Lambert-93) */
  crs?: string;
  /** how the tile was brought to the model's 0.5 m grid, when its pixel differs (« 1 m, resampled to 0.5 m (bilinear) ») */
  resampled?: string;
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
  /** scale test of mound candidates (engine/detect/scale-test.ts); null or absent: off */
  readonly scaleTest?: ScaleTestParams | null;
  /** how many `run` calls may usefully be in flight at once (default 1) */
  readonly concurrency?: number;
  /** decodes band 1 of a GeoTIFF elsewhere (a worker), when the detector can */
  decodeTiff?(path: string): Promise<{ data: Float32Array; ms?: number }>;
  /** `ms`: compute time of the run itself when it ran elsewhere (a worker), without queueing */
  run(z: Float32Array, width: number, height: number): Promise<{ maps: Float32Array; width: number; height: number; ms?: number }>;
  close(): Promise<void>;
}

export interface DetectorOptions {
  modelPath?: string;
  calibrationPath?: string;
  /** onnxruntime intra-op threads per session (default 1) */
  threads?: number;
  /** inference worker threads, one session each (default min(2, cores)); 0 = run in this thread */
  workers?: number;
  /**
   * scale test of mound candidates (engine/detect/scale-test.ts); null turns it off. Default: the
   * one the calibration file was fitted after (its `scale_test`), else off.
   */
  scaleTest?: ScaleTestParams | null;
}

export function defaultWorkers(): number {
  return Math.min(2, availableParallelism());
}

export async function loadDetector(opts: DetectorOptions = {}): Promise<Detector> {
  const file = readModelFile(opts.modelPath);
  const calibration = loadCalibration(opts.calibrationPath ?? DEFAULT_CALIBRATION);
  const workers = opts.workers ?? defaultWorkers();
  if (!(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
    throw new InputError(`workers ${workers} is not an integer from 0 to 64; use 0 to run inference in the main thread`);
  }
  const fitted = calibration.file.scale_test;
  const scaleTest = opts.scaleTest !== undefined ? opts.scaleTest : fitted && fitted !== 'off' ? { ...SCALE_TEST, ...fitted } : null;
  if (workers > 0) return { ...(await workerDetector(file.bytes, file.hash, calibration, workers, opts.threads ?? 1)), scaleTest };
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
    scaleTest,
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

interface Pending {
  resolve(v: { maps: Float32Array; width: number; height: number; ms?: number }): void;
  resolveData?(v: Float32Array, ms?: number): void;
  reject(e: Error): void;
}

/** A pool of inference workers; each run goes to the worker with the fewest runs in flight. */
async function workerDetector(bytes: Buffer, hash: string, calibration: Calibration, n: number, threads: number): Promise<Detector> {
  const pool: { w: Worker; busy: number; pending: Map<number, Pending> }[] = [];
  let nextId = 0;
  const start = () => new Promise<Worker>((resolve, reject) => {
    // workerData {}: geotiff's web-worker shim reads workerData.mod when loaded off the main thread
    const w = new Worker(new URL('./infer-worker.mjs', import.meta.url), { execArgv: [], workerData: {} });
    w.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve(w) : reject(new InputError(`cannot load the detector model: ${m.error}`))));
    w.once('error', reject);
    w.postMessage({ bytes: new Uint8Array(bytes), threads });
  });
  const started = await Promise.allSettled(Array.from({ length: n }, start));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of started) if (r.status === 'fulfilled') void r.value.terminate();
    throw (failed as PromiseRejectedResult).reason;
  }
  for (const r of started) {
    const slot = { w: (r as PromiseFulfilledResult<Worker>).value, busy: 0, pending: new Map<number, Pending>() };
    slot.w.on('message', (m: { id: number; maps?: Float32Array; data?: Float32Array; dims?: number[]; ms?: number; error?: string }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      slot.busy--;
      if (p.resolveData) return m.data ? p.resolveData(m.data, m.ms) : p.reject(new InputError(`cannot decode: ${m.error}`));
      if (m.error || !m.maps || !m.dims) return p.reject(new InputError(`inference failed: ${m.error}`));
      const [, c, h, w] = m.dims;
      if (c !== OUT_CHANNELS) return p.reject(new InputError(`model output has ${c} channels, expected ${OUT_CHANNELS}`));
      p.resolve({ maps: m.maps, width: w, height: h, ms: m.ms });
    });
    slot.w.on('error', (err) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    });
    pool.push(slot);
  }
  return {
    hash,
    calibration,
    concurrency: n,
    run(z, width, height) {
      if (width % MODEL_STRIDE || height % MODEL_STRIDE) {
        return Promise.reject(new InputError(`model input ${width}×${height} is not a multiple of ${MODEL_STRIDE} pixels`));
      }
      const slot = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      slot.busy++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        // the caller hands over `z`: it is transferred, not copied (and unusable afterwards)
        slot.w.postMessage({ id, z, width, height }, [z.buffer as ArrayBuffer]);
      });
    },
    decodeTiff(path) {
      const slot = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      slot.busy++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve: () => {}, resolveData: (data, ms) => resolve({ data, ms }), reject });
        slot.w.postMessage({ id, decode: path });
      });
    },
    async close() {
      await Promise.all(pool.map((s) => s.w.terminate()));
    },
  };
}

interface TileSource extends MosaicTile {
  name: string;
  read(): Promise<Float32Array>;
}

/** Opens a tile's header (GeoTIFF or ESRI ASCII grid, see engine/geo/dem.ts). */
async function openTile(file: string, crs?: string): Promise<TileSource> {
  const d = await openDem(file, { crs });
  const name = basename(file).replace(/\.(tiff?|asc)$/i, '');
  return { file, name, grid: d.grid, nodata: d.nodata, read: () => d.read(), readWindow: (w) => d.readWindow(w) };
}

function checkTile(t: TileSource): void {
  const g = t.grid;
  const n = basename(t.file);
  // Geographic, vertical, geocentric or non-metre CRSs are refused by name (registry lookup).
  requireProjectedMetres(g.crs, n);
  if (Math.abs(g.resX - g.resY) > 1e-6 * g.resX) {
    throw new InputError(`${n}: pixels are not square (${g.resX} × ${g.resY} m); expected ${MODEL_PIXEL} × ${MODEL_PIXEL} m`);
  }
  const b = gridBounds(g);
  const k = scaleAt(g.crs, (b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2, n);
  const onGround = k === 1 ? '' : ` of ${g.crs} (${+(g.resX / k).toFixed(3)} m on the ground here: scale factor ${k.toFixed(3)})`;
  if (!(g.resX / k >= MIN_RES - 1e-9 && g.resX / k <= MAX_RES + 1e-9)) {
    throw new InputError(`${n}: pixel size ${g.resX} m${onGround}; the detector works on ${MODEL_PIXEL} m terrain and resamples ${MIN_RES}–${MAX_RES} m only`);
  }
  const wm = (g.width * g.resX) / k / MODEL_PIXEL;
  const hm = (g.height * g.resY) / k / MODEL_PIXEL;
  if (wm < 64 || hm < 64) {
    throw new InputError(`${n}: ${g.width}×${g.height} pixels (${+((g.width * g.resX) / k).toFixed(1)} × ${+((g.height * g.resY) / k).toFixed(1)} m on the ground) is too small; expected at least 32 × 32 m`);
  }
}

/** East–west and north–south scales differing by more than this: the projection is refused. */
const MAX_ANISOTROPY = 0.02;

/**
 * Metres of `crs` per ground metre at (x, y) as detection works at them (`workingScale`: 1 near
 * 1, else to within 0.27 %); InputError naming `source` when the projection stretches the ground
 * unequally there (an equirectangular grid: round mounds would look oval to the model).
 */
export function scaleAt(crs: string, x: number, y: number, source: string): number {
  const { k, kx, ky } = workingScale(crs, x, y);
  if (Math.abs(kx / ky - 1) > MAX_ANISOTROPY) {
    throw new InputError(`${source}: ${crs} stretches the ground unequally here (${kx.toFixed(3)} of its metres per ground metre east–west, ${ky.toFixed(3)} north–south), so a round mound would look oval; expected a conformal projected CRS (reproject with gdalwarp -t_srs EPSG:NNNN: EPSG:2154 Lambert-93 in France, the local UTM zone or national grid elsewhere)`);
  }
  return k;
}

export interface DetectRunOptions {
  crs?: string;
  /** minimum raw score kept, default: the calibration's floor */
  minScore?: number;
  onTile?: (r: TileReport) => void;
  timings?: Timings;
  /** tile names only used as margins for their neighbours (already processed) */
  skip?: ReadonlySet<string>;
  /**
   * run the model only over the tile's data and CROP_MARGIN_M around it (default true); false
   * runs it over the whole tile, nodata included (the same detections, slower on sparse tiles)
   */
  cropToData?: boolean;
}

/**
 * Context kept around a tile's data when the model runs on its data only: twice the margin a
 * tile takes from its neighbours, beyond the model's reach (a detection needs 10 m of data
 * around it anyway).
 */
export const CROP_MARGIN_M = 2 * MARGIN_M;

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
  const timings = opts.timings ?? { decode: 0, prep: 0, inference: 0, post: 0 };
  // Each tile is decoded once and kept while later tiles need it as a margin; the tiling module
  // then reads windows from the decoded arrays.
  const cache = new Map<string, Promise<Float32Array>>();
  const broken = new Map<string, unknown>();
  const tiles: TileSource[] = [];
  for (const f of files) {
    try {
      const t = await openTile(f, opts.crs);
      checkTile(t);
      const cached: TileSource = {
        ...t,
        read: () => {
          let p = cache.get(t.file);
          if (!p) {
            // A tile that cannot be decoded is reported at its own turn; as a neighbour it is
            // nodata. GeoTIFFs are decoded in a worker when the detector has some (decode time is
            // then the worker's own); any failure there is redone here for the proper message.
            const t0 = performance.now();
            const here = () => t.read().finally(() => { timings.decode += performance.now() - t0; });
            const viaWorker = det.decodeTiff && /\.tiff?$/i.test(t.file)
              ? det.decodeTiff(t.file).then(({ data, ms }) => {
                timings.decode += ms ?? 0;
                // anything openDem's read() refuses is re-read here for its message
                return data.length === t.grid.width * t.grid.height && hasData(data, t.nodata) && !wholeNumberSteps(data, t.nodata) ? data : here();
              }, here)
              : here();
            p = viaWorker.catch((err: unknown) => {
              broken.set(t.file, err);
              return new Float32Array(t.grid.width * t.grid.height).fill(Number.NaN);
            });
            cache.set(t.file, p);
          }
          return p;
        },
        readWindow: async (w: Window) => crop(await cached.read(), t.grid.width, w),
      };
      tiles.push(cached);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fail(f, err);
    }
  }
  // Tiles in different CRSs cannot share margins: each CRS is its own mosaic, run in turn.
  const crsList = [...new Set(tiles.map((t) => t.grid.crs))];
  if (crsList.length > 1) {
    const detections: Detection[] = [];
    for (const crs of crsList) {
      const r = await detectFiles(det, tiles.filter((t) => t.grid.crs === crs).map((t) => t.file), opts);
      detections.push(...r.detections);
      reports.push(...r.reports);
    }
    return { detections, reports };
  }
  const usable = tiles;
  const detections: Detection[] = [];
  if (usable.length === 0) return { detections, reports };
  // north rows first, west to east: neighbours needed by a tile are decoded just before it
  usable.sort((a, b) => b.grid.originY - a.grid.originY || a.grid.originX - b.grid.originX);
  // A CRS whose metres are not ground metres here (Web Mercator…) runs on a working grid of
  // 0.5 ground metres, with margins in ground metres: one scale for the mosaic, at its centre.
  const ub = usable.map((t) => gridBounds(t.grid)).reduce((a, b) => ({ minx: Math.min(a.minx, b.minx), miny: Math.min(a.miny, b.miny), maxx: Math.max(a.maxx, b.maxx), maxy: Math.max(a.maxy, b.maxy) }));
  const scale = scaleAt(usable[0].grid.crs, (ub.minx + ub.maxx) / 2, (ub.miny + ub.maxy) / 2, basename(usable[0].file));
  const mosaic = planTiles(usable, { marginMetres: MARGIN_M * scale, workingRes: MODEL_PIXEL * scale, groundScale: scale });
  const jobOf = new Map<MosaicTile, TileJob>(mosaic.jobs.map((j) => [j.tile, j]));
  const byFile = new Map(usable.map((t) => [t.file, t]));
  // fast path when every tile is already on the working grid: row copies instead of resampling
  const aligned = scale === 1 && mosaic.resampled.size === 0 && usable.every((t) => onGrid(t.grid.originX) && onGrid(t.grid.originY));
  const floor = opts.minScore ?? det.calibration.floor;
  const inflight = new Set<Promise<void>>();
  const perTile: Detection[][] = [];
  const needs = (j: TileJob) => {
    const b = gridBounds(j.padded);
    return mosaic.index.search(b.minx + 1e-3, b.miny + 1e-3, b.maxx - 1e-3, b.maxy - 1e-3).map((k) => mosaic.tiles[k].file);
  };
  for (let ti = 0; ti < usable.length; ti++) {
    const t = usable[ti];
    if (opts.skip?.has(t.name)) continue;
    const job = jobOf.get(t)!;
    let padded: Float32Array;
    try {
      const d0 = timings.decode;
      const tp0 = performance.now();
      const ready = aligned ? readAligned(job, needs(job).map((f) => byFile.get(f)!), timings) : readWithMargin(mosaic, job);
      // start decoding what the next tile needs (in the workers) while this one is assembled
      const next = usable.slice(ti + 1).find((v) => !opts.skip?.has(v.name));
      if (next && det.decodeTiff) for (const f of needs(jobOf.get(next)!)) void byFile.get(f)!.read().catch(() => {});
      padded = await ready;
      // the aligned path times its own copies (decoding may overlap, in workers)
      if (!aligned) timings.prep += performance.now() - tp0 - (timings.decode - d0);
      if (broken.has(t.file)) throw broken.get(t.file);
    } catch (err) {
      fail(t.file, err);
      continue;
    }
    const tp1 = performance.now();
    const P = job.padded;
    const W = roundUp(P.width, MODEL_STRIDE);
    const H = roundUp(P.height, MODEL_STRIDE);
    const buf = W === P.width && H === P.height ? padded : new Float32Array(W * H).fill(Number.NaN);
    if (buf !== padded) for (let r = 0; r < P.height; r++) buf.set(padded.subarray(r * P.width, (r + 1) * P.width), r * W);
    // Pixels without data — nodata in the tile or a neighbour, or beyond the mosaic's outer edge
    // where no tile is: detections whose object reaches them are dropped (the object may be cut,
    // and the model saw only part of its context).
    const holes = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) if (Number.isNaN(buf[i])) holes[i] = 1;
    fillNodata(buf, W, H, null);
    timings.prep += performance.now() - tp1;
    // the scale test reads the terrain after inference, when `buf` has gone to a worker: keep
    // its 2 m block means (a few ms per tile; counted as post-processing)
    const tc = performance.now();
    const coarse = det.scaleTest ? coarsen(buf, W, H, 4, job.padded.resX / scale) : null;
    timings.post += performance.now() - tc;
    // free decoded tiles no later tile needs
    const later = new Set(usable.slice(ti + 1).filter((v) => !opts.skip?.has(v.name)).flatMap((v) => needs(jobOf.get(v)!)));
    for (const f of [...cache.keys()]) if (!later.has(f)) cache.delete(f);
    // Inference of up to `concurrency` tiles runs in workers while this loop prepares the next
    // one; results are kept per tile index so the output order does not depend on timing.
    const par = det.concurrency ?? 1;
    while (inflight.size >= Math.max(1, par)) await Promise.race(inflight);
    // A tile that is mostly nodata (a coast, a survey's edge) runs over its data only.
    const win = opts.cropToData === false ? null : dataWindow(holes, W, H, Math.ceil(CROP_MARGIN_M / (P.resX / scale)));
    const task = (async () => {
      const ti0 = performance.now();
      const out = await (win ? det.run(crop(buf, W, win), win.width, win.height) : det.run(buf, W, H));
      timings.inference += out.ms ?? performance.now() - ti0;
      const tq = performance.now();
      const found = postProcess(det, out, t, job, holes, W, H, floor, coarse, scale, win ? { col: win.col / MODEL_STRIDE, row: win.row / MODEL_STRIDE } : undefined);
      perTile[ti] = found;
      timings.post += performance.now() - tq;
      const rs = mosaic.resampled.get(t.file);
      const r: TileReport = { file: t.file, tile: t.name, ok: true, detections: found.length, bounds: coreBounds(job.core), crs: t.grid.crs, ...(rs ? { resampled: rs } : {}) };
      reports.push(r);
      opts.onTile?.(r);
    })();
    const tracked: Promise<void> = task.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    if (par <= 1) await tracked;
  }
  await Promise.all(inflight);
  for (const found of perTile) if (found) detections.push(...found);
  // Vigie stores geometry in Lambert-93: tiles in another projected CRS (UTM overseas, a local
  // grid given with --crs) are detected in their own metres, then their positions reprojected.
  const crs = usable[0].grid.crs;
  if (normaliseCrs(crs) !== LAMBERT93) {
    const toL93 = transformer(crs, LAMBERT93);
    for (const d of detections) [d.x, d.y] = toL93(d.x, d.y);
    for (const r of reports) if (r.bounds && usable.some((t) => t.file === r.file)) r.bounds = reprojectBounds(r.bounds, toL93);
  }
  return { detections, reports };
}

function reprojectBounds(b: { minx: number; miny: number; maxx: number; maxy: number }, t: (x: number, y: number) => [number, number]) {
  const pts = [t(b.minx, b.miny), t(b.minx, b.maxy), t(b.maxx, b.miny), t(b.maxx, b.maxy)];
  return {
    minx: Math.min(...pts.map((p) => p[0])),
    miny: Math.min(...pts.map((p) => p[1])),
    maxx: Math.max(...pts.map((p) => p[0])),
    maxy: Math.max(...pts.map((p) => p[1])),
  };
}

/** Same rule as openDem's read(): a tile with no valid pixel is an error (then re-read for its message). */
function hasData(d: Float32Array, nodata: number | null): boolean {
  for (let i = 0; i < d.length; i++) if (d[i] === d[i] && d[i] !== nodata) return true;
  return false;
}

function onGrid(v: number): boolean {
  return Math.abs(v / MODEL_PIXEL - Math.round(v / MODEL_PIXEL)) < 1e-6;
}

/** Padded array of `job` from tiles on the working grid (NaN for nodata and where no tile is). */
async function readAligned(job: TileJob, tiles: TileSource[], timings: Timings): Promise<Float32Array> {
  const srcs = await Promise.all(tiles.map((t) => t.read()));
  const t0 = performance.now();
  const P = job.padded;
  const out = new Float32Array(P.width * P.height).fill(Number.NaN);
  for (const [k, t] of tiles.entries()) {
    const g = t.grid;
    const src = srcs[k];
    const dc = Math.round((g.originX - P.originX) / P.resX);
    const dr = Math.round((P.originY - g.originY) / P.resY);
    const c0 = Math.max(0, dc);
    const c1 = Math.min(P.width, dc + g.width);
    if (c1 <= c0) continue;
    for (let r = Math.max(0, dr); r < Math.min(P.height, dr + g.height); r++) {
      const so = (r - dr) * g.width - dc;
      out.set(src.subarray(so + c0, so + c1), r * P.width + c0);
      if (t.nodata !== null) for (let c = c0; c < c1; c++) if (out[r * P.width + c] === t.nodata) out[r * P.width + c] = Number.NaN;
    }
  }
  timings.prep += performance.now() - t0;
  return out;
}

/**
 * The window of a W × H tile (multiples of MODEL_STRIDE) holding every pixel with data and
 * `margin` pixels around it, on MODEL_STRIDE boundaries; null when it would not save at least a
 * third of the tile (or when there is no data: the tile runs whole, as before).
 */
export function dataWindow(holes: Uint8Array, W: number, H: number, margin: number): Window | null {
  let c0 = W, c1 = -1, r0 = H, r1 = -1;
  for (let r = 0; r < H; r++) {
    const o = r * W;
    let first = -1;
    let last = -1;
    for (let c = 0; c < W; c++) if (!holes[o + c]) { first = c; break; }
    if (first < 0) continue;
    for (let c = W - 1; c >= first; c--) if (!holes[o + c]) { last = c; break; }
    if (first < c0) c0 = first;
    if (last > c1) c1 = last;
    if (r < r0) r0 = r;
    r1 = r;
  }
  if (c1 < 0) return null;
  const down = (v: number) => Math.max(0, Math.floor(v / MODEL_STRIDE) * MODEL_STRIDE);
  const col = down(c0 - margin);
  const row = down(r0 - margin);
  const width = Math.min(W, Math.ceil((c1 + 1 + margin) / MODEL_STRIDE) * MODEL_STRIDE) - col;
  const height = Math.min(H, Math.ceil((r1 + 1 + margin) / MODEL_STRIDE) * MODEL_STRIDE) - row;
  return width * height <= (2 / 3) * W * H ? { col, row, width, height } : null;
}

function crop(data: Float32Array, width: number, w: Window): Float32Array {
  const out = new Float32Array(w.width * w.height);
  for (let r = 0; r < w.height; r++) out.set(data.subarray((w.row + r) * width + w.col, (w.row + r) * width + w.col + w.width), r * w.width);
  return out;
}

function roundUp(v: number, k: number): number {
  return Math.ceil(v / k) * k;
}

function coreBounds(g: Grid) {
  return { minx: g.originX, miny: g.originY - g.height * g.resY, maxx: g.originX + g.width * g.resX, maxy: g.originY };
}

function postProcess(
  det: Detector, out: { maps: Float32Array; width: number; height: number }, t: TileSource, job: TileJob, holes: Uint8Array, W: number, H: number,
  floor: number, coarse: Coarse | null, scale: number, offset?: { col: number; row: number },
): Detection[] {
  const g = job.padded;
  // a model cell in the CRS's metres (positions) and on the ground (sizes: the model's diameters are ground metres)
  const cell = MODEL_STRIDE * g.resX;
  const groundCell = cell / scale;
  const found = extractPeaks({ data: out.maps, width: out.width, height: out.height, classes: CLASSES.length }, { threshold: floor, cellSize: groundCell, minDistance: 1.5, nmsFactor: 0.5 });
  // maps of a window of the tile: cells counted from the padded tile's corner
  const peaks = offset ? found.map((p) => ({ ...p, col: p.col + offset.col, row: p.row + offset.row })) : found;
  const left = g.originX;
  const top = g.originY;
  const res: Detection[] = [];
  for (const p of peaks) {
    const x = left + p.col * cell;
    const y = top - p.row * cell;
    // half-open pixel intervals: a point on a seam belongs to exactly one tile
    if (!inCore(job, x, y)) continue;
    const diameter = Number.isFinite(p.diameter) ? p.diameter : 0;
    if (nearNodata(holes, W, H, Math.floor(p.col * MODEL_STRIDE), Math.floor(p.row * MODEL_STRIDE), (10 + diameter / 2) / (g.resX / scale))) continue;
    const cls = CLASSES[p.cls];
    let score = p.score;
    let contrast = Number.NaN;
    if (coarse && det.scaleTest && cls === 'mound') {
      // the candidate's centre in metres from the padded window's top-left corner
      contrast = riseContrast(coarse, p.col * groundCell, p.row * groundCell, diameter, det.scaleTest).contrast;
      score *= scaleFactor(contrast, det.scaleTest);
      if (score < floor) continue;
    }
    let confidence = det.calibration.confidence(cls, score);
    let level: string = levelOf(confidence, det.calibration);
    if (det.scaleTest && cls === 'mound' && capLevel(level, contrast, det.scaleTest) !== level) {
      // a low-contrast mound is at most « probable »: its confidence is kept just under the band
      level = 'probable';
      confidence = Math.min(confidence, (det.calibration.file.bands?.very_probable ?? 0.85) - 0.001);
    }
    res.push({ tile: t.name, cls, score, confidence, level, diameter, x, y });
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
