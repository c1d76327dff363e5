import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { Store } from '../../engine/store/store.ts';

const TABLES = ['catalogue', 'import_issues', 'heritage_sites', 'spr'];
let store: Store;
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigie-heritage-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => (store = await Store.open(':memory:')));
afterEach(() => store.close());

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function failsUnchanged(kind: string, file: string, pattern: RegExp, options: LayerImportOptions = {}) {
  await importLayer(store, 'spr', write('spr_ok.csv', 'code_insee;commune;nom_spr;date_creation\n56008;Gourdren;SPR de Gourdren;2019-02-04\n'));
  const before = await store.counts(TABLES);
  const catalogue = await store.all('SELECT id, layer FROM catalogue ORDER BY id');
  const err = await importLayer(store, kind, file, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
  expect(await store.counts(TABLES)).toEqual(before);
  expect(await store.all('SELECT id, layer FROM catalogue ORDER BY id')).toEqual(catalogue);
}

const MUSEUMS = [
  'ref_musee;nom_du_musee;ville;departement;coordonnees_finales',
  'M5100;Écomusée de Kerhoët;Kerhoët;Morbihan;47.404136,-2.062298',
  'M5121;Musée de la Pêche;Gourdren;Morbihan;',
  'M5122;Musée inversé;Vannes;Morbihan;-2.7603,47.6582',
  'M5123;Musée lointain;Québec;Canada;46.81,-71.21',
  'M5124;Musée zéro;Nulle-part;Morbihan;0,0',
].join('\n');

describe('museums', () => {
  it('places good positions in Lambert-93 and flags empty, swapped, outside and placeholder ones', async () => {
    const report = await importLayer(store, 'museums', write('musees.csv', MUSEUMS));
    expect(report.kept).toBe(5);
    // MUSEUMS has no line break after its last row: flagged by the shared record rules (engine/io/record-rules.ts)
    expect(report.flagged).toEqual({ no_coordinates: 1, swapped_coordinates: 1, outside_france: 1, placeholder_coordinates: 1, unterminated_last_line: 1 });
    const rows = await store.all<{ site_id: string; position_status: string; x: number | null; site_kind: string }>(
      'SELECT site_id, position_status, x, site_kind FROM heritage_sites ORDER BY site_id',
    );
    expect(rows.map((r) => [r.site_id, r.position_status, r.x === null])).toEqual([
      ['M5100', 'ok', false],
      ['M5121', 'missing', true],
      ['M5122', 'swapped', false],
      ['M5123', 'outside_france', true],
      ['M5124', 'placeholder', true],
    ]);
    expect(rows[0].x).toBeGreaterThan(250000);
    expect(rows[0].x).toBeLessThan(350000);
    expect(rows.every((r) => r.site_kind === 'museum')).toBe(true);
    const msg = report.issues.find((i) => i.reason === 'swapped_coordinates')!.message;
    expect(msg).toBe('musees.csv line 4, coordonnees_finales: "-2.7603,47.6582" is "lon,lat", not "lat,lon"; placed after swapping');
  });
  it('non-numeric coordinates and a missing column are errors; DB unchanged', async () => {
    await failsUnchanged('museums', write('m1.csv', MUSEUMS.replace('47.404136,-2.062298', '47.4N,2.06W')), /m1\.csv line 2, coordonnees_finales: "47\.4N,2\.06W" is not "lat,lon"/);
    await failsUnchanged('museums', write('m2.csv', 'ref_musee;nom_du_musee;ville\nM1;a;b\n'), /m2\.csv line 1: no coordonnees_finales column/);
  });
});

describe('spr', () => {
  it('imports SPR rows keyed by INSEE code, normalising dd/mm/yyyy dates; re-import replaces', async () => {
    const p = write('spr.csv', 'code_insee;commune;nom_spr;date_creation\n56008;Gourdren;SPR de Gourdren;2019-02-04\n56021;Guiermel;SPR de Guiermel;25/08/2021\n');
    await importLayer(store, 'spr', p);
    await importLayer(store, 'spr', p);
    expect(await store.all('SELECT code_insee, date_creation FROM spr ORDER BY 1')).toEqual([
      { code_insee: '56008', date_creation: '2019-02-04' },
      { code_insee: '56021', date_creation: '2021-08-25' },
    ]);
  });
  it('a bad INSEE code names line and value', async () => {
    await failsUnchanged('spr', write('spr_bad.csv', 'code_insee;commune;nom_spr;date_creation\n560A;X;Y;2019\n'), /spr_bad\.csv line 2, code_insee: "560A" is not an INSEE commune code/);
  });
  it('a code a spreadsheet stripped of its leading zero (8006 for 08006) is read back, and flagged', async () => {
    const report = await importLayer(store, 'spr', write('spr_excel.csv', 'code_insee;commune;nom_spr;date_creation\n8006;Les Ayvelles;SPR des Ayvelles;2020-01-01\n'));
    expect(report.issues.map((i) => [i.reason, i.value, i.kept])).toEqual([['insee_zero_restored', '8006', true]]);
    expect(await store.all("SELECT code_insee FROM spr WHERE nom_spr = 'SPR des Ayvelles'")).toEqual([{ code_insee: '08006' }]);
  });
});

const site = (props: object, geometry: object) => ({ type: 'Feature', properties: props, geometry });
describe('archaeology', () => {
  it('imports GeoJSON points and polygons (WGS84) with ids, types and periods in Lambert-93', async () => {
    const p = write('sites.geojson', JSON.stringify({
      type: 'FeatureCollection',
      features: [
        site({ id: '56 001 0001', type: 'voie', periode: 'Gallo-romain' }, { type: 'Point', coordinates: [-1.955567, 47.487369] }),
        site({ identifiant: '56 001 0002', nature: 'enceinte', datation: 'Haut Moyen Âge' }, { type: 'Polygon', coordinates: [[[-1.96, 47.48], [-1.95, 47.48], [-1.95, 47.49], [-1.96, 47.49], [-1.96, 47.48]]] }),
        site({ id: '56 001 0001', type: 'doublon' }, { type: 'Point', coordinates: [-1.9, 47.4] }),
      ],
    }));
    const report = await importLayer(store, 'archaeology', p);
    expect(report.kept).toBe(2);
    expect(report.issues.map((i) => i.reason)).toEqual(['duplicate_id']);
    expect(report.issues[0].message).toMatch(/^sites\.geojson, feature 2, id: "56 001 0001" repeats the id of sites\.geojson, feature \d \(expected each id once\); the first record is kept/);
    const rows = await store.all<{ site_id: string; type: string; periode: string; x: number; geometry: string | null; minx: number }>(
      'SELECT site_id, type, periode, x, geometry, minx FROM heritage_sites ORDER BY site_id',
    );
    expect(rows.map((r) => [r.site_id, r.type, r.periode])).toEqual([
      ['56 001 0001', 'voie', 'Gallo-romain'],
      ['56 001 0002', 'enceinte', 'Haut Moyen Âge'],
    ]);
    expect(rows[0].geometry).toBeNull();
    expect(JSON.parse(rows[1].geometry!).type).toBe('Polygon');
    expect(rows[1].x).toBeGreaterThan(rows[1].minx); // centroid inside the bbox
  });
  it('imports CSV with x,y (Lambert-93) or lon,lat', async () => {
    await importLayer(store, 'archaeology', write('a.csv', 'id;type;periode;x;y\nA1;tumulus;Âge du Bronze;300000;6720000\n'));
    await importLayer(store, 'archaeology', write('b.csv', 'id,type,periode,lon,lat\nB1,menhir,Néolithique,-2.5,47.6\n'));
    const rows = await store.all<{ site_id: string; x: number; y: number }>('SELECT site_id, x, y FROM heritage_sites ORDER BY 1');
    expect(rows[0]).toEqual({ site_id: 'A1', x: 300000, y: 6720000 });
    expect(rows[1].y).toBeGreaterThan(6700000);
  });
  it('swapped lon/lat, Lambert-93 values read as degrees, invalid geometry, non-numeric x: errors naming the record', async () => {
    await failsUnchanged('archaeology', write('s1.csv', 'id;type;periode;lon;lat\nS1;four;Moderne;47.6;-2.5\n'), /s1\.csv line 2 \(id "S1"\), geometry: .*latitude and longitude swapped/);
    await failsUnchanged('archaeology', write('s2.csv', 'id;type;periode;lon;lat\nS2;four;Moderne;300000;6720000\n'), /s2\.csv line 2 \(id "S2"\).*in metres.*--crs/);
    await failsUnchanged('archaeology', write('s3.geojson', JSON.stringify({ type: 'FeatureCollection', features: [site({ id: 'P1' }, { type: 'Polygon', coordinates: [[[-2, 47], [-2.1, 47], [-2, 47.1]]] })] })), /s3\.geojson, feature 0 \(id "P1"\), geometry: ring 0 has 3 positions/);
    await failsUnchanged('archaeology', write('s4.csv', 'id;type;periode;x;y\nS4;four;Moderne;trois cent mille;6720000\n'), /s4\.csv line 2, x: "trois cent mille" is not a number/);
  });
});
