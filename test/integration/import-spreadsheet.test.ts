/**
 * Table imports from spreadsheets (engine/io/spreadsheet.ts): the real Mérimée and museum
 * extracts written as Excel (.xlsx) and LibreOffice (.ods) workbooks by GDAL (`ogr2ogr`, types
 * detected: numbers, integers and dates become typed cells, as in a workbook a person saved)
 * import as their CSV does — the same monuments and museums, field for field. Facts about the
 * workbooks come from GDAL reading them back (`ogrinfo`); refusals name the row and column.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import { Store } from '../../engine/store/store.ts';

const REAL = 'test/fixtures/real';
const OD = `${REAL}/merimee/opendata-labels-67-2022-extract.csv`;
const COMMUNES_67 = `${REAL}/admin/communes-67-bas-rhin.geojson`;
const LISTE = `${REAL}/museums/liste-et-localisation-des-musees-de-france-2024-extract.csv`;
type Row = Record<string, unknown>;
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-sheet-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CSV written as a workbook by GDAL, with typed cells. */
function workbook(csv: string, format: 'XLSX' | 'ODS', name: string): string {
  const out = join(dir, name);
  execFileSync('ogr2ogr', ['-f', format, out, csv, '-oo', 'AUTODETECT_TYPE=YES'], { stdio: 'pipe' });
  return out;
}

/** What GDAL reads in a workbook: field types (`ogrinfo -so`) and the features' values (`ogr2ogr -f GeoJSON`). */
function ogr(file: string): { types: Record<string, string>; features: Record<string, unknown>[] } {
  const info = execFileSync('ogrinfo', ['-so', '-al', file], { encoding: 'utf8' });
  const types = Object.fromEntries([...info.matchAll(/^(.+): (\w+) \(\d+\.\d+\)$/gm)].map((m) => [m[1], m[2]]));
  const fc = JSON.parse(execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file], { encoding: 'utf8', maxBuffer: 1 << 28 })) as { features: { properties: Record<string, unknown> }[] };
  return { types, features: fc.features.map((f) => f.properties) };
}

async function importInto(kind: string, file: string, communes = true) {
  const store = await Store.open(':memory:');
  if (communes) await importLayer(store, 'communes', COMMUNES_67);
  const report = await importLayer(store, kind, file);
  return { store, report };
}

describe('spreadsheets as table imports', () => {
  it.each(['XLSX', 'ODS'] as const)('Mérimée open-data extract as %s: the same 194 monuments as the CSV, field for field', async (format) => {
    const file = workbook(OD, format, `merimee.${format.toLowerCase()}`);
    const g = ogr(file);
    // typed cells, as a person's workbook has them (GDAL's reading of the file)
    expect(g.types).toMatchObject({ 'Code département': 'Integer', DMAJ: 'Date', Longitude: 'Real', Latitude: 'Real' });
    expect(g.features).toHaveLength(194);
    const csv = await importInto('merimee', OD);
    const sheet = await importInto('merimee', file);
    try {
      expect(sheet.report).toMatchObject({ rowsRead: 194, kept: 194, rejected: 0, positioned: 194 });
      expect(sheet.report.notes).toContain(`read from sheet "opendata-labels-67-2022-extract"`);
      const q = 'SELECT * EXCLUDE (catalogue_id) FROM monuments ORDER BY reference';
      expect(await sheet.store.all<Row>(q)).toEqual(await csv.store.all<Row>(q));
      // a value as GDAL reads it from the workbook: the first feature's reference and date
      const first = g.features[0];
      const m = (await sheet.store.all<Row>('SELECT reference, lon, lat FROM monuments WHERE reference = ?', [first['Référence'] as string]))[0];
      expect(m).toMatchObject({ reference: first['Référence'], lon: first.Longitude, lat: first.Latitude });
      expect(first.DMAJ).toBe('2021-11-08'); // a date cell in the workbook, as the CSV wrote it
    } finally {
      csv.store.close();
      sheet.store.close();
    }
  });

  it.each(['XLSX', 'ODS'] as const)('museums list as %s: the same museums and issues as the CSV, on the same rows', async (format) => {
    const file = workbook(LISTE, format, `musees.${format.toLowerCase()}`);
    const g = ogr(file);
    expect(g.features).toHaveLength(152);
    // postal codes are numbers in the workbook (03470 stored as 3470), as Excel makes them
    expect(g.types.code_postal).toBe('Integer');
    const short = g.features.filter((f) => typeof f.code_postal === 'number' && f.code_postal < 10000).length;
    expect(short).toBeGreaterThan(0);
    const csv = await importInto('museums', LISTE, false);
    const sheet = await importInto('museums', file, false);
    try {
      expect(sheet.report).toMatchObject({ rowsRead: 152, kept: 150, rejected: 2 });
      expect(sheet.report.notes?.find((n) => n.startsWith('leading zeros restored'))).toBe(
        `leading zeros restored in ${short} "code_postal" cell(s): the workbook stores these codes as numbers (01004 as 1004)`,
      );
      // the CSV has no multi-line field: its lines are the sheet's rows
      const issues = (r: typeof csv.report) => r.issues.map((i) => i.message.replace(/^[^ ]+ line/, 'line'));
      expect(issues(sheet.report)).toEqual(issues(csv.report));
      // A workbook keeps 15 significant digits of a number (Excel's and GDAL's limit), the CSV 17:
      // coordinates agree to 1e-9 degrees, positions to a micrometre.
      const q = 'SELECT * EXCLUDE (catalogue_id, layer) FROM heritage_sites ORDER BY site_id';
      const round = (r: Row): Row => {
        const attrs = JSON.parse(r.attrs as string) as Record<string, string>;
        if (attrs.coordonnees) attrs.coordonnees = attrs.coordonnees.split(',').map((v) => Number(v).toFixed(9)).join(',');
        return Object.fromEntries(Object.entries({ ...r, attrs }).map(([k, v]) => [k, typeof v === 'number' ? Number((v as number).toFixed(6)) : v]));
      };
      expect((await sheet.store.all<Row>(q)).map(round)).toEqual((await csv.store.all<Row>(q)).map(round));
      // the layer is named after the file, without its extension, as for a CSV
      expect(await sheet.store.all('SELECT DISTINCT layer FROM heritage_sites')).toEqual([{ layer: 'musees' }]);
    } finally {
      csv.store.close();
      sheet.store.close();
    }
  });

  it('refuses a value right of the header, a legacy .xls and an empty workbook by name', async () => {
    // a minimal Excel workbook as Excel writes it: shared strings, a number and a date cell
    const xml = (rows: string) => ({
      '[Content_Types].xml': strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
      'xl/workbook.xml': strToU8('<workbook xmlns:r="r"><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>'),
      'xl/_rels/workbook.xml.rels': strToU8('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'),
      'xl/sharedStrings.xml': strToU8('<sst><si><t>ref</t></si><si><t>nom</t></si><si><r><t>Musée </t></r><r><t>Unterlinden</t></r></si></sst>'),
      'xl/worksheets/sheet1.xml': strToU8(`<worksheet><sheetData>${rows}</sheetData></worksheet>`),
    });
    const extra = join(dir, 'extra.xlsx');
    writeFileSync(extra, zipSync(xml('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="4"><c r="A4"><v>12</v></c><c r="B4" t="s"><v>2</v></c><c r="D4"><v>0.10000000000000001</v></c></row>')));
    const store = await Store.open(':memory:');
    const tables = () => store.all('SELECT table_name FROM information_schema.tables ORDER BY 1');
    const before = await tables();
    try {
      await expect(importLayer(store, 'museums', extra)).rejects.toThrow(/^extra\.xlsx line 4, column D: "0\.1" is right of the header's last column \(B, "nom"\)/);
      const xls = join(dir, 'old.xls');
      writeFileSync(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
      await expect(importLayer(store, 'merimee', xls)).rejects.toThrow(/^old\.xls: an Excel 97–2003 workbook \(\.xls\), which is not read here; save it as \.xlsx/);
      const empty = join(dir, 'empty.xlsx');
      writeFileSync(empty, zipSync(xml('')));
      await expect(importLayer(store, 'museums', empty)).rejects.toThrow(/^empty\.xlsx: no sheet holds any data \(1 sheet\(s\): "Liste"/);
      expect(await tables()).toEqual(before); // nothing written
    } finally {
      store.close();
    }
  });
});
