/**
 * Terrain sheets too large to read whole — a national sheet (the Netherlands' AHN 0.5 m DTM sheets
 * are 10,000 × 12,500) or a mosaic of LiDAR HD tiles merged in QGIS — cut into tiles of about
 * 2,000 × 2,000 pixels (a LiDAR HD tile's size), read window by window (only the window's blocks
 * are decoded), written as GeoTIFFs in the sheet's own grid, CRS and nodata. The tiles then run as
 * any folder of tiles does, lending each other their margins, so nothing is lost at the cuts.
 *
 * Cuts are spread evenly (no sliver at the sheet's east or south edge); a piece holding no data at
 * all (sea, outside the survey) is not written. Tiles are named after the sheet and the map
 * coordinates of their north-west corner (`M_25GN1_121000_487500.tif`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fromFile } from 'geotiff';
import { InputError } from '../errors.ts';
import { writeGeoTiff } from './geotiff-write.ts';
import { windowGrid } from './grid.ts';
import { openRaster } from './raster.ts';

/** Side of the pieces, pixels (cuts are spread evenly around it). */
export const CUT_TILE = 2000;

/** Pixel count of a GeoTIFF from its header only (null: not a readable GeoTIFF; the detector reports it). */
export async function geoTiffPixels(path: string): Promise<number | null> {
  try {
    const tiff = await fromFile(path);
    try {
      const image = await tiff.getImage(0);
      return image.getWidth() * image.getHeight();
    } finally {
      await (tiff as unknown as { close?: () => Promise<void> }).close?.();
    }
  } catch {
    return null;
  }
}

/**
 * Even cut positions of `n` pixels into pieces of about `tile`: [0, …, n], inner cuts on multiples
 * of 16 pixels, so every piece keeps the sheet's phase of the detector's 4 m cells (a piece
 * shifted by a few pixels would score the same feature a little differently than the sheet would).
 */
export function cutPositions(n: number, tile = CUT_TILE): number[] {
  const pieces = Math.max(1, Math.round(n / tile));
  return Array.from({ length: pieces + 1 }, (_, k) => (k === 0 ? 0 : k === pieces ? n : Math.round((k * n) / pieces / 16) * 16));
}

/**
 * Cuts `path` into tiles under `outDir`; returns the files written. `crs` overrides the file's
 * own, as for any tile. The written tiles carry the CRS as GeoKeys: a CRS without an EPSG code
 * cannot be carried, and the sheet is then refused with the GDAL line that cuts it.
 */
export async function cutSheet(path: string, outDir: string, opts: { crs?: string; tile?: number; log?: (line: string) => void } = {}): Promise<string[]> {
  const name = basename(path);
  const stem = name.replace(/\.tiff?$/i, '');
  const r = await openRaster(path, { crs: opts.crs });
  const g = r.grid;
  const cols = cutPositions(g.width, opts.tile);
  const rows = cutPositions(g.height, opts.tile);
  opts.log?.(`cutting ${name} (${g.width.toLocaleString('en-US')} × ${g.height.toLocaleString('en-US')} pixels) into ${(cols.length - 1) * (rows.length - 1)} pieces of about ${opts.tile ?? CUT_TILE} × ${opts.tile ?? CUT_TILE} (pieces without data are not written)`);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const fmt = (v: number) => String(+v.toFixed(2)).replace('.', 'p').replace('-', 'm');
  for (let j = 0; j + 1 < rows.length; j++) {
    for (let i = 0; i + 1 < cols.length; i++) {
      const win = { col: cols[i], row: rows[j], width: cols[i + 1] - cols[i], height: rows[j + 1] - rows[j] };
      const data = await r.readWindow(win);
      let valid = false;
      for (let k = 0; k < data.length && !valid; k++) valid = data[k] === data[k] && data[k] !== r.nodata;
      if (!valid) continue;
      const tile = windowGrid(g, win, g.crs);
      let bytes: Buffer;
      try {
        bytes = writeGeoTiff(data, tile, { nodata: r.nodata ?? undefined, tileSize: 512 });
      } catch (err) {
        throw new InputError(
          `${name}: ${g.width.toLocaleString('en-US')} × ${g.height.toLocaleString('en-US')} pixels, too large to read whole, and its CRS cannot be written into the tiles it would be cut into (${(err as Error).message}); ` +
            `cut it first: gdal_retile.py -ps ${CUT_TILE} ${CUT_TILE} -co COMPRESS=DEFLATE -targetDir tiles/ ${name}, and give the folder`,
          { cause: err },
        );
      }
      const file = join(outDir, `${stem}_${fmt(tile.originX)}_${fmt(tile.originY)}.tif`);
      await writeFile(file, bytes);
      written.push(file);
    }
  }
  if (written.length === 0) throw new InputError(`${name}: every pixel is nodata (${r.nodata}); nothing to analyse in this sheet (expected terrain elevations)`);
  return written;
}
