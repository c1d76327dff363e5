/**
 * Terrain stored in whole units (a Byte or Int16 DTM, or one rounded to the metre) is refused by
 * name: its 1 m steps are larger than the relief the detector looks for, and a real whole-metre
 * DTM (Somerset, 1 m, Byte) drew 611 candidates, 17 « very probable », along its contours.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFiles, loadDetector } from '../../engine/detect/infer.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';

const N = 192;
/** a hillside rising 6 m across the tile (120 to 125.97 m), a 1 m mound mid-slope (top 124 m); `round` stores it in whole metres: 120 … 126 */
function hillside(round: boolean): Float32Array {
  const z = new Float32Array(N * N);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      const s = Math.hypot(c - 96, r - 96) / 20;
      const v = 120 + (6 * c) / N + (s < 1 ? 1 - s * s : 0);
      z[r * N + c] = round ? Math.round(v) : v;
    }
  }
  return z;
}

describe('whole-number elevations', () => {
  for (const workers of [0, 1]) {
    it(`are refused by name, decimals are processed (${workers ? 'decoded in a worker' : 'main thread'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigie-int-dtm-'));
      const g = (x: number) => grid({ originX: x, originY: 6650096, resX: 0.5, resY: 0.5, width: N, height: N, crs: 'EPSG:2154' });
      const whole = join(dir, 'whole.tif');
      const decimal = join(dir, 'decimal.tif');
      writeFileSync(whole, writeGeoTiff(hillside(true), g(650000), { nodata: -99999 }));
      writeFileSync(decimal, writeGeoTiff(hillside(false), g(652000), { nodata: -99999 }));
      // the decimal tile stored by GDAL as integer millimetres above 120 m (band scale and offset)
      const scaled = join(dir, 'scaled.tif');
      execFileSync('gdal_translate', ['-q', '-ot', 'Int16', '-scale', '120', '127', '0', '7000', '-a_scale', '0.001', '-a_offset', '120', '-a_ullr', '654000', '6650096', '654096', '6650000', decimal, scaled]);
      const det = await loadDetector({ workers });
      try {
        const { reports, detections } = await detectFiles(det, [whole, decimal, scaled]);
        const bad = reports.find((r) => r.file === whole)!;
        expect(bad.ok).toBe(false);
        expect(bad.error).toBe(
          'whole.tif: elevations are whole numbers (120 to 126, no decimals): 1-unit steps are larger than the relief looked for (0.2–2 m) ' +
            "and draw false candidates along every contour; expected decimal elevations in metres (Float32, as IGN's LiDAR HD MNT)",
        );
        expect(reports.find((r) => r.file === decimal)!.ok).toBe(true);
        // read as GDAL reports it (value × scale + offset): the same candidates as the decimal tile
        expect(reports.find((r) => r.file === scaled)!.ok).toBe(true);
        const at = (tile: string, x0: number) => detections.filter((d) => d.tile === tile).map((d) => [d.cls, Math.round(d.x - x0), Math.round(d.y)]);
        expect(at('decimal', 652000).length).toBeGreaterThan(0);
        expect(at('scaled', 654000)).toEqual(at('decimal', 652000));
      } finally {
        await det.close();
      }
    });
  }
});
