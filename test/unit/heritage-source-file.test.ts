/**
 * Inputs as users produce them: gzip and zip archives (with bomb limits and member choice),
 * spreadsheet re-saves (Windows-1252, CRLF, UTF-16), and UTF-8 once read as Latin-1.
 * Expected texts are written here by hand from the bytes built in each test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import {
  extractArchive, listArchive, openArchiveMember, readBinarySourceFile, readSourceFile, repairMojibake, sourceFromBytes,
} from '../../engine/io/source-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigie-source-'));
const CSV = 'REF|TICO|DPRO\nPA00084578|Église|1999/12/06 : inscrit MH\n';

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('compressed inputs', () => {
  it('reads a .gz file, checksum of the file as given', () => {
    const gz = gzipSync(Buffer.from(CSV));
    const s = readSourceFile(write('m.csv.gz', gz));
    expect(s.text).toBe(CSV);
    expect(s.size).toBe(gz.length);
    expect(s.archive?.format).toBe('gzip');
    expect(s.notes?.[0]).toMatch(/gzip/);
  });

  it('reads the one data member of a zip, ignoring documentation and folders', () => {
    const zip = zipSync({ 'export/': {}, 'export/LISEZMOI.txt': strToU8('doc'), 'export/merimee.csv': strToU8(CSV), '__MACOSX/._x': strToU8('x') });
    const s = readSourceFile(write('m.zip', zip));
    expect(s.text).toBe(CSV);
    expect(s.name).toBe('m.zip/export/merimee.csv');
    expect(listArchive(join(dir, 'm.zip')).map((e) => e.name).sort()).toEqual(['__MACOSX/._x', 'export/LISEZMOI.txt', 'export/merimee.csv']);
  });

  it('asks for --member when several data files are equally likely, and takes the one named', () => {
    const p = write('two.zip', zipSync({ 'a.csv': strToU8(CSV), 'b.csv': strToU8('x|y\n1|2\n') }));
    expect(() => readSourceFile(p)).toThrow(/2 \.csv members: a\.csv, b\.csv \(choose one with --member NAME\)/);
    expect(readSourceFile(p, { member: 'B.CSV' }).text).toBe('x|y\n1|2\n');
    expect(openArchiveMember(p, { pattern: /a\.csv$/ }).name).toBe('a.csv');
    expect(() => readSourceFile(p, { member: 'c*.csv' })).toThrow(/no member matches c\*\.csv \(members: a\.csv, b\.csv[;)]/);
  });

  it('refuses archive bombs before expanding them', () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const bomb = write('bomb.zip', zipSync({ 'big.csv': zeros }, { level: 9 }));
    expect(() => readSourceFile(bomb)).toThrow(InputError);
    expect(() => readSourceFile(bomb)).toThrow(/refused, it expands to 8\.0 MB from .* archive bomb/);
    const gzBomb = write('bomb.csv.gz', gzipSync(zeros, { level: 9 }));
    expect(() => readSourceFile(gzBomb)).toThrow(/refused, it expands beyond/);
  });

  it('refuses a file named .zip that is not one, and a truncated zip', () => {
    expect(() => readSourceFile(write('fake.zip', CSV))).toThrow(/named \.zip but its first bytes \(52 45 46 7c\) are not a zip/);
    const zip = zipSync({ 'a.csv': strToU8(CSV) });
    expect(() => readSourceFile(write('cut.zip', zip.subarray(0, zip.length - 10)))).toThrow(/not a readable zip archive/);
  });

  it('extracts a zipped shapefile with its sidecars for binary readers, refusing zip slip', () => {
    const files = { 'pp/z.shp': strToU8('shp'), 'pp/z.dbf': strToU8('dbf'), 'pp/z.prj': strToU8('prj'), 'pp/r.shp': strToU8('r') };
    const p = write('ppr.zip', zipSync(files));
    expect(() => readBinarySourceFile(p)).toThrow(/2 \.shp members: pp\/r\.shp, pp\/z\.shp/);
    const s = readBinarySourceFile(p, { member: 'z.shp' });
    expect(s.path.endsWith(join('pp', 'z.shp'))).toBe(true);
    expect(s.archive?.files?.length).toBe(4);
    const x = extractArchive(p, { pattern: /\/z\./ });
    expect(x.files.length).toBe(3);
    x.remove();
    const slip = write('slip.zip', zipSync({ '../evil.csv': strToU8(CSV) }));
    expect(() => extractArchive(slip)).toThrow(/points outside the archive/);
  });
});

describe('encodings', () => {
  it('reads a spreadsheet re-save: Windows-1252, CRLF, and says so', () => {
    // "Église" and "classé" in Windows-1252: É = 0xC9, é = 0xE9.
    const bytes = Buffer.concat([Buffer.from('REF;TICO\r\nPA00084578;'), Buffer.from([0xc9]), Buffer.from('glise class'), Buffer.from([0xe9]), Buffer.from('\r\n')]);
    const s = sourceFromBytes('excel.csv', bytes);
    expect(s.encoding).toBe('windows-1252');
    expect(s.text).toBe('REF;TICO\r\nPA00084578;Église classé\r\n');
    expect(s.notes?.[0]).toMatch(/read as Windows-1252 \(not UTF-8: byte 0xc9 at offset 21, line 2\)/);
  });

  it('reads UTF-16 with a byte-order mark (Excel « texte Unicode »)', () => {
    const text = 'REF\tTICO\r\nPA00084578\tÉglise\r\n';
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const s = sourceFromBytes('u.txt', bytes);
    expect(s.encoding).toBe('utf-16le');
    expect(s.text).toBe(text);
  });

  it('refuses bytes that are neither UTF-8 nor French Windows-1252 text, naming the byte', () => {
    // ¤¥¦ in Windows-1252, §•¶ in Mac Roman: no French letter either way.
    const bytes = Buffer.from([0x52, 0x45, 0x46, 0x0a, 0xa4, 0xa5, 0xa6, 0x0a]);
    expect(() => sourceFromBytes('odd.csv', bytes)).toThrow(/odd\.csv line 2: byte 0xa4 at offset 4 is not valid UTF-8, nor Windows-1252 text/);
    expect(() => sourceFromBytes('bin.csv', Buffer.from([0x41, 0x00, 0x42, 0x43, 0x00, 0x00, 0x01]))).toThrow(/NUL byte/);
  });

  it('repairs UTF-8 read as Latin-1 (lines as in the DRIAS 2020 headers)', () => {
    const r = repairMojibake('#     REF : rÃ©fÃ©rence\n#     NORTAV : TempÃ©rature moyenne journaliÃ¨re (Â°C)\n# sup Ã  40 (jour)\n');
    expect(r.text).toBe('#     REF : référence\n#     NORTAV : Température moyenne journalière (°C)\n# sup à 40 (jour)\n');
    expect(r.count).toBe(6);
    expect(r.example).toEqual({ from: 'rÃ©fÃ©rence', to: 'référence' });
    // Correct French text is left alone.
    expect(repairMojibake('Église Sainte-Marie, façade à côté').count).toBe(0);
  });

  it('notes the repair in the source', () => {
    const s = sourceFromBytes('d.txt', Buffer.from('# REF : rÃ©fÃ©rence\n'));
    expect(s.text).toBe('# REF : référence\n');
    expect(s.notes?.[0]).toMatch(/repaired 2 mis-encoded sequences/);
  });
});
