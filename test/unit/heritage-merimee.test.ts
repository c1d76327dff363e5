import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { formatReport, importLayer, type ImportReport } from '../../engine/importers.ts';
import { Store } from '../../engine/store/store.ts';
import { booleanPointInPolygon } from '@turf/turf';

const FIX = 'test/fixtures/heritage';
const POP = `${FIX}/merimee-pop.csv`;
const OPEN_DATA = `${FIX}/merimee-opendata.csv`;

type Monument = Record<string, unknown> & { reference: string };

/** A commune polygon of the fixture, as written in the file (WGS84). */
function communeFeature(code: string): never {
  const fc = JSON.parse(readFileSync(`${FIX}/communes.geojson`, 'utf8')) as { features: { properties: Record<string, unknown>; geometry: unknown }[] };
  return fc.features.find((f) => Object.values(f.properties).includes(code))!.geometry as never;
}

async function monuments(store: Store): Promise<Monument[]> {
  return store.all<Monument>('SELECT * EXCLUDE (catalogue_id) FROM monuments ORDER BY reference');
}

describe('Mérimée importer on the dirty POP fixture', () => {
  let store: Store;
  let report: ImportReport;
  let byRef: Map<string, Monument>;

  beforeAll(async () => {
    store = await Store.open(':memory:');
    await importLayer(store, 'communes', `${FIX}/communes.geojson`);
    report = await importLayer(store, 'merimee', POP, { vintage: '2025-01' });
    byRef = new Map((await monuments(store)).map((m) => [m.reference, m]));
  });
  afterAll(() => store.close());

  it('counts rows read, kept, rejected and flags per reason', () => {
    expect(report).toMatchObject({ kind: 'merimee', layer: 'monuments', rowsRead: 17, kept: 15, rejected: 2 });
    expect(report.flagged).toEqual({
      no_coordinates: 1,
      placeholder_coordinates: 5,
      invalid_coordinates: 1,
      swapped_coordinates: 1,
      outside_region: 1,
      unknown_protection: 1,
      invalid_insee: 1,
      // Issue 11: a monument without a usable position whose INSEE code (13055) is not among the
      // imported communes cannot be placed at its commune either, and says so.
      unknown_commune: 1,
    });
    expect(byRef.size).toBe(15);
  });

  it('reads protections in all their spellings', () => {
    const p = (ref: string) => [byRef.get(ref)!.protection, byRef.get(ref)!.partielle];
    expect(p('PA89000001')).toEqual(['classe', false]); // classé MH
    expect(p('PA89000002')).toEqual(['inscrit', false]); // inscrit MH
    expect(p('PA89000003')).toEqual(['classe', true]); // classé MH partiellement
    expect(p('PA89000004')).toEqual(['inscrit', true]); // inscrit MH partiellement
    expect(p('PA89000005')).toEqual(['classe_inscrit', true]); // classé MH ; inscrit MH partiellement
    expect(p('PA89000006')).toEqual(['classe', false]); // CLASSE MH
    expect(p('PA89000008')).toEqual(['inscrit', false]); // Inscrit M.H.
    expect(p('PA89000014')).toEqual(['classe_inscrit', false]); // inscrit MH ; classé MH
    expect(p('PA89000011')).toEqual(['inconnue', false]); // empty
    expect(byRef.get('PA89000005')!.typologie_protection).toBe('classé MH ; inscrit MH partiellement');
  });

  it('keeps every valid INSEE code, the first as insee', () => {
    expect(byRef.get('PA89000002')).toMatchObject({ insee: '89446', insee_all: '89446,89365' });
    expect(byRef.get('PA89000011')).toMatchObject({ insee: '89019', insee_all: '89019,89446' });
    expect(byRef.get('PA89000013')).toMatchObject({ insee: null, insee_all: null }); // "89XYZ", flagged
  });

  it('keeps quoted separators and newlines inside fields', () => {
    expect(byRef.get('PA89000012')!.titre).toBe('Maison dite | la Tour');
    expect(byRef.get('PA89000002')!.materiaux).toBe('calcaire ; moellon');
    // The multi-line Historique of line 2 does not shift later line numbers.
    const line = (ref: string) => report.issues.find((i) => i.recordId === ref)?.line;
    expect(line('PA89000003')).toBe(5);
    expect(line('PA89000015')).toBe(19);
  });

  it('places good coordinates in Lambert-93, and flagged ones at their commune when it is imported', () => {
    const basilique = byRef.get('PA89000001')!;
    expect(basilique).toMatchObject({ lat: 47.4663, lon: 3.7453, position_status: 'ok' });
    // Vézelay basilica in Lambert-93; gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154 gives 756143.0 6707591.9.
    expect(basilique.x as number).toBeCloseTo(756143, -1);
    expect(basilique.y as number).toBeCloseTo(6707592, -1);
    const status = (ref: string) => byRef.get(ref)!.position_status;
    expect(status('PA89000003')).toBe('missing'); // ""
    expect(['PA89000004', 'PA89000005', 'PA89000006', 'PA89000007', 'PA89000015'].map(status)).toEqual(
      Array(5).fill('placeholder'), // 0,0 / -1,-1 / 48.0,2.0 / 47,3 / 95.1,3.2
    );
    expect(status('PA89000008')).toBe('invalid'); // 48,2;x
    expect(status('PA89000010')).toBe('outside_region'); // Marseille, not in the imported communes
    expect(status('PA89000012')).toBe('ok'); // ~550 m outside Asquins: within the 1 km tolerance
    expect(byRef.get('PA89000001')!.position_quality).toBe('coordinates');
    // Issue 11 changed this: monuments whose coordinates are unusable used to stay unplaced; they
    // are now placed inside their commune (position_quality 'commune'), position_status still
    // saying what was wrong with the coordinates field.
    const vezelay = communeFeature('89446'); // the fixture's own polygon, WGS84
    for (const ref of ['PA89000003', 'PA89000004']) {
      const m = byRef.get(ref)!;
      expect(m.position_quality).toBe('commune');
      expect(booleanPointInPolygon([m.lon as number, m.lat as number], vezelay)).toBe(true);
    }
    expect(booleanPointInPolygon([byRef.get('PA89000008')!.lon as number, byRef.get('PA89000008')!.lat as number], communeFeature('89365'))).toBe(true);
    // Marseille (13055) is not an imported commune: no position at all.
    expect(byRef.get('PA89000010')).toMatchObject({ lon: null, lat: null, x: null, y: null, position_quality: null });
  });

  it('swaps "lon,lat" coordinates back when that lands inside the region, and says so', () => {
    expect(byRef.get('PA89000009')).toMatchObject({ lat: 47.4702, lon: 3.771, position_status: 'swapped' });
    expect(report.issues.find((i) => i.reason === 'swapped_coordinates')).toMatchObject({ line: 11, kept: true });
  });

  it('rejects later duplicates and malformed references, keeping the first occurrence', () => {
    expect(byRef.get('PA89000001')!.titre).toBe('Basilique Sainte-Marie-Madeleine');
    expect(report.issues.filter((i) => !i.kept)).toEqual([
      expect.objectContaining({ line: 13, reason: 'duplicate_id', field: 'Reference', value: 'PA89000001' }),
      expect.objectContaining({ line: 14, reason: 'invalid_reference', field: 'Reference', value: 'PA8900001' }),
    ]);
  });

  it('names file, line, column and value in issue messages', () => {
    const invalid = report.issues.find((i) => i.reason === 'invalid_coordinates')!;
    expect(invalid.message).toBe(
      'merimee-pop.csv line 10, coordonnees_au_format_WGS84: "48,2;x" is not "lat,lon" (expected e.g. "48.8530,2.3498"); placed at its commune when it is known',
    );
    const text = formatReport(report);
    expect(text).toContain('17 rows read: 15 kept, 2 rejected');
    expect(text).toContain('placeholder_coordinates 5');
    expect(text).toContain('rejected:         duplicate_id 1, invalid_reference 1');
    expect(text).toContain('merimee-pop.csv line 5, coordonnees_au_format_WGS84: is empty');
  });

  it('records the catalogue entry and the issues', async () => {
    const cat = await store.one<Record<string, unknown>>('SELECT * FROM catalogue WHERE id = $1', [report.catalogueId]);
    expect(cat).toMatchObject({
      kind: 'merimee',
      layer: 'monuments',
      source_file: POP,
      vintage: '2025-01',
      licence: 'Licence Ouverte / Open Licence 2.0',
      crs: 'EPSG:4326',
      feature_count: 15,
      rows_read: 17,
      rows_flagged: 11,
    });
    expect(cat!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(cat!.report as string).issues).toHaveLength(14); // 13 + unknown_commune (issue 11)
    const issues = await store.all('SELECT line, reason, kept FROM import_issues WHERE catalogue_id = $1 ORDER BY line, reason', [
      report.catalogueId,
    ]);
    expect(issues).toHaveLength(14);
    expect(issues[0]).toEqual({ line: 5, reason: 'no_coordinates', kept: true });
    expect(await store.value('SELECT count(DISTINCT catalogue_id) FROM monuments')).toBe(1);
  });
});

describe('Mérimée importer, both spellings', () => {
  it('gives the same canonical rows from the POP and the open-data export', async () => {
    const store = await Store.open(':memory:');
    try {
      await importLayer(store, 'communes', `${FIX}/communes.geojson`);
      const pop = await importLayer(store, 'merimee', POP);
      const fromPop = await monuments(store);
      const open = await importLayer(store, 'merimee', OPEN_DATA);
      const fromOpen = await monuments(store);
      expect(fromOpen).toEqual(fromPop);
      expect(fromOpen).toHaveLength(15);
      const strip = (r: ImportReport) => r.issues.map(({ field, message, ...rest }) => rest);
      expect(strip(open)).toEqual(strip(pop));
      // Vintage from the latest "date de dernière mise à jour" of the file.
      expect(await store.value('SELECT vintage FROM catalogue WHERE id = $1', [open.catalogueId])).toBe('2024-11-05');
    } finally {
      store.close();
    }
  });

  it('without communes, checks positions against France (Marseille is then inside)', async () => {
    const store = await Store.open(':memory:');
    try {
      const report = await importLayer(store, 'merimee', POP);
      expect(report.flagged.outside_region).toBeUndefined();
      expect(await store.value("SELECT position_status FROM monuments WHERE reference = 'PA89000010'")).toBe('ok');
    } finally {
      store.close();
    }
  });
});

describe('Mérimée importer, separators', () => {
  it('reads a comma- or tab-separated re-save like the original', async () => {
    const good = readFileSync(POP, 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'vigie-merimee-sep-'));
    const store = await Store.open(':memory:');
    try {
      await importLayer(store, 'communes', `${FIX}/communes.geojson`);
      await importLayer(store, 'merimee', POP);
      const original = await monuments(store);
      for (const [name, sep] of [['comma.csv', ','], ['tab.csv', '\t']]) {
        const file = join(dir, name);
        writeFileSync(file, good.replaceAll('"|"', `"${sep}"`));
        const r = await importLayer(store, 'merimee', file);
        expect(r.kept).toBe(15);
        expect(await monuments(store)).toEqual(original);
      }
    } finally {
      store.close();
    }
  });
});

describe('Mérimée importer, fatal files', () => {
  const good = readFileSync(POP, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'vigie-merimee-'));
  const cases: [string, string | Buffer, RegExp][] = [
    // Comma- and tab-separated re-saves are read since issue 11 (see 'separators' above).
    [
      'wrong delimiter',
      good.replaceAll('"|"', '" "'),
      /^bad\.csv line 1: header "\\"Reference\\" .*" is not separated by "\|" or ";" or "," or "\\t" \(expected a Mérimée export: the POP header with Reference/,
    ],
    [
      'no Reference column',
      good.replace('"Reference"', '"Ref"'),
      /^bad\.csv line 1: no "Reference" column in a header of 20 columns, 15 known \(expected the POP header with Reference, Titre_editorial_de_la_notice, .* or the open-data header with reference, /,
    ],
    [
      'file truncated inside a quoted field',
      good.slice(0, good.indexOf('reconstruite')),
      /^bad\.csv line 2, Historique: "\\"Abbatiale fondée au 9e siècle \| " opens a quote that is never closed: the file ends inside it \(truncated file\? expected a closing "/,
    ],
    [
      'file truncated at a field boundary',
      good.slice(0, good.lastIndexOf('|"pont"')),
      /^bad\.csv line 19, Denomination_de_l_edifice: missing, the row has 2 fields where the header has 20 \(last value "Pont"; expected 20 values separated by "\|"/,
    ],
    [
      'row with a lost separator',
      good.replace('"Lavoir du Gravier"|', '"Lavoir du Gravier"'),
      /^bad\.csv line 6, coordonnees_au_format_WGS84: missing, the row has 19 fields where the header has 20 \(last value "0,0"/,
    ],
    [
      'row with an unquoted separator',
      good.replace('"Route de Saint-Père"', 'Route | de Saint-Père'),
      /^bad\.csv line 6, coordonnees_au_format_WGS84: followed by an extra value "0,0", the row has 21 fields where the header has 20/,
    ],
    [
      'binary garbage',
      Buffer.concat([Buffer.from(good.slice(0, 400)), Buffer.from([0, 0xff, 0x13, 0]), Buffer.from(good.slice(400))]),
      /^bad\.csv line 1: NUL byte at offset \d+: this is a binary file, expected UTF-8 text/,
    ],
    [
      // A plain Latin-1 / Windows-1252 file is now read (spreadsheet re-save, see heritage-real);
      // a UTF-8 byte-order mark followed by Latin-1 bytes is a file mixing encodings.
      'UTF-8 BOM then Latin-1 bytes',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good.replace('\ufeff', ''), 'latin1')]),
      /^bad\.csv line 2: byte 0xe9 at offset \d+ is not valid UTF-8 although the file starts with a UTF-8 byte-order mark .*\(expected UTF-8 text/,
    ],
    ['empty file', '', /^bad\.csv: the file is empty \(expected a header line and records\)/],
    ['BOM and blank lines only', '\ufeff\n\n', /^bad\.csv: the file is empty/],
    ['header without records', good.slice(0, good.indexOf('\n') + 1), /^bad\.csv: a header but no records/],
  ];

  it.each(cases)('%s: throws InputError naming line, column, value and expectation; the database is unchanged', async (_, content, message) => {
    const store = await Store.open(':memory:');
    try {
      await importLayer(store, 'communes', `${FIX}/communes.geojson`);
      await importLayer(store, 'merimee', POP);
      const snapshot = async () => ({
        counts: await store.counts(['monuments', 'import_issues', 'catalogue', 'communes']),
        catalogue: await store.all('SELECT * FROM catalogue ORDER BY id'),
        monuments: await monuments(store),
      });
      const before = await snapshot();
      const file = join(dir, 'bad.csv');
      writeFileSync(file, content);
      const error = await importLayer(store, 'merimee', file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    } finally {
      store.close();
    }
  });
});
