/**
 * Writes generated tiles under IGN LiDAR HD names, and the truth GeoJSON.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LAMBERT93_PRJ, writeAsciiGrid } from '../../../engine/geo/ascii-grid.ts';
import { writeGeoTiff } from '../../../engine/geo/geotiff-write.ts';
import type { Grid } from '../../../engine/geo/grid.ts';
import type { PlantedFeature } from './objects.ts';

export const LIDAR_NODATA = -99999;

/**
 * Version of the generator's output, written into truth.geojson: cached mosaics of an older
 * version are regenerated (2: natural hummocks come in fields of lopsided, irregular rises).
 */
export const LIDAR_GENERATOR_VERSION = 2;

/** True when `dir` holds a complete mosaic written by this version of the generator. */
export function lidarMosaicCurrent(dir: string): boolean {
  try {
    const truth = JSON.parse(readFileSync(join(dir, 'truth.geojson'), 'utf8'));
    return truth.generator_version === LIDAR_GENERATOR_VERSION;
  } catch {
    return false;
  }
}

/**
 * `LHD_FXX_0330_6714_MNT_O_0M50_LAMB93_IGN69.tif`: km of the left and top edges, pixel size.
 * Edges off the kilometre grid (sub-km test and training tiles) are written in metres
 * (`LHD_FXX_0330064_6712000_…`) so that names stay unique.
 */
export function tileName(left: number, top: number, pixel: number, format: 'tif' | 'asc'): string {
  const onKm = left % 1000 === 0 && top % 1000 === 0;
  const km = (v: number) => (onKm ? String(Math.floor(v / 1000)).padStart(4, '0') : String(Math.round(v)).padStart(7, '0'));
  const [m, cm] = pixel.toFixed(2).split('.');
  return `LHD_FXX_${km(left)}_${km(top)}_MNT_O_${m}M${cm}_LAMB93_IGN69.${format}`;
}

export async function writeTile(dir: string, name: string, data: Float32Array, g: Grid, format: 'tif' | 'asc'): Promise<string> {
  const path = join(dir, name);
  if (format === 'tif') {
    await writeFile(path, writeGeoTiff(data, g, { nodata: LIDAR_NODATA }));
  } else {
    await writeFile(path, writeAsciiGrid(data, g, { nodata: LIDAR_NODATA, decimals: 2 }));
    await writeFile(path.replace(/\.asc$/, '.prj'), LAMBERT93_PRJ);
  }
  return path;
}

export async function writeTruth(dir: string, features: PlantedFeature[]): Promise<string> {
  const path = join(dir, 'truth.geojson');
  const fc = {
    type: 'FeatureCollection',
    name: 'truth',
    generator_version: LIDAR_GENERATOR_VERSION,
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } },
    features: features.map((f) => ({
      type: 'Feature',
      properties: { id: f.id, class: f.class, diameter_m: f.diameter_m, height_m: f.height_m, variant: f.variant, tile: f.tile },
      geometry: { type: 'Point', coordinates: [f.x, f.y] },
    })),
  };
  await writeFile(path, JSON.stringify(fc, null, 1) + '\n');
  return path;
}
