import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../engine/store/store.ts';
import { exportLayer } from '../../engine/report/export.ts';
import { InputError, NotFoundError } from '../../engine/errors.ts';
import { parseWkb } from '../../engine/io/wkb.ts';
import { toWgs84 } from '../../engine/geo/crs.ts';
import { hasTool, ogrSummary, scoredStore } from './exports-fixture.ts';

const OGR = hasTool('ogrinfo');

describe('exports read back by real clients', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    store = await scoredStore();
    dir = mkdtempSync(join(tmpdir(), 'vigie-exports-'));
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GeoPackage: GDAL opens it in EPSG:2154 with every monument and its fields', async () => {
    const r = await exportLayer(store, { layer: 'monuments', format: 'gpkg', out: join(dir, 'm.gpkg') });
    expect(r.features).toBe(5);
    // application_id 'GPKG' at byte 68 of the SQLite header
    expect(readFileSync(r.path).subarray(68, 72).toString('latin1')).toBe('GPKG');
    if (!OGR) return;
    const [l] = ogrSummary(r.path).layers;
    expect(l).toMatchObject({ name: 'monuments', geometry: 'Point', count: 5, epsg: '2154' });
    expect(l.fields).toEqual(expect.arrayContaining(['reference', 'score_ref', 'score_p4_0', 'inondation_niveau_ref', 'recul_cote_terme_p4_0']));
    const one = execFileSync('ogrinfo', ['-al', '-q', '-where', "reference = 'PA00000001'", r.path], { encoding: 'utf8' });
    expect(one).toMatch(/inondation_niveau_ref \(String\) = moyen/);
    expect(one).toMatch(/POINT \(101000 6801000\)/);
  });

  it.skipIf(!OGR)('FlatGeobuf and GeoJSON: counts, fields and CRS as GDAL reads them', async () => {
    const fgb = await exportLayer(store, { layer: 'monuments', format: 'fgb', out: join(dir, 'm.fgb'), scenario: '+4.0' });
    const [f] = ogrSummary(fgb.path).layers;
    expect(f).toMatchObject({ geometry: 'Point', count: 5, epsg: '2154' });
    expect(f.fields).toContain('score_p4_0');
    expect(f.fields).not.toContain('score_ref');
    const gj = await exportLayer(store, { layer: 'monuments', format: 'geojson', out: join(dir, 'm.geojson') });
    const [g] = ogrSummary(gj.path).layers;
    expect(g).toMatchObject({ geometry: 'Point', count: 5, epsg: '4326' });
    const json = JSON.parse(readFileSync(gj.path, 'utf8'));
    const [lon, lat] = json.features[0].geometry.coordinates;
    expect(lon).toBeGreaterThan(-6); // Brittany, in degrees
    expect(lat).toBeGreaterThan(47);
    const roll = await exportLayer(store, { layer: 'rollups', format: 'fgb', out: join(dir, 'r.fgb') });
    const [rl] = ogrSummary(roll.path).layers;
    expect(rl).toMatchObject({ geometry: 'Multi Polygon', epsg: '2154' });
    expect(rl.count).toBe(roll.features);
  });

  it('GeoParquet: DuckDB reads WKB points and the geo metadata says 1.1.0 / WKB / Point', async () => {
    const r = await exportLayer(store, { layer: 'monuments', format: 'parquet', out: join(dir, 'm.parquet') });
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const rows = (await c.runAndReadAll(`SELECT typeof(geometry) AS t FROM read_parquet('${r.path}') LIMIT 1`)).getRowObjectsJS();
      // DuckDB >= 1.5 recognises the `geo` metadata and types the column as a CRS84 geometry.
      expect(String(rows[0].t)).toMatch(/GEOMETRY\('OGC:CRS84'\)|BLOB/);
      await c.run('SET enable_geoparquet_conversion = false');
      const raw = (await c.runAndReadAll(`SELECT reference, x_l93, y_l93, geometry FROM read_parquet('${r.path}') ORDER BY reference`)).getRowObjectsJS();
      expect(raw).toHaveLength(5);
      for (const x of raw) {
        const g = parseWkb(x.geometry as Uint8Array);
        expect(g.type).toBe('Point');
        const [lon, lat] = g.coordinates as number[];
        const [elon, elat] = toWgs84(Number(x.x_l93), Number(x.y_l93));
        expect(lon).toBeCloseTo(elon, 6);
        expect(lat).toBeCloseTo(elat, 6);
      }
      const kv = (await c.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${r.path}') WHERE decode(key) = 'geo'`)).getRowObjectsJS();
      const geo = JSON.parse(String(kv[0].v));
      expect(geo).toMatchObject({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: ['Point'] } } });
      expect(geo.columns.geometry.crs).toBeUndefined(); // OGC:CRS84 by definition
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('CSV: « ; », BOM, French headers, decimal comma that reads back to the same number', async () => {
    const r = await exportLayer(store, { layer: 'monuments', format: 'csv', out: join(dir, 'm.csv'), scenario: 'ref' });
    const buf = readFileSync(r.path);
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(buf, { delimiter: ';', bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    const pa1 = rows.find((x) => x['Référence Mérimée'] === 'PA00000001')!;
    expect(pa1['Inondation : niveau réf.']).toBe('moyen');
    const score = Number(pa1['Score réf.'].replace(',', '.'));
    const stored = Number(await store.value(`SELECT score FROM scores WHERE site_id = 'PA00000001' AND scenario = 'ref'`));
    expect(score).toBeCloseTo(stored, 8);
    expect(pa1['Score réf.']).not.toContain('.');
  });

  it('detections with their review decision, and roll-ups per commune / département / région', async () => {
    const r = await exportLayer(store, { layer: 'detections', format: 'csv', out: join(dir, 'd.csv'), scope: 'commune:29001' });
    const rows = parse(readFileSync(r.path), { delimiter: ';', bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((x) => [x['Identifiant'], x['Validation'], x['Code INSEE']])).toEqual([
      ['m1:t1:0', 'oui', '29001'], ['m1:t1:1', '', '29001'], ['m1:t1:2', 'non', '29001'],
    ]);
    const roll = await exportLayer(store, { layer: 'rollups', format: 'geojson', out: join(dir, 'r.geojson'), scenario: '+4.0' });
    const fc = JSON.parse(readFileSync(roll.path, 'utf8'));
    expect(fc.features.map((f: { properties: { echelle: string } }) => f.properties.echelle)).toEqual(expect.arrayContaining(['commune', 'departement', 'region']));
    const dep = fc.features.find((f: { properties: { echelle: string; code: string } }) => f.properties.echelle === 'departement');
    expect(dep.geometry.type).toBe('MultiPolygon');
    const n = Number(await store.value(`SELECT count(*) FROM risk_sites WHERE departement = '29'`));
    expect(dep.properties.nb_sites_p4_0).toBe(n);
  });

  it('refuses bad input with clear errors and leaves no file behind', async () => {
    const before = readdirSync(dir).length;
    await expect(exportLayer(store, { layer: 'monuments', format: 'csv', out: join(dir, 'x.csv'), scope: 'commune:99999' })).rejects.toThrow(NotFoundError);
    await expect(exportLayer(store, { layer: 'monuments', format: 'csv', out: join(dir, 'x.csv'), scope: 'canton:1' })).rejects.toThrow(/unknown scope "canton:1"/);
    await expect(exportLayer(store, { layer: 'monuments', format: 'csv', out: join(dir, 'x.csv'), scenario: '+3.5' })).rejects.toThrow(/unknown scenario/);
    await expect(exportLayer(store, { layer: 'monuments', format: 'shp', out: join(dir, 'x.shp') })).rejects.toThrow(/unknown format "shp"/);
    await expect(exportLayer(store, { layer: 'monuments', format: 'csv', out: join(dir, 'nope', 'x.csv') })).rejects.toThrow(/folder .* does not exist/);
    await store.run(`DELETE FROM detections`);
    await expect(exportLayer(store, { layer: 'detections', format: 'gpkg', out: join(dir, 'x.gpkg') })).rejects.toThrow(InputError);
    expect(readdirSync(dir).length).toBe(before);
    expect(existsSync(join(dir, 'x.gpkg'))).toBe(false);
  });
});
