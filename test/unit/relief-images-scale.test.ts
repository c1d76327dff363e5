/**
 * The review queue's relief images in a CRS whose metres are not ground metres: the candidate's
 * circle (its diameter is in ground metres) must cover the same ground as on the Lambert-93
 * original. The Web Mercator copy is GDAL's warp of the same terrain; the circle is measured in
 * the PNG as the red pixels' extent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBERT93 } from '../../engine/geo/crs.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';
import { ReliefImages } from '../../engine/server/relief-images.ts';
import type { Store } from '../../engine/store/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigie-relief-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Width in pixels of the red outline drawn around the candidate. */
function redWidth(png: Buffer): number {
  const img = PNG.sync.read(png);
  let min = Infinity, max = -Infinity;
  for (let r = 0; r < img.height; r++) {
    for (let c = 0; c < img.width; c++) {
      const o = (r * img.width + c) * 4;
      if (img.data[o] > 200 && img.data[o + 1] < 60 && img.data[o + 2] < 60) [min, max] = [Math.min(min, c), Math.max(max, c)];
    }
  }
  return max - min + 1;
}

describe('relief images at ground scale', () => {
  it('circles the same ground in Web Mercator as in Lambert-93', async () => {
    const N = 400;
    const origin = { x: 650000, y: 6650200 };
    const z = new Float32Array(N * N);
    for (let i = 0; i < z.length; i++) z[i] = 80 + 0.01 * (i % N);
    const l93 = join(dir, 'l93.tif');
    writeFileSync(l93, writeGeoTiff(z, grid({ originX: origin.x, originY: origin.y, resX: 0.5, resY: 0.5, width: N, height: N, crs: LAMBERT93 }), { nodata: -99999 }));
    const merc = join(dir, 'merc.tif');
    execFileSync('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-r', 'bilinear', '-dstnodata', '-99999', l93, merc]);
    // one stored candidate, 30 m across, at the tile's centre (stored in Lambert-93, like every detection)
    const row = (file: string, crs: string) => ({ x: origin.x + 100, y: origin.y - 100, diameter_m: 30, source_file: file, crs });
    const stub = (r: ReturnType<typeof row>) => ({ one: async () => r }) as unknown as Store;
    const a = redWidth(await new ReliefImages(stub(row(l93, LAMBERT93))).render('a', 'hillshade', 128));
    const b = redWidth(await new ReliefImages(stub(row(merc, 'EPSG:3857'))).render('b', 'hillshade', 128));
    // Lambert-93: 2 × (15 m / 0.5 m + 3) + 1 px; Web Mercator at 46.9° N has ~0.73 m pixels, 0.5 m on the
    // ground: the same width within a pixel or two (before: 2 × (15 / 0.73 + 3) + 1 ≈ 48 px)
    expect(a).toBeGreaterThanOrEqual(64);
    expect(a).toBeLessThanOrEqual(70); // the outline has a width of its own
    expect(Math.abs(b - a)).toBeLessThanOrEqual(3);
  });
});
