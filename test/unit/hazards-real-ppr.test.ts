/**
 * Real risk-prevention plans (test/fixtures/real/ppr, provenance in its README): a CNIG
 * GeoPackage of a mining plan (extract), a CNIG GeoPackage of a technological plan, and a
 * COVADIS natural-hazard plan as the zip DDT38 distributes. Expected counts come from GDAL:
 *   ogrinfo -so -al ppr_cnig_pprm_38ddt20180002_extract.gpkg            (feature counts per table)
 *   ogrinfo -q ppr_cnig_pprm_38ddt20180002.gpkg -dialect sqlite -sql "SELECT typealea, niveaualea, count(*) … GROUP BY 1,2"
 *   unzip pprn_covadis_38DDT20010005.zip; ogrinfo -q 38DDT20010005 -dialect sqlite -sql
 *     "… single zones (coderisque <> 9999999) UNION ALL N_MULTIALEA rows joined on id_zone … GROUP BY hazard, nivalea_st"
 * and the hazard of each GASPAR code from the CNIG tables (docs/risk-method.md), never from Vigie.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { classifyAlea, nivaleaWord, readLevel, typealeaCode } from '../../engine/hazards/gaspar.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { explainSite } from '../../engine/risk/queries.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { Store } from '../../engine/store/store.ts';

const FIX = join(import.meta.dirname, '../fixtures/real/ppr');
const PPRM = join(FIX, 'ppr_cnig_pprm_38ddt20180002_extract.gpkg');
const PPRT = join(FIX, 'ppr_cnig_pprt_69dreal20090005.gpkg');
const COVADIS = join(FIX, 'pprn_covadis_38DDT20010005.zip');
const TABLES = ['catalogue', 'import_issues', 'hazard_layers', 'hazard_zones'];
let store: Store;
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigie-ppr-real-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => (store = await Store.open(':memory:')));
afterEach(() => store.close());

const layers = () =>
  store.all<{ layer: string; hazard: string; kind: string; n: number }>(
    'SELECT l.layer, l.hazard, l.kind, count(z.layer)::INTEGER AS n FROM hazard_layers l LEFT JOIN hazard_zones z USING (layer) GROUP BY ALL ORDER BY 1',
  );
const levels = (layer: string) =>
  store.all('SELECT level_code, count(*)::INTEGER AS n FROM hazard_zones WHERE layer = $1 GROUP BY 1 ORDER BY 1', [layer]);

describe('GASPAR / CNIG tables', () => {
  it('reads 7-digit GASPAR codes, CNIG codes, and names the families Vigie does not score', () => {
    expect(typealeaCode('1120000')).toBe('112');
    expect(typealeaCode('1300000')).toBe('13');
    expect(classifyAlea('1230000')).toMatchObject({ kind: 'hazard', hazard: 'land_movement' });
    expect(classifyAlea('124')).toMatchObject({ kind: 'hazard', hazard: 'land_movement' });
    expect(classifyAlea('126')).toMatchObject({ kind: 'hazard', hazard: 'coastal_retreat' });
    expect(classifyAlea('1270000')).toMatchObject({ kind: 'hazard', hazard: 'clay', label: 'tassements différentiels' });
    expect(classifyAlea('117')).toMatchObject({ kind: 'hazard', hazard: 'flood' });
    expect(classifyAlea('312')).toMatchObject({ kind: 'context', family: 'mining' });
    expect(classifyAlea('2110000')).toMatchObject({ kind: 'context', family: 'technological' });
    expect(classifyAlea('14')).toMatchObject({ kind: 'context', family: 'avalanche' });
    expect(classifyAlea('9999999')).toMatchObject({ kind: 'multi' });
    expect(classifyAlea('111')).toBeUndefined();
    expect(classifyAlea('')).toBeUndefined();
    expect([nivaleaWord('Fai'), nivaleaWord('M'), nivaleaWord('F'), nivaleaWord('TF'), nivaleaWord('Très fort')]).toEqual([1, 2, 4, 6, 6]);
    expect(readLevel({ nivalea: 'F', nivalea_st: '04' })).toEqual({ code: 4, field: 'nivalea_st' });
    expect(readLevel({ nivalea: 'Fai', nivalea_st: '04' })).toMatchObject({ code: 4, conflict: { field: 'nivalea', code: 1 } });
    expect(readLevel({ nivalea: 'M' })).toEqual({ code: 2, field: 'nivalea' });
    expect(readLevel({ niveaualea: '09' })).toMatchObject({ code: null, bad: { field: 'niveaualea', value: '09' } });
  });
});

describe('CNIG GeoPackage, mining plan (7 tables)', () => {
  it('imports every table: mining zones and regulatory zones as context, named with their codes', async () => {
    const r = await importLayer(store, 'ppr', PPRM);
    // ogrinfo -so -al: 10 + 1 + 59 + 41 + 120 features in the five feature tables
    expect(r.rowsRead).toBe(231);
    expect(r.kept).toBe(231);
    expect(r.rejected).toBe(0);
    expect(await layers()).toEqual([
      { layer: 'pprm_38ddt20180002_perimetre_s', hazard: 'perimeter', kind: 'context', n: 1 },
      { layer: 'pprm_38ddt20180002_zonealeareference_312_s', hazard: 'mining', kind: 'context', n: 120 },
      { layer: 'pprm_38ddt20180002_zonealeareference_314_s', hazard: 'mining', kind: 'context', n: 41 },
      { layer: 'pprm_38ddt20180002_zonealeareference_33_s', hazard: 'mining', kind: 'context', n: 59 },
      { layer: 'pprm_38ddt20180002_zonereglementaireurba_s', hazard: 'regulatory', kind: 'context', n: 10 },
    ]);
    // ogrinfo -sql "SELECT typealea, niveaualea, count(*) … zonealeareference_312_s GROUP BY 1,2": 01 ×79, 02 ×40, 04 ×1
    expect(await levels('pprm_38ddt20180002_zonealeareference_312_s')).toEqual([{ level_code: 1, n: 79 }, { level_code: 2, n: 40 }, { level_code: 4, n: 1 }]);
    const notes = (r.notes ?? []).join('\n');
    // procedure table: libelleprocedure "PPRM Saint Didier de la Tour", codeprocedure 38DDT20180002, typeprocedure PPRM
    expect(notes).toMatch(/plan "PPRM Saint Didier de la Tour" \(38DDT20180002, PPRM\)/);
    expect(notes).toMatch(/typealea 312 \(risque minier : effondrements localisés\) ×120, 314 \(risque minier : tassements\) ×41, 33 \(risque minier : émissions en surface de gaz de mine\) ×59: risques miniers \(3x\), a family Vigie does not score; kept as context/);
    expect(notes).toMatch(/no zone of a hazard Vigie scores in this plan/);
    expect(notes).not.toMatch(/no typealea/);
    // the same file through the generic zones importer is handed to the plan importer
    const again = await importLayer(store, 'hazard-zones', PPRM);
    expect(again.rowsRead).toBe(231);
    expect((await layers()).length).toBe(5);
    expect(Number(await store.value('SELECT count(*) FROM hazard_zones'))).toBe(231);
  });

  it('a technological plan without hazard-zone tables keeps its regulatory zones and perimeter as context', async () => {
    const r = await importLayer(store, 'ppr', PPRT);
    // ogrinfo -so -al: zonereglementairefoncier_s 10, zonereglementaireurba_s 25, perimetre_s 1
    expect(r.rowsRead).toBe(36);
    expect(await layers()).toEqual([
      { layer: 'pprt_69dreal20090005_perimetre_s', hazard: 'perimeter', kind: 'context', n: 1 },
      { layer: 'pprt_69dreal20090005_zonereglementairefoncier_s', hazard: 'regulatory', kind: 'context', n: 10 },
      { layer: 'pprt_69dreal20090005_zonereglementaireurba_s', hazard: 'regulatory', kind: 'context', n: 25 },
    ]);
    expect((r.notes ?? []).join('\n')).toMatch(/plan "PPRT Domène - Sobégal" \(69DREAL20090005, PPRT\)[\s\S]*no zone of a hazard Vigie scores/);
  });
});

describe('COVADIS natural-hazard plan, zipped', () => {
  it('reads the zip directly, coderisque → hazard, nivalea_st → level, multi-hazard zones split by N_MULTIALEA', async () => {
    const r = await importLayer(store, 'ppr', COVADIS);
    // N_ZONE_ALEA 174 + N_ZONE_REG 165 + N_PERIMETRE 1
    expect(r.rowsRead).toBe(340);
    expect(r.kept).toBe(340);
    expect(r.rejected).toBe(0);
    const stem = 'N_ZONE_ALEA_PPRN_20010005_S_038';
    // GDAL: single zones + N_MULTIALEA rows of the 127 multi-hazard zones (all 287 match a zone), by hazard
    expect(await layers()).toEqual([
      { layer: 'N_PERIMETRE_PPRN_20010005_S_038', hazard: 'perimeter', kind: 'context', n: 1 },
      { layer: `${stem}_clay`, hazard: 'clay', kind: 'zones', n: 1 },
      { layer: `${stem}_flood`, hazard: 'flood', kind: 'zones', n: 207 },
      { layer: `${stem}_land_movement`, hazard: 'land_movement', kind: 'zones', n: 126 },
      { layer: 'N_ZONE_REG_PPRN_20010005_S_038', hazard: 'regulatory', kind: 'context', n: 165 },
    ]);
    // nivalea_st: flood 01 ×187, 04 ×20; land movement 01 ×67, 02 ×36, 04 ×23; clay (1270000) 04 ×1
    expect(await levels(`${stem}_flood`)).toEqual([{ level_code: 1, n: 187 }, { level_code: 4, n: 20 }]);
    expect(await levels(`${stem}_land_movement`)).toEqual([{ level_code: 1, n: 67 }, { level_code: 2, n: 36 }, { level_code: 4, n: 23 }]);
    expect(await levels(`${stem}_clay`)).toEqual([{ level_code: 4, n: 1 }]);
    // nivalea and nivalea_st agree on all 174 zones and 287 components: no flag
    expect(Object.keys(r.flagged)).toEqual([]);
    expect((r.notes ?? []).join('\n')).toMatch(/read from zip member 38DDT20010005\/N_ZONE_ALEA_PPRN_20010005_S_038\.shp/);
    // zone 54 (coderisque 1230000, nivalea_st 04), a single-hazard rock-fall zone
    const z = await store.one<{ code: string; label: string }>(
      `SELECT json_extract_string(attrs, '$.typealea') AS code, json_extract_string(attrs, '$.typealea_label') AS label FROM hazard_zones WHERE layer = '${stem}_land_movement' AND feature_id = '54'`,
    );
    expect(z).toEqual({ code: '123', label: 'éboulement ou chutes de pierres et de blocs' });
    // re-import replaces
    await importLayer(store, 'ppr', COVADIS);
    expect(Number(await store.value('SELECT count(*) FROM hazard_zones'))).toBe(1 + 1 + 207 + 126 + 165);
  });

  it('land movement is scored; context layers are not', async () => {
    await importLayer(store, 'ppr', COVADIS);
    await importLayer(store, 'ppr', PPRM);
    // GDAL: ST_PointOnSurface of zone 54 (1230000, nivalea_st 04) = POINT(907863.486969 6457364.405039)
    await store.run(
      `INSERT INTO monuments (reference, titre, denomination, protection, partielle, insee, departement, region, materiaux, x, y, position_status, catalogue_id)
       VALUES ('PA99999901', 'Chapelle test', 'chapelle', 'inscrit', false, '38000', '38', '84', 'pierre', 907863.486969, 6457364.405039, 'ok', 1)`,
    );
    await scoreAll(store, { config: loadRiskConfig(), kinds: ['monument'] });
    const e = await explainSite(store, 'PA99999901');
    const t = e.terms!.find((x) => x.scenario === 'ref' && x.hazard === 'land_movement')!;
    // niveaualea 04 → fort (config/risk.json land_movement.zones.level_codes "4": 3)
    expect([t.level, t.source_layer]).toEqual(['fort', 'N_ZONE_ALEA_PPRN_20010005_S_038_land_movement']);
    const used = await store.all<{ hazard: string }>('SELECT DISTINCT hazard FROM score_layers ORDER BY 1');
    expect(used.map((u) => u.hazard)).toEqual(['clay', 'flood', 'land_movement']);
  });

  it('through hazard-zones, the zip needs --member; the member then brings its sibling tables', async () => {
    const err = await importLayer(store, 'hazard-zones', COVADIS).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/3 \.shp members: .*N_ZONE_ALEA_PPRN_20010005_S_038\.shp.*--member/);
    const r = await importLayer(store, 'hazard-zones', COVADIS, { member: 'N_ZONE_ALEA_*.shp' } as LayerImportOptions);
    expect(r.rowsRead).toBe(340);
  });
});

describe('single zone tables', () => {
  const square = (x: number, y: number) => [[[x, y], [x + 100, y], [x + 100, y + 100], [x, y + 100], [x, y]]];
  it('a file mixing hazards is split into one layer per hazard; unscored families are refused by name', async () => {
    const fc = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } },
      features: [
        ['1', '1140000', 'Fai', '01'], ['2', '1240000', 'M', '02'], ['3', '1240000', 'F', '04'], ['4', '3120000', 'F', '04'], ['5', '9999999', 'F', '04'],
      ].map(([id, code, niv, st], i) => ({
        type: 'Feature', properties: { id_zone: id, coderisque: code, nivalea: niv, nivalea_st: st }, geometry: { type: 'Polygon', coordinates: square(900000 + i * 200, 6450000) },
      })),
    };
    const p = join(dir, 'zones_mixed.geojson');
    writeFileSync(p, JSON.stringify(fc));
    const r = await importLayer(store, 'hazard-zones', p);
    expect([r.kept, r.rejected]).toEqual([3, 2]);
    expect(r.issues.map((i) => [i.reason, i.value, i.kept])).toEqual([['unsupported_typealea', '3120000', false], ['unsupported_typealea', '9999999', false]]);
    expect(r.issues[0].message).toMatch(/"3120000" \(risque minier : effondrements localisés\) is risques miniers \(3x\), a family Vigie does not score/);
    expect(r.issues[1].message).toMatch(/multi-hazard zone whose hazards are in a separate table/);
    expect(await layers()).toEqual([
      { layer: 'zones_mixed_flood', hazard: 'flood', kind: 'zones', n: 1 },
      { layer: 'zones_mixed_land_movement', hazard: 'land_movement', kind: 'zones', n: 2 },
    ]);
    expect(await levels('zones_mixed_land_movement')).toEqual([{ level_code: 2, n: 1 }, { level_code: 4, n: 1 }]);
  });
});
