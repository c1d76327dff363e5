/**
 * Detections in DuckDB: `detectTiles(store, paths)` runs the detector over tile files (or
 * folders), crosses candidates with known archaeological sites (« connu » within 30 m of a
 * heritage_sites point or inside its bounding box, else « nouveau ») and stores them per tile ×
 * model hash.
 *
 * Runs are keyed by content: a tile is « already done » when the same bytes (sha256 of the file)
 * were processed by the same model with the same settings (CRS override, calibration, margin,
 * working pixel) and every neighbour given now already gave it its margins then — whatever the
 * file is called. A new survey under an old tile name is processed and replaces that name's rows.
 * The result always holds the detections of every tile given, processed now or before.
 *
 * Storing goes through staging tables and one SQL statement set (`applyRuns`), shared with the
 * reduce of `vigie queue collect`, so both paths write the same rows.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Flatbush from 'flatbush';
import { InputError } from '../errors.ts';
import { LAMBERT93, normaliseCrs, registerCrs, toWgs84, transformer } from '../geo/crs.ts';
import { cutSheet, geoTiffPixels } from '../geo/cut-sheet.ts';
import { MAX_DEM_PIXELS, openDem } from '../geo/dem.ts';
import { gridBounds } from '../geo/grid.ts';
import { vrtSources } from '../geo/vrt.ts';
import type { Store } from '../store/store.ts';
import { detectFiles, loadDetector, MARGIN_M, type Detection, type Detector, type DetectorOptions, type TileReport, type Timings } from './infer.ts';
import { MODEL_PIXEL } from './model.ts';

export const KNOWN_SITE_DISTANCE_M = 30;

/** Version of what a run's settings hash covers; bump when the detection of a tile changes meaning. */
export const RUN_SETTINGS_VERSION = 1;

export interface StoredDetection extends Detection {
  id: string;
  novelty: 'connu' | 'nouveau';
  knownSiteId: string | null;
  modelHash: string;
}

const TILE_EXT = /\.(tiff?|asc|xyz)$/i;

/** Expands folders into the tile files they hold (.tif, .tiff, .asc, .xyz), sorted, and a GDAL virtual mosaic (.vrt) into the tiles it lists. */
export async function listTileFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      out.push(p); // reported per file by the detector
      continue;
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((f) => TILE_EXT.test(f)).sort();
      if (names.length === 0) throw new InputError(`${p}: no .tif, .asc or .xyz tiles in this folder`);
      out.push(...names.map((f) => join(p, f)));
    } else if (/\.vrt$/i.test(p)) out.push(...(await vrtSources(p)));
    else out.push(p);
  }
  return out;
}

/** Tile name of a file: its base name without the extension (as the detector names tiles). */
export function tileNameOf(file: string): string {
  return basename(file).replace(TILE_EXT, '');
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * The settings a tile's detections depend on besides its bytes and the model: the CRS given by
 * the user (`CODE` or `CODE=proj4`), the calibration, the margin and the working pixel.
 */
export function runSettings(det: Pick<Detector, 'calibration'>, crs: string | undefined): Record<string, unknown> {
  return { v: RUN_SETTINGS_VERSION, crs: crs ?? null, calibration: det.calibration.file, margin_m: MARGIN_M, pixel_m: MODEL_PIXEL };
}

/** First 12 hex digits of the sha256 of the settings' canonical JSON (keys sorted). */
export function settingsHash(settings: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 12);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** `<sha256 first 32 hex>_<model hash>_<settings hash>`: the key of a run and the queue's job id. */
export function runKeyOf(contentHash: string, modelHash: string, settings: string): string {
  return `${contentHash.slice(0, 32)}_${modelHash}_${settings}`;
}

/** A tile about to be run: its identity and the neighbours that give it its margins. */
export interface TileRun {
  file: string;
  tile: string;
  /** the --crs value for this file (`CODE` or `CODE=proj4`), if any */
  crs?: string;
  contentHash: string;
  settingsHash: string;
  runKey: string;
  /** content hashes (first 32 hex) of the tiles within the margin (same CRS), sorted */
  context: string[];
  /** the files of those tiles */
  neighbours: string[];
  /** the tile's extent in its own CRS, from its header (absent when the header is unreadable) */
  bounds?: { minx: number; miny: number; maxx: number; maxy: number; crs: string };
}

/**
 * Hashes each file and reads its header to find, among `files`, the neighbours within the
 * detector's margin. Unreadable files get a content hash of their bytes when they have any (the
 * detector reports them), else of their path.
 */
export async function planRuns(det: Pick<Detector, 'hash' | 'calibration'>, files: string[], crs?: string): Promise<TileRun[]> {
  if (crs?.includes('=')) {
    const [code, def] = crs.split(/=(.*)/s);
    registerCrs(code, def);
  }
  const code = crs?.split('=')[0];
  const sh = settingsHash(runSettings(det, crs));
  const runs: TileRun[] = [];
  for (const file of files) {
    let contentHash: string;
    try {
      contentHash = await sha256File(file);
    } catch {
      contentHash = createHash('sha256').update(`missing:${file}`).digest('hex');
    }
    let bounds: TileRun['bounds'];
    try {
      const d = await openDem(file, { crs: code });
      bounds = { ...gridBounds(d.grid), crs: d.grid.crs };
    } catch {
      bounds = undefined; // reported by the detector
    }
    runs.push({ file, tile: tileNameOf(file), crs, contentHash, settingsHash: sh, runKey: runKeyOf(contentHash, det.hash, sh), context: [], neighbours: [], bounds });
  }
  const placed = runs.filter((r) => r.bounds);
  if (placed.length > 0) {
    const index = new Flatbush(placed.length);
    for (const r of placed) index.add(r.bounds!.minx, r.bounds!.miny, r.bounds!.maxx, r.bounds!.maxy);
    index.finish();
    const eps = 1e-3;
    for (const r of placed) {
      const b = r.bounds!;
      const hits = index.search(b.minx - MARGIN_M + eps, b.miny - MARGIN_M + eps, b.maxx + MARGIN_M - eps, b.maxy + MARGIN_M - eps);
      const ctx = new Map<string, string>();
      for (const k of hits.sort((p, q) => p - q)) {
        const o = placed[k];
        if (o !== r && o.bounds!.crs === b.crs && o.contentHash !== r.contentHash && !ctx.has(o.contentHash)) ctx.set(o.contentHash, o.file);
      }
      r.context = [...ctx.keys()].map((h) => h.slice(0, 32)).sort();
      r.neighbours = [...ctx.values()];
    }
  }
  return runs;
}

/** One processed tile, as staged for `applyRuns` (also the tile row of a queue job's Parquet file). */
export interface RunTileRow {
  run_key: string;
  tile: string;
  model_hash: string;
  content_hash: string;
  settings_hash: string;
  /** neighbour content hashes, comma-separated */
  context: string;
  source_file: string;
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
  crs: string | null;
  detections: number;
  processed_at: string;
}

/** One detection of a processed tile; `n` counts from 1 within the tile, in the detector's order. */
export interface RunDetectionRow {
  run_key: string;
  n: number;
  class: string;
  score: number;
  confidence: number;
  level: string;
  diameter_m: number;
  x: number;
  y: number;
}

export const RUN_TILE_SQL =
  'run_key VARCHAR, tile VARCHAR, model_hash VARCHAR, content_hash VARCHAR, settings_hash VARCHAR, context VARCHAR, source_file VARCHAR, ' +
  'minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE, crs VARCHAR, detections INTEGER, processed_at TIMESTAMP';
export const RUN_DETECTION_SQL =
  'run_key VARCHAR, n INTEGER, class VARCHAR, score DOUBLE, confidence DOUBLE, level VARCHAR, diameter_m DOUBLE, x DOUBLE, y DOUBLE';

export const RUN_TILE_COLUMNS = [
  { type: 'varchar', get: (r: RunTileRow) => r.run_key },
  { type: 'varchar', get: (r: RunTileRow) => r.tile },
  { type: 'varchar', get: (r: RunTileRow) => r.model_hash },
  { type: 'varchar', get: (r: RunTileRow) => r.content_hash },
  { type: 'varchar', get: (r: RunTileRow) => r.settings_hash },
  { type: 'varchar', get: (r: RunTileRow) => r.context },
  { type: 'varchar', get: (r: RunTileRow) => r.source_file },
  { type: 'double', get: (r: RunTileRow) => r.minx },
  { type: 'double', get: (r: RunTileRow) => r.miny },
  { type: 'double', get: (r: RunTileRow) => r.maxx },
  { type: 'double', get: (r: RunTileRow) => r.maxy },
  { type: 'varchar', get: (r: RunTileRow) => r.crs },
  { type: 'integer', get: (r: RunTileRow) => r.detections },
  { type: 'varchar', get: (r: RunTileRow) => r.processed_at },
] as const;

export const RUN_DETECTION_COLUMNS = [
  { type: 'varchar', get: (d: RunDetectionRow) => d.run_key },
  { type: 'integer', get: (d: RunDetectionRow) => d.n },
  { type: 'varchar', get: (d: RunDetectionRow) => d.class },
  { type: 'double', get: (d: RunDetectionRow) => d.score },
  { type: 'double', get: (d: RunDetectionRow) => d.confidence },
  { type: 'varchar', get: (d: RunDetectionRow) => d.level },
  { type: 'double', get: (d: RunDetectionRow) => d.diameter_m },
  { type: 'double', get: (d: RunDetectionRow) => d.x },
  { type: 'double', get: (d: RunDetectionRow) => d.y },
] as const;

/** The staged rows of one tile run from the detector's report and detections. */
export function runRows(run: TileRun, modelHash: string, report: TileReport, dets: Detection[]): { tile: RunTileRow; detections: RunDetectionRow[] } {
  const b = report.bounds!;
  return {
    tile: {
      run_key: run.runKey, tile: report.tile, model_hash: modelHash, content_hash: run.contentHash, settings_hash: run.settingsHash,
      context: run.context.join(','), source_file: run.file, minx: b.minx, miny: b.miny, maxx: b.maxx, maxy: b.maxy,
      crs: report.crs ?? null, detections: dets.length, processed_at: new Date().toISOString(),
    },
    detections: dets.map((d, i) => ({
      run_key: run.runKey, n: i + 1, class: d.cls, score: d.score, confidence: d.confidence, level: d.level, diameter_m: d.diameter, x: d.x, y: d.y,
    })),
  };
}

let stagingSeq = 0;

/**
 * Stages rows in temporary tables filled by `fill` (given their names), then applies them to
 * detection_tiles and detections in one transaction: per tile name × model the latest staged run
 * (by processed_at) replaces what is stored, unless the same run with the same context is
 * already there (`replaceSame` replaces it anyway). Detections are numbered
 * `<model>:<tile>:<content 8 hex>:<n>` and crossed with known archaeological sites. Idempotent.
 * Returns the run keys applied.
 */
export async function applyRuns(
  store: Store,
  fill: (tables: { tiles: string; detections: string }) => Promise<void>,
  opts: { replaceSame?: boolean } = {},
): Promise<string[]> {
  const id = `${process.pid}_${++stagingSeq}`;
  const T = `staged_tiles_${id}`;
  const D = `staged_detections_${id}`;
  const P = `staged_pick_${id}`;
  return store.transaction(async (s) => {
    await s.run(`CREATE TEMP TABLE ${T} (${RUN_TILE_SQL})`);
    await s.run(`CREATE TEMP TABLE ${D} (${RUN_DETECTION_SQL})`);
    try {
      await fill({ tiles: T, detections: D });
      await s.run(
        `CREATE TEMP TABLE ${P} AS
           SELECT * FROM ${T}
           QUALIFY row_number() OVER (PARTITION BY tile, model_hash ORDER BY processed_at DESC, run_key DESC) = 1`,
      );
      if (!opts.replaceSame) {
        await s.run(
          `DELETE FROM ${P} p WHERE EXISTS (
             SELECT 1 FROM detection_tiles t WHERE t.tile = p.tile AND t.model_hash = p.model_hash AND t.run_key = p.run_key
               AND array_to_string(coalesce(t.context, []::VARCHAR[]), ',') = p.context)`,
        );
      }
      await s.run(`DELETE FROM detections d WHERE EXISTS (SELECT 1 FROM ${P} p WHERE p.tile = d.tile AND p.model_hash = d.model_hash)`);
      await s.run(`DELETE FROM detection_tiles d WHERE EXISTS (SELECT 1 FROM ${P} p WHERE p.tile = d.tile AND p.model_hash = d.model_hash)`);
      await s.run(
        `INSERT INTO detection_tiles (tile, model_hash, source_file, minx, miny, maxx, maxy, detections, processed_at, crs, content_hash, settings_hash, run_key, context)
         SELECT tile, model_hash, source_file, minx, miny, maxx, maxy, detections, processed_at, crs, content_hash, settings_hash, run_key,
                CASE WHEN context = '' THEN []::VARCHAR[] ELSE string_split(context, ',') END
         FROM ${P}`,
      );
      await s.run(
        `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, known_site_id, model_hash, detected_at)
         SELECT p.model_hash || ':' || p.tile || ':' || p.content_hash[1:8] || ':' || d.n, p.tile, d.class, d.score, d.confidence, d.level,
                d.diameter_m, d.x, d.y, 'nouveau', NULL, p.model_hash, p.processed_at
         FROM ${D} d JOIN ${P} p USING (run_key)`,
      );
      await crossKnownSitesSql(s, P);
      return (await s.all<{ run_key: string }>(`SELECT run_key FROM ${P} ORDER BY run_key`)).map((r) => r.run_key);
    } finally {
      for (const t of [P, D, T]) await s.run(`DROP TABLE IF EXISTS ${t}`);
    }
  });
}

/**
 * « connu » for detections of the picked runs within KNOWN_SITE_DISTANCE_M of an archaeological
 * site's point, or inside its bounding box (distance 0); the nearest site wins, ties by site id.
 */
async function crossKnownSitesSql(s: Store, picked: string): Promise<void> {
  const d = KNOWN_SITE_DISTANCE_M;
  await s.run(
    `UPDATE detections SET novelty = 'connu', known_site_id = k.site_id
     FROM (
       SELECT detection_id, site_id FROM (
         SELECT det.detection_id, s.site_id,
                CASE WHEN s.minx IS NOT NULL AND s.maxx IS NOT NULL AND s.miny IS NOT NULL AND s.maxy IS NOT NULL
                          AND det.x BETWEEN s.minx AND s.maxx AND det.y BETWEEN s.miny AND s.maxy THEN 0
                     WHEN s.x IS NOT NULL AND s.y IS NOT NULL THEN sqrt((s.x - det.x) ^ 2 + (s.y - det.y) ^ 2)
                END AS dist
         FROM detections det
         JOIN ${picked} p ON p.tile = det.tile AND p.model_hash = det.model_hash
         JOIN heritage_sites s ON s.site_kind = 'archaeo'
           AND coalesce(s.maxx, s.x) >= det.x - ${d} AND coalesce(s.minx, s.x) <= det.x + ${d}
           AND coalesce(s.maxy, s.y) >= det.y - ${d} AND coalesce(s.miny, s.y) <= det.y + ${d}
       ) WHERE dist <= ${d}
       QUALIFY row_number() OVER (PARTITION BY detection_id ORDER BY dist, site_id) = 1
     ) k
     WHERE detections.detection_id = k.detection_id`,
  );
}

/** The stored detections of the given run keys (those current for their tile name), in key order then n. */
export async function detectionsOfRuns(store: Store, runKeys: string[]): Promise<StoredDetection[]> {
  if (runKeys.length === 0) return [];
  const order = new Map(runKeys.map((k, i) => [k, i]));
  const rows = await store.all<{
    detection_id: string; tile: string; class: string; score: number; confidence: number | null; level: string; diameter_m: number | null;
    x: number; y: number; novelty: string; known_site_id: string | null; model_hash: string; run_key: string;
  }>(
    `SELECT d.detection_id, d.tile, d.class, d.score, d.confidence, d.level, d.diameter_m, d.x, d.y, d.novelty, d.known_site_id, d.model_hash, t.run_key
     FROM detections d JOIN detection_tiles t ON t.tile = d.tile AND t.model_hash = d.model_hash
     WHERE t.run_key IN (${runKeys.map(sqlString).join(', ')})`,
  );
  const nOf = (id: string) => Number(id.split(':').at(-1));
  rows.sort((a, b) => order.get(a.run_key)! - order.get(b.run_key)! || nOf(a.detection_id) - nOf(b.detection_id));
  return rows.map((r) => ({
    id: r.detection_id, tile: r.tile, cls: r.class as Detection['cls'], score: r.score, confidence: r.confidence ?? Number.NaN, level: r.level,
    diameter: r.diameter_m ?? 0, x: r.x, y: r.y, novelty: r.novelty as StoredDetection['novelty'], knownSiteId: r.known_site_id, modelHash: r.model_hash,
  }));
}

function sqlString(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

export interface DetectTilesOptions extends DetectorOptions {
  /**
   * CRS to read the tiles in (`CODE` or `CODE=proj4`): one value for every input, or one per
   * input path (file or folder, in order; `auto` keeps that input's own CRS).
   */
  crs?: string | string[];
  /** reprocess tiles already stored for this model (their rows are replaced) */
  force?: boolean;
  detector?: Detector;
  onTile?: (r: TileReport) => void;
  timings?: Timings;
  /** where terrain models built from point clouds (.laz/.las inputs) are kept, default var/cache/dtm */
  dtmCacheDir?: string;
  log?: (line: string) => void;
}

export interface DetectTilesResult {
  modelHash: string;
  reports: TileReport[];
  /** files skipped because their run (same content, model and settings) is stored */
  skipped: string[];
  /** detections of every tile given, processed now or before */
  detections: StoredDetection[];
  /** the CRS each tile given (name → CRS) was read in, for tiles whose header could be read */
  tileCrs: Record<string, string>;
}

/** Resolves `crs` against the input paths: one CRS value (or none) per path. */
export function crsPerInput(paths: string[], crs: string | string[] | undefined): (string | undefined)[] {
  const list = crs === undefined ? [] : Array.isArray(crs) ? crs : [crs];
  const norm = (v: string | undefined) => (v === undefined || /^auto$/i.test(v) ? undefined : v);
  if (list.length <= 1) return paths.map(() => norm(list[0]));
  if (list.length !== paths.length) {
    throw new InputError(
      `--crs given ${list.length} times for ${paths.length} input(s) (${paths.join(', ')}); ` +
        'give it once for every input, or once per input in the same order (--crs auto keeps an input\'s own CRS)',
    );
  }
  return list.map(norm);
}

const POINT_CLOUD = /\.(laz|las)$/i;

/** True when `p` is a point cloud file, or a folder holding point clouds and no terrain tile. */
async function isPointCloudInput(p: string): Promise<boolean> {
  if (POINT_CLOUD.test(p)) return true;
  const s = await stat(p).catch(() => null);
  if (!s?.isDirectory()) return false;
  const names = await readdir(p);
  const clouds = names.filter((f) => POINT_CLOUD.test(f));
  const rasters = names.filter((f) => TILE_EXT.test(f));
  if (clouds.length && rasters.length) {
    // the rasters may be a surface model, a product of the same clouds or another survey: not guessed
    throw new InputError(
      `${p}: holds both point clouds (${clouds.length}: ${clouds.slice(0, 2).join(', ')}${clouds.length > 2 ? '…' : ''}) and terrain rasters ` +
        `(${rasters.length}: ${rasters.slice(0, 2).join(', ')}${rasters.length > 2 ? '…' : ''}); give the files of one kind (e.g. ${join(p, '*.laz')}) or a folder of one kind`,
    );
  }
  return clouds.length > 0;
}

/**
 * Turns point-cloud inputs (LAZ, COPC, LAS, or folders of them) into 0.5 m terrain models with
 * `lazToDtm` (engine/lidar), written once into `cacheDir/<key>/`, the key being the sha256 of
 * the clouds' bytes and the CRS given: the same clouds give the same MNT files, hence the same
 * detection run keys. Other inputs pass through. Returns the inputs and CRS values to detect.
 */
export async function terrainInputs(
  paths: string[],
  crs: (string | undefined)[],
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<{ paths: string[]; crs: (string | undefined)[]; converted: { clouds: number; tiles: number; cached: boolean }[] }> {
  const out: string[] = [];
  const outCrs: (string | undefined)[] = [];
  const groups = new Map<string, string[]>();
  for (const [i, p] of paths.entries()) {
    if (await isPointCloudInput(p)) groups.set(crs[i] ?? '', [...(groups.get(crs[i] ?? '') ?? []), p]);
    else {
      for (const q of await cutLargeSheets(p, crs[i], cacheDir, log)) {
        out.push(q);
        outCrs.push(crs[i]);
      }
    }
  }
  const converted: { clouds: number; tiles: number; cached: boolean }[] = [];
  if (groups.size === 0) return { paths: out, crs: outCrs, converted };
  const { lazToDtm, listPointClouds } = await import('../lidar/dtm.ts');
  for (const [c, inputs] of groups) {
    const files = await listPointClouds(inputs);
    const h = createHash('sha256').update(`dtm v1 crs=${c}\n`);
    for (const f of [...files].sort()) h.update(`${basename(f)} ${await sha256File(f)}\n`);
    const dir = join(cacheDir, h.digest('hex').slice(0, 24));
    const cached = await cachedFolder(dir, files, async (tmp) => {
      log(`building terrain models from ${files.length} point cloud(s) into ${dir}`);
      await lazToDtm(files, { outDir: tmp, crs: c ? c.split('=')[0] : undefined });
    });
    converted.push({ clouds: files.length, tiles: (await readdir(dir)).filter((f) => TILE_EXT.test(f)).length, cached });
    out.push(dir);
    outCrs.push(undefined); // the MNT GeoTIFFs carry their CRS
  }
  return { paths: out, crs: outCrs, converted };
}

/**
 * A GeoTIFF over MAX_DEM_PIXELS given as terrain (alone or in a folder) is cut into tiles of about
 * 2,000 × 2,000 (engine/geo/cut-sheet.ts), cached beside the point clouds' MNT under a key of its
 * bytes and the CRS given: the same sheet gives the same tile files, hence the same run keys.
 * Returns what to detect in place of `p`: `p` itself when nothing is too large.
 */
async function cutLargeSheets(p: string, crs: string | undefined, cacheDir: string, log: (line: string) => void): Promise<string[]> {
  const s = await stat(p).catch(() => null);
  if (!s) return [p];
  const files = s.isDirectory() ? (await readdir(p)).filter((f) => /\.tiff?$/i.test(f)).sort().map((f) => join(p, f)) : /\.tiff?$/i.test(p) ? [p] : [];
  const large = new Set<string>();
  for (const f of files) if (((await geoTiffPixels(f)) ?? 0) > MAX_DEM_PIXELS) large.add(f);
  if (large.size === 0) return [p];
  const out = s.isDirectory() ? (await listTileFiles([p])).filter((f) => !large.has(f)) : [];
  for (const f of large) {
    const key = createHash('sha256').update(`cut v1 crs=${crs ?? ''}\n${await sha256File(f)}\n`).digest('hex').slice(0, 24);
    const dir = join(cacheDir, `cut-${key}`);
    const cached = await cachedFolder(dir, [f], (tmp) => cutSheet(f, tmp, { crs: crs ? crs.split('=')[0] : undefined, log }));
    if (cached) log(`${basename(f)}: too large to read whole, its tiles are in ${dir} (cut before)`);
    out.push(dir);
  }
  return out;
}

/**
 * A folder of the cache built once: `build` writes into a temporary folder renamed to `dir` when
 * it is complete (marked by `.complete`, listing `sources`), so an interrupted build leaves no
 * half folder. Returns true when `dir` was already complete.
 */
async function cachedFolder(dir: string, sources: string[], build: (tmp: string) => Promise<unknown>): Promise<boolean> {
  const { mkdir, rename, rm, writeFile: write } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  if (existsSync(join(dir, '.complete'))) return true;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await build(tmp);
  await write(join(tmp, '.complete'), `${sources.join('\n')}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return false;
}

export async function detectTiles(store: Store, paths: string[], opts: DetectTilesOptions = {}): Promise<DetectTilesResult> {
  const expanded = await terrainInputs(paths, crsPerInput(paths, opts.crs), opts.dtmCacheDir ?? join('var', 'cache', 'dtm'), opts.log);
  paths = expanded.paths;
  const perInput = expanded.crs;
  // group the files by the CRS they are read in: each group is one detector run (one mosaic per CRS)
  const groups = new Map<string, string[]>();
  const seen = new Map<string, string>();
  for (const [i, p] of paths.entries()) {
    for (const f of await listTileFiles([p])) {
      const name = tileNameOf(f);
      const other = seen.get(name);
      if (other === f) continue;
      if (other !== undefined) throw new InputError(`two tiles named ${name}: ${other} and ${f}; give one survey of a tile per run`);
      seen.set(name, f);
      const key = perInput[i] ?? '';
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
  }
  const det = opts.detector ?? (await loadDetector(opts));
  try {
    const stored = new Map(
      (await store.all<{ run_key: string; context: string[] | null }>(
        'SELECT run_key, context FROM detection_tiles WHERE model_hash = $1 AND run_key IS NOT NULL',
        [det.hash],
      )).map((r) => [r.run_key, new Set(r.context ?? [])]),
    );
    const reports: TileReport[] = [];
    const skipped: string[] = [];
    const allKeys: string[] = [];
    const tileRows: RunTileRow[] = [];
    const detRows: RunDetectionRow[] = [];
    const tileCrs: Record<string, string> = {};
    for (const [crs, files] of groups) {
      const runs = await planRuns(det, files, crs || undefined);
      for (const r of runs) if (r.bounds) tileCrs[r.tile] = r.bounds.crs;
      const skip = new Set<string>();
      const keysNow = new Set<string>();
      for (const r of runs) {
        const ctx = stored.get(r.runKey);
        const done = !opts.force && ((ctx && r.context.every((c) => ctx.has(c))) || keysNow.has(r.runKey));
        if (done) {
          skip.add(r.tile);
          skipped.push(r.file);
        }
        keysNow.add(r.runKey);
        if (!allKeys.includes(r.runKey)) allKeys.push(r.runKey);
      }
      if (skip.size === runs.length) continue;
      const code = crs ? crs.split('=')[0] : undefined;
      const res = await detectFiles(det, files, { crs: code, onTile: opts.onTile, timings: opts.timings, skip });
      reports.push(...res.reports);
      const byTile = new Map<string, Detection[]>();
      for (const d of res.detections) byTile.set(d.tile, [...(byTile.get(d.tile) ?? []), d]);
      const runOf = new Map(runs.map((r) => [r.file, r]));
      for (const rep of res.reports) {
        if (!rep.ok) continue;
        const rows = runRows(runOf.get(rep.file)!, det.hash, rep, byTile.get(rep.tile) ?? []);
        tileRows.push(rows.tile);
        detRows.push(...rows.detections);
      }
    }
    if (tileRows.length > 0) {
      await applyRuns(
        store,
        async ({ tiles, detections }) => {
          await store.append(tiles, tileRows, RUN_TILE_COLUMNS);
          await store.append(detections, detRows, RUN_DETECTION_COLUMNS);
        },
        { replaceSame: true },
      );
    }
    // keys of tiles that failed now are not stored: detectionsOfRuns leaves them out
    return { modelHash: det.hash, reports, skipped, detections: await detectionsOfRuns(store, allKeys), tileCrs };
  } finally {
    if (!opts.detector) await det.close();
  }
}

export interface GeoJsonCrsOptions {
  /** WGS 84 longitude, latitude (RFC 7946) */
  wgs84?: boolean;
  /** `EPSG:NNNN` to write in (detections are held in Lambert-93); default Lambert-93 */
  crs?: string;
}

/**
 * The CRS a GeoJSON of a run's detections is written in when the user names none: the tiles'
 * own CRS when they share one EPSG code (positions exact in the survey's own grid, whatever the
 * datum shift to Lambert-93 costs), else WGS 84 (tiles in several CRSs, or one the registry
 * does not name). Lambert-93 tiles stay in Lambert-93.
 */
export function defaultOutputCrs(tileCrs: Iterable<string>): GeoJsonCrsOptions {
  const set = [...new Set([...tileCrs].map((c) => normaliseCrs(c)))];
  if (set.length === 0 || (set.length === 1 && set[0] === LAMBERT93)) return {};
  if (set.length === 1 && /^EPSG:\d+$/.test(set[0])) return { crs: set[0] };
  return { wgs84: true };
}

/** GeoJSON FeatureCollection of detections; Lambert-93 coordinates unless `wgs84` or `crs`. */
export function detectionsGeoJson(dets: StoredDetection[], opts: GeoJsonCrsOptions = {}): object {
  const crs = opts.wgs84 ? null : normaliseCrs(opts.crs ?? LAMBERT93);
  const m = crs?.match(/^EPSG:(\d+)$/);
  if (crs && !m) throw new InputError(`GeoJSON output CRS ${crs}: expected an EPSG code (EPSG:NNNN) or WGS 84`);
  const to = crs && crs !== LAMBERT93 ? transformer(LAMBERT93, crs) : null;
  return {
    type: 'FeatureCollection',
    ...(m ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${m[1]}` } } } : {}),
    features: dets.map((d) => ({
      type: 'Feature',
      properties: {
        id: d.id, class: d.cls, score: round(d.score, 4), confidence: round(d.confidence, 3), level: d.level,
        diameter_m: round(d.diameter, 1), tile: d.tile, novelty: d.novelty, known_site_id: d.knownSiteId, model_hash: d.modelHash,
      },
      geometry: { type: 'Point', coordinates: !crs ? toWgs84(d.x, d.y).map((v) => round(v, 7)) : (to ? to(d.x, d.y) : [d.x, d.y]).map((v) => round(v, 2)) },
    })),
  };
}

function round(v: number, k: number): number {
  const f = 10 ** k;
  return Math.round(v * f) / f;
}

export async function writeDetectionsGeoJson(path: string, dets: StoredDetection[], opts: GeoJsonCrsOptions = {}): Promise<void> {
  await writeFile(path, JSON.stringify(detectionsGeoJson(dets, opts)) + '\n');
}
