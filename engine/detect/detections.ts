/**
 * Detections in DuckDB: `detectTiles(store, paths)` runs the detector over tile files (or
 * folders), crosses candidates with known archaeological sites (« connu » within 30 m of a
 * heritage_sites point or inside its bounding box, else « nouveau ») and stores them per tile ×
 * model hash, skipping tiles already processed by the same model. Also GeoJSON export.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { toWgs84 } from '../geo/crs.ts';
import type { Store } from '../store/store.ts';
import { detectFiles, loadDetector, type Detection, type Detector, type DetectorOptions, type TileReport, type Timings } from './infer.ts';

export const KNOWN_SITE_DISTANCE_M = 30;

export interface StoredDetection extends Detection {
  id: string;
  novelty: 'connu' | 'nouveau';
  knownSiteId: string | null;
  modelHash: string;
}

/** Expands folders into the tile files they hold (.tif, .tiff, .asc), sorted. */
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
      const names = (await readdir(p)).filter((f) => /\.(tiff?|asc)$/i.test(f)).sort();
      if (names.length === 0) throw new InputError(`${p}: no .tif or .asc tiles in this folder`);
      out.push(...names.map((f) => join(p, f)));
    } else out.push(p);
  }
  return out;
}

interface Site { site_id: string; x: number | null; y: number | null; minx: number | null; miny: number | null; maxx: number | null; maxy: number | null }

/** Known archaeological sites near the detections' extent; empty when the table is absent or empty. */
async function knownSites(store: Store, dets: Detection[]): Promise<Site[]> {
  if (dets.length === 0) return [];
  const d = KNOWN_SITE_DISTANCE_M;
  const minx = Math.min(...dets.map((p) => p.x)) - d;
  const maxx = Math.max(...dets.map((p) => p.x)) + d;
  const miny = Math.min(...dets.map((p) => p.y)) - d;
  const maxy = Math.max(...dets.map((p) => p.y)) + d;
  try {
    return await store.all<Site>(
      `SELECT site_id, x, y, minx, miny, maxx, maxy FROM heritage_sites
       WHERE site_kind = 'archaeo'
         AND coalesce(maxx, x) >= $1 AND coalesce(minx, x) <= $2 AND coalesce(maxy, y) >= $3 AND coalesce(miny, y) <= $4`,
      [minx, maxx, miny, maxy],
    );
  } catch (err) {
    if (/heritage_sites/.test((err as Error).message)) return [];
    throw err;
  }
}

export function crossKnownSites(dets: Detection[], sites: Site[], modelHash: string): StoredDetection[] {
  const counters = new Map<string, number>();
  return dets.map((p) => {
    let best: Site | null = null;
    let bestD = Infinity;
    for (const s of sites) {
      const inBox = s.minx !== null && s.maxx !== null && s.miny !== null && s.maxy !== null &&
        p.x >= s.minx && p.x <= s.maxx && p.y >= s.miny && p.y <= s.maxy;
      const dist = inBox ? 0 : s.x !== null && s.y !== null ? Math.hypot(s.x - p.x, s.y - p.y) : Infinity;
      if (dist <= KNOWN_SITE_DISTANCE_M && dist < bestD) {
        best = s;
        bestD = dist;
      }
    }
    const n = (counters.get(p.tile) ?? 0) + 1;
    counters.set(p.tile, n);
    return { ...p, id: `${modelHash}:${p.tile}:${n}`, novelty: best ? 'connu' : 'nouveau', knownSiteId: best?.site_id ?? null, modelHash };
  });
}

export interface DetectTilesOptions extends DetectorOptions {
  crs?: string;
  /** reprocess tiles already stored for this model (their rows are replaced) */
  force?: boolean;
  detector?: Detector;
  onTile?: (r: TileReport) => void;
  timings?: Timings;
}

export interface DetectTilesResult {
  modelHash: string;
  reports: TileReport[];
  skipped: string[];
  detections: StoredDetection[];
}

export async function detectTiles(store: Store, paths: string[], opts: DetectTilesOptions = {}): Promise<DetectTilesResult> {
  const files = await listTileFiles(paths);
  const det = opts.detector ?? (await loadDetector(opts));
  try {
    const done = new Set(
      (await store.all<{ source_file: string; tile: string }>('SELECT tile, source_file FROM detection_tiles WHERE model_hash = $1', [det.hash])).map((r) => r.tile),
    );
    const tileOf = (f: string) => f.replace(/^.*[\\/]/, '').replace(/\.(tiff?|asc)$/i, '');
    // already-processed tiles still serve as margins for their neighbours, but yield no rows
    const skipped = opts.force ? [] : files.filter((f) => done.has(tileOf(f)));
    const skip = new Set(skipped.map(tileOf));
    const { detections, reports } = await detectFiles(det, files, { crs: opts.crs, onTile: opts.onTile, timings: opts.timings, skip });
    const fresh = detections;
    const stored = crossKnownSites(fresh, await knownSites(store, fresh), det.hash);
    await store.transaction(async (s) => {
      for (const r of reports) {
        if (!r.ok) continue;
        await s.run('DELETE FROM detections WHERE tile = $1 AND model_hash = $2', [r.tile, det.hash]);
        await s.run('DELETE FROM detection_tiles WHERE tile = $1 AND model_hash = $2', [r.tile, det.hash]);
        const b = r.bounds!;
        await s.run(
          'INSERT INTO detection_tiles (tile, model_hash, source_file, minx, miny, maxx, maxy, detections, crs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [r.tile, det.hash, r.file, b.minx, b.miny, b.maxx, b.maxy, r.detections ?? 0, r.crs ?? null],
        );
      }
      await s.append('detections', stored, DETECTION_COLUMNS);
    });
    return { modelHash: det.hash, reports, skipped, detections: stored };
  } finally {
    if (!opts.detector) await det.close();
  }
}

const DETECTION_COLUMNS = [
  { type: 'varchar', get: (d: StoredDetection) => d.id },
  { type: 'varchar', get: (d: StoredDetection) => d.tile },
  { type: 'varchar', get: (d: StoredDetection) => d.cls },
  { type: 'double', get: (d: StoredDetection) => d.score },
  { type: 'double', get: (d: StoredDetection) => d.confidence },
  { type: 'varchar', get: (d: StoredDetection) => d.level },
  { type: 'double', get: (d: StoredDetection) => d.diameter },
  { type: 'double', get: (d: StoredDetection) => d.x },
  { type: 'double', get: (d: StoredDetection) => d.y },
  { type: 'varchar', get: (d: StoredDetection) => d.novelty },
  { type: 'varchar', get: (d: StoredDetection) => d.knownSiteId },
  { type: 'varchar', get: (d: StoredDetection) => d.modelHash },
  { type: 'varchar', get: () => new Date().toISOString() },
  { type: 'varchar', get: () => null },
] as const;

/** GeoJSON FeatureCollection of detections; Lambert-93 coordinates unless `wgs84`. */
export function detectionsGeoJson(dets: StoredDetection[], opts: { wgs84?: boolean } = {}): object {
  return {
    type: 'FeatureCollection',
    ...(opts.wgs84 ? {} : { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } } }),
    features: dets.map((d) => ({
      type: 'Feature',
      properties: {
        id: d.id, class: d.cls, score: round(d.score, 4), confidence: round(d.confidence, 3), level: d.level,
        diameter_m: round(d.diameter, 1), tile: d.tile, novelty: d.novelty, known_site_id: d.knownSiteId, model_hash: d.modelHash,
      },
      geometry: { type: 'Point', coordinates: opts.wgs84 ? toWgs84(d.x, d.y).map((v) => round(v, 7)) : [round(d.x, 2), round(d.y, 2)] },
    })),
  };
}

function round(v: number, k: number): number {
  const f = 10 ** k;
  return Math.round(v * f) / f;
}

export async function writeDetectionsGeoJson(path: string, dets: StoredDetection[], opts: { wgs84?: boolean } = {}): Promise<void> {
  await writeFile(path, JSON.stringify(detectionsGeoJson(dets, opts)) + '\n');
}
