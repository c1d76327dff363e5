// Hillshade and slope must match GDAL's gdaldem on the same crop (Horn's method).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../engine/geo/raster.ts';
import { hillshade, multiHillshade, slope, type DemInput } from '../../engine/detect/relief.ts';
import { generateLidar } from '../../pipelines/samples/lidar/generate.ts';

let dir: string;
let dem: DemInput;
let tile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-relief-'));
  // 256² hilly crop with nodata along one edge (border tile of a 1-tile mosaic)
  const res = await generateLidar({ seed: 7, originX: 330000, originY: 6712000, tilesX: 1, tilesY: 1, style: 'valleys', tilePixels: 256, outDir: dir });
  tile = res.tiles[0];
  const r = await openRaster(tile);
  dem = { data: await r.readAll(), width: 256, height: 256, pixel: 0.5, nodata: r.nodata };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gdaldem(mode: string, extra: string[]): Promise<{ data: Float32Array; nodata: number | null }> {
  const out = join(dir, `${mode}${extra.join('')}.tif`);
  execFileSync('gdaldem', [mode, '-q', tile, out, ...extra]);
  const r = await openRaster(out);
  return { data: await r.readAll(), nodata: r.nodata };
}

/** max |ours − gdal| over pixels GDAL computed, excluding the 1-pixel border; and how many were compared */
function compare(ours: Float32Array, ref: { data: Float32Array; nodata: number | null }): { max: number; n: number } {
  let max = 0;
  let n = 0;
  for (let r = 1; r < 255; r++) {
    for (let c = 1; c < 255; c++) {
      const i = r * 256 + c;
      if (ref.data[i] === ref.nodata) continue;
      max = Math.max(max, Math.abs(ours[i] - ref.data[i]));
      n++;
    }
  }
  return { max, n };
}

describe('relief vs gdaldem', () => {
  it('hillshade (az 315, alt 45) is within 1 grey level of gdaldem hillshade', async () => {
    const ref = await gdaldem('hillshade', []);
    const ours = hillshade(dem).map((v) => Math.round(v));
    const { max, n } = compare(ours, ref);
    expect(n).toBeGreaterThan(40000);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('hillshade with another sun (az 120, alt 30, z 2) also matches', async () => {
    const ref = await gdaldem('hillshade', ['-az', '120', '-alt', '30', '-z', '2']);
    const { max } = compare(hillshade(dem, { azimuth: 120, altitude: 30, zFactor: 2 }).map((v) => Math.round(v)), ref);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('slope in degrees is within 0.01° of gdaldem slope', async () => {
    const ref = await gdaldem('slope', []);
    const { max, n } = compare(slope(dem), ref);
    expect(n).toBeGreaterThan(40000);
    expect(max).toBeLessThanOrEqual(0.01);
  });

  it('multi-directional hillshade is within 1 grey level of gdaldem -multidirectional', async () => {
    const ref = await gdaldem('hillshade', ['-multidirectional']);
    const { max } = compare(multiHillshade(dem).map((v) => Math.round(v)), ref);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('multi-directional hillshade stays in 1..255 and is NaN exactly on nodata', () => {
    const m = multiHillshade(dem);
    let bad = 0;
    let nodata = 0;
    for (let i = 0; i < m.length; i++) {
      if (dem.data[i] === dem.nodata) {
        nodata++;
        if (!Number.isNaN(m[i])) bad++;
      } else if (!(m[i] >= 1 && m[i] <= 255)) bad++;
    }
    expect(bad).toBe(0);
    expect(nodata).toBeGreaterThan(0);
  });
});
