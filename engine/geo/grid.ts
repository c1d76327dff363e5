/**
 * Value objects for raster geometry: a Grid (north-up affine transform + size + CRS),
 * a pixel Window, and a BBox in CRS units. Immutable and validated; plain functions work on them.
 */
import { InputError } from '../errors.ts';

export interface BBox {
  readonly minx: number;
  readonly miny: number;
  readonly maxx: number;
  readonly maxy: number;
}

export interface Window {
  readonly col: number;
  readonly row: number;
  readonly width: number;
  readonly height: number;
}

export interface Grid {
  /** x of the left edge of column 0 */
  readonly originX: number;
  /** y of the top edge of row 0 */
  readonly originY: number;
  /** pixel width (> 0) */
  readonly resX: number;
  /** pixel height as a positive number (rows go south) */
  readonly resY: number;
  readonly width: number;
  readonly height: number;
  readonly crs: string;
}

export function bbox(minx: number, miny: number, maxx: number, maxy: number): BBox {
  if (!(minx <= maxx && miny <= maxy)) {
    throw new InputError(`invalid bbox [${minx}, ${miny}, ${maxx}, ${maxy}]: expected minx <= maxx and miny <= maxy`);
  }
  return Object.freeze({ minx, miny, maxx, maxy });
}

export function window(col: number, row: number, width: number, height: number): Window {
  if (![col, row, width, height].every(Number.isInteger) || width < 0 || height < 0) {
    throw new InputError(`invalid window (${col}, ${row}, ${width}×${height}): expected integers and non-negative size`);
  }
  return Object.freeze({ col, row, width, height });
}

export function grid(g: Grid): Grid {
  if (!(g.resX > 0 && g.resY > 0)) throw new InputError(`invalid grid resolution ${g.resX}×${g.resY}: expected > 0`);
  if (!(Number.isInteger(g.width) && Number.isInteger(g.height) && g.width > 0 && g.height > 0)) {
    throw new InputError(`invalid grid size ${g.width}×${g.height}: expected positive integers`);
  }
  return Object.freeze({ ...g });
}

/** The grid of a window of `g` (same pixels, origin at the window's corner), in `crs`. */
export function windowGrid(g: Pick<Grid, 'originX' | 'originY' | 'resX' | 'resY'>, w: Window, crs: string): Grid {
  return grid({ originX: g.originX + w.col * g.resX, originY: g.originY - w.row * g.resY, resX: g.resX, resY: g.resY, width: w.width, height: w.height, crs });
}

export function gridBounds(g: Grid): BBox {
  return bbox(g.originX, g.originY - g.height * g.resY, g.originX + g.width * g.resX, g.originY);
}

/** Fractional pixel coordinates (col, row) of a point; pixel (0,0) covers [0,1)×[0,1). */
export function toPixel(g: Grid, x: number, y: number): [number, number] {
  return [(x - g.originX) / g.resX, (g.originY - y) / g.resY];
}

/** Centre of pixel (col, row) in CRS units. */
export function pixelCentre(g: Grid, col: number, row: number): [number, number] {
  return [g.originX + (col + 0.5) * g.resX, g.originY - (row + 0.5) * g.resY];
}

/** The window of pixels whose areas intersect `b`, clipped to the grid (may be empty). */
export function windowForBBox(g: Grid, b: BBox): Window {
  const c0 = Math.max(0, Math.floor((b.minx - g.originX) / g.resX));
  const c1 = Math.min(g.width, Math.ceil((b.maxx - g.originX) / g.resX));
  const r0 = Math.max(0, Math.floor((g.originY - b.maxy) / g.resY));
  const r1 = Math.min(g.height, Math.ceil((g.originY - b.miny) / g.resY));
  return window(c0, r0, Math.max(0, c1 - c0), Math.max(0, r1 - r0));
}

export function intersectWindows(a: Window, b: Window): Window {
  const col = Math.max(a.col, b.col);
  const row = Math.max(a.row, b.row);
  const w = Math.min(a.col + a.width, b.col + b.width) - col;
  const h = Math.min(a.row + a.height, b.row + b.height) - row;
  return window(col, row, Math.max(0, w), Math.max(0, h));
}

export function bboxIntersects(a: BBox, b: BBox): boolean {
  return a.minx <= b.maxx && b.minx <= a.maxx && a.miny <= b.maxy && b.miny <= a.maxy;
}

export function bboxContains(b: BBox, x: number, y: number): boolean {
  return x >= b.minx && x <= b.maxx && y >= b.miny && y <= b.maxy;
}

export function bboxBuffer(b: BBox, d: number): BBox {
  return bbox(b.minx - d, b.miny - d, b.maxx + d, b.maxy + d);
}
