/**
 * TIN-linear rasterisation: a Delaunay triangulation (delaunator) of scattered points, sampled
 * at every pixel centre of a grid by linear interpolation inside the triangle that contains it
 * — what IGN's DTM production does (startin `interpolate_tin_linear`, or PDAL
 * `filters.delaunay` + `filters.faceraster`). Pixel centres outside the triangulation, or inside
 * a triangle with an edge longer than `maxEdge` (ground missing: a building, water, a gap in
 * the survey), are nodata.
 */
import Delaunator from 'delaunator';
import type { Grid } from '../geo/grid.ts';

export interface TinOptions {
  /** longest triangle edge (CRS units) interpolated across; longer → nodata */
  maxEdge: number;
  nodata: number;
}

export interface TinResult {
  data: Float32Array;
  /** triangles built / dropped for a too-long edge */
  triangles: number;
  dropped: number;
  /** pixels given a value */
  filled: number;
  /** milliseconds spent triangulating and rasterising */
  triangulateMs: number;
  rasteriseMs: number;
}

/**
 * Samples the TIN of (x, y, z) at the pixel centres of `g`. Points with the same x, y as an
 * earlier one are ignored by the triangulation (the first one's z is used).
 */
export function rasteriseTin(x: Float64Array, y: Float64Array, z: Float64Array, g: Grid, opts: TinOptions): TinResult {
  const n = x.length;
  const data = new Float32Array(g.width * g.height).fill(opts.nodata);
  const t0 = performance.now();
  // Coordinates relative to the grid origin keep full precision in the orientation tests.
  const coords = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    coords[2 * i] = x[i] - g.originX;
    coords[2 * i + 1] = y[i] - g.originY;
  }
  if (n < 3) return { data, triangles: 0, dropped: 0, filled: 0, triangulateMs: performance.now() - t0, rasteriseMs: 0 };
  const tris = new Delaunator(coords).triangles;
  const t1 = performance.now();
  const maxEdge2 = opts.maxEdge * opts.maxEdge;
  const res = g.resX;
  const resY = g.resY;
  const W = g.width;
  const H = g.height;
  let dropped = 0;
  let filled = 0;
  for (let t = 0; t < tris.length; t += 3) {
    const a = tris[t];
    const b = tris[t + 1];
    const c = tris[t + 2];
    const ax = coords[2 * a];
    const ay = coords[2 * a + 1];
    const bx = coords[2 * b];
    const by = coords[2 * b + 1];
    const cx = coords[2 * c];
    const cy = coords[2 * c + 1];
    const e1 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay);
    const e2 = (cx - bx) * (cx - bx) + (cy - by) * (cy - by);
    const e3 = (ax - cx) * (ax - cx) + (ay - cy) * (ay - cy);
    if (e1 > maxEdge2 || e2 > maxEdge2 || e3 > maxEdge2) {
      dropped++;
      continue;
    }
    // Pixel centres (col + 0.5) · res, −(row + 0.5) · resY inside the triangle's bounding box.
    const minx = Math.min(ax, bx, cx);
    const maxx = Math.max(ax, bx, cx);
    const miny = Math.min(ay, by, cy);
    const maxy = Math.max(ay, by, cy);
    const c0 = Math.max(0, Math.ceil(minx / res - 0.5));
    const c1 = Math.min(W - 1, Math.floor(maxx / res - 0.5));
    const r0 = Math.max(0, Math.ceil(-maxy / resY - 0.5));
    const r1 = Math.min(H - 1, Math.floor(-miny / resY - 0.5));
    if (c0 > c1 || r0 > r1) continue;
    const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
    if (det === 0) continue;
    const za = z[a];
    const zb = z[b];
    const zc = z[c];
    // Points on a shared edge belong to both triangles (same value): a small tolerance keeps
    // pixel centres on edges from falling through rounding.
    const eps = -1e-12;
    for (let r = r0; r <= r1; r++) {
      const py = -(r + 0.5) * resY;
      for (let col = c0; col <= c1; col++) {
        const px = (col + 0.5) * res;
        const l1 = ((by - cy) * (px - cx) + (cx - bx) * (py - cy)) / det;
        if (l1 < eps) continue;
        const l2 = ((cy - ay) * (px - cx) + (ax - cx) * (py - cy)) / det;
        if (l2 < eps) continue;
        const l3 = 1 - l1 - l2;
        if (l3 < eps) continue;
        const k = r * W + col;
        if (data[k] === opts.nodata) filled++;
        data[k] = l1 * za + l2 * zb + l3 * zc;
      }
    }
  }
  return { data, triangles: tris.length / 3, dropped, filled, triangulateMs: t1 - t0, rasteriseMs: performance.now() - t1 };
}
