import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../engine/geo/raster.ts';

// Expected values: `gdalinfo` on each file (test/fixtures/georef/README.md), never Vigie's reading.
const FIX = join(import.meta.dirname, '../fixtures/georef');

describe('GeoTIFF georeferencing as GDAL reads it', () => {
  it('a « pixel is point » raster lies where GDAL puts it (half a pixel from its tie point)', async () => {
    const area = await openRaster(join(FIX, 'area.tif'));
    const point = await openRaster(join(FIX, 'point.tif'));
    for (const r of [area, point]) {
      expect(r.grid.originX).toBe(1540000);
      expect(r.grid.originY).toBe(5154000);
      expect(r.grid.resX).toBe(1);
      expect(r.grid.resY).toBe(1);
      expect(r.grid.crs).toBe('EPSG:2193');
    }
    expect(await point.readAll()).toEqual(await area.readAll());
  });

  it('reads rotation terms of rounding size (1e-9 m per pixel, left in a transformation matrix) as north-up, where GDAL puts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-tiny-rot-'));
    try {
      const vrt = join(dir, 'tiny.vrt');
      execFileSync('gdal_translate', ['-q', '-of', 'VRT', join(FIX, 'area.tif'), vrt]);
      const text = readFileSync(vrt, 'utf8').replace(/<GeoTransform>.*<\/GeoTransform>/, '<GeoTransform>1540000, 1, 1e-9, 5154000, 1e-9, -1</GeoTransform>');
      writeFileSync(vrt, text.replace(/relativeToVRT="1">/, `relativeToVRT="0">${FIX}/`));
      const out = join(dir, 'tiny.tif');
      execFileSync('gdal_translate', ['-q', vrt, out]);
      const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' })) as { geoTransform: number[] };
      expect(gdal.geoTransform[2]).toBe(1e-9); // GDAL keeps the terms: a transformation matrix in the file
      const r = await openRaster(out);
      expect([r.grid.originX, r.grid.originY, r.grid.resX, r.grid.resY]).toEqual([gdal.geoTransform[0], gdal.geoTransform[3], gdal.geoTransform[1], -gdal.geoTransform[5]]);
      expect(Array.from(await r.readAll())).toEqual(Array.from(await (await openRaster(join(FIX, 'area.tif'))).readAll()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a south-up raster by name instead of reading it upside down', async () => {
    await expect(openRaster(join(FIX, 'southup.tif'))).rejects.toThrow(/^southup\.tif: south-up raster \(pixel width 1, height 1\); expected north-up/);
  });

  it('refuses a rotated geotransform by name instead of ignoring the rotation', async () => {
    await expect(openRaster(join(FIX, 'rotated.tif'))).rejects.toThrow(/^rotated\.tif: rotated or sheared georeferencing \(pixel → map terms 0\.98, 0\.17, 0\.17, -0\.98\)/);
  });

  it('applies GDAL\'s band scale and offset (integer centimetres) as GDAL does', async () => {
    const area = await (await openRaster(join(FIX, 'area.tif'))).readAll();
    const scaled = await openRaster(join(FIX, 'scaled.tif'));
    const all = await scaled.readAll();
    expect(all[7 * 16 + 5]).toBeCloseTo(100.75, 4); // gdallocationinfo on the unscaled copy
    for (let i = 0; i < area.length; i++) expect(Math.abs(all[i] - area[i])).toBeLessThanOrEqual(0.0051);
    expect(await scaled.readWindow({ col: 5, row: 7, width: 1, height: 1 })).toEqual(all.subarray(7 * 16 + 5, 7 * 16 + 6));
  });

  it('refuses an 8-bit image (a hillshade, a map export) given as terrain, by name', async () => {
    const { openDem } = await import('../../engine/geo/dem.ts');
    await expect(openDem(join(FIX, 'rgb.tif'))).rejects.toThrow(/^rgb\.tif: an image \(3 bands of 8 bits: a hillshade or a map export\?\), not a terrain model/);
    await expect(openDem(join(FIX, 'area.tif'))).resolves.toBeDefined();
  });

  it('decodes the compressions GDAL writes DTMs with, and names the one it cannot decode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-compress-'));
    try {
      const src = join(FIX, 'area.tif');
      const plain = Array.from(await (await openRaster(src)).readAll());
      for (const co of [['COMPRESS=LZW', 'PREDICTOR=3'], ['COMPRESS=ZSTD', 'PREDICTOR=3'], ['COMPRESS=LERC_ZSTD', 'MAX_Z_ERROR=0'], ['COMPRESS=DEFLATE', 'PREDICTOR=2']]) {
        const out = join(dir, `${co.join('-')}.tif`);
        execFileSync('gdal_translate', ['-q', ...co.flatMap((c) => ['-co', c]), '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', src, out]);
        expect(Array.from(await (await openRaster(out)).readAll()), co.join(' ')).toEqual(plain); // lossless: the same bits
      }
      const lzma = join(dir, 'lzma.tif');
      execFileSync('gdal_translate', ['-q', '-co', 'COMPRESS=LZMA', src, lzma]);
      await expect(openRaster(lzma)).rejects.toThrow(/^lzma\.tif: compression LZMA \(TIFF code 34925\) is not supported; expected none, LZW, Deflate, PackBits, LERC, ZSTD, JPEG \(re-encode with: gdal_translate -co COMPRESS=DEFLATE lzma\.tif out\.tif\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a sheet larger than a tile can be (AHN: 10,000 × 12,500 at 0.5 m) is refused with the command that cuts it', async () => {
    const { openDem } = await import('../../engine/geo/dem.ts');
    const dir = mkdtempSync(join(tmpdir(), 'vigie-sheet-'));
    try {
      // sparse, tiled: a 16 kB file whose header is that of a full AHN sheet (Amersfoort / RD New)
      const file = join(dir, 'M_25GN1.tif');
      execFileSync('gdal_create', ['-outsize', '10000', '12500', '-ot', 'Float32', '-co', 'TILED=YES', '-co', 'SPARSE_OK=TRUE', '-co', 'COMPRESS=DEFLATE',
        '-a_srs', 'EPSG:28992', '-a_ullr', '120000', '487500', '125000', '481250', file], { stdio: 'pipe' });
      await expect(openDem(file)).rejects.toThrow(/^M_25GN1\.tif: tile is 10,000×12,500 pixels; expected at most 100,000,000 pixels per tile .*gdal_retile\.py -ps 2000 2000 .*M_25GN1\.tif/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  describe('a plain TIFF georeferenced by its sidecars, as GDAL reads it', () => {
    const gdalJson = (file: string) => JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', file], { encoding: 'utf8' }));
    async function baseline(dir: string): Promise<string> {
      const { writeGeoTiff } = await import('../../engine/geo/geotiff-write.ts');
      const { grid } = await import('../../engine/geo/grid.ts');
      const { writeFileSync } = await import('node:fs');
      const z = new Float32Array(40 * 40).map((_, i) => 100 + Math.sin(i / 7) * 3.25);
      for (let i = 0; i < 40; i++) z[i] = -9999; // a nodata first row
      const src = join(dir, 'src.tif');
      writeFileSync(src, writeGeoTiff(z, grid({ originX: 652_000.25, originY: 6_862_000.75, resX: 0.5, resY: 0.5, width: 40, height: 40, crs: 'EPSG:2154' }), { nodata: -9999 }));
      // PROFILE=BASELINE keeps no GeoTIFF tag: georeferencing, CRS and nodata go to base.tif.aux.xml, TFW=YES adds base.tfw
      const out = join(dir, 'base.tif');
      execFileSync('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', '-co', 'TFW=YES', src, out]);
      return out;
    }

    it('.aux.xml (GDAL PROFILE=BASELINE): grid, CRS and nodata those gdalinfo reports', async () => {
      const { openDem } = await import('../../engine/geo/dem.ts');
      const dir = mkdtempSync(join(tmpdir(), 'vigie-sidecar-'));
      try {
        const file = await baseline(dir);
        const info = gdalJson(file);
        const [x0, a, , y0, , e] = info.geoTransform as number[];
        const dem = await openDem(file);
        expect(dem.grid.originX).toBeCloseTo(x0, 6);
        expect(dem.grid.originY).toBeCloseTo(y0, 6);
        expect(dem.grid.resX).toBeCloseTo(a, 9);
        expect(dem.grid.resY).toBeCloseTo(-e, 9);
        expect(dem.grid.crs).toBe(`EPSG:${/ID\["EPSG",(\d+)\]\]\s*$/.exec(info.coordinateSystem.wkt)![1]}`);
        expect(dem.nodata).toBe(info.bands[0].noDataValue);
        const data = await dem.read();
        const valid = [...data].filter((v) => v !== dem.nodata);
        expect(valid.length).toBe(Math.round((info.bands[0].metadata[''].STATISTICS_VALID_PERCENT / 100) * data.length));
        expect(Math.min(...valid)).toBeCloseTo(info.bands[0].minimum, 4);
        // a PAM SRS given by code, which GDAL also accepts
        const { readFileSync, writeFileSync } = await import('node:fs');
        writeFileSync(`${file}.aux.xml`, readFileSync(`${file}.aux.xml`, 'utf8').replace(/<SRS\b[^>]*>[\s\S]*?<\/SRS>/, '<SRS>EPSG:2154</SRS>'));
        expect(gdalJson(file).coordinateSystem.wkt).toMatch(/ID\["EPSG",2154\]\]\s*$/);
        expect((await openDem(file)).grid.crs).toBe('EPSG:2154');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('world file (.TFW, any case) and .prj, as ArcGIS writes them; a damaged world file is named with its line', async () => {
      const { openDem } = await import('../../engine/geo/dem.ts');
      const { renameSync, writeFileSync } = await import('node:fs');
      const dir = mkdtempSync(join(tmpdir(), 'vigie-sidecar-'));
      try {
        const file = await baseline(dir);
        rmSync(`${file}.aux.xml`);
        renameSync(join(dir, 'base.tfw'), join(dir, 'base.TFW'));
        const [x0, a, , y0, , e] = gdalJson(file).geoTransform as number[]; // GDAL from the world file alone
        writeFileSync(join(dir, 'base.prj'), execFileSync('gdalsrsinfo', ['-o', 'wkt_esri', 'EPSG:2154'], { encoding: 'utf8' }));
        const dem = await openDem(file);
        expect([dem.grid.originX, dem.grid.originY, dem.grid.resX, dem.grid.resY]).toEqual([x0, y0, a, -e].map((v) => expect.closeTo(v, 6)));
        expect(dem.grid.crs).toBe('EPSG:2154');
        writeFileSync(join(dir, 'base.TFW'), '0.5\n0\n0\nabc\n652000.5\n6862000.5\n');
        await expect(openDem(file)).rejects.toThrow(/^base\.TFW, line 4: "abc" is not a number; expected a world file of six numbers/);
        writeFileSync(join(dir, 'base.TFW'), '0.5\n0.1\n0\n-0.5\n652000.5\n6862000.5\n');
        await expect(openDem(file)).rejects.toThrow(/^base\.TFW: rotated or sheared georeferencing/);
        rmSync(join(dir, 'base.TFW'));
        await expect(openDem(file)).rejects.toThrow(/^base\.tif: no georeferencing in the file \(GeoTIFF tags\) and no base\.tif\.aux\.xml or world file \(\.tfw\) beside it/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
