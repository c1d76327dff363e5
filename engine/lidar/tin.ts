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
  /** milliseconds spent ordering + triangulating and rasterising (wall clock, and CPU time of the process) */
  triangulateMs: number;
  rasteriseMs: number;
  triangulateCpuMs: number;
  rasteriseCpuMs: number;
}

const cpuMs = (since?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/**
 * Samples the TIN of (x, y, z) at the pixel centres of `g`. Points with the same x, y as an
 * earlier one are ignored by the triangulation (the first one's z is used).
 */
export function rasteriseTin(x: Float64Array, y: Float64Array, z: Float64Array, g: Grid, opts: TinOptions): TinResult {
  const n = x.length;
  const data = new Float32Array(g.width * g.height).fill(opts.nodata);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Points in Morton (Z) order of a grid of cells: neighbours in space are neighbours in memory,
  // which halves delaunator's time on millions of points. Coordinates relative to the grid
  // origin keep full precision in the orientation tests.
  const order = mortonOrder(x, y, n);
  const coords = new Float64Array(2 * n);
  const zs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    coords[2 * k] = x[i] - g.originX;
    coords[2 * k + 1] = y[i] - g.originY;
    zs[k] = z[i];
  }
  if (n < 3) return { data, triangles: 0, dropped: 0, filled: 0, triangulateMs: performance.now() - t0, rasteriseMs: 0, triangulateCpuMs: cpuMs(c0), rasteriseCpuMs: 0 };
  const tris = new Delaunator(coords).triangles;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
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
    const za = zs[a];
    const zb = zs[b];
    const zc = zs[c];
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
  return {
    data,
    triangles: tris.length / 3,
    dropped,
    filled,
    triangulateMs: t1 - t0,
    rasteriseMs: performance.now() - t1,
    triangulateCpuMs: (c1.user + c1.system - c0.user - c0.system) / 1000,
    rasteriseCpuMs: cpuMs(c1),
  };
}

/** Spreads the low 16 bits of v to the even bits (2-D Morton interleave). */
function spread(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/**
 * Point indices sorted by the Morton code of their cell on a grid of up to 1024 × 1024 cells
 * over the points' bounding box (about 8 points a cell): a counting sort, linear time. Points
 * of one cell keep their input order, so the result is deterministic.
 */
export function mortonOrder(x: Float64Array, y: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  if (n === 0) return order;
  let minx = Infinity;
  let miny = Infinity;
  let maxx = -Infinity;
  let maxy = -Infinity;
  for (let i = 0; i < n; i++) {
    if (x[i] < minx) minx = x[i];
    if (x[i] > maxx) maxx = x[i];
    if (y[i] < miny) miny = y[i];
    if (y[i] > maxy) maxy = y[i];
  }
  const side = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(n / 8))));
  const sx = side / Math.max(maxx - minx, 1e-9);
  const sy = side / Math.max(maxy - miny, 1e-9);
  const keys = new Uint32Array(n);
  const counts = new Uint32Array(side <= 1 ? 1 : 1 << (2 * Math.ceil(Math.log2(side))));
  for (let i = 0; i < n; i++) {
    const cx = Math.min(side - 1, Math.floor((x[i] - minx) * sx));
    const cy = Math.min(side - 1, Math.floor((y[i] - miny) * sy));
    const k = spread(cx) | (spread(cy) << 1);
    keys[i] = k;
    counts[k]++;
  }
  for (let k = 0, sum = 0; k < counts.length; k++) {
    const c = counts[k];
    counts[k] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) order[counts[keys[i]]++] = i;
  return order;
}
