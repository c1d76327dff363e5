/**
 * Heritage readers on real published bytes (test/fixtures/real/, extracts described in their
 * READMEs). Expected values are read from the files themselves: the header lines as published,
 * and protection texts read by hand (each quoted beside its expectation).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCsvTable } from '../../engine/io/csv-table.ts';
import { decodeText, sourceFromBytes } from '../../engine/io/source-file.ts';
import { resolveMerimeeColumns } from '../../engine/heritage/merimee-fields.ts';
import { parseDatedProtection, parsePrecisionProtection, protectionOf } from '../../engine/heritage/protection.ts';

const REAL = 'test/fixtures/real';
const OD = `${REAL}/merimee/opendata-labels-67-2022-extract.csv`;
const PC67 = `${REAL}/merimee/pop-codes-67-extract.csv`;
const NAT = `${REAL}/merimee/pop-codes-national-2022-extract.csv`;

function table(path: string) {
  return readCsvTable(sourceFromBytes(path, readFileSync(path)), { delimiters: ['|', ';', ','], expected: 'test' });
}

/** The record whose first matching column equals `ref`, as a header → value map. */
function record(path: string, refColumn: string, ref: string): Record<string, string> {
  const t = table(path);
  const i = t.header.indexOf(refColumn);
  const r = t.records.find((rec) => rec.fields[i] === ref)!;
  return Object.fromEntries(t.header.map((h, k) => [h, r.fields[k]]));
}

describe('real Mérimée headers', () => {
  it('maps the open-data display labels to the canonical fields', () => {
    const source = sourceFromBytes(OD, readFileSync(OD));
    expect(source.encoding).toBe('utf-8'); // the file starts with "Comm": no byte-order mark

    const t = readCsvTable(source, { delimiters: ['|', ';'], expected: 'test' });
    expect(t.delimiter).toBe(';');
    const c = resolveMerimeeColumns('od.csv', t.header);
    expect(c.spelling).toBe('open-data');
    // Header of the file: Commune;Code département;DMAJ;INSEE;Région;Département;Commune 1;Appellation courante;…
    expect(c.name).toMatchObject({
      reference: 'Référence',
      titre: 'Appellation courante',
      dates_protection: 'Date de protection',
      precision_protection: 'Précision protection',
      insee: 'INSEE',
      departement: 'Code département', // "67", before « Département » "Bas-Rhin"
      coordonnees: 'coordonnees',
      longitude: 'Longitude',
      latitude: 'Latitude',
      commune: 'Commune',
      mise_a_jour: 'DMAJ',
    });
    expect(c.index.typologie_protection).toBeUndefined();
  });

  it('maps the legacy POP codes REF|ETUD|REG|DPT|COM|INSEE|TICO|ADRS|STAT|AFFE|PPRO|DPRO|AUTR|SCLE', () => {
    const t = table(PC67);
    expect(t.header).toEqual(['REF', 'ETUD', 'REG', 'DPT', 'COM', 'INSEE', 'TICO', 'ADRS', 'STAT', 'AFFE', 'PPRO', 'DPRO', 'AUTR', 'SCLE']);
    const c = resolveMerimeeColumns('pc.csv', t.header);
    expect(c.spelling).toBe('pop-codes');
    expect(c.index).toEqual({
      reference: 0, region: 2, departement: 3, commune: 4, insee: 5, titre: 6, adresse: 7, statut_juridique: 8,
      precision_protection: 10, dates_protection: 11, siecle: 13,
    });
  });
});

describe('protection from the real texts', () => {
  it('reads dated statuses as written in the files, a later status superseding an earlier one', () => {
    const od = (ref: string) => record(OD, 'Référence', ref)['Date de protection'];
    const nat = (ref: string) => record(NAT, 'REF', ref).DPRO;
    // "1936/08/04 : classé MH ; 1937/01/06 : classé MH ; 2000/02/25 : inscrit MH": a later inscription covers other parts
    expect(od('PA00085144')).toBe('1936/08/04 : classé MH ; 1937/01/06 : classé MH ; 2000/02/25 : inscrit MH');
    expect(parseDatedProtection(od('PA00085144'))).toEqual({ protection: 'classe_inscrit', partielle: false });
    // "1929/06/13 : inscrit MH ; 1932/09/22 : classé MH": classified later, the inscription is superseded
    expect(parseDatedProtection(od('PA00085251'))).toEqual({ protection: 'classe', partielle: false });
    // "1978/03/30:classé MH partiellement:2017/05/10:inscrit MH" (no spaces, ":" between statuses)
    expect(nat('PA00080408')).toBe('1978/03/30:classé MH partiellement:2017/05/10:inscrit MH');
    expect(parseDatedProtection(nat('PA00080408'))).toEqual({ protection: 'classe_inscrit', partielle: true });
    // "1912/05/02 : classé MH ; 1920/05/07 : déclassé MH ; 2000/09/08 : classé MH": classified again
    expect(nat('PA00098989')).toBe('1912/05/02 : classé MH ; 1920/05/07 : déclassé MH ; 2000/09/08 : classé MH');
    expect(parseDatedProtection(nat('PA00098989'))).toEqual({ protection: 'classe', partielle: false });
  });

  it('falls back on the protection text when the dated status is empty, lifted protections giving none', () => {
    const od = (ref: string) => record(OD, 'Référence', ref);
    const pc = (ref: string) => record(PC67, 'REF', ref);
    // « … : inscription par arrêté du 5 octobre 2021 ; … : classement par décret du 4 février 2022 »
    const berweiller = od('PA00085289');
    expect(berweiller['Date de protection']).toBe('');
    expect(protectionOf({ dates: berweiller['Date de protection'], precision: berweiller['Précision protection'] })).toEqual({
      protection: 'classe', partielle: false, source: 'precision',
    });
    // « Façade et toiture sur rue : inscription par arrêté du 12 avril 1974 »
    expect(parsePrecisionProtection(od('PA67000067')['Précision protection'])).toEqual({ protection: 'inscrit', partielle: false });
    // « L'arrêté du 9 mai 1988 portant inscription … est abrogé par arrêté du 29 août 2013 »
    expect(parsePrecisionProtection(od('PA00084780')['Précision protection']).protection).toBe('inconnue');
    // « Le monument du général Kléber : classement par arrêté du 18 juillet 1946, déclassé par arrêté du 4 juin 1952 »
    expect(parsePrecisionProtection(pc('PA00085181').PPRO).protection).toBe('inconnue');
    // « Voir commune de : Obernai »
    expect(protectionOf({ dates: pc('PA00085289').DPRO, precision: pc('PA00085289').PPRO }).protection).toBe('inconnue');
  });
});

describe('encodings users produce, on real bytes', () => {
  it('reads the POP-codes extract re-saved by a spreadsheet (Windows-1252, CRLF) as the original', () => {
    // The file carries one C1 control character (U+0092, a Windows-1252 apostrophe once read as
    // Latin-1: « Larrêté »), which Windows-1252 cannot hold: a spreadsheet writes "?" for it.
    const original = readFileSync(PC67, 'utf8').replace(/[\u0080-\u009f]/g, '?');
    const resaved = encodeWindows1252(original.replace(/\n/g, '\r\n'));
    const decoded = decodeText('resaved.csv', resaved);
    expect(decoded.encoding).toBe('windows-1252');
    expect(decoded.text).toBe(original.replace(/\n/g, '\r\n'));
    expect(decoded.notes[0]).toMatch(/^read as Windows-1252 \(not UTF-8: byte 0x.. at offset \d+, line \d+\)/);
  });

  it('repairs the open-data extract once read as Latin-1 and saved again as UTF-8', () => {
    const original = readFileSync(OD, 'utf8').replace(/^\ufeff/, '');
    // The usual accident: UTF-8 bytes decoded as Latin-1 / Windows-1252 and written back as UTF-8.
    const mangled = Buffer.from(new TextDecoder('windows-1252').decode(Buffer.from(original, 'utf8')), 'utf8');
    expect(mangled.toString('utf8')).toContain('RÃ©fÃ©rence');
    const decoded = decodeText('mangled.csv', mangled);
    expect(decoded.notes.find((n) => n.startsWith('repaired'))).toMatch(/^repaired \d+ mis-encoded sequences/);
    // Every character Windows-1252 can carry comes back; the five bytes it leaves undefined
    // (0x81 0x8d 0x8f 0x90 0x9d) became U+FFFD in the mangling and cannot.
    const lost = [...original].filter((ch) => /[\u0100-\uffff]/.test(ch) && !CP1252.has(ch)).length;
    expect(lost).toBe(0);
    expect(decoded.text).toBe(original);
  });
});

const CP1252 = new Map<string, number>();
{
  const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
  for (let i = 0; i < 32; i++) CP1252.set(high[i], 0x80 + i);
}

function encodeWindows1252(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) out.push(c);
    else if (CP1252.has(ch)) out.push(CP1252.get(ch)!);
    else throw new Error(`not in Windows-1252: ${JSON.stringify(ch)}`);
  }
  return Buffer.from(out);
}
