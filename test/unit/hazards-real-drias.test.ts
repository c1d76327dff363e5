/**
 * DRIAS files as DRIAS serves them (test/fixtures/real/drias, provenance in its README).
 * Expected values come from the text itself (awk over the data lines), never from Vigie:
 *   awk -F';' '/^[0-9]+;/{n++; s+=$8} END{print n, s}' DRIAS_2020_REFERENCE_annuel.txt   → 8981 6237.25
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { parseLevelMap, repairLatin1Mojibake } from '../../engine/hazards/drias.ts';
import { Store } from '../../engine/store/store.ts';

const FIX = join(import.meta.dirname, '../fixtures/real/drias');
const TABLES = ['catalogue', 'import_issues', 'hazard_layers', 'climate_points'];
let store: Store;
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigie-drias-real-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => (store = await Store.open(':memory:')));
afterEach(() => store.close());

const fix = (name: string) => join(FIX, name);
const value = async (indicator: string, point: string, warming: string) =>
  store.value<number>('SELECT value FROM climate_points WHERE indicator = $1 AND point = $2 AND warming = $3', [indicator, point, warming]);

async function failsUnchanged(file: string, pattern: RegExp, options: LayerImportOptions = {}) {
  const before = await store.counts(TABLES);
  const err = await importLayer(store, 'drias', file, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
  expect(await store.counts(TABLES)).toEqual(before);
}

describe('DRIAS reference file, whole 8 km grid', () => {
  it('reads the # column header, the trailing ; and every grid point', async () => {
    const r = await importLayer(store, 'drias', fix('DRIAS_2020_REFERENCE_annuel.txt'));
    // grep -c '^[0-9]' → 8981 data lines
    expect(r.rowsRead).toBe(8981);
    expect(r.kept).toBe(8981);
    expect(r.layer).toBe('drias_heat');
    const rows = await store.all('SELECT indicator, warming, count(*) AS n, count(value) AS nv, round(sum(value), 2) AS s FROM climate_points GROUP BY ALL ORDER BY 1');
    // awk sums of column 8 (NORTX35) and 9 (NORTR): 6237.25 and 33646
    expect(rows).toEqual([
      { indicator: 'NORTR_yr', warming: 'ref', n: 8981, nv: 8981, s: 33646 },
      { indicator: 'NORTX35D_yr', warming: 'ref', n: 8981, nv: 8981, s: 6237.25 },
    ]);
    // line 35: 139;41.3373;9.1495;REF;REF;15.93;101;2.37;34;… ; max NORTX35 is 6.07 at point 5099
    expect(await value('NORTX35D_yr', '139', 'ref')).toBe(2.37);
    expect(await value('NORTR_yr', '139', 'ref')).toBe(34);
    expect(await store.value("SELECT point FROM climate_points WHERE indicator = 'NORTX35D_yr' ORDER BY value DESC LIMIT 1")).toBe('5099');
    const p = await store.one<{ lat: number; lon: number; x: number; y: number }>("SELECT lat, lon, x, y FROM climate_points WHERE point = '18946' LIMIT 1");
    expect([p!.lat, p!.lon]).toEqual([51.0494, 2.6209]);
    expect(p!.x).toBeGreaterThan(600000); // Lambert-93, Dunkerque
    expect(p!.y).toBeGreaterThan(7000000);
    // "# Date d'extraction : 31/03/2025 - 09h22 loc."
    expect(await store.value("SELECT vintage FROM catalogue WHERE kind = 'drias'")).toBe('2025-03-31');
    expect(await store.one('SELECT hazard, kind, feature_count FROM hazard_layers')).toEqual({ hazard: 'heat', kind: 'climate_grid', feature_count: 8981 });
  });

  it('reads the metadata of the # lines, repairs the mis-encoded text and names the indicators it leaves out', async () => {
    const r = await importLayer(store, 'drias', fix('DRIAS_2020_REFERENCE_annuel_bas-rhin_subset.txt'));
    expect(r.rowsRead).toBe(124);
    const notes = (r.notes ?? []).join('\n');
    // "# Experience : EUROCORDEX2020", "# Modele     : ALADIN63_CNRM-CM5", "# Type d'indice : annuel"
    expect(notes).toMatch(/experience EUROCORDEX2020, modele ALADIN63_CNRM-CM5, type d'indice annuel/);
    expect(notes).toMatch(/REF → ref \(124 at ref\)/);
    // "#     NORTAV : TempÃ©rature moyenne journaliÃ¨re (Â°C)": left out, named, repaired
    expect(notes).toMatch(/not scored by Vigie, left out: NORTAV \(Température moyenne journalière \(°C\)\)/);
    expect(notes).toMatch(/mis-encoded/);
    expect((r.notes ?? []).filter((n) => /left out/.test(n)).join('\n')).not.toMatch(/Ã/);
    // 13414;48.137;7.4449;REF;REF;11.06;49;0.83;4;…
    expect(await value('NORTX35D_yr', '13414', 'ref')).toBe(0.83);
    expect(await value('NORTR_yr', '13414', 'ref')).toBe(4);
  });
});

describe('DRIAS files per RCP scenario with horizons H1/H2/H3', () => {
  it('maps RCP8.5 H1/H2/H3 to +2.0/+2.7/+4.0 by the table in config/risk.json', async () => {
    const r = await importLayer(store, 'drias', fix('DRIAS_FEUX_RCP8.5_H1H2H3_bas-rhin_subset.txt'));
    expect(r.rowsRead).toBe(372);
    expect(r.layer).toBe('drias_wildfire');
    // awk per Période: H1 124 rows Σ NORIFM40 265, H2 124 Σ 293, H3 124 Σ 342
    expect(await store.all('SELECT warming, count(*) AS n, sum(value) AS s FROM climate_points GROUP BY 1 ORDER BY 1')).toEqual([
      { warming: '+2.0', n: 124, s: 265 },
      { warming: '+2.7', n: 124, s: 293 },
      { warming: '+4.0', n: 124, s: 342 },
    ]);
    // 13414;…;RCP8.5;H1;3 / H2;3 / H3;4
    expect([await value('NORIFM40_yr', '13414', '+2.0'), await value('NORIFM40_yr', '13414', '+2.7'), await value('NORIFM40_yr', '13414', '+4.0')]).toEqual([3, 3, 4]);
    expect((r.notes ?? []).join('\n')).toMatch(/RCP8\.5\/H1 → \+2\.0, RCP8\.5\/H2 → \+2\.7, RCP8\.5\/H3 → \+4\.0/);
    expect((r.notes ?? []).join('\n')).toMatch(/left out: NORIFMxAV .*AIFM40/);
    // the reference file of another experiment adds its level without touching these
    await importLayer(store, 'drias', fix('DRIAS_2020_REFERENCE_annuel_bas-rhin_subset.txt'));
    expect(Number(await store.value("SELECT count(*) FROM climate_points WHERE layer = 'drias_wildfire'"))).toBe(372);
    // re-import replaces, never doubles, and stays in its layer
    await importLayer(store, 'drias', fix('DRIAS_FEUX_RCP8.5_H1H2H3_bas-rhin_subset.txt'));
    expect(await store.all('SELECT layer, count(*)::INTEGER AS n FROM climate_points GROUP BY 1 ORDER BY 1')).toEqual([
      { layer: 'drias_heat', n: 248 },
      { layer: 'drias_wildfire', n: 372 },
    ]);
    expect(Number(await store.value('SELECT count(*) FROM hazard_layers'))).toBe(2);
  });

  it('refuses RCP4.5 by name until the user maps it; --level-map maps it', async () => {
    const f = fix('DRIAS_FEUX_RCP4.5_H1H2H3_bas-rhin_extract.txt');
    await failsUnchanged(f, /no warming level for "RCP4\.5\/H1" \(line \d+.*maps REF→ref, RCP8\.5\/H1→\+2\.0.*--level-map RCP4\.5\/H1=<level>/);
    await failsUnchanged(f, /RCP4\.5\/H2 and RCP4\.5\/H3 are both mapped to \+2\.7/, { levelMap: 'RCP4.5/H1=+2.0,RCP4.5/H2=+2.7,RCP4.5/H3=+2.7' } as LayerImportOptions);
    const r = await importLayer(store, 'drias', f, { levelMap: 'rcp4.5/h1=+2.0, RCP4.5/H2=2.7, RCP4.5/H3=+4.0' } as LayerImportOptions);
    expect(r.rowsRead).toBe(372);
    // line 32: 13414;…;RCP4.5;H1;2; line 156: …;H2;3; line 280: …;H3;3
    expect([await value('NORIFM40_yr', '13414', '+2.0'), await value('NORIFM40_yr', '13414', '+2.7'), await value('NORIFM40_yr', '13414', '+4.0')]).toEqual([2, 3, 3]);
    // awk: Σ NORIFM40 RCP4.5/H1 123, H2 182, H3 284
    expect(await store.all('SELECT warming, sum(value) AS s FROM climate_points GROUP BY 1 ORDER BY 1')).toEqual([
      { warming: '+2.0', s: 123 }, { warming: '+2.7', s: 182 }, { warming: '+4.0', s: 284 },
    ]);
    expect(() => parseLevelMap('RCP4.5/H3=+3.1')).toThrow(/expected SCENARIO\/HORIZON=LEVEL with LEVEL one of ref, \+2\.0, \+2\.7, \+4\.0/);
  });
});

describe('DRIAS seasonal files', () => {
  const seasonal = fix('DRIAS_ETE_RCP8.5_H1H2H3_bas-rhin_extract.txt');

  it('reads the legend line and the Saison column; unscored seasonal indicators are refused by name', async () => {
    await failsUnchanged(seasonal, /none of the indicators \(NORTAV_ete, NORTXAV_ete, ATAV_ete, ATXAV_ete\) is one Vigie scores .*name it \(e\.g\. NORTAV_ete\) as a hazard's climate\.indicator/);
  });

  it('stores a seasonal indicator the settings score, under <code>_<season>', async () => {
    const cfg = JSON.parse(readFileSync(join(import.meta.dirname, '../../config/risk.json'), 'utf8'));
    cfg.hazards.heat.climate.indicator = 'NORTXAV_ete';
    const path = join(dir, 'risk-summer.json');
    writeFileSync(path, JSON.stringify(cfg));
    const r = await importLayer(store, 'drias', seasonal, { config: path } as LayerImportOptions);
    expect(r.rowsRead).toBe(372);
    // "(1 - hiver, 2 - printemps, 3 - Ã©tÃ©, 4 - automne)", Saison 3 on every row
    expect(await store.all('SELECT layer, indicator, warming, count(*) AS n, round(sum(value), 2) AS s FROM climate_points GROUP BY ALL ORDER BY 3')).toEqual([
      // awk Σ NORTXAV (column 8) per Période: H1 2918.23, H2 3020.37, H3 3291.16
      { layer: 'drias_heat', indicator: 'NORTXAV_ete', warming: '+2.0', n: 124, s: 2918.23 },
      { layer: 'drias_heat', indicator: 'NORTXAV_ete', warming: '+2.7', n: 124, s: 3020.37 },
      { layer: 'drias_heat', indicator: 'NORTXAV_ete', warming: '+4.0', n: 124, s: 3291.16 },
    ]);
    // line 279: 13414;48.137;7.4449;RCP8.5;H3;3;23.71;28.17;…
    expect(await value('NORTXAV_ete', '13414', '+4.0')).toBe(28.17);
    expect((r.notes ?? []).join('\n')).toMatch(/seasonal indicators not scored by Vigie, left out: NORTAV_ete, ATAV_ete, ATXAV_ete/);
  });
});

describe('mis-encoded text', () => {
  it('repairs UTF-8 read as Latin-1 and refuses what cannot be repaired', async () => {
    expect(repairLatin1Mojibake('rÃ©fÃ©rence')).toBe('référence');
    expect(repairLatin1Mojibake('référence')).toBeUndefined();
    // "Ã" then "ÿ" (bytes C3 FF) is no UTF-8 sequence: not repairable, the column is refused by name
    const text = readFileSync(fix('DRIAS_2020_REFERENCE_annuel_bas-rhin_subset.txt'), 'utf8').replace('# Point;Latitude;Longitude;Contexte;PÃ©riode;', '# Point;Latitude;Longitude;Contexte;PÃÿriode;');
    const p = join(dir, 'drias_bad_encoding.txt');
    writeFileSync(p, text);
    await failsUnchanged(p, /drias_bad_encoding\.txt line 33: column "PÃÿriode" is mis-encoded text that cannot be repaired/);
  });
});
