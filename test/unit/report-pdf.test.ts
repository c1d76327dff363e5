import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/store.ts';
import { writeReport } from '../../engine/report/report.ts';
import { winAnsi } from '../../engine/report/pdf/render-pdf.ts';
import { NotFoundError } from '../../engine/errors.ts';
import { hasTool, scoredStore } from '../integration/exports-fixture.ts';

const POPPLER = hasTool('pdftotext') || existsSync('/usr/bin/pdftotext');
const textOf = (pdf: string) => execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });

describe('PDF risk report', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    store = await scoredStore(false);
    dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!POPPLER)('a department report, all scenarios: title, notice, sites, terms, sources, renderable pages', async () => {
    const r = await writeReport(store, { scope: 'department:29', scenario: 'all', out: join(dir, 'dep.pdf') });
    expect(r.sites).toBe(7);
    const text = textOf(r.path);
    expect(text).toContain('Exposition du patrimoine protégé');
    expect(text).toContain('Département 29');
    expect(text).toMatch(/aléa n'est pas risque/);
    expect(text).toContain('Église Saint-Alpha');
    expect(text).toContain('PA00000001');
    expect(text).toMatch(/Points chauds d'évolution/);
    expect(text).toMatch(/Recul du trait de côte\s+faible\s+fort/); // PA00000001: faible today, fort at +4 °C
    expect(text).toMatch(/Sources des données, millésimes et licences/);
    expect(text).toContain('+4,0 °C (2100)');
    execFileSync('pdftoppm', ['-png', '-r', '30', r.path, join(dir, 'p')]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!POPPLER)('an empty selection still gives a PDF that says « aucun site »', async () => {
    await store.run(`INSERT INTO communes VALUES ('29999', 'Vide', '29', '53', 0, 0, 1, 1, 1, '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}', 1)`);
    const r = await writeReport(store, { scope: 'commune:29999', scenario: '+2.7', out: join(dir, 'empty.pdf') });
    expect(r.sites).toBe(0);
    const text = textOf(r.path);
    expect(text).toMatch(/Aucun site/i);
    expect(text).toMatch(/aléa n'est pas risque/);
    expect(text).toContain('Commune de Vide (29999)');
  });

  it('refuses an unknown scope or scenario before writing anything', async () => {
    await expect(writeReport(store, { scope: 'department:75', out: join(dir, 'x.pdf') })).rejects.toThrow(NotFoundError);
    await expect(writeReport(store, { scenario: '+5.0', out: join(dir, 'x.pdf') })).rejects.toThrow(/unknown scenario/);
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('keeps French accents and replaces only what Helvetica cannot encode', () => {
    expect(winAnsi('Église « aléa » œuvre 2,0 °C × 3 → fort ≥ 2')).toBe('Église « aléa » œuvre 2,0 °C × 3 -> fort >= 2');
  });
});
