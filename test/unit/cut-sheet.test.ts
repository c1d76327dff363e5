/**
 * A terrain sheet too large to read whole is cut into tiles (engine/geo/cut-sheet.ts): each tile
 * lies where `gdalinfo` says its window of the sheet lies and holds the sheet's elevations there
 * (`gdallocationinfo` on the sheet and on the tile), cuts fall on 16-pixel multiples, and a piece
 * with no data is not written.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutPositions, cutSheet } from '../../engine/geo/cut-sheet.ts';

const SRC = join(import.meta.dirname, '../fixtures/real/lidar/giswqs-lidar/dem_rows_0-99.tif');
const gdal = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-cut-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cutting a sheet too large to read whole', () => {
  it('spreads the cuts evenly on 16-pixel multiples, without slivers', () => {
    expect(cutPositions(10000)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(cutPositions(12500)).toEqual([0, 2080, 4160, 6256, 8336, 10416, 12500]); // AHN's sheet height
    expect(cutPositions(10050)).toEqual([0, 2016, 4016, 6032, 8048, 10050]);
    expect(cutPositions(900)).toEqual([0, 900]);
  });

  it('writes tiles where GDAL puts their windows, with the sheet\'s elevations, and skips empty pieces', async () => {
    // the real 400 × 100 m DEM, its east quarter set to nodata
    const sheet = join(dir, 'sheet.tif');
    gdal('gdal_translate', ['-q', '-a_nodata', '-9999', SRC, sheet]);
    gdal('gdal_rasterize', ['-q', '-burn', '-9999', eastQuarter(sheet), sheet]);
    const files = await cutSheet(sheet, join(dir, 'tiles'), { tile: 96 });
    const src = JSON.parse(gdal('gdalinfo', ['-json', sheet])) as { size: [number, number]; geoTransform: number[] };
    const cols = cutPositions(src.size[0], 96);
    const rows = cutPositions(src.size[1], 96);
    const [x0, dx, , y0, , dy] = src.geoTransform;
    // pieces wholly in the nodata quarter are not written
    const expected = cols.slice(0, -1).filter((c) => c < src.size[0] * 0.75).length * (rows.length - 1);
    expect(files).toHaveLength(expected);
    for (const f of files) {
      const t = JSON.parse(gdal('gdalinfo', ['-json', f])) as { size: [number, number]; geoTransform: number[]; coordinateSystem: { wkt: string } };
      const col = Math.round((t.geoTransform[0] - x0) / dx);
      const row = Math.round((t.geoTransform[3] - y0) / dy);
      expect(cols).toContain(col);
      expect(rows).toContain(row);
      expect(t.geoTransform[1]).toBe(dx);
      expect(t.geoTransform[5]).toBe(dy);
      expect(t.coordinateSystem.wkt).toMatch(/ID\["EPSG",26915\]\]$/);
      expect(basename(f)).toMatch(/^sheet_\d+p?\d*_\d+p?\d*\.tif$/);
      const probes = [[0, 0], [t.size[0] - 1, t.size[1] - 1], [Math.floor(t.size[0] / 2), Math.floor(t.size[1] / 3)]];
      const inTile = gdal('gdallocationinfo', ['-valonly', f], probes.map((p) => p.join(' ')).join('\n') + '\n').trim().split('\n');
      const inSheet = gdal('gdallocationinfo', ['-valonly', sheet], probes.map(([c, r]) => `${c + col} ${r + row}`).join('\n') + '\n').trim().split('\n');
      expect(inTile).toEqual(inSheet);
    }
  });
});

/** A polygon file over the sheet's east quarter, for gdal_rasterize to burn. */
function eastQuarter(sheet: string): string {
  const info = JSON.parse(gdal('gdalinfo', ['-json', sheet])) as { cornerCoordinates: { upperLeft: number[]; lowerRight: number[] } };
  const [xl, yt] = info.cornerCoordinates.upperLeft;
  const [xr, yb] = info.cornerCoordinates.lowerRight;
  const xm = xl + (xr - xl) * 0.75;
  const file = join(dir, 'east.geojson');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::26915' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[xm, yb - 1], [xr + 1, yb - 1], [xr + 1, yt + 1], [xm, yt + 1], [xm, yb - 1]]] } }] }));
  return file;
}
