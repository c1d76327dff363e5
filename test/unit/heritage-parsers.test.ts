import { describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../engine/errors.ts';
import { parseLatLon } from '../../engine/heritage/lat-lon.ts';
import { MERIMEE_FIELDS, resolveMerimeeColumns } from '../../engine/heritage/merimee-fields.ts';
import { parseProtection } from '../../engine/heritage/protection.ts';
import { formatReport, importerFor, importerKinds, registerImporter, type ImportReport } from '../../engine/importers.ts';
import { detectDelimiter } from '../../engine/io/csv-table.ts';

describe('parseProtection', () => {
  it.each([
    ['classé MH', 'classe', false],
    ['inscrit MH', 'inscrit', false],
    ['classé MH partiellement', 'classe', true],
    ['inscrit MH partiellement', 'inscrit', true],
    ['classé MH ; inscrit MH', 'classe_inscrit', false],
    ['inscrit MH partiellement;classé MH partiellement', 'classe_inscrit', true],
    ['classé MH ; inscrit MH partiellement', 'classe_inscrit', true],
    ['CLASSE MH', 'classe', false],
    ['Classé M.H.', 'classe', false],
    ['Inscrit MH Partiellement', 'inscrit', true],
    ['inscription MH', 'inscrit', false],
    ['déclassé', 'inconnue', false],
    ['partiellement', 'inconnue', false],
    ['', 'inconnue', false],
  ] as const)('%j → %s, partielle %s', (text, protection, partielle) => {
    expect(parseProtection(text)).toEqual({ protection, partielle });
  });

  it('reads null as unknown', () => {
    expect(parseProtection(null)).toEqual({ protection: 'inconnue', partielle: false });
  });
});

describe('parseLatLon', () => {
  it.each([
    ['47.4663,3.7453', { kind: 'ok', lat: 47.4663, lon: 3.7453 }],
    [' 47.4663 , 3.7453 ', { kind: 'ok', lat: 47.4663, lon: 3.7453 }],
    ['-20.8789,55.4481', { kind: 'ok', lat: -20.8789, lon: 55.4481 }],
    ['48.5,2', { kind: 'ok', lat: 48.5, lon: 2 }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['48,2;x', { kind: 'invalid' }],
    ['48.85;2.35', { kind: 'invalid' }],
    ['48.85', { kind: 'invalid' }],
    ['48,85,2,35', { kind: 'invalid' }],
    ['0,0', { kind: 'placeholder', lat: 0, lon: 0, why: 'the 0,0 placeholder' }],
    ['-1,-1', { kind: 'placeholder', lat: -1, lon: -1, why: 'the -1,-1 placeholder' }],
    ['48.0,2.0', { kind: 'placeholder', lat: 48, lon: 2, why: 'rounded to whole degrees' }],
    ['48,2', { kind: 'placeholder', lat: 48, lon: 2, why: 'rounded to whole degrees' }],
    ['95.1,3.2', { kind: 'placeholder', lat: 95.1, lon: 3.2, why: 'out of the latitude/longitude range' }],
    ['45.2,190.5', { kind: 'placeholder', lat: 45.2, lon: 190.5, why: 'out of the latitude/longitude range' }],
  ])('%j', (text, expected) => {
    expect(parseLatLon(text)).toEqual(expected);
  });
});

describe('Mérimée alias table', () => {
  const pop = Object.values(MERIMEE_FIELDS).map((names) => names[0]);
  const openData = Object.values(MERIMEE_FIELDS).map((names) => names[1]);

  it('maps the POP and the open-data header to the same fields', () => {
    const a = resolveMerimeeColumns('pop.csv', pop);
    const b = resolveMerimeeColumns('od.csv', [...openData].reverse());
    expect(Object.keys(a.index).sort()).toEqual(Object.keys(MERIMEE_FIELDS).sort());
    expect(Object.keys(b.index).sort()).toEqual(Object.keys(a.index).sort());
    expect(a.name.coordonnees).toBe('coordonnees_au_format_WGS84');
    expect(b.name.coordonnees).toBe('coordonnees_au_format_wgs84');
    expect(b.index.reference).toBe(openData.length - 1);
  });

  it('tolerates re-saved headers (accents, case, spaces)', () => {
    const c = resolveMerimeeColumns('x.csv', ['Référence', 'TYPOLOGIE DE LA PROTECTION', 'Coordonnées au format WGS84']);
    expect(c.index).toEqual({ reference: 0, typologie_protection: 1, coordonnees: 2 });
  });

  it('refuses a header without a reference, saying what was expected', () => {
    expect(() => resolveMerimeeColumns('m.csv', ['Reference,Titre,Commune'])).toThrow(
      /^m\.csv line 1: no "Reference" column in a header of one column "Reference,Titre,Commune" \(wrong separator\?\) \(expected the POP header/,
    );
    expect(() => resolveMerimeeColumns('m.csv', ['ref', 'titre'])).toThrow(InputError);
  });
});

describe('detectDelimiter', () => {
  it('picks the allowed separator most used outside quotes', () => {
    expect(detectDelimiter('"Reference"|"Titre ; sous-titre"|"Region"', ['|', ';'])).toBe('|');
    expect(detectDelimiter('reference;"titre | x";region', ['|', ';'])).toBe(';');
    expect(detectDelimiter('"a|b|c";"d";"e"', ['|', ';'])).toBe(';');
    expect(detectDelimiter('reference,titre,region', ['|', ';'])).toBeUndefined();
  });
});

describe('importer registry', () => {
  it('has the heritage kinds and refuses unknown or repeated ones', () => {
    expect(importerKinds()).toEqual(expect.arrayContaining(['communes', 'merimee']));
    expect(() => importerFor('merimée')).toThrow(/unknown layer kind "merimée" \(expected one of: .*communes.*merimee/);
    expect(() => registerImporter('merimee', importerFor('merimee'))).toThrow(ConflictError);
  });

  it('formats a report with counts per reason and the first issues', () => {
    const report: ImportReport = {
      kind: 'merimee',
      file: 'data/merimee.csv',
      layer: 'monuments',
      rowsRead: 1204,
      kept: 1201,
      flagged: { no_coordinates: 60, placeholder_coordinates: 3 },
      rejected: 3,
      issues: [
        { line: 12, reason: 'no_coordinates', kept: true, message: 'merimee.csv line 12, coordonnees_au_format_WGS84: is empty' },
        { line: 40, reason: 'duplicate_reference', kept: false, message: 'merimee.csv line 40, Reference: "PA00088123" appeared on an earlier line' },
        { line: 41, reason: 'duplicate_reference', kept: false, message: 'x' },
        { line: 42, reason: 'invalid_reference', kept: false, message: 'y' },
      ],
      catalogueId: 7,
      checksum: 'ab'.repeat(32),
      durationMs: 1530,
    };
    const text = formatReport(report, 2);
    expect(text.split('\n')).toEqual([
      'merimee: data/merimee.csv → monuments (catalogue #7, sha256 abababababab…)',
      '  1,204 rows read: 1,201 kept, 3 rejected, 63 flags, in 1.53 s',
      '  flagged (kept):   no_coordinates 60, placeholder_coordinates 3',
      '  rejected:         duplicate_reference 2, invalid_reference 1',
      '  first issues:',
      '    flag   no_coordinates: merimee.csv line 12, coordonnees_au_format_WGS84: is empty',
      '    reject duplicate_reference: merimee.csv line 40, Reference: "PA00088123" appeared on an earlier line',
      '    … and 2 more (see import_issues)',
    ]);
  });
});
