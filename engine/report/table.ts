/**
 * The one shape every export format writes: a named layer of rows with typed fields and one
 * Lambert-93 geometry per row (Point or MultiPolygon, or null). Formats reproject at the edge.
 */
import type { Geometry } from '../io/vector.ts';

export type FieldType = 'text' | 'real' | 'integer' | 'boolean';
export type Value = string | number | boolean | null;

export interface Field {
  name: string;
  type: FieldType;
  /** French label, used as the CSV header and as the field alias where the format has one */
  title: string;
}

export interface ExportTable {
  /** layer name (GeoPackage table, FlatGeobuf header name) */
  name: string;
  /** one sentence saying what a row is, in French */
  description: string;
  geometryType: 'Point' | 'MultiPolygon';
  fields: Field[];
  rows: ExportRow[];
}

export interface ExportRow {
  values: Value[];
  /** GeoJSON geometry in EPSG:2154 metres, or null (kept as a row without geometry) */
  geometry: Geometry | null;
}

/** Axis-aligned bounds of every coordinate of the rows' geometries (NaN when none). */
export function tableBounds(rows: readonly ExportRow[], project?: (x: number, y: number) => [number, number]): [number, number, number, number] {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const r of rows) {
    if (!r.geometry) continue;
    eachPosition(r.geometry, (x, y) => {
      const [px, py] = project ? project(x, y) : [x, y];
      if (px < minx) minx = px;
      if (py < miny) miny = py;
      if (px > maxx) maxx = px;
      if (py > maxy) maxy = py;
    });
  }
  return minx === Infinity ? [NaN, NaN, NaN, NaN] : [minx, miny, maxx, maxy];
}

export function eachPosition(g: Geometry, fn: (x: number, y: number) => void): void {
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') fn(c[0], c[1] as number);
    else for (const x of c) walk(x);
  };
  if (g.geometries) for (const p of g.geometries) eachPosition(p, fn);
  else walk(g.coordinates);
}

/** The same geometry with every position passed through `project`. */
export function mapPositions(g: Geometry, project: (x: number, y: number) => [number, number]): Geometry {
  const walk = (c: unknown): unknown => {
    if (!Array.isArray(c)) return c;
    if (typeof c[0] === 'number') return project(c[0], c[1] as number);
    return c.map(walk);
  };
  return g.geometries ? { type: g.type, geometries: g.geometries.map((p) => mapPositions(p, project)) } : { type: g.type, coordinates: walk(g.coordinates) };
}

/** Polygon → MultiPolygon, so a layer keeps one geometry type. */
export function asMultiPolygon(g: Geometry | null): Geometry | null {
  if (!g) return null;
  if (g.type === 'MultiPolygon') return g;
  if (g.type === 'Polygon') return { type: 'MultiPolygon', coordinates: [g.coordinates] };
  throw new Error(`expected a Polygon or MultiPolygon, got ${g.type}`);
}
