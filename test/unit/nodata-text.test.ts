// A nodata value written as text with fewer digits than the float32 pixels hold (ArcGIS's
// « -3.40282306074e+038 », a rounded « -3.40282e+38 », « -9999.9 ») must still mark those pixels
// as nodata, as GDAL does. The oracle is gdalinfo's statistics on the same file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDem } from '../../engine/geo/dem.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';
import { samplePoints } from '../../engine/geo/sample-points.ts';

const W = 64;
const H = 48;
const g = grid({ originX: 700000, originY: 6600000, resX: 1, resY: 1, width: W, height: H, crs: 'EPSG:2154' });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-nodata-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** elevations 100 + col/10, with `nd` (as float32 stores it) on a 10 × 12 block */
function terrain(nd: number): Float32Array {
  const z = new Float32Array(W * H);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) z[r * W + c] = r >= 5 && r < 15 && c >= 20 && c < 32 ? nd : 100 + c / 10;
  return z;
}

function gdalStats(file: string): { min: number; validPercent: number } {
  const info = JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', file], { encoding: 'utf8' }));
  const b = info.bands[0];
  return { min: b.minimum, validPercent: Number(b.metadata[''].STATISTICS_VALID_PERCENT) };
}

async function ours(file: string): Promise<{ min: number; validPercent: number }> {
  const d = await openDem(file);
  const z = await d.read();
  let n = 0;
  let min = Infinity;
  for (const v of z) {
    if (v !== v || v === d.nodata) continue;
    n++;
    min = Math.min(min, v);
  }
  return { min, validPercent: (100 * n) / z.length };
}

describe('nodata written as text with fewer digits than the pixels', () => {
  for (const text of ['-3.40282306074e+038', '-3.40282e+38', '-9999.9']) {
    it(`GeoTIFF with GDAL_NODATA « ${text} »: the same pixels are nodata as for gdalinfo`, async () => {
      const file = join(dir, `nd${text}.tif`);
      // the writer puts String(nodata) in the tag; the pixels hold its float32 rounding
      writeFileSync(file, writeGeoTiff(terrain(Number(text)), g, { nodata: Number(text) }));
      const ref = gdalStats(file);
      expect(ref.validPercent).toBeCloseTo(100 - (100 * 120) / (W * H), 1); // GDAL skips the block
      const got = await ours(file);
      expect(got.validPercent).toBeCloseTo(ref.validPercent, 1); // GDAL prints two decimals
      expect(got.min).toBeCloseTo(ref.min, 4);
      // risk sampling (hazard rasters) reads the same pixels as no data
      const s = await samplePoints(file, [700025.5, 700002.5], [6599990.5, 6599990.5], { workers: 1 });
      expect(Number.isNaN(s.point[0])).toBe(true);
      expect(s.point[1]).toBeCloseTo(100.2, 4);
    });
  }

  it('ESRI ASCII grid with NODATA_value -9999.9', async () => {
    const file = join(dir, 'nd.asc');
    const rows: string[] = [];
    const z = terrain(-9999.9);
    for (let r = 0; r < H; r++) rows.push(Array.from(z.subarray(r * W, (r + 1) * W), (v, c) => (v < -9000 ? '-9999.9' : (100 + c / 10).toFixed(1))).join(' '));
    writeFileSync(file, `ncols ${W}\nnrows ${H}\nxllcorner 700000\nyllcorner ${6600000 - H}\ncellsize 1\nNODATA_value -9999.9\n${rows.join('\n')}\n`);
    writeFileSync(file.replace(/\.asc$/, '.prj'), execFileSync('gdalsrsinfo', ['-o', 'wkt1', 'EPSG:2154'], { encoding: 'utf8' }));
    const ref = gdalStats(file);
    const got = await ours(file);
    expect(got.validPercent).toBeCloseTo(ref.validPercent, 1); // GDAL prints two decimals
    expect(got.validPercent).toBeLessThan(100);
    expect(got.min).toBeCloseTo(ref.min, 4);
  });
});
