import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLayer } from '../../engine/importers.ts';
import { readCsvTable } from '../../engine/io/csv-table.ts';
import { sourceFromBytes } from '../../engine/io/source-file.ts';
import { Store } from '../../engine/store/store.ts';

/** Writes records the way the POP export does: BOM, every field quoted, quotes doubled. */
function writePop(header: string[], records: string[][], delimiter = '|'): string {
  const q = (s: string) => '"' + s.replaceAll('"', '""') + '"';
  return '\ufeff' + [header, ...records].map((r) => r.map(q).join(delimiter)).join('\n') + '\n';
}

/** Writes records the way the open-data portal does: quotes only where needed. */
function writeOpenData(header: string[], records: string[][]): string {
  const q = (s: string) => (/[;"\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s);
  return [header, ...records].map((r) => r.map(q).join(';')).join('\r\n');
}

// Field text biased towards the characters that break naive CSV readers.
const dirtyText = fc
  .array(fc.constantFrom('a', 'é', ' ', '"', '|', ';', ',', '\n', '\r\n', 'PA', '0', "'", '""'), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('CSV reading, property', () => {
  it('POP and open-data writers round-trip any fields, with the line each record starts on', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((width) =>
          fc.tuple(fc.constant(width), fc.array(fc.array(dirtyText, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 })),
        ),
        fc.boolean(),
        ([width, records], pop) => {
          const header = ['Reference', 'Titre', 'Historique', 'Adresse', 'Observations'].slice(0, width);
          // A one-column table has no separator to detect: give it a second column.
          if (width === 1) {
            header.push('Extra');
            records = records.map((r) => [...r, 'x']);
          }
          // A lone empty unquoted field is a blank line, which CSV cannot tell from no record.
          if (!pop) records = records.filter((r) => r.some((f) => f !== ''));
          fc.pre(records.length > 0);
          const text = pop ? writePop(header, records) : writeOpenData(header, records);
          const table = readCsvTable(sourceFromBytes('prop.csv', Buffer.from(text)), { delimiters: ['|', ';'], expected: 'test' });
          expect(table.delimiter).toBe(pop ? '|' : ';');
          expect(table.header).toEqual(header);
          expect(table.records.map((r) => r.fields)).toEqual(records);
          let line = 2;
          for (let i = 0; i < records.length; i++) {
            expect(table.records[i].line).toBe(line);
            line += 1 + records[i].join('').split('\n').length - 1;
          }
        },
      ),
      { numRuns: 300, seed: 20250301 },
    );
  });
});

describe('Mérimée importer, property', () => {
  let store: Store;
  const dir = mkdtempSync(join(tmpdir(), 'vigie-merimee-prop-'));
  beforeAll(async () => {
    store = await Store.open(':memory:');
  });
  afterAll(() => store.close());

  it('stores dirty text fields exactly (trimmed) whatever quotes, separators and newlines they hold', async () => {
    const header = ['Reference', 'Titre_editorial_de_la_notice', 'Adresse_forme_editoriale', 'Typologie_de_la_protection', 'coordonnees_au_format_WGS84'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(dirtyText, dirtyText), { minLength: 1, maxLength: 6 }), async (texts) => {
        const records = texts.map(([titre, adresse], i) => [
          `PA${String(i + 1).padStart(8, '0')}`, titre, adresse, 'inscrit MH', '47.4663,3.7453',
        ]);
        const file = join(dir, 'merimee.csv');
        writeFileSync(file, writePop(header, records));
        const report = await importLayer(store, 'merimee', file);
        expect(report.kept).toBe(records.length);
        const rows = await store.all<{ titre: string | null; adresse: string | null }>(
          'SELECT titre, adresse FROM monuments ORDER BY reference',
        );
        const stored = (s: string) => (s.trim() === '' ? null : s.trim());
        expect(rows).toEqual(texts.map(([t, a]) => ({ titre: stored(t), adresse: stored(a) })));
      }),
      { numRuns: 25, seed: 20250302 },
    );
  });
});
