/**
 * A GDAL virtual mosaic given as terrain (engine/geo/vrt.ts): the tiles it lists are those GDAL
 * lists for it (gdalinfo's `files`), VRTs built by GDAL's own tools; transforming VRTs refused by name.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTileFiles } from '../../engine/detect/detections.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';

const gdal = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-vrt-'));
  mkdirSync(join(dir, 'tiles'));
  for (const [k, x0] of [[1, 652000], [2, 652100]] as const) {
    const z = new Float32Array(200 * 200).map((_, i) => 80 + Math.sin(i / 11) * 0.75);
    writeFileSync(join(dir, 'tiles', `t${k}.tif`), writeGeoTiff(z, grid({ originX: x0, originY: 6862000, resX: 0.5, resY: 0.5, width: 200, height: 200, crs: 'EPSG:2154' }), { nodata: -99999 }));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GDAL virtual mosaics (.vrt) as terrain input', () => {
  it('gdalbuildvrt mosaics, beside the tiles or in another folder: the tiles gdalinfo lists', async () => {
    const tiles = [join(dir, 'tiles', 't1.tif'), join(dir, 'tiles', 't2.tif')];
    for (const vrt of [join(dir, 'tiles', 'mosaic.vrt'), join(dir, 'elsewhere', 'mosaic.vrt')]) {
      mkdirSync(join(vrt, '..'), { recursive: true });
      gdal('gdalbuildvrt', ['-q', vrt, ...tiles]);
      const files = (JSON.parse(gdal('gdalinfo', ['-json', vrt])).files as string[]).slice(1).map((f) => resolve(f));
      expect(files).toHaveLength(2);
      expect(await listTileFiles([vrt])).toEqual(files);
    }
  });

  it('a VRT that rescales, warps or fetches its tiles is refused by name', async () => {
    const t1 = join(dir, 'tiles', 't1.tif');
    const scaled = join(dir, 'scaled.vrt');
    gdal('gdal_translate', ['-q', '-of', 'VRT', '-scale', '70', '90', '0', '1', t1, scaled]);
    await expect(listTileFiles([scaled])).rejects.toThrow(/^scaled\.vrt: ".*t1\.tif" has <Scale(Ratio|Offset)> [-\d.e]+: the VRT rescales its elevations; expected a plain mosaic: give the tiles/);
    const warped = join(dir, 'warped.vrt');
    gdal('gdalwarp', ['-q', '-of', 'VRT', '-t_srs', 'EPSG:3857', t1, warped]);
    await expect(listTileFiles([warped])).rejects.toThrow(/^warped\.vrt: a VRTWarpedDataset \(it transforms its sources\); expected a plain mosaic/);
    const remote = join(dir, 'remote.vrt');
    writeFileSync(remote, '<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Float32" band="1"><SimpleSource><SourceFilename relativeToVRT="0">/vsicurl/https://example.org/t.tif</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>');
    await expect(listTileFiles([remote])).rejects.toThrow(/^remote\.vrt: "\/vsicurl\/https:\/\/example\.org\/t\.tif" is not a local file/);
    const empty = join(dir, 'empty.vrt');
    writeFileSync(empty, '<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Float32" band="1"></VRTRasterBand></VRTDataset>');
    await expect(listTileFiles([empty])).rejects.toThrow(/^empty\.vrt: band 1 lists no source tile/);
  });
});
