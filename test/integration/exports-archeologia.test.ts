import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../engine/store/store.ts';
import { importLayer } from '../../engine/importers.ts';
import { exportLayer } from '../../engine/report/export.ts';
import '../../engine/report/archeologia.ts';
import { hasTool, ogrSummary, scoredStore } from './exports-fixture.ts';

/** Edits a GeoPackage the way a QGIS user would: SQL on its feature tables. */
async function edit(path: string, out: string, sql: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(path));
  db.exec(sql);
  writeFileSync(out, db.export());
  db.close();
}

describe('ArchéologIA GeoPackage round trip', () => {
  let store: Store;
  let dir: string;
  let gpkg: string;
  beforeAll(async () => {
    store = await scoredStore();
    dir = mkdtempSync(join(tmpdir(), 'vigie-archeologia-'));
    gpkg = (await exportLayer(store, { layer: 'detections', format: 'archeologia', out: join(dir, 'a.gpkg') })).path;
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasTool('ogrinfo'))('has one layer per class with the ArchéologIA fields, in EPSG:2154', () => {
    const { layers } = ogrSummary(gpkg);
    expect(layers.map((l) => [l.name, l.count])).toEqual([['charbonniere', 1], ['fosse_cratere', 1], ['tumulus', 2]]);
    for (const l of layers) {
      expect(l.epsg).toBe('2154');
      expect(l.fields).toEqual(expect.arrayContaining(['classe', 'confiance', 'fiabilite', 'validation', 'corr_pred']));
    }
    const t = execFileSync('ogrinfo', ['-q', gpkg, 'tumulus', '-where', "detection_id = 'm1:t1:0'"], { encoding: 'utf8' });
    expect(t).toMatch(/validation \(String\) = oui/);
    expect(t).toMatch(/fiabilite \(String\) = très probable/);
  });

  it('brings decisions made in QGIS back to the detections table, with corr_pred kept', async () => {
    const edited = join(dir, 'edited.gpkg');
    await edit(gpkg, edited, `
      UPDATE tumulus SET validation = 'peut-être' WHERE detection_id = 'm1:t1:1';
      UPDATE charbonniere SET validation = 'oui', corr_pred = 'tumulus' WHERE detection_id = 'm1:t1:2';
      UPDATE fosse_cratere SET validation = 'non';`);
    const report = await importLayer(store, 'archeologia', edited);
    expect(report.kept).toBe(4);
    const rows = await store.all<{ detection_id: string; review_status: string | null }>(`SELECT detection_id, review_status FROM detections ORDER BY 1`);
    expect(rows.map((r) => r.review_status)).toEqual(['oui', 'peut_etre', 'oui', 'non']);
    const review = await store.all<{ detection_id: string; decision: string; corrected_class: string | null }>(
      `SELECT detection_id, decision, corrected_class FROM detection_review ORDER BY 1`);
    expect(review.map((r) => [r.detection_id, r.decision, r.corrected_class])).toEqual([
      ['m1:t1:0', 'oui', null], ['m1:t1:1', 'peut_etre', null], ['m1:t1:2', 'oui', 'mound'], ['m1:t2:0', 'non', null],
    ]);
    expect(Number(await store.value(`SELECT count(*) FROM audit WHERE entity = 'detection' AND action = 'review'`))).toBe(4);
    // A second export shows the decisions and the correction.
    const again = (await exportLayer(store, { layer: 'detections', format: 'archeologia', out: join(dir, 'b.gpkg') })).path;
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(again));
    const r = db.exec(`SELECT validation, corr_pred FROM charbonniere`)[0].values;
    db.close();
    expect(r).toEqual([['oui', 'tumulus']]);
  });

  it('refuses a layer with a missing field or a bad value, naming them, and changes nothing', async () => {
    const before = await store.all(`SELECT detection_id, review_status FROM detections ORDER BY 1`);
    const noField = join(dir, 'nofield.gpkg');
    await edit(gpkg, noField, `UPDATE tumulus SET validation = 'non'; ALTER TABLE fosse_cratere DROP COLUMN corr_pred;`);
    await expect(importLayer(store, 'archeologia', noField)).rejects.toThrow(/layer fosse_cratere: missing field corr_pred/);
    const badValue = join(dir, 'bad.gpkg');
    await edit(gpkg, badValue, `UPDATE tumulus SET validation = 'non'; UPDATE fosse_cratere SET validation = 'bof';`);
    await expect(importLayer(store, 'archeologia', badValue)).rejects.toThrow(/layer fosse_cratere fid 1, validation: "bof" is not one of oui, non, peut-être/);
    expect(await store.all(`SELECT detection_id, review_status FROM detections ORDER BY 1`)).toEqual(before);
  });
});
