/**
 * ArchéologIA-compatible detections GeoPackage, both ways.
 *
 * Export (format `archeologia`, layer `detections`): one GeoPackage layer per class, with the
 * fields archaeologists validate in QGIS: `classe`, `confiance`, `fiabilite`, `validation`
 * (oui / non / peut-être, empty = not reviewed) and `corr_pred` (the corrected class when the
 * prediction was wrong), plus `detection_id` to find the candidate again.
 *
 * Import (kind `archeologia`): reads such a file back and, in the import transaction, writes
 * each decision (oui / non / peut_etre) to detections.review_status and, where the review
 * workflow's tables exist, to detection_review (decision, corrected_class from corr_pred,
 * version + 1) with one audit row per change. Every corr_pred is also kept as an import issue
 * (reason `class_correction`), the trail used when detection_review is absent. A layer without
 * one of the fields, or a value outside the vocabulary, is an InputError naming the layer, the
 * feature and the field; nothing is written.
 */
import { readFileSync } from 'node:fs';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { InputError } from '../errors.ts';
import { importerKinds, registerImporter, type ImportContext, type ImportIssue, type Importer, type PreparedImport } from '../importers.ts';
import type { Store } from '../store/store.ts';
import { registerExportFormat } from './formats.ts';
import { writeGeoPackage } from './formats/gpkg.ts';
import { DETECTION_CLASS_LABEL } from './labels.ts';
import type { ExportTable, Field } from './table.ts';

export const ARCHEOLOGIA_FIELDS = ['detection_id', 'classe', 'confiance', 'fiabilite', 'validation', 'corr_pred'] as const;
/** ArchéologIA `validation` → the review workflow's decision (detection_review.decision, mirrored in detections.review_status). */
export const VALIDATION_TO_STATUS: Record<string, string> = { oui: 'oui', non: 'non', 'peut-être': 'peut_etre' };
const LAYER_OF_CLASS: Record<string, string> = { mound: 'tumulus', kiln: 'charbonniere', enclosure: 'enclos', pit: 'fosse_cratere', other: 'autre' };

/** Splits the `detections` export table into one ArchéologIA layer per class. */
export function archeologiaTables(t: ExportTable, corrections: Map<string, string>): ExportTable[] {
  if (t.name !== 'detections') throw new InputError(`format archeologia exports the detections layer only (got --layer ${t.name})`, { fr: `Le format ArchéologIA n'exporte que la couche detections (demandé : ${t.name}).` });
  const idx = (n: string) => t.fields.findIndex((f) => f.name === n);
  const [iId, iClasse, iCode, iConf, iFiab, iVal, iScore, iDiam, iNov, iTile, iModel] =
    ['detection_id', 'classe', 'classe_code', 'confiance', 'fiabilite', 'validation', 'score', 'diametre_m', 'nouveaute', 'tuile', 'modele'].map(idx);
  const fields: Field[] = [
    { name: 'detection_id', type: 'text', title: 'Identifiant Vigie' },
    { name: 'classe', type: 'text', title: 'Classe prédite' },
    { name: 'confiance', type: 'real', title: 'Confiance' },
    { name: 'fiabilite', type: 'text', title: 'Fiabilité' },
    { name: 'validation', type: 'text', title: 'Validation (oui / non / peut-être)' },
    { name: 'corr_pred', type: 'text', title: 'Classe corrigée' },
    { name: 'score', type: 'real', title: 'Score brut' },
    { name: 'diametre_m', type: 'real', title: 'Diamètre (m)' },
    { name: 'nouveaute', type: 'text', title: 'Connu / nouveau' },
    { name: 'tuile', type: 'text', title: 'Dalle LiDAR' },
    { name: 'modele', type: 'text', title: 'Modèle' },
  ];
  const byClass = new Map<string, ExportTable>();
  for (const r of t.rows) {
    const code = String(r.values[iCode]);
    const name = LAYER_OF_CLASS[code] ?? code.replace(/\W+/g, '_');
    if (!byClass.has(name)) {
      byClass.set(name, { name, description: `Détections « ${DETECTION_CLASS_LABEL[code] ?? code} » à valider`, geometryType: 'Point', fields, rows: [] });
    }
    const id = String(r.values[iId]);
    byClass.get(name)!.rows.push({
      values: [id, r.values[iClasse], r.values[iConf], r.values[iFiab], r.values[iVal], corrections.get(id) ?? null,
        r.values[iScore], r.values[iDiam], r.values[iNov], r.values[iTile], r.values[iModel]],
      geometry: r.geometry,
    });
  }
  return [...byClass.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const tableExists = async (store: Store, name: string): Promise<boolean> =>
  Number(await store.value(`SELECT count(*) FROM information_schema.tables WHERE table_name = $1`, [name])) > 0;

/** A corr_pred value (French label, layer name or class code) → class code, or undefined. */
export function classCode(v: string): string | undefined {
  const s = v.trim().toLowerCase();
  for (const [code, label] of Object.entries(DETECTION_CLASS_LABEL)) if (s === code || s === label) return code;
  for (const [code, layer] of Object.entries(LAYER_OF_CLASS)) if (s === layer) return code;
  if (s === 'charbonnière' || s === 'fosse' || s === 'cratère' || s === 'cratere') return s.startsWith('charbon') ? 'kiln' : 'pit';
  return undefined;
}

/** Corrected class per detection (French label): detection_review when the review workflow is there, else earlier imports' issues. */
export async function classCorrections(store: Store): Promise<Map<string, string>> {
  const label = (c: string) => DETECTION_CLASS_LABEL[c] ?? c;
  if (await tableExists(store, 'detection_review')) {
    const rows = await store.all<{ id: string; c: string }>(`SELECT detection_id AS id, corrected_class AS c FROM detection_review WHERE corrected_class IS NOT NULL`);
    return new Map(rows.map((r) => [r.id, label(r.c)]));
  }
  const rows = await store.all<{ record_id: string; value: string }>(
    `SELECT i.record_id, arg_max(i.value, i.catalogue_id) AS value FROM import_issues i
     WHERE i.reason = 'class_correction' AND i.field = 'corr_pred' GROUP BY i.record_id`,
  );
  return new Map(rows.map((r) => [r.record_id, label(r.value)]));
}

let sqlJs: Promise<SqlJsStatic> | undefined;

interface Decision { layer: string; fid: number; id: string; status: string | null; corr: string | null }

export const archeologiaImporter: Importer = {
  description: 'ArchéologIA GeoPackage of reviewed detections (validation, corr_pred) → detections.review_status',
  binary: true,
  async prepare({ store, source }: ImportContext): Promise<PreparedImport> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    let db: Database;
    try {
      db = new SQL.Database(readFileSync(source.path));
      db.exec('SELECT count(*) FROM sqlite_master');
    } catch (err) {
      throw new InputError(`${source.name}: not a readable GeoPackage (${(err as Error).message}; expected a GeoPackage exported by Vigie and saved by QGIS)`, { cause: err });
    }
    const decisions: Decision[] = [];
    try {
      const rows = (q: string): Record<string, unknown>[] => {
        try {
          const st = db.prepare(q);
          const out: Record<string, unknown>[] = [];
          while (st.step()) out.push(st.getAsObject() as Record<string, unknown>);
          st.free();
          return out;
        } catch (err) {
          // A damaged file fails on the page a query reaches, not when it is opened.
          throw new InputError(`${source.name}: not a readable GeoPackage (${(err as Error).message}; expected a GeoPackage exported by Vigie and saved by QGIS)`, { cause: err });
        }
      };
      let layers: string[];
      try {
        layers = rows(`SELECT table_name AS t FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name`).map((r) => String(r.t));
      } catch (err) {
        if (/not a readable GeoPackage/.test((err as Error).message)) throw err;
        throw new InputError(`${source.name}: SQLite file without gpkg_contents: not a GeoPackage (expected a GeoPackage exported by Vigie and saved by QGIS)`);
      }
      if (layers.length === 0) throw new InputError(`${source.name}: no feature layer (expected one layer per class: ${Object.values(LAYER_OF_CLASS).join(', ')})`);
      const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
      for (const layer of layers) {
        const cols = new Set(rows(`PRAGMA table_info(${q(layer)})`).map((c) => String(c.name)));
        const missing = ARCHEOLOGIA_FIELDS.filter((f) => !cols.has(f));
        if (missing.length) {
          throw new InputError(`${source.name}, layer ${layer}: missing field ${missing.join(', ')} (an ArchéologIA layer has ${ARCHEOLOGIA_FIELDS.join(', ')})`);
        }
        const pk = rows(`PRAGMA table_info(${q(layer)})`).find((c) => Number(c.pk) === 1)?.name as string | undefined;
        for (const r of rows(`SELECT ${pk ? q(pk) : 'rowid'} AS fid, detection_id, validation, corr_pred FROM ${q(layer)}`)) {
          const raw = r.validation === null || r.validation === undefined ? '' : String(r.validation).trim().toLowerCase();
          const v = raw === 'peut-etre' || raw === 'peut etre' ? 'peut-être' : raw;
          if (v !== '' && !(v in VALIDATION_TO_STATUS)) {
            throw new InputError(`${source.name}, layer ${layer} fid ${r.fid}, validation: ${JSON.stringify(r.validation)} is not one of oui, non, peut-être (or empty)`);
          }
          if (r.detection_id === null || r.detection_id === undefined || r.detection_id === '') {
            throw new InputError(`${source.name}, layer ${layer} fid ${r.fid}, detection_id: empty (the field links a feature to its Vigie detection)`);
          }
          const rawCorr = r.corr_pred === null || r.corr_pred === undefined || String(r.corr_pred).trim() === '' ? null : String(r.corr_pred).trim();
          const corr = rawCorr === null ? null : classCode(rawCorr) ?? null;
          if (rawCorr !== null && corr === null) {
            throw new InputError(`${source.name}, layer ${layer} fid ${r.fid}, corr_pred: ${JSON.stringify(rawCorr)} is not a class (expected ${Object.values(DETECTION_CLASS_LABEL).join(', ')})`);
          }
          decisions.push({ layer, fid: Number(r.fid), id: String(r.detection_id), status: v ? VALIDATION_TO_STATUS[v] : null, corr });
        }
      }
    } finally {
      db.close();
    }
    const exists = Number(await store.value(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'detections'`));
    if (!exists) throw new InputError(`${source.name}: this database has no detections table (run \`vigie detect\` first)`);
    const known = new Set((await store.all<{ id: string }>(`SELECT detection_id AS id FROM detections`)).map((r) => r.id));
    const issues: ImportIssue[] = [];
    const kept = decisions.filter((d) => {
      if (known.has(d.id)) return true;
      issues.push({ line: null, recordId: d.id, reason: 'unknown_detection', field: 'detection_id', value: d.id, kept: false,
        message: `${source.name}, layer ${d.layer} fid ${d.fid}, detection_id: ${JSON.stringify(d.id)} is not in the detections table` });
      return false;
    });
    for (const d of kept) {
      if (d.corr) issues.push({ line: null, recordId: d.id, reason: 'class_correction', field: 'corr_pred', value: d.corr, kept: true,
        message: `${source.name}, layer ${d.layer} fid ${d.fid}: class corrected to ${JSON.stringify(d.corr)}` });
    }
    return {
      layer: 'detections:validation',
      rowsRead: decisions.length,
      kept: kept.length,
      issues,
      crs: 'EPSG:2154',
      async write(s) {
        const review = await tableExists(s, 'detection_review');
        const audit = await tableExists(s, 'audit');
        const who = `import:${source.name}`;
        for (const d of kept) {
          if (!d.status && !d.corr) continue;
          if (d.status) await s.run(`UPDATE detections SET review_status = $1 WHERE detection_id = $2`, [d.status, d.id]);
          if (!review) continue;
          const before = await s.one<{ decision: string; corrected_class: string | null; version: number }>(
            `SELECT decision, corrected_class, version FROM detection_review WHERE detection_id = $1`, [d.id]);
          let after: Record<string, unknown> | null = null;
          if (before) {
            after = { decision: d.status ?? before.decision, corrected_class: d.corr ?? before.corrected_class, version: Number(before.version) + 1 };
            // The same decision imported again (a re-import of the same file) is no new review.
            if (after.decision === before.decision && (after.corrected_class ?? null) === (before.corrected_class ?? null)) continue;
            await s.run(`UPDATE detection_review SET decision = $1, corrected_class = $2, version = $3, reviewed_by = $4, reviewed_at = now() WHERE detection_id = $5`,
              [after.decision as string, after.corrected_class as string | null, after.version as number, who, d.id]);
          } else if (d.status) {
            after = { decision: d.status, corrected_class: d.corr, version: 1 };
            await s.run(`INSERT INTO detection_review (detection_id, decision, corrected_class, version, reviewed_by) VALUES ($1, $2, $3, 1, $4)`,
              [d.id, d.status, d.corr, who]);
          }
          if (audit && after) {
            await s.run(`INSERT INTO audit (username, entity, entity_id, action, before, after) VALUES ($1, 'detection', $2, 'review', $3, $4)`,
              [who, d.id, before ? JSON.stringify(before) : null, JSON.stringify(after)]);
          }
        }
      },
    };
  },
};

if (!importerKinds().includes('archeologia')) registerImporter('archeologia', archeologiaImporter);

registerExportFormat({
  name: 'archeologia',
  extension: '.gpkg',
  contentType: 'application/geopackage+sqlite3',
  description: 'GeoPackage ArchéologIA : une couche par classe (classe, confiance, fiabilite, validation, corr_pred)',
  async write(table, path, ctx) {
    const corrections = ctx ? await classCorrections(ctx.store) : new Map<string, string>();
    await writeGeoPackage(path, archeologiaTables(table, corrections));
  },
});
