/**
 * Condition surveys (« constats d'état », « bilan sanitaire »; kind `condition`): CSV with
 * `ID,Nom,Arrondissement,Coor_x,Coor_y,Status,Dommages,Commentaire,Précision,Date` (`,` or `;`,
 * UTF-8 or a spreadsheet's re-save). Coor_x/Coor_y are WGS84 longitude/latitude; Status is
 * bon / moyen / mauvais / péril; Dommages a percentage; Précision repeats the protection text of
 * the monument (its name, not its Mérimée reference).
 *
 * Each survey is matched to an imported monument (import Mérimée first) by three signals:
 * - the protection text: Précision equal (accents, case and punctuation folded) to the
 *   monument's « Précision protection » / PPRO;
 * - the name: Dice similarity of the words of Nom and of the monument's title;
 * - the distance from the survey point to the monument's position (tolerance 500 m for a
 *   position from coordinates, 6 km for a position at the commune); a survey point within 10 m
 *   of a monument's own coordinates is on the same point (surveys are often placed there).
 * A match is « sure » when the best candidate is within tolerance and is on the same point, or
 * has the same protection text, or a name similarity ≥ 0.75 (≤ 300 m when placed by
 * coordinates), and no other candidate qualifies as well (score margin ≥ 0.15). Sure matches with a known status are written as site
 * reviews through engine/review/sites.ts (état de conservation, a note naming the file, the
 * survey id and its date; audit row by user `import`), which feeds the state-of-conservation
 * modifier and re-scores the site. « Uncertain » matches (a candidate, not sure) are listed in
 * the report and kept in the review list condition_matches (migration 021, « Constats d'état à
 * rapprocher » in the app) until a reviewer picks one of the candidates (`resolveConditionMatch`:
 * the survey is then written as a review exactly like a sure match, by that reviewer) or says it
 * is none of them. A decision holds for that survey ID in every later import of the layer
 * (match `confirmed` or `dismissed`); « none » matches are only reported.
 */
import Flatbush from 'flatbush';
import { InputError, NotFoundError, show, where } from '../errors.ts';
import type { ConditionMatch, ConditionMatchCandidate } from '../contract/api.ts';
import { toLambert93 } from '../geo/crs.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readCsvTable } from '../io/csv-table.ts';
import { RecordIds } from '../io/record-rules.ts';
import { inFrance, type LayerImportOptions } from '../hazards/common.ts';
import { heritageLayerName } from './layer-name.ts';
import type { Params, Store } from '../store/store.ts';
import { StaleVersionError } from '../review/stale.ts';
import type { SiteReview } from '../review/sites.ts';
import { appendNamed, type NamedColumn } from './append-named.ts';
import { fold } from './merimee-fields.ts';

export const CONDITION_FIELDS = {
  id: ['id', 'identifiant', 'id_constat'],
  nom: ['nom', 'nom_du_monument', 'monument', 'titre', 'appellation'],
  arrondissement: ['arrondissement', 'arrondissemnt'],
  lon: ['coor_x', 'longitude', 'lon', 'x'],
  lat: ['coor_y', 'latitude', 'lat', 'y'],
  status: ['status', 'statut', 'etat', 'etat_sanitaire', 'etat_de_conservation'],
  dommages: ['dommages', 'dommage', 'degats', 'damage'],
  commentaire: ['commentaire', 'commentaires', 'observations', 'remarques'],
  precision: ['precision', 'precision_protection', 'protection'],
  date: ['date', 'date_constat', 'date_du_constat'],
} as const;
type ConditionField = keyof typeof CONDITION_FIELDS;

/** Status as written (folded) → site review vocabulary (engine/review/sites.ts ETATS). */
const STATUS: Record<string, 'bon' | 'moyen' | 'mauvais' | 'peril'> = {
  bon: 'bon', 'tres bon': 'bon', satisfaisant: 'bon',
  moyen: 'moyen', passable: 'moyen',
  mauvais: 'mauvais', defectueux: 'mauvais', mediocre: 'mauvais', degrade: 'mauvais',
  peril: 'peril', 'en peril': 'peril', ruine: 'peril',
};
const CANONICAL = new Set(['bon', 'moyen', 'mauvais', 'peril']);

export const MATCH_RULES = {
  /** metres: a candidate placed by its coordinates, by its commune */
  toleranceCoordinates: 500,
  toleranceCommune: 6000,
  /** metres within which a name match alone is sure for a monument placed by coordinates */
  nameOnlyCoordinates: 300,
  /** metres: a survey point this close to a monument's own coordinates is on the same point */
  samePoint: 10,
  sureName: 0.75,
  uncertainName: 0.4,
  margin: 0.15,
} as const;

export interface MonumentCandidate {
  reference: string;
  titre: string | null;
  precision: string | null;
  x: number;
  y: number;
  commune: boolean;
}

export interface Candidate {
  reference: string;
  titre: string | null;
  distance_m: number;
  name: number;
  precision: boolean;
  /** the monument's position is its commune's (approximate) */
  commune: boolean;
  score: number;
}

export interface SurveyRow {
  survey_id: string;
  nom: string | null;
  arrondissement: string | null;
  lon: number | null;
  lat: number | null;
  x: number | null;
  y: number | null;
  status: string | null;
  etat: 'bon' | 'moyen' | 'mauvais' | 'peril' | null;
  dommages: number | null;
  commentaire: string | null;
  precision_text: string | null;
  survey_date: string | null;
  site_id: string | null;
  /** the matcher's verdict, or a reviewer's earlier decision on this survey (condition_matches) */
  match: 'sure' | 'uncertain' | 'none' | 'confirmed' | 'dismissed';
  match_score: number | null;
  match_distance_m: number | null;
  candidates: Candidate[];
  review_written: boolean;
  line: number;
}

const STOP = new Set(['de', 'la', 'le', 'les', 'du', 'des', 'd', 'l', 'et', 'a', 'au', 'aux', 'en', 'sur', 'dit', 'dite', 'dits', 'dites', 'un', 'une']);

function words(s: string | null): Set<string> {
  return new Set(fold(s ?? '').split('_').filter((w) => w && !STOP.has(w)));
}

/** Dice similarity of the significant words of two names, 0…1. */
export function nameSimilarity(a: string | null, b: string | null): number {
  const A = words(a);
  const B = words(b);
  if (A.size === 0 || B.size === 0) return 0;
  let common = 0;
  for (const w of A) if (B.has(w)) common++;
  return (2 * common) / (A.size + B.size);
}

/** Matches survey points to monuments (see the module comment). */
export class MonumentMatcher {
  private readonly index: Flatbush | undefined;
  private readonly byPrecision = new Map<string, number[]>();

  constructor(private readonly monuments: readonly MonumentCandidate[]) {
    if (monuments.length) {
      this.index = new Flatbush(monuments.length);
      for (const m of monuments) this.index.add(m.x, m.y, m.x, m.y);
      this.index.finish();
    }
    monuments.forEach((m, i) => {
      if (!m.precision) return;
      const k = fold(m.precision);
      const list = this.byPrecision.get(k) ?? [];
      list.push(i);
      this.byPrecision.set(k, list);
    });
  }

  static async load(store: Store): Promise<MonumentMatcher> {
    const rows = await store.all<{ reference: string; titre: string | null; precision_protection: string | null; x: number; y: number; q: string | null }>(
      `SELECT reference, titre, precision_protection, x, y, position_quality AS q FROM monuments WHERE x IS NOT NULL AND y IS NOT NULL`,
    );
    return new MonumentMatcher(rows.map((r) => ({ reference: r.reference, titre: r.titre, precision: r.precision_protection, x: r.x, y: r.y, commune: r.q === 'commune' })));
  }

  get size(): number {
    return this.monuments.length;
  }

  match(x: number, y: number, nom: string | null, precision: string | null): { match: 'sure' | 'uncertain' | 'none'; best?: Candidate; candidates: Candidate[] } {
    const R = MATCH_RULES;
    const seen = new Set<number>();
    for (const i of this.index?.search(x - R.toleranceCommune, y - R.toleranceCommune, x + R.toleranceCommune, y + R.toleranceCommune) ?? []) seen.add(i);
    const pk = precision ? fold(precision) : '';
    if (pk) for (const i of this.byPrecision.get(pk) ?? []) seen.add(i);
    const candidates: Candidate[] = [];
    for (const i of seen) {
      const m = this.monuments[i];
      const d = Math.hypot(m.x - x, m.y - y);
      const tol = m.commune ? R.toleranceCommune : R.toleranceCoordinates;
      if (d > tol) continue;
      const name = nameSimilarity(nom, m.titre);
      const prec = pk !== '' && m.precision !== null && fold(m.precision) === pk;
      // Same coordinates (within 10 m): surveys are often placed on the monument's own Mérimée point.
      const same = !m.commune && d <= R.samePoint;
      const score = (prec ? 0.5 : 0) + (same ? 0.4 : 0) + 0.35 * name + 0.15 * Math.max(0, 1 - d / tol);
      candidates.push({
        reference: m.reference, titre: m.titre, distance_m: Math.round(d), name: Math.round(name * 100) / 100, precision: prec,
        commune: m.commune, score: Math.round(score * 1000) / 1000,
      });
    }
    candidates.sort((a, b) => b.score - a.score || a.distance_m - b.distance_m);
    const top = candidates.slice(0, 3);
    const best = candidates[0];
    if (!best) return { match: 'none', candidates: top };
    const qualifies = (c: Candidate) =>
      c.precision || (!c.commune && c.distance_m <= R.samePoint) || (c.name >= R.sureName && (c.commune || c.distance_m <= R.nameOnlyCoordinates));
    const second = candidates[1];
    const clear = !second || best.score - second.score >= R.margin || !qualifies(second);
    if (qualifies(best) && clear) return { match: 'sure', best, candidates: top };
    if (best.precision || best.name >= R.uncertainName || (!best.commune && best.distance_m <= 100)) return { match: 'uncertain', best, candidates: top };
    return { match: 'none', candidates: top };
  }
}

export const conditionImporter: Importer = {
  description: "condition surveys (« constats d'état »: ID,Nom,…,Coor_x,Coor_y,Status,Dommages,Commentaire,Précision,Date), matched to monuments",
  async prepare({ store, source, options }: ImportContext): Promise<PreparedImport> {
    const file = source.name;
    const table = readCsvTable(source, {
      delimiters: [',', ';', '\t', '|'],
      expected: 'a header ID,Nom,Arrondissement,Coor_x,Coor_y,Status,Dommages,Commentaire,Précision,Date',
    });
    const folded = table.header.map(fold);
    const index = {} as Record<ConditionField, number>;
    for (const [field, names] of Object.entries(CONDITION_FIELDS) as [ConditionField, readonly string[]][]) {
      index[field] = names.map((n) => folded.indexOf(n)).find((i) => i >= 0) ?? -1;
    }
    const required: ConditionField[] = ['id', 'lon', 'lat', 'status'];
    const missing = required.filter((f) => index[f] < 0);
    if (missing.length) {
      throw new InputError(
        `${where(file, 1)}: no ${missing.map((f) => CONDITION_FIELDS[f][0]).join(', ')} column in the header ` +
          `${show(table.header.join(table.delimiter), 160)} (expected ID, Nom, Coor_x, Coor_y, Status, Dommages, Commentaire, Précision, Date)`,
      );
    }
    if (table.records.length === 0) throw new InputError(`${file}: a header but no survey rows (expected one row per survey after the header)`);
    const matcher = await MonumentMatcher.load(store);
    if (matcher.size === 0) {
      throw new InputError(`${file}: no monument with a position in the database to match the surveys to (import Mérimée and communes first)`);
    }
    const layer = heritageLayerName(options as LayerImportOptions, source.path);
    const decided = await decisionsOf(store, layer);
    const issues: ImportIssue[] = [];
    const rows: SurveyRow[] = [];
    const seen = new RecordIds(file, table.header[index.id]);
    for (const rec of table.records) {
      const f = (k: ConditionField) => (index[k] >= 0 ? (rec.fields[index[k]] ?? '').trim() : '');
      const col = (k: ConditionField) => table.header[index[k]] ?? CONDITION_FIELDS[k][0];
      const flag = (reason: string, k: ConditionField, value: string, what: string, kept = true, id?: string) =>
        issues.push({
          line: rec.line,
          recordId: id,
          reason,
          field: col(k),
          value,
          kept,
          message: `${where(file, rec.line, col(k))}: ${value === '' ? 'is empty' : show(value, 120)} ${what}`,
        });
      const id = f('id');
      if (!id) {
        flag('no_id', 'id', '', '(expected the survey id); row skipped', false);
        continue;
      }
      const duplicate = seen.seen(id, rec.line);
      if (duplicate) {
        issues.push(duplicate);
        continue;
      }
      const nom = f('nom') || null;
      const lon = number(f('lon'));
      const lat = number(f('lat'));
      let x: number | null = null;
      let y: number | null = null;
      if (lon === null || lat === null) {
        flag('invalid_position', 'lon', `${f('lon')} ${f('lat')}`.trim(), 'is not a WGS84 longitude and latitude (expected e.g. 7.2529 47.6243); not matched', true, id);
      } else if (!inFrance(lon, lat)) {
        flag('invalid_position', 'lon', `${f('lon')} ${f('lat')}`, 'lies outside France (expected WGS84 longitude then latitude); not matched', true, id);
      } else [x, y] = toLambert93(lon, lat);
      const statusText = f('status');
      let etat: SurveyRow['etat'] = null;
      if (statusText === '') flag('no_status', 'status', '', '(expected bon, moyen, mauvais or péril); no review written', true, id);
      else {
        const k = fold(statusText).replace(/_/g, ' ');
        etat = STATUS[k] ?? null;
        if (!etat) flag('unknown_status', 'status', statusText, 'is not bon, moyen, mauvais or péril; no review written', true, id);
        else if (!CANONICAL.has(k)) flag('status_read_as', 'status', statusText, `read as « ${etat === 'peril' ? 'péril' : etat} »`, true, id);
      }
      const dmgText = f('dommages');
      let dommages = dmgText === '' ? null : number(dmgText.replace('%', ''));
      if (dmgText !== '' && (dommages === null || dommages < 0 || dommages > 100)) {
        flag('invalid_damage', 'dommages', dmgText, 'is not a percentage (expected 0 to 100); left empty', true, id);
        dommages = null;
      }
      const dateText = f('date');
      const survey_date = isoDate(dateText);
      if (dateText && !survey_date) flag('invalid_date', 'date', dateText, 'is not a date (expected YYYY-MM-DD or DD/MM/YYYY); left empty', true, id);
      const precision = f('precision') || null;
      const m = x !== null && y !== null ? matcher.match(x, y, nom, precision) : { match: 'none' as const, candidates: [] };
      // A reviewer's decision on this survey outlives the matcher's verdict (and a changed file).
      const decision = decided.get(id);
      const describe = (c: Candidate) =>
        `${c.reference} « ${c.titre ?? '?'} » at ${c.distance_m} m (name ${c.name.toFixed(2)}${c.precision ? ', same protection text' : ''})`;
      if (decision?.state === 'matched' && !decision.present) {
        flag('matched_monument_gone', 'id', id, `was matched by a reviewer to ${decision.site_id}, which is no longer imported; decision kept, no review written`, true, id);
      } else if (decision) {
        // decided by a person: neither listed for review nor reported as unmatched
      } else if (x !== null && m.match === 'uncertain') {
        flag('uncertain_match', 'nom', nom ?? '', `is an uncertain match, to be reviewed: ${m.candidates.map(describe).join('; ')}; no review written`, true, id);
      } else if (x !== null && m.match === 'none') {
        flag('no_match', 'nom', nom ?? '', `matches no imported monument within ${MATCH_RULES.toleranceCoordinates} m (${MATCH_RULES.toleranceCommune} m for monuments placed at their commune)${m.candidates.length ? ` — nearest: ${m.candidates.map(describe).join('; ')}` : ''}; no review written`, true, id);
      }
      rows.push({
        survey_id: id, nom, arrondissement: f('arrondissement') || null, lon, lat, x, y,
        status: statusText || null, etat, dommages, commentaire: f('commentaire') || null, precision_text: precision, survey_date,
        site_id: decision ? decision.site_id : m.match === 'sure' ? m.best!.reference : null,
        match: decision ? (decision.state === 'matched' ? 'confirmed' : 'dismissed') : m.match,
        match_score: m.best?.score ?? null,
        match_distance_m: m.best?.distance_m ?? null,
        candidates: m.candidates,
        review_written: false,
        line: rec.line,
      });
    }
    const count = (k: SurveyRow['match']) => rows.filter((r) => r.match === k).length;
    const gone = new Set([...decided].filter(([, d]) => d.state === 'matched' && !d.present).map(([id]) => id));
    const toWrite = rows.filter((r) => (r.match === 'sure' || (r.match === 'confirmed' && !gone.has(r.survey_id))) && r.etat !== null);
    // Several surveys of one monument: the latest date is the state written last.
    toWrite.sort((a, b) => (a.survey_date ?? '').localeCompare(b.survey_date ?? '') || a.line - b.line);
    const notes = [
      `matches: ${count('sure')} sure, ${count('uncertain')} uncertain (listed as uncertain_match, waiting in the review list), ${count('none')} none, ` +
        `among ${matcher.size} monuments with a position`,
      ...(decided.size
        ? [`reviewers' earlier decisions applied: ${count('confirmed')} surveys matched to the monument a reviewer chose, ${count('dismissed')} dismissed`]
        : []),
      `${toWrite.length} site reviews to write (état de conservation, audit user « import », note naming ${file} and the survey date)`,
    ];
    return {
      layer,
      rowsRead: table.records.length,
      kept: rows.length,
      positioned: rows.filter((r) => r.x !== null).length,
      issues,
      notes,
      crs: 'EPSG:4326',
      async write(s, catalogueId) {
        // Loaded here, not at the top: review code imports the risk engine, which must not be
        // loaded for every import (and would make a cycle through the importer registry).
        const { getSiteReview, reviewSite } = await import('../review/sites.ts');
        for (const r of toWrite) {
          const line = surveyNote(file, r);
          const cur = await getSiteReview(s, r.site_id!);
          if (cur?.etat_conservation === r.etat && cur.note?.includes(line)) continue; // same survey imported again
          const note = cur?.note ? (cur.note.includes(line) ? cur.note : `${line}\n${cur.note}`) : line;
          await reviewSite(s, 'import', r.site_id!, { etat_conservation: r.etat, note, version: cur?.version ?? 0 });
          r.review_written = true;
        }
        await s.run('DELETE FROM condition_surveys WHERE layer = $1', [layer]);
        await appendNamed(s, 'condition_surveys', rows, surveyColumns(layer, catalogueId));
        await syncReviewList(s, layer, file, rows.filter((r) => r.match === 'uncertain'), catalogueId);
      },
    };
  },
};

/** The note a survey leaves on the site review, in French (shown in the app). */
export function surveyNote(file: string, r: Pick<SurveyRow, 'survey_id' | 'survey_date' | 'status' | 'dommages' | 'commentaire'>): string {
  const parts = [`Constat d'état${r.survey_date ? ` du ${r.survey_date}` : ''} (${file}, relevé ${r.survey_id}) : ${r.status}`];
  if (r.dommages !== null) parts.push(`dommages ${r.dommages} %`);
  const text = parts.join(', ');
  return r.commentaire ? `${text} — ${r.commentaire}` : text;
}

function number(s: string): number | null {
  if (!/^[+-]?\d+([.,]\d+)?$/.test(s.trim())) return null;
  return Number(s.trim().replace(',', '.'));
}

function isoDate(s: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  return null;
}

const surveyColumns = (layer: string, catalogueId: number): NamedColumn<SurveyRow>[] => {
  const t = (k: keyof SurveyRow): NamedColumn<SurveyRow> => ({ name: k, type: 'varchar', get: (r) => r[k] });
  const d = (k: keyof SurveyRow): NamedColumn<SurveyRow> => ({ name: k, type: 'double', get: (r) => r[k] });
  return [
    { name: 'layer', type: 'varchar', get: () => layer },
    t('survey_id'), t('nom'), t('arrondissement'), d('lon'), d('lat'), d('x'), d('y'), t('status'), t('etat'), d('dommages'),
    t('commentaire'), t('precision_text'), t('survey_date'), t('site_id'), t('match'), d('match_score'), d('match_distance_m'),
    { name: 'candidates', type: 'json', get: (r) => r.candidates },
    { name: 'review_written', type: 'boolean', get: (r) => r.review_written },
    { name: 'catalogue_id', type: 'integer', get: () => catalogueId },
  ];
};

// ---------------------------------------------------------------------------------------------
// The review list of uncertain matches (condition_matches, migration 021)

export type MatchState = ConditionMatch['state'];

/** Reviewers' decisions on the surveys of a layer, by survey id. */
interface Decision { state: 'matched' | 'dismissed'; site_id: string | null; /** the chosen monument is still imported */ present: boolean }
async function decisionsOf(store: Store, layer: string): Promise<Map<string, Decision>> {
  const rows = await store.all<{ survey_id: string; state: 'matched' | 'dismissed'; site_id: string | null; present: boolean }>(
    `SELECT c.survey_id, c.state, c.site_id, m.reference IS NOT NULL AS present
       FROM condition_matches c LEFT JOIN monuments m ON m.reference = c.site_id
      WHERE c.layer = $1 AND c.state <> 'pending'`, [layer]);
  return new Map(rows.map((r) => [r.survey_id, { state: r.state, site_id: r.site_id, present: r.present }]));
}

/**
 * Brings the layer's pending items in line with this import's uncertain surveys, inside the
 * import transaction: an item already pending for (layer, survey_id) is refreshed in place (its
 * id, which the app holds, does not change), a new one is added, and pending items whose survey
 * is no longer uncertain are removed. Decided items are never touched here.
 */
async function syncReviewList(s: Store, layer: string, file: string, uncertain: SurveyRow[], catalogueId: number): Promise<void> {
  const refs = [...new Set(uncertain.flatMap((r) => r.candidates.map((c) => c.reference)))];
  const where = new Map<string, { commune: string | null; insee: string | null; departement: string | null }>();
  for (let i = 0; i < refs.length; i += 500) {
    const part = refs.slice(i, i + 500);
    const rows = await s.all<{ reference: string; commune: string | null; insee: string | null; departement: string | null }>(
      `SELECT reference, commune, insee, departement FROM monuments WHERE reference IN (${part.map((_, k) => `$${k + 1}`).join(', ')})`, part);
    for (const r of rows) where.set(r.reference, r);
  }
  for (const r of uncertain) {
    const candidates: ConditionMatchCandidate[] = r.candidates.map((c) => ({
      reference: c.reference,
      titre: c.titre,
      commune: where.get(c.reference)?.commune ?? null,
      insee: where.get(c.reference)?.insee ?? null,
      departement: where.get(c.reference)?.departement ?? null,
      distance_m: c.distance_m,
      similarity: c.name,
      same_protection: c.precision,
      position: c.commune ? 'commune' : 'coordinates',
      score: c.score,
    }));
    const best = candidates[0];
    const values: Params = [
      layer, r.survey_id, file, r.line, r.nom, r.arrondissement, r.lon, r.lat, r.x, r.y, r.status, r.etat, r.dommages,
      r.commentaire, r.precision_text, r.survey_date, best?.insee ?? null, best?.departement ?? null, JSON.stringify(candidates), catalogueId,
    ];
    const updated = await s.all(
      `UPDATE condition_matches SET source_file = $3, line = $4, nom = $5, arrondissement = $6, lon = $7, lat = $8, x = $9, y = $10,
              status = $11, etat = $12, dommages = $13, commentaire = $14, precision_text = $15, survey_date = $16, insee = $17,
              departement = $18, candidates = $19::JSON, catalogue_id = $20
        WHERE layer = $1 AND survey_id = $2 AND state = 'pending' RETURNING id`, values);
    if (updated.length) continue;
    await s.run(
      `INSERT INTO condition_matches (layer, survey_id, source_file, line, nom, arrondissement, lon, lat, x, y, status, etat, dommages,
              commentaire, precision_text, survey_date, insee, departement, candidates, catalogue_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::JSON, $20, 'pending')`, values);
  }
  const keep = new Set(uncertain.map((r) => r.survey_id));
  const pending = await s.all<{ id: number; survey_id: string }>(`SELECT id, survey_id FROM condition_matches WHERE layer = $1 AND state = 'pending'`, [layer]);
  for (const p of pending) if (!keep.has(p.survey_id)) await s.run('DELETE FROM condition_matches WHERE id = $1', [p.id]);
}

export interface ConditionMatchQuery {
  state?: MatchState;
  departement?: string;
  insee?: string;
  /** WGS84 [west, south, east, north], on the survey's own point */
  bbox?: readonly [number, number, number, number];
  limit: number;
  offset: number;
}

const ITEM_SQL = `SELECT id, layer, survey_id, source_file, line, nom, arrondissement, lon, lat, status, etat, dommages, commentaire,
  precision_text, survey_date, insee, departement, candidates::VARCHAR AS candidates, state, site_id, review_written, resolved_by, resolved_at
  FROM condition_matches`;

type ItemRow = Omit<ConditionMatch, 'candidates' | 'resolved_at'> & { candidates: string; resolved_at: Date | null };
const toItem = (r: ItemRow): ConditionMatch => ({
  ...r,
  id: Number(r.id),
  line: Number(r.line),
  candidates: JSON.parse(r.candidates) as ConditionMatchCandidate[],
  resolved_at: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
});

/** Items of the review list (pending by default), by département, file and line. */
export async function listConditionMatches(store: Store, q: ConditionMatchQuery): Promise<{ total: number; items: ConditionMatch[] }> {
  const params: Params & unknown[] = [q.state ?? 'pending'];
  let where = 'state = $1';
  if (q.departement) where += ` AND departement = $${params.push(q.departement)}`;
  if (q.insee) where += ` AND insee = $${params.push(q.insee)}`;
  if (q.bbox) {
    const [w, s, e, n] = q.bbox;
    where += ` AND lon BETWEEN $${params.push(w)} AND $${params.push(e)} AND lat BETWEEN $${params.push(s)} AND $${params.push(n)}`;
  }
  const total = Number(await store.value(`SELECT count(*) FROM condition_matches WHERE ${where}`, params));
  const rows = await store.all<ItemRow>(
    `${ITEM_SQL} WHERE ${where} ORDER BY departement NULLS LAST, source_file, line, id LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
    params);
  return { total, items: rows.map(toItem) };
}

export async function getConditionMatch(store: Store, id: number): Promise<ConditionMatch | null> {
  const r = await store.one<ItemRow>(`${ITEM_SQL} WHERE id = $1`, [id]);
  return r ? toItem(r) : null;
}

/**
 * A reviewer's decision on a pending item: `reference` = one of its candidates (« c'est ce
 * monument »: the survey is written as that monument's review exactly like a sure match — état
 * de conservation and the same note naming the file, survey id and date — by this reviewer, with
 * the site's audit row and re-score), or null (« aucun »: dismissed). One transaction: the item's
 * new state, the review and the audit row (entity `condition_match`) commit together; a second
 * decision on the same item is a 409 carrying the item as it stands.
 */
export async function resolveConditionMatch(
  store: Store, username: string, id: number, reference: string | null, now = Date.now(),
): Promise<{ item: ConditionMatch; review: SiteReview | null }> {
  // Loaded here, not at the top: review code imports the risk engine (see the importer's write).
  const { getSiteReview, reviewSite, siteExists } = await import('../review/sites.ts');
  const { writeAudit } = await import('../review/audit.ts');
  return store.transaction(async (tx) => {
    const item = await getConditionMatch(tx, id);
    if (!item) throw new NotFoundError(`no condition survey to match with id ${id}`, { fr: `Constat à rapprocher inconnu : ${id}.` });
    if (item.state !== 'pending') {
      const what = item.state === 'matched' ? `rapproché du monument ${item.site_id}` : 'écarté (aucun monument)';
      throw new StaleVersionError(
        `Ce constat a déjà été traité : ${what} par ${item.resolved_by ?? 'un autre utilisateur'}${item.resolved_at ? ` le ${item.resolved_at.slice(0, 10)}` : ''}.`,
        item,
      );
    }
    let written = false;
    if (reference !== null) {
      if (!item.candidates.some((c) => c.reference === reference)) {
        throw new InputError(`reference ${show(reference)} is not a candidate of survey ${item.survey_id}`, {
          fr: `Requête invalide : champ « reference » : ${show(reference)} n'est pas un des monuments proposés pour ce constat (attendu ${item.candidates.map((c) => c.reference).join(', ')}).`,
        });
      }
      if (!(await siteExists(tx, reference))) {
        throw new NotFoundError(`monument ${reference} is no longer in the database`, { fr: `Le monument ${reference} n'est plus dans la base (réimporté sans lui) : choisissez « Aucun » ou réimportez.` });
      }
      if (item.etat) {
        const line = surveyNote(item.source_file, item);
        const cur = await getSiteReview(tx, reference);
        if (!(cur?.etat_conservation === item.etat && cur.note?.includes(line))) {
          const note = cur?.note ? (cur.note.includes(line) ? cur.note : `${line}\n${cur.note}`) : line;
          await reviewSite(tx, username, reference, { etat_conservation: item.etat, note, version: cur?.version ?? 0 }, now);
          written = true;
        }
      }
    }
    const state: MatchState = reference === null ? 'dismissed' : 'matched';
    await tx.run(
      `UPDATE condition_matches SET state = $2, site_id = $3, review_written = $4, resolved_by = $5, resolved_at = epoch_ms($6::BIGINT) WHERE id = $1`,
      [id, state, reference, written, username, now]);
    await tx.run(
      `UPDATE condition_surveys SET match = $3, site_id = $4, review_written = review_written OR $5 WHERE layer = $1 AND survey_id = $2`,
      [item.layer, item.survey_id, reference === null ? 'dismissed' : 'confirmed', reference, written]);
    const after = (await getConditionMatch(tx, id))!;
    const review = reference === null ? null : await getSiteReview(tx, reference);
    await writeAudit(tx, {
      username,
      entity: 'condition_match',
      entity_id: String(id),
      action: reference === null ? 'dismiss' : 'match',
      before: { state: item.state, candidates: item.candidates.map((c) => c.reference) },
      after: { state, site_id: reference, review_written: written, layer: item.layer, survey_id: item.survey_id, source_file: item.source_file, line: item.line, survey_date: item.survey_date },
      at: now,
    });
    return { item: after, review };
  });
}
