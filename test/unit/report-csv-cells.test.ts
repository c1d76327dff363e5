/** CSV cells: spreadsheet formulas neutralised (OWASP CSV injection), numbers untouched. */
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../engine/report/formats/csv.ts';

describe('csvCell', () => {
  it('prefixes text a spreadsheet would run as a formula with an apostrophe', () => {
    expect(csvCell('=HYPERLINK("http://x";"clic")')).toBe(`"'=HYPERLINK(""http://x"";""clic"")"`);
    expect(csvCell('+33 1 23')).toBe("'+33 1 23");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
  });
  it('leaves ordinary text and numbers as they are', () => {
    expect(csvCell('Église Saint-Pierre')).toBe('Église Saint-Pierre');
    expect(csvCell('a = b')).toBe('a = b');
    expect(csvCell(-2.5)).toBe('-2,5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });
});
