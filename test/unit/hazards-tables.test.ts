import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { parseWarming } from '../../engine/hazards/drias.ts';
import { Store } from '../../engine/store/store.ts';

const FIX = join(import.meta.dirname, '../fixtures/hazards');
const TABLES = ['catalogue', 'import_issues', 'hazard_layers', 'hazard_by_commune', 'climate_points'];
const DRIAS = readFileSync(join(FIX, 'drias_gwl27_small.txt'), 'utf8');
let store: Store;
let dir: string;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigie-tables-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  store = await Store.open(':memory:');
  await importLayer(store, 'seismic', join(FIX, 'zonage_sismique_small.csv'));
});
afterEach(() => store.close());

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function failsUnchanged(kind: string, file: string, pattern: RegExp, options: LayerImportOptions = {}) {
  const before = await store.counts(TABLES);
  const catalogue = await store.all('SELECT id, layer, checksum FROM catalogue ORDER BY id');
  const err = await importLayer(store, kind, file, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).exitCode).not.toBe(0);
  expect((err as Error).message).toMatch(pattern);
  expect(await store.counts(TABLES)).toEqual(before);
  expect(await store.all('SELECT id, layer, checksum FROM catalogue ORDER BY id')).toEqual(catalogue);
}

describe('seismic and rga-commune', () => {
  it('stores one row per commune with its zone', async () => {
    const rows = await store.all('SELECT code_insee, level_code, hazard, layer FROM hazard_by_commune ORDER BY code_insee');
    expect(rows).toEqual([
      { code_insee: '2A004', level_code: 1, hazard: 'seismic', layer: 'zonage_sismique_small' },
      { code_insee: '56001', level_code: 2, hazard: 'seismic', layer: 'zonage_sismique_small' },
      { code_insee: '56002', level_code: 3, hazard: 'seismic', layer: 'zonage_sismique_small' },
    ]);
    expect(await store.one('SELECT hazard, kind FROM hazard_layers')).toEqual({ hazard: 'seismic', kind: 'commune_table' });
    // re-import replaces
    await importLayer(store, 'seismic', join(FIX, 'zonage_sismique_small.csv'));
    expect((await store.counts(['hazard_by_commune'])).hazard_by_commune).toBe(3);
  });
  it('rga-commune accepts words and digits', async () => {
    await importLayer(store, 'rga-commune', join(FIX, 'rga_commune_small.csv'));
    expect(await store.all("SELECT code_insee, level_code FROM hazard_by_commune WHERE hazard = 'clay' ORDER BY 1")).toEqual([
      { code_insee: '56001', level_code: 1 },
      { code_insee: '56002', level_code: 3 },
    ]);
  });
  it('refuses a zone out of 1–5, a bad INSEE code, a missing column', async () => {
    await failsUnchanged('seismic', write('z6.csv', 'code_insee;code_zone\n56001;2\n56002;6\n'), /z6\.csv line 3, code_zone: "6" is not valid for commune 56002 \(expected a seismic zone 1/);
    await failsUnchanged('seismic', write('zx.csv', 'code_insee;code_zone\n56A01;2\n'), /zx\.csv line 2, code_insee: "56A01" is not an INSEE commune code/);
    await failsUnchanged('seismic', write('zc.csv', 'code_insee;zone_x\n56001;2\n'), /zc\.csv line 1: no level column .*code_zone/);
    await failsUnchanged('seismic', write('ze.csv', ''), /ze\.csv: the file is empty/);
  });
});

describe('drias', () => {
  it('parses warming levels in their published spellings', () => {
    expect(parseWarming('TRACC +2.7°C')).toBe('+2.7');
    expect(parseWarming('Niveau de réchauffement +4,0 °C en France (horizon 2100)')).toBe('+4.0');
    expect(parseWarming('GWL20')).toBe('+2.0');
    expect(parseWarming('Référence')).toBe('ref');
    expect(parseWarming('+3.1')).toBeUndefined();
  });

  it('stores one row per point × indicator, warming from the header, vintage from the extraction date', async () => {
    const report = await importLayer(store, 'drias', join(FIX, 'drias_gwl27_small.txt'));
    expect(report.rowsRead).toBe(3);
    const n = await store.all('SELECT layer, indicator, count(*) AS n FROM climate_points GROUP BY ALL ORDER BY 2');
    expect(n).toEqual([
      { layer: 'drias_wildfire', indicator: 'NORIFM40_yr', n: 3 },
      { layer: 'drias_drought', indicator: 'NORSWI04_yr', n: 3 },
      { layer: 'drias_heat', indicator: 'NORTR_yr', n: 3 },
      { layer: 'drias_heat', indicator: 'NORTX35D_yr', n: 3 },
    ]);
    expect(await store.value('SELECT DISTINCT warming FROM climate_points')).toBe('+2.7');
    const p = await store.one<{ x: number; y: number; lat: number }>("SELECT x, y, lat FROM climate_points WHERE point = '11036' LIMIT 1");
    expect(p!.lat).toBeCloseTo(47.259121, 6);
    expect(p!.x).toBeGreaterThan(300000); // Lambert-93 metres
    expect(p!.y).toBeGreaterThan(6600000);
    expect(await store.value("SELECT vintage FROM catalogue WHERE kind = 'drias'")).toBe('2025-03-10');
    expect(await store.value("SELECT count(*) FROM hazard_layers WHERE kind = 'climate_grid'")).toBe(3);
    await importLayer(store, 'drias', join(FIX, 'drias_gwl27_small.txt'));
    expect((await store.counts(['climate_points'])).climate_points).toBe(12);
  });

  it('without a warming level in the header, --warming is required', async () => {
    const bare = DRIAS.split('\n').filter((l) => !/^# (Contexte|Période|Niveau de réchauffement) :/.test(l)).join('\n').replace(/TRACC \+2\.7°C;GWL27/g, 'Projection;2041-2070');
    const p = write('drias_bare.txt', bare);
    await failsUnchanged('drias', p, /drias_bare\.txt: no warming level .*--warming ref\|\+2\.0\|\+2\.7\|\+4\.0/);
    const r = await importLayer(store, 'drias', p, { warming: '+2.7' } as LayerImportOptions);
    expect(r.rowsRead).toBe(3);
    await failsUnchanged('drias', join(FIX, 'drias_gwl27_small.txt'), /header says warming level \+2\.7 but --warming says \+4\.0/, { warming: '+4.0' } as LayerImportOptions);
  });

  it('unknown indicator columns are named with the known ones listed', async () => {
    const p = write('drias_unk.txt', DRIAS.replace(/^(Point;.*)NORIFM40_yr$/m, '$1NORTNFD_yr'));
    await failsUnchanged('drias', p, /drias_unk\.txt line \d+: unknown indicator column\(s\) "NORTNFD_yr"; known: NORTX35D_yr .*NORIFM40_yr/);
  });

  it('non-numeric values, swapped coordinates and truncated rows name the line and field', async () => {
    const lines = DRIAS.split('\n');
    const first = lines.findIndex((l) => /^\d/.test(l));
    const mod = (f: (cells: string[]) => string[]) => lines.map((l, i) => (i === first ? f(l.split(';')).join(';') : l)).join('\n');
    await failsUnchanged('drias', write('d1.txt', mod((c) => [...c.slice(0, 5), 'beaucoup', ...c.slice(6)])), new RegExp(`d1\\.txt line ${first + 1}, NORTX35D_yr: "beaucoup" is not a number`));
    await failsUnchanged('drias', write('d2.txt', mod((c) => [c[0], c[2], c[1], ...c.slice(3)])), /d2\.txt line \d+, Latitude\/Longitude .*swapped/);
    await failsUnchanged('drias', write('d3.txt', mod((c) => c.slice(0, 7))), /d3\.txt line \d+: 7 fields where the header has 9/);
  });
});
