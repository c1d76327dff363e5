/**
 * Re-import = replace, atomically, keeping what people wrote (issue 14). A database built like
 * `vigie run` builds it (every sample layer, scored) gets reviews, vulnerability input, audit rows,
 * detection links and a detection review; then every importer kind imports its layer again:
 * the same file (nothing changes), and a variant edited here by hand (records dropped, changed,
 * added). Expected counts come from the edit itself. After each import: the reviews are all
 * still there, no score and no detection link points at a record that is gone, the changed
 * kinds' score runs are stale (or re-scored), and the report's added/removed/changed match.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLayer, importerKinds, formatReport, type ImportOptions, type ImportReport } from '../../engine/importers.ts';
import type { LayerImportOptions } from '../../engine/hazards/common.ts';
import { sampleLayers } from '../../engine/hazards/samples.ts';
import '../../engine/hazards/register.ts';
import '../../engine/report/archeologia.ts';
import { exportLayer } from '../../engine/report/export.ts';
import { scoreAll } from '../../engine/risk/score.ts';
import { loadRiskConfig } from '../../engine/risk/config.ts';
import { Store } from '../../engine/store/store.ts';
import { generateRegion } from '../../pipelines/samples/region/generate.ts';
import { SAMPLE_REGION_DIR } from '../../pipelines/paths.ts';
import { tableChecksums } from '../fuzz/db-state.ts';

const REGION = SAMPLE_REGION_DIR;
const L93 = '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';
const toL93 = (lon: number, lat: number) => proj4('EPSG:4326', L93, [lon, lat]) as [number, number];

let dir: string;
let rasterDir: string;
let store: Store;
/** reviews and everything else people wrote, as rows, to compare after each import */
let written: unknown;

async function peopleWrote(): Promise<unknown> {
  return {
    site_review: await store.all('SELECT * FROM site_review ORDER BY site_id'),
    site_vulnerability: await store.all('SELECT site_id, etat_conservation, mitigation, note, version FROM site_vulnerability ORDER BY site_id'),
    audit: await store.all('SELECT id, entity, entity_id, action FROM audit ORDER BY id'),
    detection_review: await store.all('SELECT detection_id, decision, version FROM detection_review ORDER BY detection_id'),
    users: await store.all('SELECT username FROM users ORDER BY 1'),
  };
}

/** Nothing points at a record that is gone. */
async function expectNoDangling(): Promise<void> {
  const dangling = await store.one<Record<string, number>>(`
    SELECT
      (SELECT count(*) FROM scores s WHERE s.site_kind = 'monument' AND s.site_id NOT IN (SELECT reference FROM monuments)) AS monument_scores,
      (SELECT count(*) FROM scores s WHERE s.site_kind <> 'monument' AND s.site_id NOT IN (SELECT site_id FROM heritage_sites)) AS heritage_scores,
      (SELECT count(*) FROM risk_sites s WHERE s.site_kind = 'monument' AND s.site_id NOT IN (SELECT reference FROM monuments)) AS monument_sites,
      (SELECT count(*) FROM risk_sites s WHERE s.site_kind <> 'monument' AND s.site_id NOT IN (SELECT site_id FROM heritage_sites)) AS heritage_sites,
      (SELECT count(*) FROM score_terms_raw t WHERE NOT EXISTS (SELECT 1 FROM risk_sites s WHERE s.run_id = t.run_id AND s.site_key = t.site_key)) AS terms,
      (SELECT count(*) FROM detections WHERE known_site_id IS NOT NULL AND known_site_id NOT IN (SELECT site_id FROM heritage_sites)) AS links,
      (SELECT count(*) FROM detections WHERE (known_site_id IS NULL) <> (novelty = 'nouveau')) AS novelty`);
  expect(Object.fromEntries(Object.entries(dangling!).map(([k, v]) => [k, Number(v)]))).toEqual({
    monument_scores: 0, heritage_scores: 0, monument_sites: 0, heritage_sites: 0, terms: 0, links: 0, novelty: 0,
  });
  expect(await peopleWrote()).toEqual(written);
}

async function staleKinds(): Promise<string[]> {
  return (await store.all<{ k: string }>('SELECT DISTINCT site_kind AS k FROM score_runs WHERE stale_reason IS NOT NULL ORDER BY 1')).map((r) => r.k);
}

async function reimport(kind: string, file: string, options: LayerImportOptions = {}): Promise<ImportReport> {
  await store.run('UPDATE score_runs SET stale_reason = NULL, stale_since = NULL');
  const report = await importLayer(store, kind, file, options);
  await expectNoDangling();
  return report;
}

const counts = (r: ImportReport) => r.changes && { added: r.changes.added, removed: r.changes.removed, changed: r.changes.changed };

function writeVariant(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A GeoJSON sample with features dropped (by index), one property changed and features added. */
function geojsonVariant(src: string, name: string, edit: (features: any[]) => any[]): string {
  const doc = JSON.parse(readFileSync(src, 'utf8'));
  doc.features = edit(doc.features);
  return writeVariant(name, JSON.stringify(doc));
}

/** A CSV sample edited line by line (header kept). */
function csvVariant(src: string, name: string, edit: (lines: string[]) => string[]): string {
  const text = readFileSync(src, 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const [head, ...rows] = lines;
  return writeVariant(name, [head, ...edit(rows)].join('\n') + '\n');
}

const SAME = { added: 0, removed: 0, changed: 0 };
const ALL_KINDS = ['archaeo', 'monument', 'museum'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-reimport-'));
  rasterDir = join(dir, 'rasters');
  await generateRegion({ seed: 42, outDir: join(dir, 'unused'), cacheDir: rasterDir, vectors: false });
  store = await Store.open(join(dir, 'vigie.duckdb'));
  // As the main job builds it (pipelines/run.ts): communes, monuments, basemap, then every sample layer.
  for (const s of [
    { kind: 'communes', file: join(REGION, 'communes.geojson') },
    { kind: 'merimee', file: join(REGION, 'merimee.csv') },
    { kind: 'basemap-land', file: join(REGION, 'basemap', 'land.geojson') },
    { kind: 'basemap-rivers', file: join(REGION, 'basemap', 'rivers.geojson') },
    ...sampleLayers(REGION, rasterDir),
  ]) {
    await importLayer(store, s.kind, s.file, (s as { options?: ImportOptions }).options ?? {});
  }
  await scoreAll(store, { config: loadRiskConfig() });

  // What people wrote: a review with its audit row on a monument, an archaeological site and a
  // museum that the variants below remove; vulnerability input on a site that stays.
  for (const id of ['PA56000001', '56 001 0001', 'M5100']) {
    await store.run(`INSERT INTO site_review VALUES ($1, 'visite_necessaire')`, [id]);
    await store.run(`INSERT INTO audit (username, entity, entity_id, action, after) VALUES ('relectrice', 'site', $1, 'review', '{"statut_revue":"visite_necessaire"}')`, [id]);
  }
  await store.run(`INSERT INTO site_vulnerability (site_id, etat_conservation, mitigation, updated_by) VALUES ('PA56000002', 'mauvais', 'bâches', 'relectrice')`);
  await store.run(`INSERT INTO users (username, password_hash, roles) VALUES ('relectrice', 'scrypt$x', ['relecteur_monuments'])`);

  // Detections: d1 on site 56 001 0001 (removed, re-added elsewhere under another id), d2 on
  // 56 001 0002 (removed), d3 where the variant adds a site, d4 far from everything.
  const site = async (id: string) => (await store.one<{ x: number; y: number }>('SELECT x, y FROM heritage_sites WHERE site_id = $1', [id]))!;
  const s1 = await site('56 001 0001');
  const s2 = await site('56 001 0002');
  const [x3, y3] = toL93(-1.9, 47.5);
  const dets = [
    ['m1:t:1', s1.x, s1.y, 'connu', '56 001 0001'],
    ['m1:t:2', s2.x, s2.y, 'connu', '56 001 0002'],
    ['m1:t:3', x3, y3, 'nouveau', null],
    ['m1:t:4', 100_000, 6_000_000, 'nouveau', null],
  ] as const;
  for (const [id, x, y, novelty, known] of dets) {
    await store.run(
      `INSERT INTO detections (detection_id, tile, class, score, confidence, level, diameter_m, x, y, novelty, known_site_id, model_hash)
       VALUES ($1, 't', 'mound', 0.9, 0.9, 'very_probable', 12, $2, $3, $4, $5, 'm1')`,
      [id, x, y, novelty, known],
    );
  }
  await store.run(`INSERT INTO detection_review (detection_id, decision, version, reviewed_by) VALUES ('m1:t:4', 'non', 1, 'relectrice')`);
  await store.run(`UPDATE detections SET review_status = 'non' WHERE detection_id = 'm1:t:4'`);
  written = await peopleWrote();
}, 180_000);

afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Kinds exercised below; a kind registered later without a case here fails the first test. */
const COVERED = new Set<string>();
const cover = (kind: string) => COVERED.add(kind);

describe('re-import of every importer kind into a scored database with reviews', () => {
  it('reproduces the crash of issue 14 no more: the sample file again, without --layer, replaces its layer', async () => {
    // `vigie run` imported it as layer sites_archeologiques; the file name alone says sites-archeologiques.
    const r = await reimport('archaeology', join(REGION, 'sites-archeologiques.geojson'));
    expect(r.layer).toBe('sites_archeologiques');
    expect(r.replaced?.catalogueId).toBeGreaterThan(0);
    expect(counts(r)).toEqual(SAME);
    expect(r.changes!.unchanged).toBe(1000);
    expect(await staleKinds()).toEqual([]);
    expect(Number(await store.value(`SELECT count(*) FROM heritage_sites WHERE site_kind = 'archaeo'`))).toBe(1000);
  });

  it('archaeology: removed sites reported with their reviews kept, scores of removed sites deleted, detection links re-checked', async () => {
    cover('archaeology');
    const file = geojsonVariant(join(REGION, 'sites-archeologiques.geojson'), 'sites-archeologiques.geojson', (fs) => {
      const moved = { ...fs[0], properties: { ...fs[0].properties, id: '56 999 0001' } }; // same place, new id
      const changed = { ...fs[2], properties: { ...fs[2].properties, periode: 'Néolithique' } };
      const added = { type: 'Feature', properties: { id: '56 999 0002', type: 'tumulus', periode: 'Bronze' }, geometry: { type: 'Point', coordinates: [-1.9, 47.5] } };
      return [changed, ...fs.slice(3), moved, added];
    });
    const r = await reimport('archaeology', file);
    expect(counts(r)).toEqual({ added: 2, removed: 2, changed: 1 });
    expect(r.changes!.removedWithReview).toBe(1);
    expect(r.changes!.sample.removed).toEqual(['56 001 0001', '56 001 0002']);
    expect(r.scores!.removedScores).toBe(8); // two sites × four scenarios
    expect(await staleKinds()).toEqual(['archaeo']);
    expect(r.links).toMatchObject({ checked: 4, lost: 1, gained: 1, relinked: 1 });
    const links = await store.all<{ detection_id: string; novelty: string; known_site_id: string | null }>(
      'SELECT detection_id, novelty, known_site_id FROM detections ORDER BY 1');
    expect(links).toEqual([
      { detection_id: 'm1:t:1', novelty: 'connu', known_site_id: '56 999 0001' },
      { detection_id: 'm1:t:2', novelty: 'nouveau', known_site_id: null },
      { detection_id: 'm1:t:3', novelty: 'connu', known_site_id: '56 999 0002' },
      { detection_id: 'm1:t:4', novelty: 'nouveau', known_site_id: null },
    ]);
    const changes = await store.all<{ record_id: string; change: string; had_review: boolean }>(
      `SELECT record_id, change, had_review FROM import_changes WHERE catalogue_id = $1 ORDER BY change, record_id`, [r.catalogueId]);
    expect(changes).toEqual([
      { record_id: '56 999 0001', change: 'added', had_review: false },
      { record_id: '56 999 0002', change: 'added', had_review: false },
      { record_id: '56 001 0003', change: 'changed', had_review: false },
      { record_id: '56 001 0001', change: 'removed', had_review: true },
      { record_id: '56 001 0002', change: 'removed', had_review: false },
    ]);
    const text = formatReport(r);
    expect(text).toContain('2 added, 2 removed (1 with reviews, kept), 1 changed, 997 unchanged');
    expect(text).toContain('removed: 56 001 0001, 56 001 0002');
    expect(text).toContain('scores now stale for: archaeo');
  });

  it('a re-import that fails leaves every table as it was (a site id held by another layer)', async () => {
    const before = await tableChecksums(store);
    await expect(importLayer(store, 'archaeology', join(REGION, 'sites-archeologiques.geojson'), { layer: 'autre' } as ImportOptions))
      .rejects.toThrow(/sites-archeologiques\.geojson, layer "autre", site "56 001 0003": already stored by layer "sites_archeologiques" .*--layer sites_archeologiques/);
    expect(await tableChecksums(store)).toEqual(before);
  });

  it('merimee: monuments no longer protected are reported, reviews kept, monument scores re-scored with the run\'s own settings', async () => {
    cover('merimee');
    const file = csvVariant(join(REGION, 'merimee.csv'), 'merimee.csv', (rows) => {
      const out = rows.filter((l) => !l.startsWith('PA56000001|') && !l.startsWith('PA56000003|'));
      const i = out.findIndex((l) => l.startsWith('PA56000004|'));
      out[i] = out[i].replace(/^PA56000004\|([^|]*)\|([^|]*)\|[^|]*\|/, 'PA56000004|$1|$2|Titre corrigé|');
      const copy = out.find((l) => l.startsWith('PA56000005|'))!;
      out.push(copy.replace('PA56000005|', 'PA56999999|'));
      return out;
    });
    const refs = (readFileSync(join(REGION, 'merimee.csv'), 'utf8').match(/^PA5600000[1345]\|/gm) ?? []);
    expect(refs).toHaveLength(4); // each edited reference is on one line of the sample
    const r = await reimport('merimee', file, { rescore: true });
    expect(counts(r)).toEqual({ added: 1, removed: 2, changed: 1 });
    expect(r.changes!.removedWithReview).toBe(1);
    expect(r.scores!.rescored.map((x) => x.siteKind)).toEqual(['monument']);
    expect(await staleKinds()).toEqual([]);
    expect(Number(await store.value(`SELECT count(*) FROM scores WHERE site_id = 'PA56999999'`))).toBe(4);
    expect(Number(await store.value(`SELECT count(*) FROM scores WHERE site_id IN ('PA56000001', 'PA56000003')`))).toBe(0);
    const removed = await store.one<{ before: string }>(
      `SELECT before::VARCHAR AS before FROM import_changes WHERE record_id = 'PA56000001' AND change = 'removed'`);
    expect(JSON.parse(removed!.before)).toMatchObject({ reference: 'PA56000001', titre: 'Manoir de Pouldual' });
    const again = await reimport('merimee', file);
    expect(counts(again)).toEqual(SAME);
  });

  it('museums: a museum gone, one renamed, one new', async () => {
    cover('museums');
    const file = csvVariant(join(REGION, 'musees.csv'), 'musees.csv', (rows) => [
      ...rows.filter((l) => !l.startsWith('M5100;')).map((l) => (l.startsWith('M5107;') ? l.replace('Écomusée de Saint', 'Musée de Saint') : l)),
      rows.find((l) => l.startsWith('M5114;'))!.replace('M5114;', 'M5999;'),
    ]);
    const r = await reimport('museums', file);
    expect(r.layer).toBe('musees');
    expect(counts(r)).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(r.changes!.removedWithReview).toBe(1);
    expect(await staleKinds()).toEqual(['museum']);
  });

  it('spr: a date corrected and an SPR dropped (SPR are not scored: no run goes stale)', async () => {
    cover('spr');
    const file = csvVariant(join(REGION, 'spr.csv'), 'spr.csv', (rows) =>
      rows.filter((l) => !l.startsWith('56150;')).map((l) => (l.startsWith('56008;') ? l.replace('2019-02-04', '2019-03-04') : l)));
    const r = await reimport('spr', file);
    expect(counts(r)).toEqual({ added: 0, removed: 1, changed: 1 });
    expect(await staleKinds()).toEqual([]);
    expect(counts(await reimport('spr', file))).toEqual(SAME);
  });

  it('communes: a commune renamed makes every kind stale (sites are placed in communes)', async () => {
    cover('communes');
    const src = join(REGION, 'communes.geojson');
    const same = await reimport('communes', src);
    expect(counts(same)).toEqual(SAME);
    expect(await staleKinds()).toEqual([]);
    const file = geojsonVariant(src, 'communes.geojson', (fs) =>
      fs.map((f, i) => (i === 0 ? { ...f, properties: { ...f.properties, nom: 'Bréasquer-Plage' } } : f)));
    const r = await reimport('communes', file);
    expect(counts(r)).toEqual({ added: 0, removed: 0, changed: 1 });
    expect(await staleKinds()).toEqual(ALL_KINDS);
  });

  it('hazard zones (tri, rga, coastal-erosion, hazard-zones): same file unchanged, edited file counted, every kind stale', async () => {
    for (const kind of ['tri', 'rga', 'coastal-erosion', 'hazard-zones']) cover(kind);
    const tri = join(REGION, 'hazards', 'tri_zones.geojson');
    expect(counts(await reimport('tri', tri))).toEqual(SAME);
    expect(await staleKinds()).toEqual([]);
    const triV = geojsonVariant(tri, 'tri_zones.geojson', (fs) => fs.slice(1));
    expect(counts(await reimport('tri', triV))).toEqual({ added: 0, removed: 1, changed: 0 });
    expect(await staleKinds()).toEqual(ALL_KINDS);
    // The same layer through the generic kind: it replaces the tri layer (same table, same name).
    const generic = await reimport('hazard-zones', tri, { layer: 'tri_zones' } as ImportOptions);
    expect(generic.replaced).toBeTruthy();
    expect(counts(generic)).toEqual({ added: 1, removed: 0, changed: 0 });

    // RGA features carry no id (the feature number is their id): drop the last one, change the first.
    const rga = join(REGION, 'hazards', 'rga.geojson');
    const rgaV = geojsonVariant(rga, 'rga.geojson', (fs) =>
      fs.slice(0, -1).map((f, i) => (i === 0 ? { ...f, properties: { ...f.properties, NIVEAU: f.properties.NIVEAU === 3 ? 2 : 3 } } : f)));
    expect(counts(await reimport('rga', rgaV))).toEqual({ added: 0, removed: 1, changed: 1 });
    expect(await staleKinds()).toEqual(ALL_KINDS);

    const ero = join(REGION, 'hazards', 'erosion_cotiere.geojson');
    const eroV = geojsonVariant(ero, 'erosion_cotiere.geojson', (fs) =>
      fs.map((f, i) => (i === 1 ? { ...f, properties: { ...f.properties, taux: -1.5 } } : f)));
    expect(counts(await reimport('coastal-erosion', eroV))).toEqual({ added: 0, removed: 0, changed: 1 });
    expect(counts(await reimport('coastal-erosion', eroV))).toEqual(SAME);
  });

  it('ppr: a CNIG-style zone layer imported, then a zone level raised', async () => {
    cover('ppr');
    const zones = JSON.parse(readFileSync(join(REGION, 'hazards', 'tri_zones.geojson'), 'utf8'));
    const ppr = (level: string) => ({
      ...zones,
      features: zones.features.slice(0, 3).map((f: any, i: number) => ({
        type: 'Feature', properties: { id_zone: `PPR56_Z${i}`, typealea: '112', niveaualea: i === 0 ? level : '01' }, geometry: f.geometry,
      })),
    });
    const first = writeVariant('ppr_zones.geojson', JSON.stringify(ppr('02')));
    const r1 = await reimport('ppr', first);
    expect(r1.replaced).toBeNull();
    expect(await staleKinds()).toEqual(ALL_KINDS); // a new hazard layer changes every score too
    writeFileSync(first, JSON.stringify(ppr('04')));
    expect(counts(await reimport('ppr', first))).toEqual({ added: 0, removed: 0, changed: 1 });
  });

  it('seismic and rga-commune: a zone changed, a commune dropped', async () => {
    cover('seismic');
    cover('rga-commune');
    const seis = join(REGION, 'hazards', 'zonage_sismique.csv');
    const seisV = csvVariant(seis, 'zonage_sismique.csv', (rows) =>
      rows.filter((l) => !l.startsWith('56150;')).map((l) => (l.startsWith('56001;') ? l.replace(/;\d$/, l.endsWith(';3') ? ';2' : ';3') : l)));
    const r = await reimport('seismic', seisV);
    expect(r.layer).toBe('zonage_sismique');
    expect(counts(r)).toEqual({ added: 0, removed: 1, changed: 1 });
    expect(await staleKinds()).toEqual(ALL_KINDS);

    const rgac = join(__dirname, '..', 'fixtures', 'hazards', 'rga_commune_small.csv');
    expect((await reimport('rga-commune', rgac)).replaced).toBeNull();
    const rgacV = csvVariant(rgac, 'rga_commune_small.csv', (rows) => rows.map((l) => l.replace('56001;Bréasquer;faible', '56001;Bréasquer;fort')));
    expect(counts(await reimport('rga-commune', rgacV))).toEqual({ added: 0, removed: 0, changed: 1 });
  });

  it('drias: one grid point dropped and one value changed, counted per point × indicator', async () => {
    cover('drias');
    const src = join(REGION, 'hazards', 'drias', 'drias_ref.txt');
    const lines = readFileSync(src, 'utf8').split('\n');
    const data = lines.map((l, i) => (/^\d+;/.test(l) ? i : -1)).filter((i) => i >= 0);
    const indicators = lines[data[0] - 1].split(';').length - 5; // Point;Latitude;Longitude;Contexte;Période;<indicators>
    const edited = lines.filter((_, i) => i !== data[0]);
    const j = edited.indexOf(lines[data[1]]);
    const f = edited[j].split(';');
    f[5] = String(Number(f[5]) + 1);
    edited[j] = f.join(';');
    const same = await reimport('drias', src);
    expect(counts(same)).toEqual(SAME);
    const r = await reimport('drias', writeVariant('drias_ref.txt', edited.join('\n')));
    expect(counts(r)).toEqual({ added: 0, removed: indicators, changed: 1 });
    expect(await staleKinds()).toEqual(ALL_KINDS);
  });

  it('raster: same file unchanged; another file for the same layer is a changed layer', async () => {
    cover('raster');
    const flood = join(rasterDir, 'flood_depth_cog.tif');
    const r = await reimport('raster', flood, { hazard: 'flood' } as ImportOptions);
    expect(r.layer).toBe('flood_depth');
    expect(counts(r)).toEqual(SAME);
    expect(await staleKinds()).toEqual([]);
    const copy = join(dir, 'flood_depth_v2.tif');
    copyFileSync(flood, copy);
    const r2 = await reimport('raster', copy, { hazard: 'flood', layer: 'flood_depth' } as ImportOptions);
    expect(counts(r2)).toEqual({ added: 0, removed: 0, changed: 1 });
    expect(await staleKinds()).toEqual(ALL_KINDS);
  });

  it('basemap layers: same file unchanged, a feature dropped is a changed layer, no score touched', async () => {
    for (const name of ['land', 'rivers']) {
      cover(`basemap-${name}`);
      const src = join(REGION, 'basemap', `${name}.geojson`);
      expect(counts(await reimport(`basemap-${name}`, src))).toEqual(SAME);
      const v = geojsonVariant(src, `${name}.geojson`, (fs) => (fs.length > 1 ? fs.slice(1) : fs.map((f) => ({ ...f, properties: { nom: 'autre' } }))));
      expect(counts(await reimport(`basemap-${name}`, v))).toEqual({ added: 0, removed: 0, changed: 1 });
      expect(await staleKinds()).toEqual([]);
    }
  });

  it('archeologia: decisions made in QGIS come back; the same file again changes nothing', async () => {
    cover('archeologia');
    const gpkg = (await exportLayer(store, { layer: 'detections', format: 'archeologia', out: join(dir, 'a.gpkg') })).path;
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(gpkg));
    const table = String(db.exec(`SELECT table_name FROM gpkg_contents WHERE data_type = 'features' LIMIT 1`)[0].values[0][0]);
    db.exec(`UPDATE "${table}" SET validation = 'oui' WHERE detection_id = 'm1:t:1'`);
    const edited = join(dir, 'edited.gpkg');
    writeFileSync(edited, db.export());
    db.close();
    // Decisions are not reviews of sites: the detection review written by the import is expected.
    const r = await importLayer(store, 'archeologia', edited);
    expect(counts(r)).toEqual({ added: 0, removed: 0, changed: 1 });
    written = await peopleWrote();
    const again = await reimport('archeologia', edited);
    expect(again.changes).toMatchObject({ added: 0, removed: 0 });
    expect(await store.value(`SELECT review_status FROM detections WHERE detection_id = 'm1:t:1'`)).toBe('oui');
  });

  it('condition: surveys matched to monuments; the same file again writes no new review; a survey dropped keeps the review it wrote', async () => {
    cover('condition');
    const ms = await store.all<{ reference: string; titre: string; lon: number; lat: number }>(
      `SELECT reference, titre, lon, lat FROM monuments m
       WHERE lon IS NOT NULL AND position_status = 'ok' AND reference NOT IN ('PA56000001', 'PA56000002')
         AND NOT EXISTS (SELECT 1 FROM monuments o WHERE o.reference <> m.reference AND o.x IS NOT NULL
                           AND sqrt((o.x - m.x) ^ 2 + (o.y - m.y) ^ 2) < 1000)
       ORDER BY reference LIMIT 3`); // alone within 1 km: a survey on its point can only be this monument
    const csv = (statuses: string[], n = 3) =>
      ['ID,Nom,Arrondissement,Coor_x,Coor_y,Status,Dommages,Commentaire,Précision,Date',
        ...ms.slice(0, n).map((m, i) => [`C${i + 1}`, `"${m.titre}"`, 'Vannes', m.lon.toFixed(7), m.lat.toFixed(7), statuses[i], '10', 'fissures', '', '2024-05-02'].join(','))].join('\n') + '\n';
    const file = writeVariant('constats.csv', csv(['bon', 'moyen', 'mauvais']));
    const first = await importLayer(store, 'condition', file);
    expect(first.replaced).toBeNull();
    const reviewed = await store.all<{ site_id: string; etat_conservation: string }>(
      `SELECT site_id, etat_conservation FROM site_vulnerability WHERE site_id IN (${ms.map((m) => `'${m.reference}'`).join(', ')}) ORDER BY site_id`);
    expect(reviewed.map((r) => r.etat_conservation)).toEqual(['bon', 'moyen', 'mauvais']); // one review per survey, written by the import
    written = await peopleWrote();
    expect(counts(await reimport('condition', file))).toEqual(SAME); // no new review, no new audit row (checked by reimport)
    writeFileSync(file, csv(['bon', 'péril'], 2));
    const r = await importLayer(store, 'condition', file);
    expect(counts(r)).toEqual({ added: 0, removed: 1, changed: 1 });
    // the dropped survey's review stays; the changed one is a new review (with its audit row)
    expect(await store.value(`SELECT etat_conservation FROM site_vulnerability WHERE site_id = $1`, [ms[2].reference])).toBe('mauvais');
    expect(await store.value(`SELECT etat_conservation FROM site_vulnerability WHERE site_id = $1`, [ms[1].reference])).toBe('peril');
    written = await peopleWrote();
    await expectNoDangling();
  });

  it('covers every registered importer kind', () => {
    expect(importerKinds().filter((k) => !COVERED.has(k))).toEqual([]);
  });
});
