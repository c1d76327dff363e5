/**
 * Binary inputs through importLayer: GeoPackage (CNIG PPR), Shapefile, FlatGeobuf and GeoTIFF.
 * These need importLayer to hand binary files to importers that declare `binary: true`
 * (see engine/importers.ts) instead of decoding them as UTF-8 text.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { writeGeoTiff } from '../../engine/geo/geotiff-write.ts';
import { grid } from '../../engine/geo/grid.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { Store } from '../../engine/store/store.ts';

const TABLES = ['catalogue', 'import_issues', 'hazard_layers', 'hazard_zones'];
let store: Store;
let dir: string;
const ogr = (...args: string[]) => execFileSync('ogr2ogr', args, { stdio: 'pipe' });
const square = (x: number, y: number, s = 500) => [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]];
const L93 = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-binary-'));
  // CNIG PPR zones: typealea / niveaualea as text codes, as the standard publishes them.
  const ppr = {
    type: 'FeatureCollection', crs: L93,
    features: [
      ['Z1', '112', '04'], ['Z2', '117', '02'], ['Z3', '126', '06'], ['Z4', '13', '01'], ['Z5', '16', '03'], ['Z6', '21', '01'],
    ].map(([id, t, n], i) => ({ type: 'Feature', properties: { idzone: id, typealea: t, niveaualea: n }, geometry: { type: 'Polygon', coordinates: square(300000 + i * 1000, 6720000) } })),
  };
  writeFileSync(join(dir, 'ppr.geojson'), JSON.stringify(ppr));
  ogr('-f', 'GPKG', join(dir, 'ppr.gpkg'), join(dir, 'ppr.geojson'), '-nln', 'zone_alea');
  const tri = { type: 'FeatureCollection', crs: L93, features: [{ type: 'Feature', properties: { id_zone: 'T1', scenario: '02Moy' }, geometry: { type: 'Polygon', coordinates: square(300000, 6720000) } }] };
  writeFileSync(join(dir, 'tri.geojson'), JSON.stringify(tri));
  ogr('-f', 'FlatGeobuf', join(dir, 'tri.fgb'), join(dir, 'tri.geojson'));
  ogr('-f', 'ESRI Shapefile', join(dir, 'tri.shp'), join(dir, 'tri.geojson'));
  ogr('-f', 'ESRI Shapefile', join(dir, 'tri_noprj.shp'), join(dir, 'tri.geojson'));
  unlinkSync(join(dir, 'tri_noprj.prj'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => (store = await Store.open(':memory:')));
afterEach(() => store.close());

async function failsUnchanged(kind: string, file: string, pattern: RegExp, type: Function, options: LayerImportOptions = {}) {
  await importLayer(store, 'hazard-zones', join(dir, 'tri.geojson'), { layer: 'baseline' } as LayerImportOptions);
  const before = await store.counts(TABLES);
  const catalogue = await store.all('SELECT id, layer FROM catalogue ORDER BY id');
  const err = await importLayer(store, kind, file, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(pattern);
  expect(await store.counts(TABLES)).toEqual(before);
  expect(await store.all('SELECT id, layer FROM catalogue ORDER BY id')).toEqual(catalogue);
}

describe('vector formats through hazard-zones', () => {
  it('CNIG PPR GeoPackage: typealea → hazard, niveaualea → level, unsupported typealea rejected', async () => {
    const r = await importLayer(store, 'hazard-zones', join(dir, 'ppr.gpkg'));
    expect(r.kept).toBe(5);
    expect(r.rejected).toBe(1);
    expect(r.issues[0]).toMatchObject({ reason: 'unsupported_typealea', value: '21', kept: false });
    const rows = await store.all('SELECT feature_id, hazard, level_code FROM hazard_zones ORDER BY feature_id');
    expect(rows).toEqual([
      { feature_id: 'Z1', hazard: 'flood', level_code: 4 },
      { feature_id: 'Z2', hazard: 'flood', level_code: 2 },
      { feature_id: 'Z3', hazard: 'coastal_retreat', level_code: 6 },
      { feature_id: 'Z4', hazard: 'seismic', level_code: 1 },
      { feature_id: 'Z5', hazard: 'wildfire', level_code: 3 },
    ]);
    expect(await store.value("SELECT json_extract(attrs, '$.submersion') FROM hazard_zones WHERE feature_id = 'Z2'")).toBe('true');
    expect(await store.one('SELECT format, schema, crs FROM hazard_layers')).toEqual({ format: 'gpkg', schema: 'ppr', crs: 'EPSG:2154' });
    expect(await store.value('SELECT checksum FROM catalogue')).toMatch(/^[0-9a-f]{64}$/);
  });
  it.each(['fgb', 'shp'])('TRI zones from %s', async (ext) => {
    const r = await importLayer(store, 'hazard-zones', join(dir, `tri.${ext}`));
    expect(r.kept).toBe(1);
    expect(await store.one('SELECT scenario, minx FROM hazard_zones')).toEqual({ scenario: '02Moy', minx: 300000 });
  });
  it('Shapefile without .prj: CrsError suggesting --crs, DB unchanged; --crs imports it', async () => {
    await failsUnchanged('hazard-zones', join(dir, 'tri_noprj.shp'), /tri_noprj\.shp: the file declares no CRS \(no \.prj beside the \.shp\); give it with --crs/, CrsError);
    const r = await importLayer(store, 'hazard-zones', join(dir, 'tri_noprj.shp'), { crs: 'EPSG:2154' });
    expect(r.kept).toBe(1);
  });
});

describe('raster', () => {
  const g = (crs: string, originX: number, originY: number, res: number) => grid({ originX, originY, resX: res, resY: res, width: 64, height: 48, crs });
  const data = () => Float32Array.from({ length: 64 * 48 }, (_, i) => (i % 7 === 0 ? -9999 : (i % 64) / 10));

  it.each([
    ['EPSG:2154', 300000, 6730000, 25],
    ['EPSG:4326', -2.5, 47.7, 0.001],
    ['EPSG:3857', -280000, 6050000, 30],
  ] as const)('records a COG in %s with its absolute path, nodata and Lambert-93 extent', async (crs, x, y, res) => {
    const p = join(dir, `flood_${crs.replace(':', '')}.tif`);
    writeFileSync(p, writeGeoTiff(data(), g(crs, x, y, res), { cog: true, tileSize: 32, nodata: -9999 }));
    const r = await importLayer(store, 'raster', p, { hazard: 'flood', layer: 'flood_depth' } as LayerImportOptions);
    expect(r.layer).toBe('flood_depth');
    const row = await store.one<{ raster_path: string; crs: string; nodata: number; hazard: string; kind: string; minx: number; maxy: number }>(
      'SELECT raster_path, crs, nodata, hazard, kind, minx, maxy FROM hazard_layers',
    );
    expect(row).toMatchObject({ raster_path: resolve(p), crs, nodata: -9999, hazard: 'flood', kind: 'raster' });
    expect(row!.minx).toBeGreaterThan(100000); // Lambert-93 metres whatever the source CRS
    expect(row!.maxy).toBeGreaterThan(6600000);
  });
  it('a raster without --hazard, truncated, empty, or without CRS: errors, DB unchanged', async () => {
    const ok = join(dir, 'ok.tif');
    const bytes = writeGeoTiff(data(), g('EPSG:2154', 300000, 6730000, 25), { tileSize: 32, nodata: -9999 });
    writeFileSync(ok, bytes);
    await failsUnchanged('raster', ok, /ok\.tif: which hazard is this raster\? give it with --hazard flood\|wildfire/, InputError);
    const cut = join(dir, 'cut.tif');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await failsUnchanged('raster', cut, /cut\.tif/, InputError, { hazard: 'flood' } as LayerImportOptions);
    const junk = join(dir, 'junk.tif');
    writeFileSync(junk, Buffer.from('II*\0 this is not a tiff at all'));
    await failsUnchanged('raster', junk, /junk\.tif: not a readable GeoTIFF/, InputError, { hazard: 'flood' } as LayerImportOptions);
    const empty = join(dir, 'empty.tif');
    writeFileSync(empty, '');
    await failsUnchanged('raster', empty, /empty\.tif.*empty/, InputError, { hazard: 'flood' } as LayerImportOptions);
  });
  it('a GeoTIFF with user-defined Lambert-93 parameters is identified; one without CRS: CrsError suggesting --crs; --crs imports it', async () => {
    const ok = join(dir, 'ok2.tif');
    writeFileSync(ok, writeGeoTiff(data(), g('EPSG:2154', 300000, 6730000, 25), { nodata: -9999 }));
    const custom = join(dir, 'custom.tif');
    execFileSync('gdal_translate', ['-q', '-a_srs', '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +units=m', ok, custom], { stdio: 'pipe' });
    const id = await importLayer(store, 'raster', custom, { hazard: 'flood', layer: 'custom' } as LayerImportOptions);
    expect(id.kept).toBe(1);
    expect((await store.one<{ crs: string }>(`SELECT crs FROM hazard_layers WHERE layer = 'custom'`))!.crs).toBe('EPSG:2154');
    const none = join(dir, 'nocrs.tif');
    writeFileSync(none, writeGeoTiff(data(), g('LOCAL', 300000, 6730000, 25), { nodata: -9999, scratch: true }));
    await failsUnchanged('raster', none, /nocrs\.tif: no EPSG code .*--crs EPSG:NNNN/, CrsError, { hazard: 'flood' } as LayerImportOptions);
    const r = await importLayer(store, 'raster', none, { hazard: 'flood', crs: 'EPSG:2154' } as LayerImportOptions);
    expect(r.kept).toBe(1);
  });
  it('a raster placed outside France by its CRS is refused', async () => {
    const p = join(dir, 'far.tif');
    writeFileSync(p, writeGeoTiff(data(), g('EPSG:4326', 100, 10, 0.001), { nodata: -9999 }));
    await failsUnchanged('raster', p, /far\.tif: the raster's centre .* lies outside France/, InputError, { hazard: 'wildfire' } as LayerImportOptions);
  });
});
