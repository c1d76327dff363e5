import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { area as geodesicArea, polygon } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrsError, InputError } from '../../engine/errors.ts';
import { CommuneRegion, FRANCE } from '../../engine/heritage/region-index.ts';
import { importLayer, type ImportReport } from '../../engine/importers.ts';
import { Store } from '../../engine/store/store.ts';

const FIXTURE = 'test/fixtures/heritage/communes.geojson';
const dir = mkdtempSync(join(tmpdir(), 'vigie-communes-'));

function writeGeoJson(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
}

const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

describe('communes importer on the dirty fixture', () => {
  let store: Store;
  let report: ImportReport;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    report = await importLayer(store, 'communes', FIXTURE);
  });
  afterAll(() => store.close());

  it('keeps the valid communes whatever their property names', async () => {
    expect(report).toMatchObject({ layer: 'communes', rowsRead: 9, kept: 3, rejected: 6, flagged: {} });
    expect(await store.all('SELECT code_insee, nom, departement, region FROM communes ORDER BY code_insee')).toEqual([
      { code_insee: '89019', nom: 'Asquins', departement: '89', region: '27' }, // INSEE_COM / NOM / INSEE_DEP / INSEE_REG
      { code_insee: '89365', nom: 'Saint-Père', departement: '89', region: null }, // insee / nom_com, department from the code
      { code_insee: '89446', nom: 'Vézelay', departement: '89', region: null },
    ]);
  });

  it('rejects bad features with a message naming the feature and the problem', () => {
    expect(report.issues.map((i) => [i.reason, i.message])).toEqual([
      ['invalid_code_insee', 'communes.geojson, features[3], code_insee: "8944" is not an INSEE commune code (expected 5 digits, or 2A/2B + 3 digits)'],
      ['invalid_geometry', 'communes.geojson, features[4] (89100), geometry: ring 0 is not closed: first [3.6,47.4] ≠ last [3.6,47.45]'],
      ['invalid_geometry', 'communes.geojson, features[5] (89200), geometry: geometry type "Point" (expected Polygon or MultiPolygon)'],
      ['invalid_geometry', 'communes.geojson, features[6] (89300), geometry: ring 0, position 1: [3.65,null] is not a pair of finite numbers'],
      ['duplicate_id', 'communes.geojson, features[7] (89446), code_insee: "89446" repeats the id of communes.geojson, features[0] (89446) (expected each id once); the first record is kept, this one is not stored'],
      ['missing_nom', 'communes.geojson, features[8] (89400), nom: no commune name (expected a property nom / nom_com / nom_commune / libelle / name)'],
    ]);
    expect(report.issues.every((i) => !i.kept)).toBe(true);
  });

  it('stores Lambert-93 geometry, bbox and planar area', async () => {
    const v = await store.one<Record<string, number | string>>("SELECT * FROM communes WHERE code_insee = '89446'");
    const geometry = JSON.parse(v!.geometry as string);
    expect(geometry.type).toBe('Polygon');
    // gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154 on (3.70, 47.44): 752756.6 6704639.1
    expect(geometry.coordinates[0][0][0]).toBeCloseTo(752756.6, 0);
    expect(geometry.coordinates[0][0][1]).toBeCloseTo(6704639.1, 0);
    // Meridians converge: the bbox is the extent of the projected ring, not of the lon/lat square.
    const ring: [number, number][] = geometry.coordinates[0];
    expect([v!.minx, v!.miny, v!.maxx, v!.maxy]).toEqual([
      Math.min(...ring.map((p) => p[0])),
      Math.min(...ring.map((p) => p[1])),
      Math.max(...ring.map((p) => p[0])),
      Math.max(...ring.map((p) => p[1])),
    ]);
    expect(v!.minx).toBeLessThan(752756.6);
    // Lambert-93 distorts areas by well under 0.5 % in Burgundy.
    const ellipsoidal = geodesicArea(polygon(square(3.7, 47.44, 3.78, 47.49)));
    expect(Math.abs((v!.area_m2 as number) / ellipsoidal - 1)).toBeLessThan(0.005);
  });

  it('subtracts holes and sums multipolygon parts', async () => {
    const area = async (code: string) => Number(await store.value('SELECT area_m2 FROM communes WHERE code_insee = $1', [code]));
    const asquins = geodesicArea(polygon(square(3.7, 47.49, 3.78, 47.54))) - geodesicArea(polygon(square(3.73, 47.5, 3.74, 47.51)));
    expect(Math.abs((await area('89019')) / asquins - 1)).toBeLessThan(0.005);
    const saintPere = geodesicArea(polygon(square(3.78, 47.44, 3.86, 47.49))) + geodesicArea(polygon(square(3.86, 47.47, 3.87, 47.48)));
    expect(Math.abs((await area('89365')) / saintPere - 1)).toBeLessThan(0.005);
  });

  it('builds a region that contains points inside or within 1 km of a commune', async () => {
    const region = await CommuneRegion.load(store);
    expect(region.description).toBe('the 3 imported communes (±1000 m)');
    // Lambert-93 756000 6707000 is (3.7433, 47.4610) by gdaltransform: inside Vézelay.
    expect(region.contains({ lon: 3.7433, lat: 47.461, x: 756000, y: 6707000 })).toBe(true);
    // 700 m south of Vézelay's southern edge: within tolerance; 3 km south: outside.
    const south = Number(await store.value("SELECT miny FROM communes WHERE code_insee = '89446'"));
    expect(region.contains({ lon: 0, lat: 0, x: 756000, y: south - 700 })).toBe(true);
    expect(region.contains({ lon: 0, lat: 0, x: 756000, y: south - 3000 })).toBe(false);
  });
});

describe('communes importer, CRS and fatal files', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(':memory:');
  });
  afterAll(() => store.close());

  it('uses the legacy crs member and keeps Lambert-93 coordinates as they are', async () => {
    const file = writeGeoJson('l93.geojson', {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } },
      features: [{ type: 'Feature', properties: { code: '2A004', nom: 'Ajaccio' }, geometry: { type: 'Polygon', coordinates: square(1175000, 6100000, 1185000, 6110000) } }],
    });
    const report = await importLayer(store, 'communes', file);
    expect(report.kept).toBe(1);
    expect(await store.one('SELECT departement, minx, miny, maxx, maxy, area_m2 FROM communes')).toEqual({
      departement: '2A', minx: 1175000, miny: 6100000, maxx: 1185000, maxy: 6110000, area_m2: 1e8,
    });
    expect(await store.value('SELECT crs FROM catalogue WHERE id = $1', [report.catalogueId])).toBe('EPSG:2154');
  });

  it('pads INSEE codes stored as numbers and takes the department overseas from 3 digits', async () => {
    const file = writeGeoJson('numbers.geojson', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { insee: 1001, nom: "L'Abergement-Clémenciat" }, geometry: { type: 'Polygon', coordinates: square(4.9, 46.14, 4.94, 46.17) } },
        { type: 'Feature', properties: { insee: '97411', nom: 'Saint-Denis' }, geometry: { type: 'Polygon', coordinates: square(55.4, -20.95, 55.5, -20.88) } },
      ],
    });
    await importLayer(store, 'communes', file);
    expect(await store.all('SELECT code_insee, departement FROM communes ORDER BY code_insee')).toEqual([
      { code_insee: '01001', departement: '01' },
      { code_insee: '97411', departement: '974' },
    ]);
  });

  const fatal: [string, string | object, typeof InputError, RegExp][] = [
    ['invalid JSON', '{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}]}', InputError, /^bad\.geojson line 3: not valid JSON .*expected a GeoJSON FeatureCollection/],
    ['not a FeatureCollection', { type: 'Feature', properties: {}, geometry: null }, InputError, /^bad\.geojson: type "Feature" is not a GeoJSON FeatureCollection/],
    ['a feature that is not one', { type: 'FeatureCollection', features: [{ type: 'Polygon' }] }, InputError, /^bad\.geojson, features\[0\]: not a GeoJSON Feature/],
    ['unknown crs member', { type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:999999' } }, features: [] }, CrsError, /^bad\.geojson, crs: "EPSG:999999" is not a known CRS/],
    [
      'Lambert-93 coordinates read as WGS84',
      { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code_insee: '89446', nom: 'Vézelay' }, geometry: { type: 'Polygon', coordinates: square(752000, 6704000, 758000, 6709000) } }] },
      CrsError,
      /^bad\.geojson, features\[0\]: coordinate \[752000, 6704000\] is not longitude\/latitude .* pass --crs EPSG:2154/,
    ],
    [
      'no usable commune',
      { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { nom: 'Sans code' }, geometry: { type: 'Polygon', coordinates: square(3, 47, 3.1, 47.1) } }] },
      InputError,
      /^bad\.geojson: no usable commune among 1 features \(first problem: bad\.geojson, features\[0\], code_insee: no INSEE code/,
    ],
  ];

  it.each(fatal)('%s: throws and leaves the database unchanged', async (_, doc, type, message) => {
    await importLayer(store, 'communes', FIXTURE);
    const snapshot = async () => ({
      counts: await store.counts(['communes', 'catalogue', 'import_issues']),
      communes: await store.all('SELECT code_insee, geometry FROM communes ORDER BY code_insee'),
    });
    const before = await snapshot();
    const error = await importLayer(store, 'communes', writeGeoJson('bad.geojson', doc)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });
});

describe('France fallback region', () => {
  it('contains metropolitan and overseas positions, not foreign ones', () => {
    const p = (lat: number, lon: number) => FRANCE.contains({ lat, lon, x: 0, y: 0 });
    expect(p(48.853, 2.3498)).toBe(true); // Paris
    expect(p(41.9192, 8.7386)).toBe(true); // Ajaccio
    expect(p(-20.8789, 55.4481)).toBe(true); // Saint-Denis, La Réunion
    expect(p(16.2411, -61.5331)).toBe(true); // Pointe-à-Pitre
    expect(p(4.9372, -52.326)).toBe(true); // Cayenne
    expect(p(2.3522, 48.8566)).toBe(false); // Paris swapped: Indian Ocean
    expect(p(40.4168, -3.7038)).toBe(false); // Madrid
  });
});
