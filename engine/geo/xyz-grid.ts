/**
 * Gridded XYZ text (.xyz): one « easting northing elevation » line per cell centre, as several
 * national mapping agencies deliver their LiDAR terrain models (swissALTI3D, the German Länder's
 * DGM1, Slovenia's and Czechia's DMR…) and as `gdal_translate -of XYZ` writes.
 *
 * Read as GDAL's XYZ driver reads it — cell centres on a regular grid, north-up — but in any line
 * order (GDAL needs rows sorted by northing; some deliveries come column by column) and with
 * cells missing (nodata). Separators: spaces or tabs, `,`, or `;` (then a decimal comma is
 * accepted: « 2600000,5;1200000,5;456,78 »). One header line of names (« X Y Z ») is skipped.
 * Elevations at or below −1,000 m (−9999, −32768, −3.4e38 as tools write nodata) are nodata.
 *
 * Like an ESRI ASCII grid it carries no CRS: a `.prj` beside it (ascii-grid.ts, resolveTextGridCrs)
 * or the caller's --crs gives it.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError, show } from '../errors.ts';
import { resolveTextGridCrs } from './ascii-grid.ts';
import { grid as makeGrid, type Grid } from './grid.ts';

export interface XyzGrid {
  grid: Grid;
  nodata: number;
  data: Float32Array;
}

/** Value written in cells the file does not give (and for its own nodata elevations). */
export const XYZ_NODATA = -9999;
/** Elevations at or below this are nodata markers, not terrain (the Dead Sea shore is at −430 m). */
const NODATA_BELOW = -1000;
/** Two coordinates closer than this fraction of the step are the same grid line. */
const TOLERANCE = 1e-3;

/**
 * Reads a gridded XYZ file. `maxPixels` is checked before the grid is allocated (a file of
 * scattered points over a large extent must not exhaust memory).
 */
export async function readXyzGrid(path: string, opts: { crs?: string; maxPixels?: number } = {}): Promise<XyzGrid> {
  const name = basename(path);
  let text: string;
  try {
    if ((await stat(path)).size === 0) throw new InputError(`${name}: file is empty, expected XYZ lines (easting northing elevation)`);
    text = await readFile(path, 'latin1');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read file (${(err as Error).message})`, { cause: err });
  }
  const crs = await resolveTextGridCrs(path, name, opts.crs);
  const pts = parseXyz(text, name);
  return gridXyz(pts, name, crs, opts.maxPixels ?? Infinity);
}

interface Points {
  x: Float64Array;
  y: Float64Array;
  z: Float32Array;
  n: number;
  /** file line of point i (for messages) */
  line: Int32Array;
}

const isSpace = (c: number) => c === 32 || c === 9;

/** Parses the lines of `text` into points; throws naming the first bad line. */
export function parseXyz(text: string, name: string): Points {
  let cap = Math.max(1024, (text.length / 24) | 0);
  let x = new Float64Array(cap);
  let y = new Float64Array(cap);
  let z = new Float32Array(cap);
  let line = new Int32Array(cap);
  let n = 0;
  let lineNo = 0;
  let firstData = true;
  let pos = 0;
  const vals: string[] = [];
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lineNo++;
    let raw = text.slice(pos, end);
    pos = end + 1;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    vals.length = 0;
    if (raw.includes(';')) {
      for (const v of raw.split(';')) if (v.trim() !== '') vals.push(v.trim().replace(',', '.'));
    } else {
      let i = 0;
      while (i < raw.length) {
        while (i < raw.length && (isSpace(raw.charCodeAt(i)) || raw[i] === ',')) i++;
        const s = i;
        while (i < raw.length && !(isSpace(raw.charCodeAt(i)) || raw[i] === ',')) i++;
        if (i > s) vals.push(raw.slice(s, i));
      }
    }
    if (firstData && vals.length >= 3 && vals.slice(0, 3).every((v) => !Number.isFinite(Number(v)))) {
      firstData = false; // a header of names: « X Y Z », « x;y;z »
      continue;
    }
    firstData = false;
    if (vals.length < 3) {
      throw new InputError(`${name} line ${lineNo}: ${vals.length} value(s) ${show(raw.slice(0, 60))}; expected 3: easting northing elevation`);
    }
    const nums = [Number(vals[0]), Number(vals[1]), Number(vals[2])];
    const bad = nums.findIndex((v, k) => vals[k] === '' || !Number.isFinite(v));
    if (bad >= 0) {
      throw new InputError(`${name} line ${lineNo}, ${['easting', 'northing', 'elevation'][bad]}: ${show(vals[bad])} is not a number (expected easting northing elevation in metres)`);
    }
    if (n === cap) {
      cap *= 2;
      const grow = <T extends Float64Array | Float32Array | Int32Array>(a: T, b: T) => (b.set(a), b);
      x = grow(x, new Float64Array(cap));
      y = grow(y, new Float64Array(cap));
      z = grow(z, new Float32Array(cap));
      line = grow(line, new Int32Array(cap));
    }
    x[n] = nums[0];
    y[n] = nums[1];
    z[n] = nums[2] <= NODATA_BELOW ? XYZ_NODATA : nums[2];
    line[n] = lineNo;
    n++;
  }
  if (n === 0) throw new InputError(`${name}: no XYZ line; expected lines of easting northing elevation`);
  return { x, y, z, n, line };
}

/**
 * The grid step along one axis: the smallest gap between distinct coordinates, every other gap a
 * whole multiple of it (else the points are not a grid: a point cloud, say, not a terrain model).
 */
function axisStep(values: Float64Array, n: number, name: string, axis: string): { min: number; max: number; step: number } {
  const distinct = [...new Set(values.subarray(0, n))].sort((a, b) => a - b);
  const min = distinct[0];
  const max = distinct[distinct.length - 1];
  if (distinct.length === 1) return { min, max, step: NaN };
  // the most frequent gap (one stray point must not set the step, and is the one to name)
  const gaps = new Map<string, { gap: number; count: number }>();
  for (let i = 1; i < distinct.length; i++) {
    const gap = distinct[i] - distinct[i - 1];
    const e = gaps.get(gap.toFixed(6)) ?? gaps.set(gap.toFixed(6), { gap, count: 0 }).get(gap.toFixed(6))!;
    e.count++;
  }
  const step = [...gaps.values()].reduce((a, b) => (b.count > a.count || (b.count === a.count && b.gap < a.gap) ? b : a)).gap;
  // the grid lines are those of most values (the smallest value may be the stray one)
  const phase = (v: number) => (((v - min) / step) % 1 + 1) % 1;
  const phases = new Map<string, number>();
  for (const v of distinct) phases.set(phase(v).toFixed(2), (phases.get(phase(v).toFixed(2)) ?? 0) + 1);
  const common = Number([...phases.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
  const origin = distinct.find((v) => Math.abs(phase(v) - common) < 0.01)!;
  for (const v of distinct) {
    const k = (v - origin) / step;
    if (Math.abs(k - Math.round(k)) > TOLERANCE) {
      throw new InputError(
        `${name}: ${axis} ${v} is not on the grid of step ${+step.toPrecision(10)} through ${origin}; expected a regular grid of cell centres ` +
          '(scattered points — a point cloud — are not a terrain model: grid them first, or give the .laz)',
      );
    }
  }
  return { min, max, step };
}

function gridXyz(p: Points, name: string, crs: string, maxPixels: number): XyzGrid {
  const ax = axisStep(p.x, p.n, name, 'easting');
  const ay = axisStep(p.y, p.n, name, 'northing');
  // a single row or column: the step of the other axis (square cells, as GDAL assumes)
  const resX = Number.isNaN(ax.step) ? ay.step : ax.step;
  const resY = Number.isNaN(ay.step) ? ax.step : ay.step;
  if (Number.isNaN(resX) || Number.isNaN(resY)) throw new InputError(`${name}: ${p.n} point(s) at a single position; expected a grid of elevations`);
  const width = Math.round((ax.max - ax.min) / resX) + 1;
  const height = Math.round((ay.max - ay.min) / resY) + 1;
  if (width * height > maxPixels) {
    throw new InputError(`${name}: the points span ${width.toLocaleString('en-US')}×${height.toLocaleString('en-US')} cells of ${+resX.toPrecision(6)} m; expected at most ${maxPixels.toLocaleString('en-US')}`);
  }
  const data = new Float32Array(width * height).fill(XYZ_NODATA);
  const seen = new Uint8Array(width * height);
  for (let i = 0; i < p.n; i++) {
    const col = Math.round((p.x[i] - ax.min) / resX);
    const row = Math.round((ay.max - p.y[i]) / resY);
    const k = row * width + col;
    if (seen[k]) {
      throw new InputError(`${name} line ${p.line[i]}: a second elevation for the cell at ${p.x[i]} ${p.y[i]}; expected one line per cell`);
    }
    seen[k] = 1;
    data[k] = p.z[i];
  }
  return {
    grid: makeGrid({ originX: ax.min - resX / 2, originY: ay.max + resY / 2, resX, resY, width, height, crs }),
    nodata: XYZ_NODATA,
    data,
  };
}
