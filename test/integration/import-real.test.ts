/**
 * Imports of real published files (extracts in test/fixtures/real/, see their READMEs) into a
 * database. Every expected count comes from the files, counted with Python's csv module or by
 * reading the rows (the command or the reading is given beside each number), never from Vigie.
 * The national check at the end runs only where ../shared/realdata is present.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { booleanPointInPolygon } from '@turf/turf';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer, type ImportReport } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import { Store } from '../../engine/store/store.ts';

const REAL = 'test/fixtures/real';
const OD = `${REAL}/merimee/opendata-labels-67-2022-extract.csv`;
const PC67 = `${REAL}/merimee/pop-codes-67-extract.csv`;
const NAT = `${REAL}/merimee/pop-codes-national-2022-extract.csv`;
const COMMUNES_67 = `${REAL}/admin/communes-67-bas-rhin.geojson`;
const LISTE = `${REAL}/museums/liste-et-localisation-des-musees-de-france-2024-extract.csv`;
const MUSEOFILE = `${REAL}/museums/musees-de-france-base-museofile-2023-extract.csv`;
const CONDITION = `${REAL}/condition/constats-format-reel.csv`;
const dir = mkdtempSync(join(tmpdir(), 'vigie-import-real-'));

type Row = Record<string, unknown>;

/** A commune polygon as published (WGS84), by its code. */
function commune(code: string): never {
  const fc = JSON.parse(readFileSync(COMMUNES_67, 'utf8')) as { features: { properties: { code: string }; geometry: unknown }[] };
  return fc.features.find((f) => f.properties.code === code)!.geometry as never;
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(':memory:');
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

describe('Mérimée open-data export (display labels), Bas-Rhin extract', () => {
  let store: Store;
  let report: ImportReport;
  let byRef: Map<string, Row>;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    await importLayer(store, 'communes', COMMUNES_67);
    report = await importLayer(store, 'merimee', OD);
    byRef = new Map((await store.all<Row>('SELECT * FROM monuments')).map((m) => [m.reference as string, m]));
  });
  afterAll(() => store.close());

  it('keeps every row and places all of them: 137 by their coordinates, 57 at their commune', async () => {
    // python csv: 194 records, 194 distinct Référence; 137 with a non-empty coordonnees, all inside
    // a commune polygon of communes-67-bas-rhin.geojson; the 57 others have an INSEE code of that file.
    expect(report).toMatchObject({ rowsRead: 194, kept: 194, rejected: 0, positioned: 194 });
    expect(await store.all('SELECT position_quality, count(*)::INTEGER AS n FROM monuments GROUP BY 1 ORDER BY 1')).toEqual([
      { position_quality: 'commune', n: 57 },
      { position_quality: 'coordinates', n: 137 },
    ]);
    expect(report.flagged.no_coordinates).toBe(53); // 57 without coordonnees, of which 4 have Longitude/Latitude
    expect(report.flagged.placeholder_coordinates).toBe(4); // Scherwiller: Longitude 974500.0, Latitude 1378100.0 (metres, not degrees)
  });

  it('places a monument whose coordinates are metres inside its commune, and says so', () => {
    const m = byRef.get('PA00125224')!; // Scherwiller, INSEE 67445, Longitude 974500.0
    expect(m).toMatchObject({ insee: '67445', position_quality: 'commune', position_status: 'placeholder' });
    expect(booleanPointInPolygon([m.lon as number, m.lat as number], commune('67445'))).toBe(true);
    const withCoords = byRef.get('PA67000035')!; // Wangen: 48.6170677144196,7.46468027707352
    expect(withCoords).toMatchObject({ position_quality: 'coordinates', lat: 48.6170677144196, lon: 7.46468027707352 });
  });

  it('reads the protection from « Date de protection », else « Précision protection »', async () => {
    // 183 records have a status in « Date de protection »; of the 11 empty ones, 8 have a
    // « Précision protection » naming an inscription or a classement, 3 do not (two empty, one
    // « … portant inscription … est abrogé par arrêté du 29 août 2013 »).
    expect(report.flagged.unknown_protection).toBe(3);
    expect(report.issues.filter((i) => i.reason === 'unknown_protection').map((i) => i.recordId).sort()).toEqual(['PA00084655', 'PA00084780', 'PA00085211']);
    expect(byRef.get('PA00085144')).toMatchObject({ protection: 'classe_inscrit', dates_protection: '1936/08/04 : classé MH ; 1937/01/06 : classé MH ; 2000/02/25 : inscrit MH' });
    expect(byRef.get('PA00085289')).toMatchObject({ protection: 'classe' }); // inscription 2021, classement 2022
    expect(report.notes).toContain('protection: 0 from the typology, 183 from the dated statuses, 8 from the protection text, 3 unknown');
  });

  it('reads the same export under the portal field names (the labels slugified: reference, appellation_courante…)', async () => {
    const bytes = readFileSync(OD, 'utf8');
    const header = bytes.slice(0, bytes.indexOf('\n'));
    const slug = (h: string) => h.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_');
    const slugged = header.split(';').map(slug).join(';');
    expect(slugged).toContain('reference');
    expect(slugged).toContain('appellation_courante');
    expect(slugged).toContain('date_de_protection');
    const file = join(dir, 'od-slugs.csv');
    writeFileSync(file, slugged + bytes.slice(header.length));
    await withStore(async (s) => {
      await importLayer(s, 'communes', COMMUNES_67);
      const r = await importLayer(s, 'merimee', file);
      expect(r).toMatchObject({ kept: 194, positioned: 194 });
      const rows = await s.all<Row>('SELECT * EXCLUDE (catalogue_id) FROM monuments ORDER BY reference');
      const fromLabels = await store.all<Row>('SELECT * EXCLUDE (catalogue_id) FROM monuments ORDER BY reference');
      expect(rows).toEqual(fromLabels);
    });
  });

  it('without communes, places the 137 with coordinates and leaves the rest unplaced', async () => {
    await withStore(async (s) => {
      const r = await importLayer(s, 'merimee', OD);
      expect(r).toMatchObject({ kept: 194, positioned: 137 });
      expect(r.notes?.some((n) => /57 unplaced \(no communes imported/.test(n))).toBe(true);
    });
  });
});

describe('Mérimée legacy POP codes (REF|…|DPRO), no coordinates at all', () => {
  it('refuses an import where nothing can be placed, naming the columns found and the way out; the database is unchanged', async () => {
    await withStore(async (s) => {
      const err = await importLayer(s, 'merimee', PC67).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(
        /^pop-codes-67-extract\.csv: none of the 166 monuments could be placed: the file has no coordinates column and no communes are imported .*columns found: REF, ETUD, REG, DPT, COM, INSEE, TICO, ADRS, STAT, AFFE, PPRO, DPRO, AUTR, SCLE\); pass --keep-unplaced/,
      );
      expect(await s.counts(['monuments', 'catalogue'])).toEqual({ monuments: 0, catalogue: 0 });
      const kept = await importLayer(s, 'merimee', PC67, { keepUnplaced: true });
      expect(kept).toMatchObject({ kept: 166, positioned: 0 });
    });
  });

  it('places monuments at their commune, says the missing column once, and flags communes merged since', async () => {
    await withStore(async (s) => {
      await importLayer(s, 'communes', COMMUNES_67);
      const r = await importLayer(s, 'merimee', PC67);
      // python: 166 records; 159 have an INSEE code of communes-67-bas-rhin.geojson (multi-code
      // records "67128 ; 67247" included); 7 do not. Six are communes merged since (checked by
      // hand against the INSEE geographic code's history): 67041 Birkenwald ×2 and 67431
      // Salenthal → 67004 Sommerau (2019), 67207 Hohatzenheim and 67297 Mittelhausen → 67539
      // Wingersheim les Quatre Bans (2016), 67560 Zoebersdorf → 67153 Geiswiller-Zœbersdorf
      // (2018). 68124 Hausgauen is a Haut-Rhin commune, not in this file: unplaced.
      expect(r).toMatchObject({ rowsRead: 166, kept: 166, positioned: 165 });
      expect(r.flagged.unknown_commune).toBe(1);
      expect(r.issues.filter((i) => i.reason === 'unknown_commune').map((i) => i.recordId)).toEqual(['PA68000063']);
      for (const [reference, successor] of [['PA00084617', '67004'], ['PA00084618', '67004'], ['PA00084926', '67004'], ['PA00084751', '67539'], ['PA00084791', '67539'], ['PA67000034', '67153']]) {
        const placed = await s.one<Row>('SELECT lon, lat, insee_position FROM monuments WHERE reference = ?', [reference]);
        expect(placed?.insee_position, reference).toBe(successor);
        expect(booleanPointInPolygon([placed!.lon as number, placed!.lat as number], commune(successor)), reference).toBe(true);
      }
      expect(r.flagged.no_coordinates).toBeUndefined();
      expect(r.notes?.filter((n) => n.startsWith('missing column: no coordinates column'))).toHaveLength(1);
      // 158 statuses in DPRO; the 8 empty ones: 3 lifted (abrogé, abrogé, déclassé) and 5 « Voir … ».
      expect(r.flagged.unknown_protection).toBe(8);
      expect(await s.value("SELECT count(*)::INTEGER FROM monuments WHERE position_quality = 'commune'")).toBe(165);
      const m = await s.one<Row>("SELECT * FROM monuments WHERE reference = 'PA00084578'"); // Adamswiller 67002
      expect(booleanPointInPolygon([m!.lon as number, m!.lat as number], commune('67002'))).toBe(true);
    });
  });

  it('places monuments imported before the communes when the communes come', async () => {
    await withStore(async (s) => {
      await importLayer(s, 'merimee', PC67, { keepUnplaced: true });
      expect(await s.value('SELECT count(*)::INTEGER FROM monuments WHERE x IS NOT NULL')).toBe(0);
      const c = await importLayer(s, 'communes', COMMUNES_67);
      expect(c.notes).toContain('placed at their commune (position_quality = commune): 165 monuments and 0 sites imported earlier without a position');
      expect(await s.value("SELECT count(*)::INTEGER FROM monuments WHERE position_quality = 'commune'")).toBe(165);
    });
  });

  it('reads the same rows from a .zip, a .gz and a Windows-1252 CRLF re-save', async () => {
    const bytes = readFileSync(PC67);
    const files = {
      zip: join(dir, 'merimee-codes.zip'),
      gz: join(dir, 'merimee-codes.csv.gz'),
      cp: join(dir, 'merimee-codes-excel.csv'),
    };
    writeFileSync(files.zip, zipSync({ 'export/LISEZMOI.txt': strToU8('notice'), 'export/pop-codes-67.csv': bytes }));
    writeFileSync(files.gz, gzipSync(bytes));
    // Windows-1252 + CRLF; the one C1 character (U+0092) becomes "?" as a spreadsheet writes it.
    const text = bytes.toString('utf8').replace(/[\u0080-\u009f]/g, '?').replace(/\n/g, '\r\n');
    writeFileSync(files.cp, encodeWindows1252(text));
    await withStore(async (s) => {
      await importLayer(s, 'communes', COMMUNES_67);
      await importLayer(s, 'merimee', PC67);
      const rows = async () => s.all('SELECT * EXCLUDE (catalogue_id, precision_protection) FROM monuments ORDER BY reference');
      const original = await rows();
      for (const f of Object.values(files)) {
        const r = await importLayer(s, 'merimee', f);
        expect(r.kept).toBe(166);
        expect(await rows()).toEqual(original);
      }
    });
  });
});

describe('Mérimée legacy POP codes, national extract', () => {
  it('places Paris arrondissements at Paris, keeps Corsican references, reads odd dated statuses', async () => {
    await withStore(async (s) => {
      const r0 = await importLayer(s, 'communes', `${REAL}/admin`); // a folder: 67, 75 and six communes nouvelles
      expect(r0).toMatchObject({ rowsRead: 523, kept: 523 }); // 516 + 1 + 6 features
      const r = await importLayer(s, 'merimee', NAT);
      // python: 414 lines; 104 with an INSEE 75101…75120 (Paris arrondissements), 3 with a Bas-Rhin code,
      // 1 (line 284, PA29000087) with « 29000 », no commune code, and « Conquet (Le) », which the
      // communes file writes « Conquet » (29040).
      expect(r).toMatchObject({ rowsRead: 414, kept: 414, rejected: 0, positioned: 108 });
      expect(await s.value("SELECT insee_position FROM monuments WHERE reference = 'PA29000087'")).toBe('29040');
      expect(await s.value("SELECT count(*)::INTEGER FROM monuments WHERE insee LIKE '751%' AND insee_position = '75056'")).toBe(104);
      expect(await s.value("SELECT count(*)::INTEGER FROM monuments WHERE reference LIKE 'PA2A%' OR reference LIKE 'PA2B%'")).toBe(3);
      const p = async (ref: string) => s.one<Row>('SELECT protection, partielle FROM monuments WHERE reference = $1', [ref]);
      expect(await p('PA00080408')).toEqual({ protection: 'classe_inscrit', partielle: true }); // 1978:classé MH partiellement:2017:inscrit MH
      expect(await p('PA00098989')).toEqual({ protection: 'classe', partielle: false }); // classé, déclassé, classé again
      const known = Number(await s.value("SELECT count(*) FROM monuments WHERE protection <> 'inconnue'"));
      expect(known / 414).toBeGreaterThan(0.95);
    });
  });

  it('reads the extract re-saved by a spreadsheet that dropped the leading zeros of INSEE and DPT as the original', async () => {
    const text = readFileSync(NAT, 'utf8');
    const lines = text.split('\n');
    // awk -F'|' 'NR>1 && $6 ~ /^0/': 27 rows have an INSEE code starting with 0 (départements 01–09)
    const zeros = lines.slice(1).filter((l) => /^0/.test(l.split('|')[5] ?? '')).length;
    expect(zeros).toBe(27);
    const stripped = [lines[0], ...lines.slice(1).map((l) => l.split('|').map((v, i) => (i === 3 || i === 5 ? v.replace(/^0+(?=\d)/, '') : v)).join('|'))].join('\n');
    expect(stripped).not.toBe(text);
    const file = join(dir, 'pop-codes-excel.csv');
    writeFileSync(file, stripped);
    const columns = 'reference, insee, insee_all, departement, x, y, position_quality, insee_position';
    const read = async (f: string) =>
      withStore(async (s) => {
        await importLayer(s, 'communes', `${REAL}/admin`);
        const r = await importLayer(s, 'merimee', f);
        return { r, rows: await s.all<Row>(`SELECT ${columns} FROM monuments ORDER BY reference`) };
      });
    const original = await read(NAT);
    const resaved = await read(file);
    expect(resaved.rows).toEqual(original.rows);
    expect(resaved.r.flagged.insee_zero_restored).toBe(zeros);
    expect(resaved.r.flagged.invalid_insee).toBeUndefined();
  });
});

describe('Musées de France, both real spellings', () => {
  it('« Liste et localisation »: duplicates rejected, the swapped row placed and flagged', async () => {
    await withStore(async (s) => {
      const r = await importLayer(s, 'museums', LISTE);
      // python: 152 records, M7042 on lines 23, 24 and 152; M1217 has latitude 2.4497, longitude 48.9865.
      expect(r).toMatchObject({ rowsRead: 152, kept: 150, rejected: 2, positioned: 150 });
      const rejected = r.issues.filter((i) => !i.kept);
      expect(rejected.map((i) => [i.recordId ?? i.value, i.line])).toEqual([
        ['M7042', 24],
        ['M7042', 152],
      ]);
      expect(rejected.every((i) => i.reason.startsWith('duplicate'))).toBe(true);
      expect(r.issues.find((i) => i.reason === 'swapped_coordinates')?.recordId).toBe('M1217');
    });
  });

  it('Muséofile: refmer links museums to the monument housing them', async () => {
    await withStore(async (s) => {
      await importLayer(s, 'communes', COMMUNES_67);
      await importLayer(s, 'merimee', OD);
      const r = await importLayer(s, 'museums', MUSEOFILE);
      // python: 167 records, multi-line fields in 151; 85 have a PA reference in refmer.
      expect(r).toMatchObject({ rowsRead: 167, kept: 167, positioned: 167 });
      expect(Number(await s.value('SELECT count(*) FROM heritage_sites WHERE refmer IS NOT NULL'))).toBe(85);
      // M0003: refmer "PA00084643;IA67009579"
      expect(await s.value("SELECT refmer FROM heritage_sites WHERE site_id = 'M0003'")).toBe('PA00084643');
      // python: 5 museums whose refmer is a reference of the open-data extract (M0006, M0012, M0014, M0017, M1162)
      const linked = await s.all<{ site_id: string }>('SELECT h.site_id FROM heritage_sites h JOIN monuments m ON m.reference = h.refmer ORDER BY 1');
      expect(linked.map((l) => l.site_id)).toEqual(['M0006', 'M0012', 'M0014', 'M0017', 'M1162']);
    });
  });
});

describe('condition surveys (format of the real files, rows written by the project)', () => {
  it('matches surveys to monuments, writes sure ones as reviews with their source, lists uncertain ones', async () => {
    await withStore(async (s) => {
      await importLayer(s, 'communes', COMMUNES_67);
      await importLayer(s, 'merimee', OD);
      const r = await importLayer(s, 'condition', CONDITION);
      // condition/README.md gives what each row was made for.
      expect(r).toMatchObject({ rowsRead: 11, kept: 10, rejected: 1, positioned: 9 });
      const surveys = await s.all<Row>('SELECT survey_id, match, site_id, etat, review_written FROM condition_surveys ORDER BY survey_id');
      expect(surveys.map((x) => [x.survey_id, x.match, x.site_id, x.etat, x.review_written])).toEqual([
        ['T00001', 'sure', 'PA00085244', 'bon', true],
        ['T00002', 'sure', 'PA00084951', 'moyen', true],
        ['T00003', 'uncertain', null, 'mauvais', false],
        ['T00004', 'none', null, 'bon', false],
        ['T00005', 'sure', 'PA00084817', 'peril', true],
        ['T00006', 'sure', 'PA00084959', null, false],
        ['T00007', 'sure', 'PA00084846', 'mauvais', true],
        ['T00008', 'none', null, 'bon', false],
        ['T00010', 'sure', 'PA00085200', 'bon', true],
        ['T00011', 'sure', 'PA00084814', 'mauvais', true],
      ]);
      const uncertain = r.issues.find((i) => i.reason === 'uncertain_match')!;
      expect(uncertain.message).toMatch(/^constats-format-reel\.csv line 4, Nom: "Chapelle" is an uncertain match, to be reviewed: PA00085243 « Chapelle Saint-Pierre-et-Paul » at (199|200) m/);
      expect(Object.keys(r.flagged).sort()).toEqual(['invalid_damage', 'invalid_position', 'no_match', 'no_status', 'status_read_as', 'uncertain_match']);
      // The reviews feed the state of conservation the risk modifiers read, with an audit row.
      expect(await s.all('SELECT site_id, etat_conservation FROM site_vulnerability ORDER BY 1')).toEqual([
        { site_id: 'PA00084814', etat_conservation: 'mauvais' },
        { site_id: 'PA00084817', etat_conservation: 'peril' },
        { site_id: 'PA00084846', etat_conservation: 'mauvais' },
        { site_id: 'PA00084951', etat_conservation: 'moyen' },
        { site_id: 'PA00085200', etat_conservation: 'bon' },
        { site_id: 'PA00085244', etat_conservation: 'bon' },
      ]);
      const audit = await s.all<{ entity_id: string; username: string; after: string }>(
        "SELECT entity_id, username, after::VARCHAR AS after FROM audit WHERE entity = 'site' ORDER BY id",
      );
      expect(audit).toHaveLength(6);
      expect(audit.every((a) => a.username === 'import')).toBe(true);
      const rohan = JSON.parse(audit.find((a) => a.entity_id === 'PA00084814')!.after) as { note: string };
      expect(rohan.note).toBe("Constat d'état du 2017-12-31 (constats-format-reel.csv, relevé T00011) : mauvais — Enduits dégradés");
      const synagogue = JSON.parse(audit.find((a) => a.entity_id === 'PA00084817')!.after) as { note: string };
      expect(synagogue.note).toBe("Constat d'état du 2018-12-31 (constats-format-reel.csv, relevé T00005) : péril, dommages 60 % — Toiture effondrée.\nÉtaiement urgent.");
      // Imported again: nothing new in the audit trail.
      await importLayer(s, 'condition', CONDITION);
      expect(Number(await s.value("SELECT count(*) FROM audit WHERE entity = 'site'"))).toBe(6);
    });
  });
});

const SHARED = '../shared/realdata';
describe.skipIf(!existsSync(`${SHARED}/merimee/pop-codes-national-2022.zip`))('national real files (../shared/realdata)', () => {
  it('imports the 101 communes files and the 45,285 POP-code monuments from the zip, placing them by commune', async () => {
    await withStore(async (s) => {
      const c = await importLayer(s, 'communes', `${SHARED}/admin/communes-by-departement`);
      // python: 101 files, 35,357 features with distinct codes
      expect(c).toMatchObject({ rowsRead: 35357, kept: 35357 });
      const r = await importLayer(s, 'merimee', `${SHARED}/merimee/pop-codes-national-2022.zip`);
      // python csv on the zip member: 45,285 records; 44,299 have an INSEE code of the communes
      // files or a Paris / Lyon / Marseille arrondissement code; 937 more carry the code of a
      // commune merged since whose successor (COG history, walked in python over
      // @etalab/decoupage-administratif's communes.json) is in the files; 49 neither.
      expect(r).toMatchObject({ rowsRead: 45285, kept: 45285, rejected: 0 });
      expect(r.positioned).toBeGreaterThanOrEqual(44299 + 937);
      const known = Number(await s.value("SELECT count(*) FROM monuments WHERE protection <> 'inconnue'"));
      expect(known / 45285).toBeGreaterThan(0.95);
    });
  }, 300_000);
});

function encodeWindows1252(text: string): Buffer {
  const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
  return Buffer.from(
    [...text].map((ch) => {
      const c = ch.codePointAt(0)!;
      if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) return c;
      const i = high.indexOf(ch);
      if (i < 0) throw new Error(`not in Windows-1252: ${JSON.stringify(ch)}`);
      return 0x80 + i;
    }),
  );
}
