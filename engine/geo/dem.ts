/**
 * One entry for terrain tiles: `openDem(path)` opens a GeoTIFF/COG, an ESRI ASCII grid or a
 * gridded XYZ file and
 * gives back its grid, nodata and readers, with one error per file for the usual failures
 * (empty, corrupt, missing CRS, tile too small to analyse, no valid elevation).
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InputError } from '../errors.ts';
import { readAsciiGrid, readAsciiHeader } from './ascii-grid.ts';
import { intersectWindows, window as makeWindow, type Grid, type Window } from './grid.ts';
import { openRaster } from './raster.ts';
import { readXyzGrid } from './xyz-grid.ts';

export interface Dem {
  readonly file: string;
  readonly grid: Grid;
  readonly nodata: number | null;
  /** whole tile, row-major from the top; InputError when it holds no valid elevation */
  read(): Promise<Float32Array>;
  readWindow(win: Window): Promise<Float32Array>;
}

/** Smaller tiles cannot hold a feature plus the relief filters' support. */
export const MIN_DEM_PIXELS = 16;
/** Largest tile read (10,000 × 10,000 float32 = 400 MB). */
export const MAX_DEM_PIXELS = 100_000_000;

export async function openDem(path: string, opts: { crs?: string } = {}): Promise<Dem> {
  const name = basename(path);
  const ext = extname(path).toLowerCase();
  let grid: Grid;
  let nodata: number | null;
  let readAll: () => Promise<Float32Array>;
  let readWin: (w: Window) => Promise<Float32Array>;
  if (ext === '.asc') {
    const head = await readAsciiHeader(path, opts);
    grid = head.grid;
    nodata = head.nodata;
    let cached: Promise<Float32Array> | null = null;
    readAll = () => (cached ??= readAsciiGrid(path, { crs: grid.crs }).then((a) => a.data));
    readWin = async (w) => crop(await readAll(), grid.width, w);
  } else if (ext === '.xyz') {
    // no header: the grid is known once every line is read (checked against the size limit first)
    const xyz = await readXyzGrid(path, { crs: opts.crs, maxPixels: MAX_DEM_PIXELS });
    grid = xyz.grid;
    nodata = xyz.nodata;
    readAll = async () => xyz.data;
    readWin = async (w) => crop(xyz.data, grid.width, w);
  } else if (ext === '.tif' || ext === '.tiff') {
    const r = await openRaster(path, opts);
    const bands = r.image.getSamplesPerPixel();
    if (bands >= 3 && r.image.getBitsPerSample(0) === 8) {
      throw new InputError(`${name}: an image (${bands} bands of 8 bits: a hillshade or a map export?), not a terrain model; expected one band of elevations in metres (Float32, as IGN's LiDAR HD MNT)`);
    }
    grid = r.grid;
    nodata = r.nodata;
    readAll = () => r.readAll();
    readWin = (w) => r.readWindow(w);
  } else {
    if (!(await stat(path).catch(() => null))) throw new InputError(`${path}: no such file or folder`);
    throw new InputError(`${name}: unknown terrain format ${JSON.stringify(ext)}; expected .tif, .tiff (GeoTIFF), .asc (ESRI ASCII grid) or .xyz (gridded XYZ)`);
  }
  if (grid.width < MIN_DEM_PIXELS || grid.height < MIN_DEM_PIXELS) {
    throw new InputError(`${name}: tile is ${grid.width}×${grid.height} pixels; expected at least ${MIN_DEM_PIXELS}×${MIN_DEM_PIXELS}`);
  }
  // Refused before any pixel is allocated: an absurd size in a damaged header must not exhaust memory.
  if (grid.width * grid.height > MAX_DEM_PIXELS) {
    // A real sheet that large (AHN's 0.5 m DTM sheets are 10,000 × 12,500) is cut into tiles first:
    // margins come from neighbouring tiles, so nothing is lost at the cuts.
    throw new InputError(
      `${name}: tile is ${grid.width.toLocaleString('en-US')}×${grid.height.toLocaleString('en-US')} pixels; expected at most ${MAX_DEM_PIXELS.toLocaleString('en-US')} pixels per tile ` +
        `(a LiDAR HD tile is 2,000×2,000). Cut it into tiles first, e.g. gdal_retile.py -ps 2000 2000 -co COMPRESS=DEFLATE -targetDir tiles/ ${name}, ` +
        'and give the folder (neighbouring tiles lend each other their margins, nothing is lost at the cuts); or the header is damaged',
    );
  }
  return {
    file: path,
    grid,
    nodata,
    async read() {
      const data = await readAll();
      let valid = 0;
      for (let i = 0; i < data.length && valid === 0; i++) if (data[i] === data[i] && data[i] !== nodata) valid++;
      if (valid === 0) throw new InputError(`${name}: every pixel is nodata (${nodata}); nothing to analyse in this tile (expected terrain elevations)`);
      const whole = wholeNumberSteps(data, nodata);
      if (whole) {
        throw new InputError(
          `${name}: elevations are whole numbers (${whole.min} to ${whole.max}, no decimals): 1-unit steps are larger than the relief looked for (0.2–2 m) ` +
            'and draw false candidates along every contour; expected decimal elevations in metres (Float32, as IGN\'s LiDAR HD MNT)',
        );
      }
      return data;
    },
    readWindow(win) {
      const w = intersectWindows(win, makeWindow(0, 0, grid.width, grid.height));
      if (w.width !== win.width || w.height !== win.height) {
        throw new InputError(`${name}: window (${win.col}, ${win.row}, ${win.width}×${win.height}) outside the ${grid.width}×${grid.height} tile`);
      }
      return readWin(win);
    },
  };
}

/**
 * Terrain stored in whole units (a Byte or Int16 DTM, or one rounded to the metre): every valid
 * elevation a whole number and at least two different ones. Returns their range, else null.
 * Stops at the first decimal, so a real Float32 DTM costs a few pixels.
 */
export function wholeNumberSteps(data: Float32Array, nodata: number | null): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === nodata) continue;
    if (v !== Math.round(v)) return null;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > min ? { min, max } : null;
}

function crop(data: Float32Array, width: number, w: Window): Float32Array {
  const out = new Float32Array(w.width * w.height);
  for (let r = 0; r < w.height; r++) out.set(data.subarray((w.row + r) * width + w.col, (w.row + r) * width + w.col + w.width), r * w.width);
  return out;
}
