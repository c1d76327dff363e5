import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { Store } from '../../engine/store/store.ts';

const FIX = join(import.meta.dirname, '../fixtures/hazards');
const TABLES = ['catalogue', 'import_issues', 'hazard_layers', 'hazard_zones'];
let store: Store;
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigie-zones-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => (store = await Store.open(':memory:')));
afterEach(() => store.close());

const L93 = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } };
function write(name: string, features: unknown[], crs: unknown = L93): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', ...(crs ? { crs } : {}), features }));
  return p;
}
const square = (x: number, y: number, s = 500) => [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]];
const feature = (props: object, coordinates: unknown, type = 'Polygon') => ({ type: 'Feature', properties: props, geometry: { type, coordinates } });

/** Runs a failing import and checks the database did not move. */
async function failsUnchanged(kind: string, file: string, pattern: RegExp, err: Function = InputError, options: LayerImportOptions = {}) {
  await importLayer(store, 'tri', join(FIX, 'tri_small.geojson'));
  const before = await store.counts(TABLES);
  const catalogue = await store.all('SELECT id, layer FROM catalogue ORDER BY id');
  const p = importLayer(store, kind, file, options);
  await expect(p).rejects.toThrow(err as never);
  await expect(importLayer(store, kind, file, options)).rejects.toThrow(pattern);
  expect(await store.counts(TABLES)).toEqual(before);
  expect(await store.all('SELECT id, layer FROM catalogue ORDER BY id')).toEqual(catalogue);
}

describe('hazard-zones importer', () => {
  it('imports TRI zones (crs member, EPSG:2154) with scenarios, catalogue row and hazard_layers row', async () => {
    const report = await importLayer(store, 'hazard-zones', join(FIX, 'tri_small.geojson'));
    expect(report).toMatchObject({ layer: 'tri_small', rowsRead: 4, kept: 4, rejected: 0 });
    const rows = await store.all<{ scenario: string; level_code: number; hazard: string; minx: number }>(
      'SELECT scenario, level_code, hazard, minx FROM hazard_zones ORDER BY feature_id',
    );
    expect(rows.map((r) => r.scenario)).toEqual(['01For', '02Moy', '03Mcc', '04Fai']);
    expect(rows.every((r) => r.hazard === 'flood' && r.level_code === 1)).toBe(true);
    expect(rows[0].minx).toBe(565000);
    const layer = await store.one('SELECT hazard, kind, schema, format, crs, feature_count, catalogue_id FROM hazard_layers');
    expect(layer).toEqual({ hazard: 'flood', kind: 'zones', schema: 'tri', format: 'geojson', crs: 'EPSG:2154', feature_count: 4, catalogue_id: report.catalogueId });
    const cat = await store.one<{ checksum: string; crs: string; feature_count: number; vintage: string }>('SELECT * FROM catalogue');
    expect(cat).toMatchObject({ checksum: report.checksum, crs: 'EPSG:2154', feature_count: 4 });
    expect(cat!.vintage).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('imports RGA in WGS84 (no crs member) reprojected to Lambert-93, and re-import replaces', async () => {
    await importLayer(store, 'hazard-zones', join(FIX, 'rga_small.geojson'), { layer: 'rga' } as LayerImportOptions);
    await importLayer(store, 'hazard-zones', join(FIX, 'rga_small.geojson'), { layer: 'rga' } as LayerImportOptions);
    const rows = await store.all<{ level_code: number; hazard: string; minx: number; miny: number; geometry: string }>(
      'SELECT level_code, hazard, minx, miny, geometry FROM hazard_zones ORDER BY level_code',
    );
    expect(rows.map((r) => r.level_code)).toEqual([1, 2, 3]);
    expect(rows[0].hazard).toBe('clay');
    // lon 1.15, lat 49.02 in Lambert-93 is about (565 km, 6 880 km)
    expect(rows[0].minx).toBeGreaterThan(560000);
    expect(rows[0].minx).toBeLessThan(570000);
    expect(rows[0].miny).toBeGreaterThan(6875000);
    expect(JSON.parse(rows[0].geometry).type).toBe('Polygon');
    expect((await store.counts(['hazard_layers', 'catalogue'])).hazard_layers).toBe(1);
  });

  it('coastal-erosion keeps placeholder rates as NULL (never 0) and flags them', async () => {
    const report = await importLayer(store, 'coastal-erosion', join(FIX, 'erosion_small.geojson'));
    expect(report.kept).toBe(4);
    expect(report.flagged).toEqual({ placeholder_value: 2 });
    const rows = await store.all<{ feature_id: string; value: number | null }>('SELECT feature_id, value FROM hazard_zones ORDER BY feature_id');
    expect(rows).toEqual([
      { feature_id: 'TC1', value: -0.8 },
      { feature_id: 'TC2', value: 0.3 },
      { feature_id: 'TC3', value: null },
      { feature_id: 'TC4', value: null },
    ]);
    expect(await store.value('SELECT kind FROM hazard_layers')).toBe('lines');
    expect(await store.value("SELECT count(*) FROM import_issues WHERE reason = 'placeholder_value' AND kept")).toBe(2);
  });

  it('generic zones need --hazard', async () => {
    const p = write('generic.geojson', [feature({ id: 'a' }, square(600000, 6800000))]);
    await failsUnchanged('hazard-zones', p, /--hazard flood\|clay/);
    const r = await importLayer(store, 'hazard-zones', p, { hazard: 'wildfire' } as LayerImportOptions);
    expect(r.kept).toBe(1);
    expect(await store.value("SELECT hazard FROM hazard_layers WHERE layer = 'generic'")).toBe('wildfire');
  });
});

describe('hazard-zones bad input: InputError naming file, feature and field; DB unchanged', () => {
  it('unclosed ring', async () => {
    const ring = [[600000, 6800000], [600500, 6800000], [600500, 6800500], [600000, 6800500]];
    const p = write('unclosed.geojson', [feature({ scenario: '01For', id_zone: 'Z9' }, [ring])]);
    await failsUnchanged('hazard-zones', p, /unclosed\.geojson, feature 0 \(id "Z9"\), geometry: ring 0 is not closed/);
  });
  it('NaN coordinates', async () => {
    const p = join(dir, 'nan.geojson');
    writeFileSync(p, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NIVEAU":1},"geometry":{"type":"Polygon","coordinates":[[[1,49],[1.1,49],["NaN",49.1],[1,49]]]}}]}`);
    await failsUnchanged('hazard-zones', p, /nan\.geojson, feature 0 .*position 2: \["NaN", 49\.1\] is not a position \(expected two finite numbers\)/);
  });
  it('too few points', async () => {
    const p = write('few.geojson', [feature({ scenario: '01For' }, square(600000, 6800000)), feature({ scenario: '02Moy' }, [[[600000, 6800000], [600100, 6800000], [600000, 6800000]]])]);
    await failsUnchanged('hazard-zones', p, /few\.geojson, feature 1 .*has 3 positions \(expected at least 4/);
  });
  it('Lambert-93 metres without crs member (read as WGS84) → CrsError suggesting --crs; --crs fixes it', async () => {
    const p = write('nocrs.geojson', [feature({ scenario: '01For' }, square(600000, 6800000))], null);
    await failsUnchanged('hazard-zones', p, /in metres but the layer's CRS is EPSG:4326.*--crs/, CrsError);
    const r = await importLayer(store, 'hazard-zones', p, { crs: 'EPSG:2154' });
    expect(r.kept).toBe(1);
  });
  it('swapped lat/lon is named', async () => {
    const p = write('swapped.geojson', [feature({ NIVEAU: 2 }, [[[49, 1], [49.01, 1], [49.01, 1.01], [49, 1.01], [49, 1]]])], null);
    await failsUnchanged('hazard-zones', p, /latitude and longitude swapped/);
  });
  it('outside France', async () => {
    const p = write('spain.geojson', [feature({ NIVEAU: 2 }, square(-3.7, 40.4, 0.01))], null);
    await failsUnchanged('hazard-zones', p, /spain\.geojson, feature 0 .*outside France/);
  });
  it('non-numeric NIVEAU and unknown TRI scenario', async () => {
    const a = write('badlevel.geojson', [feature({ NIVEAU: 'fort!' }, square(600000, 6800000))]);
    await failsUnchanged('hazard-zones', a, /badlevel\.geojson, feature 0 \(id "1"\), NIVEAU: "fort!" is not a number/);
    const b = write('badscen.geojson', [feature({ scenario: '05Ext' }, square(600000, 6800000))]);
    await failsUnchanged('tri', b, /scenario: "05Ext" is not a TRI scenario \(expected one of 01For, 02Moy, 03Mcc, 04Fai\)/);
  });
  it('non-numeric taux', async () => {
    const p = write('badtaux.geojson', [feature({ id: 'T1', taux: 'recul' }, [[350000, 6950000], [351000, 6950000]], 'LineString')]);
    await failsUnchanged('coastal-erosion', p, /badtaux\.geojson, feature 0 \(id "T1"\), taux: "recul" is not a number/);
  });
  it('empty file and empty collection', async () => {
    const e = join(dir, 'empty.geojson');
    writeFileSync(e, '');
    await failsUnchanged('hazard-zones', e, /empty\.geojson: the file is empty/);
    const n = write('none.geojson', []);
    await failsUnchanged('hazard-zones', n, /none\.geojson: no features/);
  });
});
