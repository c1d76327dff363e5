/**
 * The one entry for loading a source file into the store: `importLayer(store, kind, file)`.
 * Formats are registered by kind, not switched on. Every importer first reads and validates
 * the whole file without writing (a fatal fault throws InputError there), then the rows,
 * the catalogue entry and the issues are written in ONE transaction, so a failed import
 * leaves the database exactly as it was.
 *
 * Re-import = replace, keeping what people wrote. Importing a layer again replaces that layer's
 * rows in the same single transaction, and:
 * - the layer is found by name: `--layer`, else the layer an earlier import of a file with the
 *   same name and kind went to, else the file name without extension;
 * - what changed is compared record by record (by the record's id: monument reference, site id,
 *   INSEE code, zone id, …) and reported as added / removed / changed, and listed in
 *   import_changes (removed records with their stored row, and whether a review exists);
 * - reviews, vulnerability input and audit rows are keyed by the record id and never deleted: a
 *   record that comes back finds them again, a removed one keeps them (reported);
 * - scores of removed sites are deleted (never left pointing at rows that are gone) and the score
 *   runs the change touches are marked stale (score_runs.stale_reason); with `rescore` they are
 *   recomputed after the commit with the settings of the stale run;
 * - detections linked to an archaeological site (« connu ») keep their link while that site
 *   exists within KNOWN_SITE_DISTANCE_M; links to sites gone or moved are recomputed with the
 *   detector's rule, and « nouveau » detections near an added site become « connu ».
 */
import { basename, extname } from 'node:path';
import { ConflictError, InputError } from './errors.ts';
import { collectRecordIssues } from './io/record-rules.ts';
import { isFolder, readBinarySourceFile, readSourceFile, readSourceFolder, type SourceFile } from './io/source-file.ts';
import type { Store } from './store/store.ts';
import { communesImporter } from './heritage/communes.ts';
import { merimeeImporter } from './heritage/merimee.ts';
import { conditionImporter } from './heritage/condition.ts';
import { basemapImporter } from './geo/basemap.ts';

/** One problem found in one record. `kept: false` means the record was rejected. */
export interface ImportIssue {
  line: number | null;
  recordId?: string;
  reason: string;
  field?: string;
  value?: string;
  kept: boolean;
  /** the full sentence, `merimee.csv line 12, coordonnees_au_format_WGS84: "0,0" is a placeholder` */
  message: string;
}

export interface ImportReport {
  kind: string;
  file: string;
  layer: string;
  rowsRead: number;
  kept: number;
  /** kept rows that have a position (point layers that report it) */
  positioned?: number;
  /** kept-but-flagged issue counts per reason */
  flagged: Record<string, number>;
  /** records rejected (not stored), whatever the reason */
  rejected: number;
  issues: ImportIssue[];
  catalogueId: number;
  checksum: string;
  durationMs: number;
  /** how the file was read (decompressed, re-encoded, repaired) and importer remarks, one sentence each */
  notes?: string[];
  /** the earlier import of this layer that this one replaces; absent for a new layer */
  replaced?: { catalogueId: number; file: string; importedAt: string } | null;
  /** record-by-record comparison with what the layer held before (absent for kinds without record ids) */
  changes?: RecordChanges | null;
  /** score runs made out of date, scores of removed sites deleted, runs recomputed */
  scores?: ScoreEffect;
  /** known-site links of detections re-checked after an archaeological layer changed */
  links?: LinkEffect | null;
}

export interface RecordChanges {
  table: string;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** removed sites that have a review, vulnerability input or audit row (all kept) */
  removedWithReview: number;
  /** up to 10 ids of each, with a name when the record has one */
  sample: { added: string[]; removed: string[]; changed: string[] };
}

export interface ScoreEffect {
  /** site kinds whose score run this import made stale */
  stale: string[];
  /** score rows deleted because their site is gone */
  removedScores: number;
  /** site kinds re-scored after the commit (option `rescore`) */
  rescored: { siteKind: string; runId: number; sites: number; seconds: number }[];
}

export interface LinkEffect {
  checked: number;
  /** connu → nouveau (the site is gone or moved away) */
  lost: number;
  /** nouveau → connu (a site was added or moved nearby) */
  gained: number;
  /** connu, now linked to another site */
  relinked: number;
}

export interface ImportOptions {
  /** data date as published (YYYY or YYYY-MM-DD); defaults to the file's modification date */
  vintage?: string;
  /** CRS of coordinates when the file does not say (importers that accept one) */
  crs?: string;
  /** which member of a .zip input to read (base name, `*` wildcard); see engine/io/source-file.ts */
  member?: string;
  /** keep an import in which no row could be placed or classified (otherwise it fails) */
  keepUnplaced?: boolean;
  /** layer name (importers that store named layers); see the module comment for the default */
  layer?: string;
  /** after committing, re-score the site kinds whose score run the import made stale */
  rescore?: boolean;
}

export interface ImportContext {
  store: Store;
  source: SourceFile;
  options: ImportOptions;
}

/** What an importer hands back after reading everything and before writing anything. */
export interface PreparedImport {
  layer: string;
  rowsRead: number;
  kept: number;
  issues: ImportIssue[];
  crs: string;
  licence?: string;
  vintage?: string;
  /** importer remarks for the report (positions derived, columns missing…) */
  notes?: string[];
  /** kept rows that have a position (point layers) */
  positioned?: number;
  /** Replaces the layer's rows; called inside the import transaction. */
  write(store: Store, catalogueId: number): Promise<void>;
}

export interface Importer {
  /** one line for `vigie import --help` */
  readonly description: string;
  /**
   * true: the importer reads the file itself from `source.path` (GeoPackage, FlatGeobuf,
   * Shapefile, GeoTIFF), so the file is checksummed but not decoded as UTF-8 text.
   */
  readonly binary?: boolean;
  /** extensions of the files read when the input is a folder (source.files lists them); none: a folder is refused */
  readonly folder?: readonly string[];
  /** the member to read from a .zip input when the user names none (e.g. /zone_alea.*\.shp$/i) */
  readonly archiveMember?: RegExp | string;
  prepare(ctx: ImportContext): Promise<PreparedImport>;
}

const registry = new Map<string, Importer>();

export function registerImporter(kind: string, importer: Importer): void {
  if (registry.has(kind)) throw new ConflictError(`importer kind ${JSON.stringify(kind)} is already registered`);
  registry.set(kind, importer);
}

export function importerKinds(): string[] {
  return [...registry.keys()].sort();
}

export function importerFor(kind: string): Importer {
  const importer = registry.get(kind);
  if (!importer) {
    throw new InputError(`unknown layer kind ${JSON.stringify(kind)} (expected one of: ${importerKinds().join(', ')})`);
  }
  return importer;
}

export async function importLayer(
  store: Store,
  kind: string,
  file: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const importer = importerFor(kind);
  const member = { member: options.member ?? importer.archiveMember };
  const source =
    importer.folder && isFolder(file)
      ? readSourceFolder(file, importer.folder)
      : importer.binary
        ? readBinarySourceFile(file, member)
        : readSourceFile(file, member);
  const layerOption = options.layer?.trim() || (await layerOfEarlierImport(store, kind, file));
  // Flags raised by the shared readers (field sizes, cut last lines, declared counts) join the importer's own.
  const { result: prepared, issues: readerIssues } = await collectRecordIssues(() =>
    importer.prepare({ store, source, options: { ...options, ...(layerOption ? { layer: layerOption } : {}) } }),
  ).catch((err: unknown) => {
    // Every refusal names the file, even one raised by a library-level reader that did not know it.
    const named = [basename(file), source.name].some((n) => (err as Error).message?.includes(n));
    if (err instanceof InputError && !named) throw new (err.constructor as typeof InputError)(`${basename(file)}: ${err.message}`, { cause: err });
    throw err;
  });
  if (readerIssues.length) prepared.issues = [...readerIssues, ...prepared.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));

  const flagged: Record<string, number> = {};
  const flaggedLines = new Set<number | null>();
  for (const issue of prepared.issues) {
    if (!issue.kept) continue;
    flagged[issue.reason] = (flagged[issue.reason] ?? 0) + 1;
    flaggedLines.add(issue.line);
  }
  const scope = RECORD_SCOPES[kind]?.(prepared.layer) ?? null;

  const report = await store.transaction(async (tx) => {
    // The import this one replaces: the last one of this layer by a kind writing the same table
    // (`hazard-zones` and `tri` both write hazard_zones layers).
    const previous = (
      await tx.all<{ id: number; kind: string; source_file: string; imported_at: unknown; checksum: string }>(
        `SELECT id, kind, source_file, imported_at, checksum FROM catalogue WHERE layer = $1 ORDER BY id DESC`,
        [prepared.layer],
      )
    ).find((r) => r.kind === kind || (scope && RECORD_SCOPES[r.kind]?.(prepared.layer).table === scope.table));
    if (scope) await snapshot(tx, scope, BEFORE);
    const catalogueId = Number(await tx.value("SELECT nextval('catalogue_id_seq')"));
    try {
      await prepared.write(tx, catalogueId);
    } catch (err) {
      // A refusal found while writing (an id another layer holds) names the file like the others.
      if (err instanceof InputError && !err.message.startsWith(source.name)) {
        throw new InputError(`${source.name}, ${err.message}`, { cause: err });
      }
      throw err;
    }
    await tx.append('import_issues', prepared.issues, ISSUE_COLUMNS(catalogueId));

    let changes: RecordChanges | null = null;
    if (scope) {
      await snapshot(tx, scope, AFTER);
      changes = await compare(tx, scope, catalogueId, Boolean(previous));
      // A raster's values live in its file, not in the table: new bytes are a changed layer.
      if (scope.external && previous && previous.checksum !== source.sha256 && !changes.changed && changes.unchanged) {
        changes.changed = 1;
        changes.unchanged--;
        changes.sample.changed = [prepared.layer];
      }
    }
    const hazard = Number(await tx.value('SELECT count(*) FROM hazard_layers WHERE catalogue_id = $1', [catalogueId])) > 0;
    const fileChanged = !previous || previous.checksum !== source.sha256;
    const touched = changes ? changes.added + changes.removed + changes.changed > 0 : fileChanged;
    const siteKinds = hazard || kind === 'communes' ? SCORED_KINDS : scope?.siteKind ? [scope.siteKind] : [];
    const scores: ScoreEffect = { stale: [], removedScores: 0, rescored: [] };
    if (scope?.siteKind && changes?.removed) scores.removedScores = await deleteScoresOfRemoved(tx, scope.siteKind);
    if (touched && siteKinds.length) {
      const reason =
        `import #${catalogueId} (${kind}, ${basename(file)}, layer ${prepared.layer})` +
        (changes ? `: ${changes.added} added, ${changes.removed} removed, ${changes.changed} changed` : ': file changed');
      const stale = await tx.all<{ site_kind: string }>(
        `UPDATE score_runs SET stale_reason = $1, stale_since = now()
         WHERE site_kind IN (${siteKinds.map((k) => `'${k}'`).join(', ')}) RETURNING site_kind`,
        [reason],
      );
      scores.stale = [...new Set(stale.map((r) => r.site_kind))].sort();
    }
    const links = scope?.siteKind === 'archaeo' && touched ? await relinkDetections(tx) : null;
    if (scope) for (const t of [BEFORE, AFTER, REMOVED]) await tx.run(`DROP TABLE IF EXISTS ${t}`);

    const report: ImportReport = {
      kind,
      file,
      layer: prepared.layer,
      rowsRead: prepared.rowsRead,
      kept: prepared.kept,
      ...(prepared.positioned !== undefined ? { positioned: prepared.positioned } : {}),
      flagged,
      rejected: prepared.issues.filter((i) => !i.kept).length,
      issues: prepared.issues,
      catalogueId,
      checksum: source.sha256,
      durationMs: 0,
      notes: [...(source.notes ?? []), ...(prepared.notes ?? [])],
      replaced: previous ? { catalogueId: Number(previous.id), file: previous.source_file, importedAt: String(previous.imported_at) } : null,
      changes,
      scores,
      links,
    };
    await tx.run(
      `INSERT INTO catalogue (id, kind, layer, source_file, checksum, vintage, licence, crs,
         feature_count, rows_read, rows_flagged, report)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        catalogueId,
        kind,
        prepared.layer,
        file,
        source.sha256,
        // Fallback vintage: the file's modification date, the best a bare download tells us.
        options.vintage ?? prepared.vintage ?? source.modified,
        prepared.licence ?? null,
        prepared.crs,
        prepared.kept,
        prepared.rowsRead,
        flaggedLines.size,
        JSON.stringify({ ...report, durationMs: Math.round(performance.now() - started) }),
      ],
    );
    return report;
  });

  if (options.rescore && report.scores?.stale.length) report.scores.rescored = await rescoreStale(store, report.scores.stale);
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/**
 * The layer an earlier import of a file with this name and kind went to, when it was named
 * with --layer (otherwise the default, the file name, finds it anyway). Composite layers
 * (DRIAS: one per hazard) are named by their importer and never looked up.
 */
async function layerOfEarlierImport(store: Store, kind: string, file: string): Promise<string | undefined> {
  const name = basename(file);
  const rows = await store.all<{ layer: string; source_file: string }>(
    'SELECT layer, source_file FROM catalogue WHERE kind = $1 ORDER BY id DESC',
    [kind],
  );
  const hit = rows.find((r) => basename(r.source_file) === name);
  if (!hit || hit.layer.includes(',') || hit.layer === basename(name, extname(name))) return undefined;
  return hit.layer;
}

// ---------------------------------------------------------------------------------------------
// Record-by-record comparison of a layer before and after its replacement

const SCORED_KINDS = ['monument', 'archaeo', 'museum'] as const;

/** Where a kind's records live and what names one (SQL over the table's own columns). */
interface RecordScope {
  table: string;
  /** SQL expression naming a record (unique inside the scope) */
  key: string;
  /** SQL condition selecting the layer's rows; `$1` is `param` */
  where: string;
  param?: string;
  /** the records are scored sites of this kind (reviews are looked up, scores of removed ones deleted) */
  siteKind?: (typeof SCORED_KINDS)[number];
  /** SQL expression giving a record's name for the report */
  name?: string;
  /** the data lives in the source file (rasters): a new checksum is a change */
  external?: boolean;
  /** columns that record what the import did rather than what the record says */
  ignore?: string[];
}

const heritage = (siteKind: 'archaeo' | 'museum') => (layer: string): RecordScope =>
  ({ table: 'heritage_sites', key: 'site_id', where: 'layer = $1', param: layer, siteKind, name: 'name' });
// A plan (ppr) or a mixed zone file writes several layers (`a,b,c`); ids are unique per layer only.
const zones = (layer: string): RecordScope =>
  ({ table: 'hazard_zones', key: "layer || ' ' || feature_id", where: "list_contains(string_split($1, ','), layer)", param: layer });
const byCommune = (layer: string): RecordScope => ({ table: 'hazard_by_commune', key: 'code_insee', where: 'layer = $1', param: layer });

/** The record scope of each kind; a kind not listed gets no comparison (its report says so). */
const RECORD_SCOPES: Record<string, (layer: string) => RecordScope> = {
  communes: () => ({ table: 'communes', key: 'code_insee', where: 'true', name: 'nom' }),
  merimee: () => ({ table: 'monuments', key: 'reference', where: 'true', siteKind: 'monument', name: 'titre' }),
  archaeology: heritage('archaeo'),
  museums: heritage('museum'),
  spr: (layer) => ({ table: 'spr', key: "code_insee || ' ' || coalesce(nom_spr, '')", where: 'layer = $1', param: layer }),
  'hazard-zones': zones,
  tri: zones,
  rga: zones,
  ppr: zones,
  'coastal-erosion': zones,
  seismic: byCommune,
  'rga-commune': byCommune,
  drias: (layer) => ({
    table: 'climate_points',
    key: "warming || ' ' || point || ' ' || indicator",
    where: 'list_contains(string_split($1, \',\'), layer)',
    param: layer,
  }),
  raster: (layer) => ({ table: 'hazard_layers', key: 'layer', where: 'layer = $1', param: layer, external: true }),
  'basemap-land': () => ({ table: 'basemap_layers', key: 'name', where: "name = 'land'" }),
  'basemap-rivers': () => ({ table: 'basemap_layers', key: 'name', where: "name = 'rivers'" }),
  archeologia: () => ({ table: 'detections', key: 'detection_id', where: 'true' }),
  // review_written says what this import did, not what the survey says
  condition: (layer) => ({ table: 'condition_surveys', key: 'survey_id', where: 'layer = $1', param: layer, name: 'nom', ignore: ['review_written'] }),
};

const BEFORE = 'vigie_import_before';
const AFTER = 'vigie_import_after';
const REMOVED = 'vigie_import_removed';
/** Columns that change at every import without the record changing. */
const BOOKKEEPING = ['catalogue_id', 'imported_at', 'detected_at', 'processed_at'];

/** One row per record of the scope: key, content hash and (before only) the row as JSON. */
async function snapshot(tx: Store, scope: RecordScope, table: string): Promise<void> {
  const columns = (await tx.all<{ column_name: string }>(`DESCRIBE ${scope.table}`)).map((r) => r.column_name);
  const skip = [...BOOKKEEPING, ...(scope.ignore ?? [])].filter((c) => columns.includes(c));
  const cols = `*COLUMNS(*${skip.length ? ` EXCLUDE (${skip.join(', ')})` : ''})`;
  const json = table === BEFORE && scope.siteKind ? `to_json(struct_pack(${cols}))` : 'NULL::JSON';
  const name = scope.name ? `CAST(${scope.name} AS VARCHAR)` : 'NULL::VARCHAR';
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT k, md5(string_agg(h, ',' ORDER BY h)) AS h, any_value(j) AS j, any_value(n) AS n FROM (
       SELECT coalesce(CAST(${scope.key} AS VARCHAR), '') AS k, md5(CAST(struct_pack(${cols}) AS VARCHAR)) AS h,
              ${json} AS j, ${name} AS n
       FROM ${scope.table} WHERE ${scope.where}
     ) GROUP BY k`,
    scope.param === undefined ? undefined : [scope.param],
  );
}

/** Counts and lists the differences; stores them in import_changes when a previous import existed. */
async function compare(tx: Store, scope: RecordScope, catalogueId: number, replacing: boolean): Promise<RecordChanges> {
  await tx.run(`CREATE OR REPLACE TEMP TABLE ${REMOVED} AS SELECT b.* FROM ${BEFORE} b ANTI JOIN ${AFTER} a USING (k)`);
  const added = `SELECT a.k, a.n FROM ${AFTER} a ANTI JOIN ${BEFORE} b USING (k)`;
  const changed = `SELECT a.k, a.n FROM ${AFTER} a JOIN ${BEFORE} b USING (k) WHERE a.h <> b.h`;
  const reviewed = scope.siteKind
    ? `(EXISTS (SELECT 1 FROM site_review x WHERE x.site_id = r.k) OR EXISTS (SELECT 1 FROM site_vulnerability x WHERE x.site_id = r.k)
        OR EXISTS (SELECT 1 FROM audit x WHERE x.entity = 'site' AND x.entity_id = r.k))`
    : 'false';
  const count = async (sql: string) => Number(await tx.value(`SELECT count(*) FROM (${sql})`));
  const sample = async (sql: string) =>
    (await tx.all<{ k: string; n: string | null }>(`${sql} ORDER BY 1 LIMIT 10`)).map((r) => {
      const cut = (v: string) => (v.length > 60 ? `${v.slice(0, 60)}…` : v);
      return r.n && r.n !== r.k ? `${cut(r.k)} (${cut(r.n)})` : cut(r.k);
    });
  const out: RecordChanges = {
    table: scope.table,
    added: await count(added),
    removed: await count(`SELECT k FROM ${REMOVED}`),
    changed: await count(changed),
    unchanged: 0,
    removedWithReview: await count(`SELECT k FROM ${REMOVED} r WHERE ${reviewed}`),
    sample: { added: await sample(added), removed: await sample(`SELECT k, n FROM ${REMOVED}`), changed: await sample(changed) },
  };
  out.unchanged = Number(await tx.value(`SELECT count(*) FROM ${AFTER}`)) - out.added - out.changed;
  if (replacing) {
    await tx.run(
      `INSERT INTO import_changes (catalogue_id, record_table, record_id, change, had_review, before)
       SELECT $1, $2, k, 'added', false, NULL FROM (${added})
       UNION ALL SELECT $1, $2, r.k, 'removed', ${reviewed}, r.j FROM ${REMOVED} r
       UNION ALL SELECT $1, $2, k, 'changed', false, NULL FROM (${changed})`,
      [catalogueId, scope.table],
    );
  }
  return out;
}

/** Deletes the score rows of sites that are gone (their terms, totals and run entry). */
async function deleteScoresOfRemoved(tx: Store, siteKind: string): Promise<number> {
  const gone = `SELECT k FROM ${REMOVED}`;
  const n = Number(await tx.value(`SELECT count(*) FROM scores WHERE site_kind = $1 AND site_id IN (${gone})`, [siteKind]));
  await tx.run(
    `DELETE FROM score_terms_raw t WHERE EXISTS (
       SELECT 1 FROM risk_sites s WHERE s.run_id = t.run_id AND s.site_key = t.site_key AND s.site_kind = $1 AND s.site_id IN (${gone}))`,
    [siteKind],
  );
  await tx.run(`DELETE FROM scores WHERE site_kind = $1 AND site_id IN (${gone})`, [siteKind]);
  await tx.run(`DELETE FROM risk_sites WHERE site_kind = $1 AND site_id IN (${gone})`, [siteKind]);
  return n;
}

/**
 * Re-checks every detection's known-site link after the archaeological sites changed. A link
 * stays while its site exists within the distance (attached by the site id); other detections
 * take the nearest site within the distance (ties by site id, the detector's rule), if any.
 */
async function relinkDetections(tx: Store): Promise<LinkEffect | null> {
  const checked = Number(await tx.value('SELECT count(*) FROM detections'));
  if (checked === 0) return null;
  const { KNOWN_SITE_DISTANCE_M: d } = await import('./detect/detections.ts');
  const dist = `CASE WHEN s.minx IS NOT NULL AND s.maxx IS NOT NULL AND s.miny IS NOT NULL AND s.maxy IS NOT NULL
                          AND det.x BETWEEN s.minx AND s.maxx AND det.y BETWEEN s.miny AND s.maxy THEN 0
                     WHEN s.x IS NOT NULL AND s.y IS NOT NULL THEN sqrt((s.x - det.x) ^ 2 + (s.y - det.y) ^ 2) END`;
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE vigie_links AS
     WITH kept AS (
       SELECT det.detection_id, det.known_site_id AS site_id FROM detections det
       JOIN heritage_sites s ON s.site_id = det.known_site_id AND s.site_kind = 'archaeo'
       WHERE ${dist} <= ${d}
     ), nearest AS (
       SELECT detection_id, site_id FROM (
         SELECT det.detection_id, s.site_id, ${dist} AS dist FROM detections det
         JOIN heritage_sites s ON s.site_kind = 'archaeo'
           AND coalesce(s.maxx, s.x) >= det.x - ${d} AND coalesce(s.minx, s.x) <= det.x + ${d}
           AND coalesce(s.maxy, s.y) >= det.y - ${d} AND coalesce(s.miny, s.y) <= det.y + ${d}
         WHERE det.detection_id NOT IN (SELECT detection_id FROM kept)
       ) WHERE dist <= ${d}
       QUALIFY row_number() OVER (PARTITION BY detection_id ORDER BY dist, site_id) = 1
     ), links AS (SELECT * FROM kept UNION ALL SELECT * FROM nearest)
     SELECT det.detection_id, det.known_site_id AS old_site, l.site_id AS new_site
     FROM detections det LEFT JOIN links l USING (detection_id)
     WHERE det.known_site_id IS DISTINCT FROM l.site_id
        OR det.novelty IS DISTINCT FROM CASE WHEN l.site_id IS NULL THEN 'nouveau' ELSE 'connu' END`,
  );
  const c = (await tx.one<{ lost: number; gained: number; relinked: number }>(
    `SELECT count(*) FILTER (WHERE old_site IS NOT NULL AND new_site IS NULL) AS lost,
            count(*) FILTER (WHERE old_site IS NULL AND new_site IS NOT NULL) AS gained,
            count(*) FILTER (WHERE old_site IS NOT NULL AND new_site IS NOT NULL AND old_site <> new_site) AS relinked
     FROM vigie_links`,
  ))!;
  await tx.run(
    `UPDATE detections SET known_site_id = l.new_site, novelty = CASE WHEN l.new_site IS NULL THEN 'nouveau' ELSE 'connu' END
     FROM vigie_links l WHERE detections.detection_id = l.detection_id`,
  );
  await tx.run('DROP TABLE IF EXISTS vigie_links');
  return { checked, lost: Number(c.lost), gained: Number(c.gained), relinked: Number(c.relinked) };
}

/** Re-scores the stale site kinds, each with the settings its stale run used (same as `vigie score`). */
async function rescoreStale(store: Store, kinds: string[]): Promise<ScoreEffect['rescored']> {
  const { scoreAll } = await import('./risk/score.ts');
  const { parseRiskConfig } = await import('./risk/config.ts');
  const out: ScoreEffect['rescored'] = [];
  for (const kind of kinds) {
    const run = await store.one<{ config: string; config_hash: string; config_path: string | null }>(
      `SELECT config::VARCHAR AS config, config_hash, config_path FROM score_runs WHERE site_kind = $1 ORDER BY run_id DESC LIMIT 1`,
      [kind],
    );
    if (!run) continue;
    const config = { config: parseRiskConfig(JSON.parse(run.config), `score run settings (${kind})`), hash: run.config_hash, path: run.config_path ?? '' };
    for (const r of await scoreAll(store, { config, kinds: [kind as (typeof SCORED_KINDS)[number]] })) {
      out.push({ siteKind: r.site_kind, runId: r.run_id, sites: r.n_sites, seconds: Math.round(r.seconds * 100) / 100 });
    }
  }
  return out;
}

const ISSUE_COLUMNS = (catalogueId: number) =>
  [
    { type: 'integer', get: () => catalogueId },
    { type: 'integer', get: (i: ImportIssue) => i.line },
    { type: 'varchar', get: (i: ImportIssue) => i.recordId },
    { type: 'varchar', get: (i: ImportIssue) => i.reason },
    { type: 'varchar', get: (i: ImportIssue) => i.field },
    { type: 'varchar', get: (i: ImportIssue) => i.value },
    { type: 'boolean', get: (i: ImportIssue) => i.kept },
  ] as const;

/** A readable summary for the CLI: counts per reason, then the first issues with their lines. */
export function formatReport(report: ImportReport, maxIssues = 10): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rejectedBy: Record<string, number> = {};
  for (const i of report.issues) if (!i.kept) rejectedBy[i.reason] = (rejectedBy[i.reason] ?? 0) + 1;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([reason, count]) => `${reason} ${n(count)}`)
      .join(', ');
  const flaggedTotal = Object.values(report.flagged).reduce((a, b) => a + b, 0);
  const lines = [
    `${report.kind}: ${report.file} → ${report.layer} (catalogue #${report.catalogueId}, sha256 ${report.checksum.slice(0, 12)}…)`,
    `  ${n(report.rowsRead)} rows read: ${n(report.kept)} kept, ${n(report.rejected)} rejected, ` +
      `${report.positioned !== undefined ? `${n(report.positioned)} positioned, ` : ''}${n(flaggedTotal)} flags, in ${(report.durationMs / 1000).toFixed(2)} s`,
  ];
  for (const note of report.notes ?? []) lines.push(`  note: ${note}`);
  lines.push(...changeLines(report));
  if (flaggedTotal) lines.push(`  flagged (kept):   ${list(report.flagged)}`);
  if (report.rejected) lines.push(`  rejected:         ${list(rejectedBy)}`);
  if (report.issues.length) {
    lines.push(`  first issues:`);
    for (const i of sampleIssues(report.issues, maxIssues)) {
      lines.push(`    ${i.kept ? 'flag  ' : 'reject'} ${i.reason}: ${i.message}`);
    }
    if (report.issues.length > maxIssues) lines.push(`    … and ${n(report.issues.length - maxIssues)} more (see import_issues)`);
  }
  return lines.join('\n');
}

/** The re-import part of the report: what the layer replaced, what changed, scores and links. */
function changeLines(report: ImportReport): string[] {
  const n = (v: number) => v.toLocaleString('en-US');
  const out: string[] = [];
  const c = report.changes;
  if (report.replaced) {
    out.push(`  replaces layer ${report.layer} (catalogue #${report.replaced.catalogueId}, ${report.replaced.file})`);
    if (c) {
      out.push(
        `  records (${c.table}): ${n(c.added)} added, ${n(c.removed)} removed` +
          (c.removedWithReview ? ` (${n(c.removedWithReview)} with reviews, kept)` : '') +
          `, ${n(c.changed)} changed, ${n(c.unchanged)} unchanged`,
      );
      const more = (count: number, ids: string[]) => ids.join(', ') + (count > ids.length ? `, … (${n(count)} in all)` : '');
      if (c.removed) out.push(`    removed: ${more(c.removed, c.sample.removed)}`);
      if (c.added) out.push(`    added:   ${more(c.added, c.sample.added)}`);
      if (c.changed) out.push(`    changed: ${more(c.changed, c.sample.changed)}`);
    } else {
      out.push('  records: no record-by-record comparison for this kind');
    }
  }
  const sc = report.scores;
  if (sc?.removedScores) out.push(`  scores: ${n(sc.removedScores)} score rows of removed sites deleted`);
  if (sc?.rescored.length) {
    out.push(`  re-scored: ${sc.rescored.map((r) => `${r.siteKind} ${n(r.sites)} sites (run ${r.runId}, ${r.seconds.toFixed(1)} s)`).join(', ')}`);
  } else if (sc?.stale.length) {
    out.push(`  scores now stale for: ${sc.stale.join(', ')} (run \`vigie score\` to bring them up to date)`);
  }
  const l = report.links;
  if (l && (l.lost || l.gained || l.relinked)) {
    out.push(`  detections: ${n(l.checked)} checked, ${n(l.gained)} now « connu », ${n(l.lost)} now « nouveau », ${n(l.relinked)} linked to another site`);
  }
  return out;
}

/**
 * Up to `max` issues in line order, taken one reason at a time so that 2,000 missing
 * coordinates do not hide the one duplicate reference.
 */
function sampleIssues(issues: readonly ImportIssue[], max: number): ImportIssue[] {
  const byReason = new Map<string, ImportIssue[]>();
  for (const i of issues) {
    const list = byReason.get(i.reason) ?? [];
    if (list.length < max) list.push(i);
    byReason.set(i.reason, list);
  }
  const picked: ImportIssue[] = [];
  for (let round = 0; picked.length < max && picked.length < issues.length; round++) {
    for (const list of byReason.values()) if (round < list.length && picked.length < max) picked.push(list[round]);
  }
  return picked.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

registerImporter('communes', communesImporter);
registerImporter('merimee', merimeeImporter);
registerImporter('condition', conditionImporter);
registerImporter('basemap-land', basemapImporter('land'));
registerImporter('basemap-rivers', basemapImporter('rivers'));
