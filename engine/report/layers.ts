/**
 * The exportable layers, by name: `monuments` (one row per scored monument, every scenario's
 * score and every term), `detections` (LiDAR candidates with their review decision) and
 * `rollups` (per commune, département and région). Each builds an ExportTable for a scope and
 * one scenario (or all four); formats never query the store.
 */
import { InputError, show } from '../errors.ts';
import { checkScenario, rollup, type RollupLevel } from '../risk/queries.ts';
import type { Store } from '../store/store.ts';
import type { Geometry } from '../io/vector.ts';
import { POSITION_LABEL } from '../contract/labels.ts';
import { LOCAL_MIN_VERDICTS, localPrecision, localPrecisionAt, zoneOf, type LocalPrecision, type Reviewed } from '../review/local-precision.ts';
import type { PositionSource } from '../contract/enums.ts';
import { HAZARDS, HAZARD_FIELD, HAZARD_LABEL, SCENARIOS, SCENARIO_FIELD, SCENARIO_SHORT, levelLabel, DETECTION_CLASS_LABEL, RELIABILITY_LABEL, type Scenario } from './labels.ts';
import { scopeWhere, scopeWhereCommunes, type Scope } from './scope.ts';
import { asMultiPolygon, type ExportRow, type ExportTable, type Field, type Value } from './table.ts';

export interface LayerOptions {
  scope: Scope;
  /** one scenario, or undefined for all four */
  scenario?: Scenario;
}

export type LayerBuilder = (store: Store, o: LayerOptions) => Promise<ExportTable>;

const layers = new Map<string, LayerBuilder>();

export function registerExportLayer(name: string, build: LayerBuilder): void {
  layers.set(name, build);
}

export function exportLayerNames(): string[] {
  return [...layers.keys()];
}

export async function buildLayer(store: Store, name: string, o: LayerOptions): Promise<ExportTable> {
  const build = layers.get(name);
  if (!build) throw new InputError(`unknown layer ${JSON.stringify(name)}: expected one of ${exportLayerNames().join(', ')}`, { fr: `Couche d'export inconnue : ${show(name)} (attendu : ${exportLayerNames().join(', ')}).` });
  return build(store, o);
}

/** `undefined`/`all` → every scenario; otherwise the checked scenario. */
export function parseScenarioOption(s: string | undefined): Scenario | undefined {
  return s === undefined || s === '' || s === 'all' || s === 'tous' ? undefined : checkScenario(s);
}

const scenariosOf = (o: LayerOptions): Scenario[] => (o.scenario ? [o.scenario] : [...SCENARIOS]);

// ---------------------------------------------------------------------------------------------
// monuments

async function monumentsLayer(store: Store, o: LayerOptions): Promise<ExportTable> {
  const scs = scenariosOf(o);
  const fields: Field[] = [
    { name: 'reference', type: 'text', title: 'Référence Mérimée' },
    { name: 'titre', type: 'text', title: 'Titre' },
    { name: 'denomination', type: 'text', title: 'Dénomination' },
    { name: 'protection', type: 'text', title: 'Protection' },
    { name: 'partielle', type: 'boolean', title: 'Protection partielle' },
    { name: 'commune', type: 'text', title: 'Commune' },
    { name: 'insee', type: 'text', title: 'Code INSEE' },
    { name: 'departement', type: 'text', title: 'Département' },
    { name: 'region', type: 'text', title: 'Région' },
    { name: 'x_l93', type: 'real', title: 'X Lambert-93 (m)' },
    { name: 'y_l93', type: 'real', title: 'Y Lambert-93 (m)' },
    { name: 'lon', type: 'real', title: 'Longitude WGS84' },
    { name: 'lat', type: 'real', title: 'Latitude WGS84' },
    { name: 'position', type: 'text', title: 'Position' },
  ];
  // Per scenario: score, max level, no-data count; per scenario × hazard: value, level, term.
  // Columns are indexed by scenario_key and hazard_key (see the score_terms view).
  const pickers: ((sc: Map<number, string[]>, tm: Map<number, string[]>) => Value[])[] = [];
  for (const sc of scs) {
    const k = SCENARIOS.indexOf(sc);
    const f = SCENARIO_FIELD[sc];
    const lab = SCENARIO_SHORT[sc];
    fields.push(
      { name: `score_${f}`, type: 'real', title: `Score ${lab}` },
      { name: `niveau_max_${f}`, type: 'text', title: `Niveau maximal ${lab}` },
      { name: `nb_absent_${f}`, type: 'integer', title: `Aléas sans donnée ${lab}` },
    );
    pickers.push((scores) => {
      const v = scores.get(k);
      return v ? [numText(v[0]), levelLabel(v[1] === '' ? null : Number(v[1])), numText(v[2])] : [null, null, null];
    });
    HAZARDS.forEach((h, hk) => {
      const hf = HAZARD_FIELD[h];
      fields.push(
        { name: `${hf}_valeur_${f}`, type: 'real', title: `${HAZARD_LABEL[h]} : valeur ${lab}` },
        { name: `${hf}_niveau_${f}`, type: 'text', title: `${HAZARD_LABEL[h]} : niveau ${lab}` },
        { name: `${hf}_terme_${f}`, type: 'real', title: `${HAZARD_LABEL[h]} : terme du score ${lab}` },
      );
      const key = k * HAZARDS.length + hk;
      pickers.push((_, terms) => {
        const v = terms.get(key);
        return v ? [numText(v[0]), levelLabel(v[1] === '' ? null : Number(v[1])), numText(v[2])] : [null, null, null];
      });
    });
  }
  const keys = scs.map((sc) => SCENARIOS.indexOf(sc)).join(', ');
  const w = scopeWhere(o.scope, 'r', 1);
  // Scores and terms come back packed in one string per site: turning millions of DuckDB values
  // into JS objects one by one costs ~10× more than the query itself at national scale.
  const packedRows = await store.all<{ j: string }>(
    `WITH sel AS (SELECT r.site_id, r.insee, r.departement, r.region, r.x, r.y FROM risk_sites r WHERE r.site_kind = 'monument' AND ${w.sql}),
          t AS (SELECT site_id, string_agg(concat_ws(';', scenario_key * ${HAZARDS.length} + hazard_key, value, level_index, term), '|') AS tm
                FROM (SELECT site_id, scenario_key, hazard_key, coalesce(value::VARCHAR, '') AS value, coalesce(level_index::VARCHAR, '') AS level_index,
                             coalesce(term::VARCHAR, '') AS term FROM score_terms WHERE site_kind = 'monument' AND scenario_key IN (${keys})
                               AND site_id IN (SELECT site_id FROM sel))
                GROUP BY site_id),
          s AS (SELECT site_id, string_agg(concat_ws(';', list_position(['ref', '+2.0', '+2.7', '+4.0'], scenario) - 1, score::VARCHAR,
                                                     coalesce(max_level::VARCHAR, ''), n_no_data::VARCHAR), '|') AS sc
                FROM scores WHERE site_kind = 'monument' AND site_id IN (SELECT site_id FROM sel) GROUP BY site_id)
     SELECT to_json(q)::VARCHAR AS j FROM (
       SELECT sel.site_id, m.titre, m.denomination, m.protection, m.partielle, m.commune, sel.insee, sel.departement, sel.region,
              sel.x, sel.y, m.lon, m.lat, m.position_quality AS position, s.sc, t.tm
       FROM sel LEFT JOIN monuments m ON m.reference = sel.site_id LEFT JOIN s ON s.site_id = sel.site_id LEFT JOIN t ON t.site_id = sel.site_id
       ) q ORDER BY q.site_id`,
    w.params,
  );
  const rows = packedRows.map((p) => JSON.parse(p.j) as Record<string, unknown>);
  const unpack = (packed: unknown): Map<number, string[]> => {
    const out = new Map<number, string[]>();
    if (typeof packed !== 'string' || packed === '') return out;
    for (const part of packed.split('|')) {
      const [key, ...rest] = part.split(';');
      out.set(Number(key), rest);
    }
    return out;
  };
  const picksFor = (sc: Map<number, string[]>, tm: Map<number, string[]>): Value[] => pickers.flatMap((p) => p(sc, tm));
  return {
    name: 'monuments',
    description: `Monuments historiques notés, ${o.scope.label} : score par scénario et chaque terme (valeur, niveau, terme = poids × niveau × modificateur)`,
    geometryType: 'Point',
    fields,
    rows: rows.map((r) => ({
      values: [
        r.site_id as string, str(r.titre), str(r.denomination), str(r.protection), r.partielle === null ? null : Boolean(r.partielle),
        str(r.commune), str(r.insee), str(r.departement), str(r.region), round(num(r.x), 2), round(num(r.y), 2),
        round(num(r.lon), 7), round(num(r.lat), 7),
        r.x === null ? null : POSITION_LABEL[(r.position as PositionSource | null) ?? 'coordinates'] ?? str(r.position), ...picksFor(unpack(r.sc), unpack(r.tm)),
      ],
      geometry: r.x === null || r.y === null ? null : { type: 'Point', coordinates: [r.x as number, r.y as number] },
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// detections

/** review_status as stored by the review workflow → ArchéologIA's `validation` vocabulary. */
export function validationOf(status: unknown): 'oui' | 'non' | 'peut-être' | null {
  if (status === null || status === undefined || status === '') return null;
  const s = String(status).toLowerCase();
  if (['oui', 'confirmed', 'confirme', 'confirmé', 'validated', 'valide', 'validé', 'accepted', 'true', 'yes'].includes(s)) return 'oui';
  if (['non', 'rejected', 'rejete', 'rejeté', 'refused', 'false', 'no', 'false_positive'].includes(s)) return 'non';
  if (['peut-être', 'peut-etre', 'peut_etre', 'peut etre', 'uncertain', 'maybe', 'doubtful', 'incertain'].includes(s)) return 'peut-être';
  return null;
}

export interface DetectionRow {
  detection_id: string; tile: string; class: string; score: number; confidence: number | null; level: string;
  diameter_m: number | null; x: number; y: number; novelty: string; known_site_id: string | null; model_hash: string;
  review_status: string | null;
}

/** Detections in scope (point in commune polygons); [] when the table is absent or empty. */
export async function detectionsInScope(store: Store, scope: Scope): Promise<(DetectionRow & { insee: string | null })[]> {
  const exists = Number(await store.value(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'detections'`));
  if (!exists) return [];
  const cols = new Set((await store.all<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'detections'`)).map((c) => c.column_name));
  const col = (c: string, fallback = 'NULL') => (cols.has(c) ? c : `${fallback} AS ${c}`);
  const dets = await store.all<DetectionRow>(
    `SELECT ${['detection_id', 'tile', 'class', 'score', 'confidence', 'level', 'diameter_m', 'x', 'y', 'novelty', 'known_site_id', 'model_hash', 'review_status'].map((c) => col(c)).join(', ')}
     FROM detections ORDER BY detection_id`,
  );
  if (dets.length === 0) return [];
  const cw = scopeWhereCommunes(scope, 'c', 1);
  const communes = (await store.all<{ code_insee: string; minx: number; miny: number; maxx: number; maxy: number; geometry: string }>(
    `SELECT code_insee, minx, miny, maxx, maxy, geometry FROM communes c WHERE ${cw.sql}`, cw.params,
  )).map((c) => ({ ...c, polys: polygonsOf(JSON.parse(c.geometry) as Geometry) }));
  const out: (DetectionRow & { insee: string | null })[] = [];
  for (const d of dets) {
    const c = communes.find((c) => d.x >= c.minx && d.x <= c.maxx && d.y >= c.miny && d.y <= c.maxy && c.polys.some((p) => inPolygon(d.x, d.y, p)));
    if (c || scope.kind === 'region') out.push({ ...d, insee: c?.code_insee ?? null });
  }
  return out;
}

async function detectionsLayer(store: Store, o: LayerOptions): Promise<ExportTable> {
  const dets = await detectionsInScope(store, o.scope);
  const fields: Field[] = [
    { name: 'detection_id', type: 'text', title: 'Identifiant' },
    { name: 'tuile', type: 'text', title: 'Dalle LiDAR' },
    { name: 'classe', type: 'text', title: 'Classe' },
    { name: 'classe_code', type: 'text', title: 'Code de classe' },
    { name: 'score', type: 'real', title: 'Score brut' },
    { name: 'confiance', type: 'real', title: 'Confiance (précision calibrée)' },
    { name: 'fiabilite', type: 'text', title: 'Fiabilité' },
    { name: 'diametre_m', type: 'real', title: 'Diamètre (m)' },
    { name: 'nouveaute', type: 'text', title: 'Connu / nouveau' },
    { name: 'site_connu', type: 'text', title: 'Site connu' },
    { name: 'insee', type: 'text', title: 'Code INSEE' },
    { name: 'modele', type: 'text', title: 'Modèle' },
    { name: 'validation', type: 'text', title: 'Validation' },
    { name: 'x_l93', type: 'real', title: 'X Lambert-93 (m)' },
    { name: 'y_l93', type: 'real', title: 'Y Lambert-93 (m)' },
    { name: 'zone_10km', type: 'text', title: 'Zone (carré de 10 km)' },
    { name: 'avis_zone', type: 'integer', title: 'Avis oui/non dans la zone à ce niveau' },
    { name: 'precision_observee', type: 'real', title: `Précision observée dans la zone à ce niveau (dès ${LOCAL_MIN_VERDICTS} avis)` },
    { name: 'precision_calibree', type: 'real', title: 'Précision calibrée des candidats relus de la zone à ce niveau' },
  ];
  // Verdicts are counted over every detection of a square, not only those of the scope.
  const stats = localPrecision(dets.length === 0 ? [] : await store.all<Reviewed>(
    `SELECT x, y, level, confidence, review_status AS decision FROM detections WHERE review_status IS NOT NULL`));
  return {
    name: 'detections',
    description: `Anomalies du relief détectées sur le LiDAR HD, ${o.scope.label}, avec la décision de validation`,
    geometryType: 'Point',
    fields,
    rows: dets.map((d) => ({
      values: [
        d.detection_id, d.tile, DETECTION_CLASS_LABEL[d.class] ?? d.class, d.class, num(d.score), num(d.confidence),
        RELIABILITY_LABEL[d.level] ?? d.level, num(d.diameter_m), d.novelty, d.known_site_id, d.insee, d.model_hash,
        validationOf(d.review_status), round(d.x, 2), round(d.y, 2), ...localColumns(localPrecisionAt(stats, d.x, d.y, d.level), d.x, d.y),
      ],
      geometry: { type: 'Point', coordinates: [d.x, d.y] },
    })),
  };
}

function localColumns(p: LocalPrecision | null, x: number, y: number): Value[] {
  return [zoneOf(x, y), p?.verdicts ?? 0, p?.observed ?? null, p?.calibrated ?? null];
}

// ---------------------------------------------------------------------------------------------
// roll-ups

async function rollupsLayer(store: Store, o: LayerOptions): Promise<ExportTable> {
  const scs = scenariosOf(o);
  const fields: Field[] = [
    { name: 'echelle', type: 'text', title: 'Échelle' },
    { name: 'code', type: 'text', title: 'Code' },
    { name: 'nom', type: 'text', title: 'Nom' },
  ];
  for (const sc of scs) {
    const f = SCENARIO_FIELD[sc];
    const lab = SCENARIO_SHORT[sc];
    fields.push(
      { name: `nb_sites_${f}`, type: 'integer', title: `Sites ${lab}` },
      { name: `nb_tres_faible_${f}`, type: 'integer', title: `Sites au niveau max très faible ${lab}` },
      { name: `nb_faible_${f}`, type: 'integer', title: `Sites au niveau max faible ${lab}` },
      { name: `nb_moyen_${f}`, type: 'integer', title: `Sites au niveau max moyen ${lab}` },
      { name: `nb_fort_${f}`, type: 'integer', title: `Sites au niveau max fort ${lab}` },
      { name: `nb_sans_donnee_${f}`, type: 'integer', title: `Sites sans aucune donnée ${lab}` },
      { name: `nb_termes_absents_${f}`, type: 'integer', title: `Termes « donnée absente » ${lab}` },
      { name: `score_max_${f}`, type: 'real', title: `Score maximal ${lab}` },
      { name: `sites_principaux_${f}`, type: 'text', title: `Sites les plus exposés ${lab}` },
    );
  }
  // Which units belong to the scope: the communes in it, their départements and régions.
  const w = scopeWhere(o.scope, 'r', 1);
  const inScope = await store.all<{ insee: string | null; departement: string | null; region: string | null }>(
    `SELECT DISTINCT insee, departement, region FROM risk_sites r WHERE ${w.sql}`, w.params,
  );
  const cw = scopeWhereCommunes(o.scope, 'c', 1);
  const communes = await store.all<{ code_insee: string; nom: string; departement: string; region: string | null; geometry: string }>(
    `SELECT code_insee, nom, departement, region, geometry FROM communes c ORDER BY code_insee`,
  );
  const scopedCommunes = new Set((await store.all<{ code_insee: string }>(`SELECT code_insee FROM communes c WHERE ${cw.sql}`, cw.params)).map((c) => c.code_insee));
  for (const r of inScope) if (r.insee) scopedCommunes.add(r.insee);
  const deps = new Set(inScope.map((r) => r.departement).filter((d): d is string => d !== null));
  if (o.scope.kind === 'departement') deps.add(o.scope.code!);
  const regs = new Set(inScope.map((r) => r.region).filter((d): d is string => d !== null));
  // Département → région as the scored sites tell it (communes often carry no région).
  const depRegion = new Map((await store.all<{ departement: string; region: string }>(
    `SELECT departement, any_value(region) AS region FROM risk_sites WHERE departement IS NOT NULL AND region IS NOT NULL GROUP BY departement`,
  )).map((r) => [r.departement, r.region]));
  const communeGeom = new Map(communes.map((c) => [c.code_insee, asMultiPolygon(JSON.parse(c.geometry) as Geometry)]));
  const union = (codes: string[]): Geometry | null => {
    const parts = codes.flatMap((c) => (communeGeom.get(c)?.coordinates as unknown[] | undefined) ?? []);
    return parts.length ? { type: 'MultiPolygon', coordinates: parts } : null;
  };
  const communeName = new Map(communes.map((c) => [c.code_insee, c.nom]));

  const units: { echelle: RollupLevel; code: string | null; keep: boolean }[] = [];
  const byKey = new Map<string, Value[]>();
  const order: string[] = [];
  for (const [si, sc] of scs.entries()) {
    for (const by of ['commune', 'departement', 'region'] as const) {
      for (const r of await rollup(store, by, sc)) {
        const keep = by === 'commune' ? r.unit === null ? o.scope.kind === 'region' : scopedCommunes.has(r.unit)
          : by === 'departement' ? (r.unit === null ? o.scope.kind === 'region' : deps.has(r.unit))
          : r.unit === null ? o.scope.kind === 'region' : regs.has(r.unit);
        if (!keep) continue;
        const key = `${by}|${r.unit}`;
        if (!byKey.has(key)) {
          byKey.set(key, new Array(scs.length * 9).fill(null));
          order.push(key);
          units.push({ echelle: by, code: r.unit, keep });
        }
        const top = r.top.map((t) => `${t.site_id}${t.name ? ` ${t.name}` : ''} (${fmt(t.score)})`).join(' ; ');
        byKey.get(key)!.splice(si * 9, 9, r.n_sites, ...r.levels, r.n_all_no_data, r.n_no_data_terms, round(r.max_score, 4), top);
      }
    }
  }
  const rank = { commune: 0, departement: 1, region: 2 };
  const rows: ExportRow[] = units
    .map((u, i) => ({ u, vals: byKey.get(order[i])! }))
    .sort((a, b) => rank[b.u.echelle] - rank[a.u.echelle] || String(a.u.code).localeCompare(String(b.u.code)))
    .map(({ u, vals }) => {
      let nom: string | null = null;
      let geometry: Geometry | null = null;
      if (u.echelle === 'commune') {
        nom = u.code ? communeName.get(u.code) ?? null : 'commune inconnue';
        geometry = u.code ? communeGeom.get(u.code) ?? null : null;
      } else if (u.echelle === 'departement') {
        nom = u.code ? `Département ${u.code}` : 'département inconnu';
        geometry = u.code ? union(communes.filter((c) => c.departement === u.code).map((c) => c.code_insee)) : null;
      } else {
        nom = u.code ? `Région ${u.code}` : 'région inconnue';
        geometry = u.code ? union(communes.filter((c) => (c.region ?? depRegion.get(c.departement)) === u.code).map((c) => c.code_insee)) : null;
      }
      return { values: [u.echelle, u.code, nom, ...vals], geometry };
    });
  return {
    name: 'rollups',
    description: `Synthèse par commune, département et région, ${o.scope.label} : effectifs par niveau maximal, score maximal, sites les plus exposés (jamais une moyenne seule)`,
    geometryType: 'MultiPolygon',
    fields,
    rows,
  };
}

registerExportLayer('monuments', monumentsLayer);
registerExportLayer('detections', detectionsLayer);
registerExportLayer('rollups', rollupsLayer);

// ---------------------------------------------------------------------------------------------

function numText(v: string | undefined): number | null {
  return v === undefined || v === '' ? null : Number(v);
}
function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}
function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function round(v: number | null, d: number): number | null {
  if (v === null) return null;
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString().replace('.', ',');
}

/** Polygon rings of a Polygon/MultiPolygon geometry. */
export function polygonsOf(g: Geometry): number[][][][] {
  if (g.type === 'Polygon') return [g.coordinates as number[][][]];
  if (g.type === 'MultiPolygon') return g.coordinates as number[][][][];
  return [];
}

/** Even-odd point in polygon (outer ring and holes). */
export function inPolygon(x: number, y: number, rings: number[][][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
