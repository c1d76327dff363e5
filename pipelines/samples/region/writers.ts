/**
 * Byte-stable text writers for the generated files: CSV with the quoting the published files use,
 * GeoJSON laid out as GDAL writes it (one feature per line), fixed rounding of coordinates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toWgs84 } from '../../../engine/geo/crs.ts';
import type { XY } from './geography.ts';

export type Geometry =
  | { type: 'Point'; coordinates: XY }
  | { type: 'LineString'; coordinates: XY[] }
  | { type: 'Polygon'; coordinates: XY[][] }
  | { type: 'MultiPolygon'; coordinates: XY[][][] };

export interface Feature {
  properties: Record<string, string | number | null>;
  geometry: Geometry;
}

export const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no "-0" in the files
};

/** Lambert-93 → WGS84 [lon, lat] rounded to 6 decimals (~0.1 m), as RFC 7946 asks. */
export const lonLat = ([x, y]: XY): XY => {
  const [lon, lat] = toWgs84(x, y);
  return [round(lon, 6), round(lat, 6)];
};
export const metres = ([x, y]: XY): XY => [round(x, 1), round(y, 1)];

export function mapGeometry(g: Geometry, f: (p: XY) => XY): Geometry {
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: f(g.coordinates) };
    case 'LineString':
      return { type: 'LineString', coordinates: g.coordinates.map(f) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(f)) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((r) => r.map(f))) };
  }
}

/**
 * A FeatureCollection text. With `lambert93` the file carries the `crs` member GDAL writes for
 * EPSG:2154 (pre-RFC 7946 GeoJSON, as Géorisques downloads are).
 */
export function geojsonText(name: string, features: readonly Feature[], opts: { lambert93?: boolean } = {}): string {
  const head = ['{', '"type": "FeatureCollection",', `"name": ${JSON.stringify(name)},`];
  if (opts.lambert93) head.push('"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::2154" } },');
  head.push('"features": [');
  const lines = features.map(
    (f, i) =>
      `{ "type": "Feature", "properties": ${JSON.stringify(f.properties)}, "geometry": ${JSON.stringify(f.geometry)} }` +
      (i < features.length - 1 ? ',' : ''),
  );
  return [...head, ...lines, ']', '}', ''].join('\n');
}

/** One CSV record; fields are quoted only when they contain the delimiter, a quote or a line break. */
export function csvRecord(fields: readonly (string | number)[], delimiter: string): string {
  return fields
    .map((f) => {
      const s = String(f);
      return s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r') ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(delimiter);
}

export function csvText(header: readonly string[], rows: readonly (readonly (string | number)[])[], delimiter: string, bom = false): string {
  const lines = [csvRecord(header, delimiter), ...rows.map((r) => csvRecord(r, delimiter))];
  return (bom ? '\ufeff' : '') + lines.join('\n') + '\n';
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, 'utf8');
}
