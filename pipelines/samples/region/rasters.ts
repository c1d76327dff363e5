/**
 * The hazard rasters, written to the cache (not committed): a flood-depth COG at 25 m for the
 * TRI medium scenario, from the same terrain as the TRI zones, and a 100 m wildfire
 * susceptibility GeoTIFF. A stamp file tells later runs whether the cache matches the seed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeGeoTiff } from '../../../engine/geo/geotiff-write.ts';
import { grid as makeGrid } from '../../../engine/geo/grid.ts';
import { valueNoise2D } from '../rng.ts';
import { floodDepths, type Scenario, type Terrain } from './terrain.ts';

export const RASTER_NODATA = -9999;
export const FLOOD_DEPTH_FILE = 'flood_depth_cog.tif';
export const WILDFIRE_FILE = 'wildfire_susceptibility.tif';
export const FLOOD_RASTER_SCENARIO: Scenario = '02Moy';
const STAMP_FILE = 'region-rasters.json';
/** Bump when the raster model changes so caches made by older code are rebuilt. */
const RASTER_VERSION = 1;

export function regionRastersPresent(cacheDir: string, seed = 42): boolean {
  const stamp = join(cacheDir, STAMP_FILE);
  if (!existsSync(stamp) || !existsSync(join(cacheDir, FLOOD_DEPTH_FILE)) || !existsSync(join(cacheDir, WILDFIRE_FILE))) return false;
  try {
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as { seed?: number; version?: number };
    return s.seed === seed && s.version === RASTER_VERSION;
  } catch {
    return false;
  }
}

export function writeRegionRasters(seed: number, t: Terrain, cacheDir: string): void {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, FLOOD_DEPTH_FILE), writeGeoTiff(floodDepthRaster(t), t.grid, { cog: true, tileSize: 256, nodata: RASTER_NODATA }));
  const fire = wildfireRaster(seed, t);
  writeFileSync(join(cacheDir, WILDFIRE_FILE), writeGeoTiff(fire.data, fire.grid, { tileSize: 256, nodata: RASTER_NODATA }));
  // Written last: a run interrupted before this point leaves no stamp and is redone.
  writeFileSync(join(cacheDir, STAMP_FILE), JSON.stringify({ seed, version: RASTER_VERSION }) + '\n');
}

/** Water depth in metres (to the cm) for the medium scenario; 0 on dry land, nodata over the sea. */
function floodDepthRaster(t: Terrain): Float32Array {
  const { river, marine } = floodDepths(t, FLOOD_RASTER_SCENARIO);
  const out = new Float32Array(t.land.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = t.land[i] ? Math.round(Math.max(river[i], marine[i]) * 100) / 100 : RASTER_NODATA;
  }
  return out;
}

/** 0–1: dry heath and forest on the high ground burn, wet valleys and the shore much less. */
function wildfireRaster(seed: number, t: Terrain) {
  const f = 4;
  const g = makeGrid({ ...t.grid, resX: t.grid.resX * f, resY: t.grid.resY * f, width: t.grid.width / f, height: t.grid.height / f });
  const heath = valueNoise2D(seed + 401, 3);
  const data = new Float32Array(g.width * g.height);
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const i = (r * f + f / 2) * t.grid.width + c * f + f / 2;
      if (!t.land[i]) {
        data[r * g.width + c] = RASTER_NODATA;
        continue;
      }
      const x = g.originX + (c + 0.5) * g.resX;
      const y = g.originY - (r + 0.5) * g.resY;
      const v = 0.1 + 0.0035 * t.elevation[i] + 0.3 * (0.5 + 0.5 * heath(x / 4000, y / 4000)) - 0.3 * Math.exp(-t.dRiver[i] / 400) - 0.15 * Math.exp(-t.dCoast[i] / 500);
      data[r * g.width + c] = Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
    }
  }
  return { grid: g, data };
}
