/**
 * Plumbing shared by the hazard and heritage-layer importers: options, geometry validation
 * with a reason a person can act on, reprojection to Lambert-93, the France placement check
 * (which also catches a wrong CRS and swapped lat/lon), number parsing, layer replacement.
 */
import { basename, extname } from 'node:path';
import { CrsError, InputError, show, where } from '../errors.ts';
import { LAMBERT93, WGS84, isGeographic, transformer, type Transform } from '../geo/crs.ts';
import type { ImportIssue, ImportOptions } from '../importers.ts';
import type { Geometry } from '../io/vector.ts';
import type { Store } from '../store/store.ts';
import { HAZARDS, type Hazard } from '../risk/config.ts';

// One hazard list for the whole engine: the risk method's.
export { HAZARDS, type Hazard };

/** Options of the layer importers beyond the common ones (CLI `--hazard`, `--layer`, `--warming`). */
export interface LayerImportOptions extends ImportOptions {
  hazard?: string;
  layer?: string;
  warming?: string;
  /** DRIAS scenario/horizon → warming level overrides, `RCP4.5/H3=+2.7,…` (CLI `--level-map`) */
  levelMap?: string;
  /** risk settings to read instead of config/risk.json (DRIAS: level_map and the indicators hazards use) */
  config?: string;
}

export const OPEN_LICENCE = 'Licence Ouverte / Open Licence 2.0';

export function hazardOption(options: LayerImportOptions, allowed: readonly Hazard[], file: string): Hazard | undefined {
  const h = options.hazard?.trim();
  if (!h) return undefined;
  if (!(allowed as readonly string[]).includes(h)) {
    throw new InputError(`${file}: --hazard ${show(h)} is not valid here (expected one of: ${allowed.join(', ')})`);
  }
  return h as Hazard;
}

/** Layer name: --layer, else the file name without extension. */
export function layerName(options: LayerImportOptions, path: string): string {
  const n = options.layer?.trim() || basename(path, extname(path));
  if (!/^[\w.:+-]+$/.test(n)) throw new InputError(`--layer ${show(n)}: use letters, digits, _ . : + - only`);
  return n;
}

/** An issue with its message, in the shape importLayer stores. */
export function issue(
  file: string,
  line: number | null,
  reason: string,
  text: string,
  extra: { recordId?: string; field?: string; value?: string; kept: boolean; at?: string },
): ImportIssue {
  return {
    line,
    reason,
    recordId: extra.recordId,
    field: extra.field,
    value: extra.value,
    kept: extra.kept,
    // Vector features have no text line: `at` names them (`zones.gpkg, feature 12`).
    message: `${extra.at ? `${extra.at}${extra.field ? `, ${extra.field}` : ''}` : where(file, line ?? undefined, extra.field)}: ${text}`,
  };
}

/** A number from a field ("12.5", "12,5", 12.5); '' / null → null; anything else → InputError. */
export function parseNumber(value: unknown, at: string, expected: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError(`${at}: ${show(value)} is not a finite number (expected ${expected})`);
    return value;
  }
  const s = String(value).trim();
  if (s === '') return null;
  const n = Number(s.replace(',', '.'));
  if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)(e[+-]?\d+)?$/i.test(s) || !Number.isFinite(n)) {
    throw new InputError(`${at}: ${show(s)} is not a number (expected ${expected})`);
  }
  return n;
}

/** Case-insensitive property lookup over a list of aliases; returns [name, value]. */
export function pick(props: Record<string, unknown>, aliases: readonly string[]): [string, unknown] | undefined {
  for (const a of aliases) {
    for (const k in props) if (k.toLowerCase() === a) return [k, props[k]];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Geometry

/** Why `g` is not a usable geometry of the allowed types, or undefined when it is. */
export function geometryProblem(g: Geometry | null, allowed: readonly string[]): string | undefined {
  if (!g || typeof g !== 'object') return `no geometry (expected ${allowed.join(' or ')})`;
  if (!allowed.includes(g.type)) return `geometry type ${show(g.type)} (expected ${allowed.join(' or ')})`;
  const c = g.coordinates;
  const pos = (p: unknown, at: string): string | undefined =>
    Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1])
      ? undefined
      : `${at}: ${showPosition(p)} is not a position (expected two finite numbers)`;
  const line = (l: unknown, at: string): string | undefined => {
    if (!Array.isArray(l)) return `${at} is not an array of positions`;
    for (let i = 0; i < l.length; i++) {
      const p = pos(l[i], `${at}, position ${i}`);
      if (p) return p;
    }
    if (l.length < 2) return `${at} has ${l.length} position(s) (expected at least 2)`;
    return undefined;
  };
  const ring = (r: unknown, at: string): string | undefined => {
    const p = line(r, at);
    if (p) return p;
    const rr = r as number[][];
    if (rr.length < 4) return `${at} has ${rr.length} positions (expected at least 4, first = last)`;
    const a = rr[0];
    const b = rr[rr.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) return `${at} is not closed: first ${showPosition(a)} ≠ last ${showPosition(b)} (expected a ring that ends where it starts)`;
    return undefined;
  };
  const polygon = (p: unknown, at: string): string | undefined => {
    if (!Array.isArray(p) || p.length === 0) return `${at}has no rings (expected an outer ring of at least 4 positions)`;
    for (let r = 0; r < p.length; r++) {
      const e = ring(p[r], `${at}ring ${r}`);
      if (e) return e;
    }
    return undefined;
  };
  const many = (parts: unknown, each: (x: unknown, at: string) => string | undefined, what: string) => {
    if (!Array.isArray(parts) || parts.length === 0) return `${g.type} without ${what}s (expected at least one)`;
    for (let i = 0; i < parts.length; i++) {
      const e = each(parts[i], `${what} ${i}, `);
      if (e) return e;
    }
    return undefined;
  };
  switch (g.type) {
    case 'Point': return pos(c, 'point');
    case 'MultiPoint': return many(c, (p, at) => pos(p, at.slice(0, -2)), 'point');
    case 'LineString': return line(c, 'line');
    case 'MultiLineString': return many(c, (l, at) => line(l, at.slice(0, -2)), 'line');
    case 'Polygon': return polygon(c, '');
    case 'MultiPolygon': return many(c, polygon, 'polygon');
    default: return `geometry type ${show(g.type)} is not supported`;
  }
}

/** A bad position for a message, without recursing into whatever it holds (it may be nested 10,000 deep). */
function showPosition(p: unknown): string {
  if (!Array.isArray(p)) return show(p === undefined ? 'nothing' : typeof p === 'object' ? (p === null ? 'null' : 'an object') : String(p), 40);
  const items = p.slice(0, 3).map((v) => (Array.isArray(v) ? '[…]' : typeof v === 'number' ? String(v) : v === null ? 'null' : JSON.stringify(String(v))));
  return `[${items.join(', ')}${p.length > 3 ? ', …' : ''}]`;
}

/** Applies `t` to every position of a Point/Line/Polygon/Multi* geometry. */
export function reproject(g: Geometry, t: Transform): Geometry {
  const map = (c: unknown): unknown =>
    typeof (c as unknown[])[0] === 'number' ? t((c as number[])[0], (c as number[])[1]) : (c as unknown[]).map(map);
  return { type: g.type, coordinates: map(g.coordinates) };
}

export interface BBox4 { minx: number; miny: number; maxx: number; maxy: number }

export function bboxOf(g: Geometry): BBox4 {
  const b = { minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity };
  const walk = (c: unknown): void => {
    if (typeof (c as unknown[])[0] === 'number') {
      const [x, y] = c as number[];
      if (x < b.minx) b.minx = x;
      if (y < b.miny) b.miny = y;
      if (x > b.maxx) b.maxx = x;
      if (y > b.maxy) b.maxy = y;
    } else for (const p of c as unknown[]) walk(p);
  };
  walk(g.coordinates);
  return b;
}

/** First position of a geometry, for placement checks. */
export function firstPosition(g: Geometry): [number, number] {
  let c: unknown = g.coordinates;
  while (Array.isArray(c) && typeof c[0] !== 'number') c = c[0];
  return [(c as number[])[0], (c as number[])[1]];
}

/** Longitude/latitude boxes of metropolitan France and the overseas departments. */
const FRANCE_BOXES: [string, number, number, number, number][] = [
  ['metropolitan France', -5.8, 41.2, 10.0, 51.3],
  ['Guadeloupe/Martinique', -63.2, 14.3, -60.7, 18.2],
  ['Guyane', -54.7, 2.0, -51.5, 6.0],
  ['La Réunion', 55.1, -21.5, 55.9, -20.8],
  ['Mayotte', 44.9, -13.1, 45.4, -12.5],
  ['Saint-Pierre-et-Miquelon', -56.6, 46.7, -56.1, 47.2],
];

export function inFrance(lon: number, lat: number): boolean {
  return FRANCE_BOXES.some(([, a, b, c, d]) => lon >= a && lon <= c && lat >= b && lat <= d);
}

/**
 * Builds the transform from `crs` to Lambert-93 plus a checker that the positions land in
 * France. The checker turns the usual mistakes into messages that name the fix: projected
 * metres declared as degrees (or the reverse) → CrsError suggesting --crs; lat/lon swapped →
 * named; anywhere else → outside France.
 */
export function placement(file: string, crs: string) {
  const toL93 = transformer(crs, LAMBERT93);
  const toWgs = transformer(crs, WGS84);
  const geographic = isGeographic(crs);
  return {
    toL93,
    /** throws unless (x, y) in the layer's CRS lies in France; `at` names the record */
    check(x: number, y: number, at: string): void {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        throw new InputError(`${at}: position ${fmt(x)}, ${fmt(y)} is not a position (expected two finite numbers)`);
      }
      if (geographic && (Math.abs(x) > 180 || Math.abs(y) > 90)) {
        throw new CrsError(
          `${at}: position ${fmt(x)}, ${fmt(y)} is in metres but the layer's CRS is ${crs} (degrees); ` +
            `the file's CRS is missing or wrong: give it with --crs (e.g. --crs EPSG:2154 for Lambert-93)`,
        );
      }
      if (!geographic && Math.abs(x) <= 180 && Math.abs(y) <= 90) {
        throw new CrsError(
          `${at}: position ${fmt(x)}, ${fmt(y)} looks like degrees but the layer's CRS is ${crs} (metres); ` +
            `the file's CRS is wrong: give it with --crs EPSG:4326`,
        );
      }
      const [lon, lat] = toWgs(x, y);
      if (inFrance(lon, lat)) return;
      if (geographic && inFrance(y, x)) {
        throw new InputError(
          `${at}: position ${fmt(x)}, ${fmt(y)} has latitude and longitude swapped ` +
            `(expected longitude first: ${fmt(y)}, ${fmt(x)}; GeoJSON is [lon, lat])`,
        );
      }
      throw new InputError(
        `${at}: position ${fmt(x)}, ${fmt(y)} (${crs}) lies outside France (lon ${lon.toFixed(3)}, lat ${lat.toFixed(3)}); ` +
          `check the file's CRS or give the right one with --crs`,
      );
    },
    /**
     * check() for every position of a geometry, not only the first: one far-away vertex (a typo,
     * a placeholder 0 or 1e308) would otherwise stretch the stored shape across the world. The
     * two corners of the bounding box are checked first; only when one fails are the positions
     * walked to name the first bad one.
     */
    checkGeometry(g: Geometry, at: string): void {
      const [x0, y0] = firstPosition(g);
      this.check(x0, y0, at);
      const b = bboxOf(g);
      try {
        this.check(b.minx, b.miny, at);
        this.check(b.maxx, b.maxy, at);
        return;
      } catch {
        // a vertex lies outside France: find and name it
      }
      let n = 0;
      const walk = (c: unknown): void => {
        if (typeof (c as unknown[])[0] === 'number') {
          this.check((c as number[])[0], (c as number[])[1], `${at}, position ${n++}`);
        } else for (const p of c as unknown[]) walk(p);
      };
      walk(g.coordinates);
    }
  };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '');
}

/** Deletes the rows a re-import replaces. */
export async function clearLayer(store: Store, table: string, layer: string, extra = ''): Promise<void> {
  await store.run(`DELETE FROM ${table} WHERE layer = $1 ${extra}`, [layer]);
}

export interface HazardLayerRow {
  layer: string;
  hazard: Hazard;
  /** `context`: stored and shown, never scored (PPR regulatory zones, perimeters, families Vigie does not score) */
  kind: 'zones' | 'lines' | 'commune_table' | 'climate_grid' | 'raster' | 'context';
  source_file: string;
  raster_path?: string | null;
  crs: string;
  vintage?: string | null;
  licence?: string | null;
  format: string;
  schema: string;
  feature_count: number;
  nodata?: number | null;
  bbox?: BBox4 | null;
}

/** Inserts or replaces the layer's hazard_layers row. */
export async function upsertHazardLayer(store: Store, row: HazardLayerRow, catalogueId: number, vintage: string | null): Promise<void> {
  await store.run('DELETE FROM hazard_layers WHERE layer = $1', [row.layer]);
  const b = row.bbox && Number.isFinite(row.bbox.minx) ? row.bbox : null;
  await store.run(
    `INSERT INTO hazard_layers (layer, hazard, kind, source_file, raster_path, crs, vintage, licence, catalogue_id,
       format, schema, feature_count, nodata, minx, miny, maxx, maxy)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      row.layer, row.hazard, row.kind, row.source_file, row.raster_path ?? null, row.crs, row.vintage ?? vintage,
      row.licence ?? null, catalogueId, row.format, row.schema, row.feature_count, row.nodata ?? null,
      b?.minx ?? null, b?.miny ?? null, b?.maxx ?? null, b?.maxy ?? null,
    ],
  );
}

/** The catalogue vintage importLayer will store: --vintage, the data's own, else the file date. */
export function effectiveVintage(options: ImportOptions, own: string | undefined, modified: string): string {
  return options.vintage ?? own ?? modified;
}
