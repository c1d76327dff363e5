/**
 * The HTTP API's requests and responses as zod schemas (docs/api.md). The server parses every
 * request with these and, in development and tests, checks every JSON response against them;
 * the web app imports only the derived types (`import type`), so zod stays out of its bundle.
 * Change a shape here and both sides see it at compile time.
 */
import { z } from 'zod';
export { COMMUNES_BY_VIEW, COMMUNES_MIN_ZOOM } from './enums.ts';
import {
  BASEMAP_LAYERS, CONDITION_MATCH_STATES, DECISIONS, DETECTION_CLASSES, DETECTION_ORDERS, DETECTION_STATUSES, ETATS, HAZARDS, POSITION_SOURCES,
  PROTECTIONS, PUBLIC_PARTS, RELIABILITY_LEVELS, ROLES, SCENARIOS, SITE_KINDS, STATUTS,
} from './enums.ts';

const str = z.string();
const nstr = z.string().nullable();
const num = z.number();
const nnum = z.number().nullable();
const level = z.number().int().min(0).max(3);

// ---------------------------------------------------------------- request parameters

/** `lon,lat,lon,lat` in WGS84, west ≤ east, south ≤ north. */
export const bboxParam = z.string().max(100).transform((s, ctx) => {
  const v = s.split(',').map(Number);
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[0] > v[2] || v[1] > v[3] || v[1] < -90 || v[3] > 90) {
    ctx.addIssue({ code: 'invalid_format', format: 'bbox', input: s, message: '' });
    return z.NEVER;
  }
  return v as [number, number, number, number];
});

/**
 * A scenario as users type it: `ref` (or `reference`, `référence`), `+2.7`, `2.7`, `4` — and
 * ` 2.7`, what an unencoded `+` in a query string becomes.
 */
export function normaliseScenario(s: string): string {
  const t = s.trim();
  if (t === 'reference' || t === 'référence') return 'ref';
  return /^\+?\d(\.\d)?$/.test(t) ? `+${Number(t.replace('+', '')).toFixed(1)}` : t;
}
export const scenarioParam = z.string().max(20).transform(normaliseScenario).pipe(z.enum(SCENARIOS));

export const pageParams = {
  limit: z.coerce.number().int().min(1).max(5000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

/** A comma-separated list of allowed values, e.g. `level=2,3` (any of them). */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().max(200).transform((s) => s.split(',').map((v) => v.trim())).pipe(z.array(z.enum(values)).min(1));

export const siteQuery = z.strictObject({
  scenario: scenarioParam.default('ref'),
  kind: z.enum(SITE_KINDS).optional(),
  departement: z.string().max(10).optional(),
  insee: z.string().max(10).optional(),
  protection: listOf(PROTECTIONS).optional(),
  level: listOf(['0', '1', '2', '3', 'absent']).optional(),
  hazard: z.enum(HAZARDS).optional(),
  q: z.string().max(200).optional(),
  bbox: bboxParam.optional(),
  sort: z.enum(['score', 'name']).default('score'),
  ...pageParams,
});
/** What the web app sends (before parsing): plain strings. */
export type SitesQuery = z.input<typeof siteQuery>;

export const layerQuery = z.strictObject({ scenario: scenarioParam.default('ref') });

export const siteReviewBody = z.strictObject({
  etat_conservation: z.enum(ETATS).nullable().optional(),
  mitigation: z.string().max(2000).nullable().optional(),
  statut_revue: z.enum(STATUTS).optional(),
  note: z.string().max(10_000).nullable().optional(),
  version: z.number().int().min(0),
});
export type SiteReviewInput = z.input<typeof siteReviewBody>;

export const siteId = z.string().min(1).max(200);

/** Detection ids are `<model hash>:<tile>:<n>`: a whitelist of characters, no `..`, no slash. */
export const detectionId = z.string().min(1).max(200).regex(/^[A-Za-z0-9_:.-]+$/).refine((s) => !s.includes('..'));

const detectionFilters = {
  order: z.enum(DETECTION_ORDERS).default('reliability'),
  status: z.enum(DETECTION_STATUSES).default('all'),
  tile: z.string().max(200).optional(),
  class: z.enum(DETECTION_CLASSES).optional(),
  level: z.enum(RELIABILITY_LEVELS).optional(),
  bbox: bboxParam.optional(),
};
export const detectionListQuery = z.strictObject({ ...detectionFilters, ...pageParams });
export type DetectionsQuery = z.input<typeof detectionListQuery>;
export const detectionOneQuery = z.strictObject(detectionFilters);

export const detectionReviewBody = z.strictObject({
  decision: z.enum(DECISIONS),
  corrected_class: z.enum(DETECTION_CLASSES).nullable().optional(),
  note: z.string().max(10_000).nullable().optional(),
  version: z.number().int().min(0),
});
export type DetectionReviewInput = z.input<typeof detectionReviewBody>;

export const reliefQuery = z.strictObject({ size: z.coerce.number().int().min(32).max(1024).default(256) });

export const exportQuery = z.strictObject({
  scope: z.string().max(200).optional(),
  scenario: z.string().max(20).optional(),
});

export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
export const newUserBody = z.strictObject({ username: z.string().max(64), password: z.string().max(1024), roles: z.array(z.string().max(40)).max(8) });
export const patchUserBody = z.strictObject({
  password: z.string().max(1024).optional(),
  roles: z.array(z.string().max(40)).max(8).optional(),
  disabled: z.boolean().optional(),
});

// ---------------------------------------------------------------- responses

export const health = z.strictObject({
  status: z.literal('ok'),
  version: str,
  schemaVersion: num,
  counts: z.strictObject({ monuments: num, monuments_positioned: num, communes: num }),
});
export type Health = z.infer<typeof health>;

export const appConfig = z.strictObject({
  title: str,
  /** MapLibre style of a tile server; null means the offline basemap built from /api/basemap. */
  styleUrl: nstr,
  /** [west, south, east, north] in WGS84 degrees of the loaded land layer; null without a basemap */
  bbox: z.tuple([num, num, num, num]).nullable(),
  public: z.array(z.enum(PUBLIC_PARTS)),
  scenarios: z.array(z.enum(SCENARIOS)),
  hazards: z.array(z.enum(HAZARDS)),
  /** communes loaded; above COMMUNES_BY_VIEW the app fetches the outlines of its view only */
  communes: num,
  /** département names by INSEE code (« 56 » → « Morbihan »), for the filter */
  departementNames: z.record(str, str),
});
export type AppConfig = z.infer<typeof appConfig>;

export const monument = z.strictObject({
  reference: str,
  titre: nstr,
  denomination: nstr,
  commune: nstr,
  insee: nstr,
  departement: nstr,
  protection: z.enum(PROTECTIONS),
  partielle: z.boolean(),
  siecle: nstr,
  lon: nnum,
  lat: nnum,
  position: z.enum(POSITION_SOURCES).nullable(),
});
export type Monument = z.infer<typeof monument>;
export const monumentList = z.strictObject({ count: num, items: z.array(monument) });
export type MonumentList = z.infer<typeof monumentList>;

export const user = z.strictObject({ username: str, roles: z.array(z.enum(ROLES)) });
export type User = z.infer<typeof user>;
export const userRecord = z.strictObject({ username: str, roles: z.array(z.enum(ROLES)), created_at: str, disabled: z.boolean() });
export const me = z.strictObject({ user: user.nullable(), csrfToken: nstr });
export type Me = z.infer<typeof me>;
export const loginResponse = z.strictObject({ user, csrfToken: str });
export const userList = z.strictObject({ items: z.array(userRecord) });
export const userResponse = z.strictObject({ user: userRecord });

export const page = <T extends z.ZodType>(item: T) => z.strictObject({ total: num, limit: num, offset: num, items: z.array(item) });
export interface Page<T> { total: number; limit: number; offset: number; items: T[] }

export const siteRow = z.strictObject({
  site_id: str,
  site_kind: z.enum(SITE_KINDS),
  name: nstr,
  commune: nstr,
  insee: nstr,
  departement: nstr,
  protection: z.enum(PROTECTIONS).nullable(),
  lon: num,
  lat: num,
  score: nnum,
  max_level: level.nullable(),
  level_label: nstr,
  n_no_data: nnum,
  review_status: z.enum(STATUTS).nullable(),
  hazard_level: level.nullable().optional(),
});
export type SiteRow = z.infer<typeof siteRow>;
export const siteList = page(siteRow);

export const scenarioScore = z.strictObject({ score: nnum, max_level: level.nullable(), n_no_data: num });
export type ScenarioScore = z.infer<typeof scenarioScore>;

export const term = z.strictObject({
  scenario: z.enum(SCENARIOS),
  hazard: z.enum(HAZARDS),
  value: nnum,
  unit: nstr,
  level: nstr,
  level_index: level.nullable(),
  weight: num,
  modifier: num,
  modifier_detail: nstr,
  term: nnum,
  source_layer: nstr,
  vintage: z.union([str, num]).nullable(),
  threshold_used: z.unknown(),
});
export type Term = z.infer<typeof term>;

export const siteReview = z.strictObject({
  etat_conservation: z.enum(ETATS).nullable(),
  mitigation: nstr,
  statut_revue: z.enum(STATUTS).nullable(),
  note: nstr,
  version: num,
  updated_by: nstr,
  updated_at: nstr,
});
export type SiteReview = z.infer<typeof siteReview>;

export const siteDetail = z.strictObject({
  /** the site's record: every column of its table (monuments, or heritage_sites), by name */
  site: z.looseObject({ site_id: str, site_kind: z.enum(SITE_KINDS) }),
  scores: z.partialRecord(z.enum(SCENARIOS), scenarioScore),
  terms: z.array(term),
  review: siteReview.nullable(),
  /**
   * Records linked to this one by Muséofile's `refmer`: the museums a monument houses
   * (`houses`), or the monuments housing a museum (`housed_in`).
   */
  related: z.array(z.strictObject({ site_id: str, site_kind: z.enum(SITE_KINDS), name: nstr, relation: z.enum(['houses', 'housed_in']) })),
});
export type SiteDetail = z.infer<typeof siteDetail>;

export const siteReviewResponse = z.strictObject({
  review: siteReview,
  rescored: z.looseObject({ scores: z.partialRecord(z.enum(SCENARIOS), scenarioScore) }),
});

export const auditEntry = z.strictObject({ at: str, username: str, action: str, before: z.unknown(), after: z.unknown() });
export type AuditEntry = z.infer<typeof auditEntry>;
export const auditList = z.strictObject({ items: z.array(auditEntry) });

export const detection = z.strictObject({
  detection_id: str,
  tile: str,
  class: z.enum(DETECTION_CLASSES),
  score: num,
  confidence: nnum,
  level: z.enum(RELIABILITY_LEVELS),
  diameter_m: nnum,
  lon: num,
  lat: num,
  novelty: z.enum(['connu', 'nouveau']).nullable(),
  known_site_id: nstr,
  decision: z.enum(DECISIONS).nullable(),
  corrected_class: z.enum(DETECTION_CLASSES).nullable(),
  note: nstr,
  version: num,
  /** the 10 km square of the Lambert-93 grid it lies in (local precision is counted there) */
  zone: str,
});
export type Detection = z.infer<typeof detection>;
export const detectionList = page(detection);
export const detectionWithNeighbours = detection.extend({
  neighbours: z.strictObject({ previous: nstr, next: nstr }),
});
export type DetectionWithNeighbours = z.infer<typeof detectionWithNeighbours>;
export const zoneProgress = z.strictObject({ tile: str, total: num, reviewed: num, oui: num, non: num, peut_etre: num });
export type ZoneProgress = z.infer<typeof zoneProgress>;
export const progress = z.strictObject({ zones: z.array(zoneProgress) });
/** Reviewers' verdicts per 10 km square and reliability level (engine/review/local-precision.ts). */
export const localPrecision = z.strictObject({
  zone: str,
  level: z.enum(RELIABILITY_LEVELS),
  verdicts: num,
  oui: num,
  non: num,
  peut_etre: num,
  /** share of « oui » among oui + non, once there are min_verdicts of them; else null */
  observed: nnum,
  /** mean calibrated confidence of the same candidates: what the model promised */
  calibrated: nnum,
});
export type LocalPrecision = z.infer<typeof localPrecision>;
export const precisionList = z.strictObject({ min_verdicts: num, zones: z.array(localPrecision) });
export type PrecisionList = z.infer<typeof precisionList>;

export const detectionReviewResponse = z.strictObject({ item: detection.nullable() });

export const priorityQuery = z.strictObject({
  departement: z.string().max(10).optional(),
  insee: z.string().max(10).optional(),
  ...pageParams,
});
/** « Priorité d'entretien » (engine/risk/priority.ts): every factor of the formula, per monument. */
export const priorityRow = z.strictObject({
  site_id: str,
  name: nstr,
  commune: nstr,
  departement: nstr,
  etat_conservation: z.enum(ETATS).nullable(),
  condition_weight: num,
  level_ref: level,
  rise: level,
  rise_hazard: z.enum(HAZARDS).nullable(),
  n_no_data: num,
  priority: num,
  score_horizon: nnum,
});
export type PriorityRow = z.infer<typeof priorityRow>;
export const priorityList = z.strictObject({ total: num, limit: num, offset: num, horizon: z.enum(SCENARIOS), items: z.array(priorityRow) });

// ---------------------------------------------------------------- condition surveys to match

/**
 * « Constats d'état à rapprocher » (engine/heritage/condition.ts): surveys the importer matched
 * to a monument only uncertainly, waiting for a reviewer's decision.
 */
export const conditionMatchQuery = z.strictObject({
  state: z.enum(CONDITION_MATCH_STATES).default('pending'),
  departement: z.string().max(10).optional(),
  insee: z.string().max(10).optional(),
  bbox: bboxParam.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: pageParams.offset,
});
export type ConditionMatchesQuery = z.input<typeof conditionMatchQuery>;
/** Item ids are positive integers. */
export const conditionMatchId = z.string().max(16).regex(/^[1-9]\d{0,14}$/).transform(Number);
/** « c'est ce monument » (`reference`: one of the item's candidates) or « aucun ». */
export const conditionResolveBody = z.strictObject({
  decision: z.enum(['monument', 'aucun']),
  reference: siteId.nullable().optional(),
});
export type ConditionResolveInput = z.input<typeof conditionResolveBody>;
export const conditionMatchCandidate = z.strictObject({
  reference: str,
  titre: nstr,
  commune: nstr,
  insee: nstr,
  departement: nstr,
  /** metres from the survey point to the monument's position */
  distance_m: num,
  /** Dice similarity of the words of the two names, 0–1 */
  similarity: num,
  /** the survey's « Précision » is the monument's protection text */
  same_protection: z.boolean(),
  position: z.enum(POSITION_SOURCES),
  score: num,
});
export type ConditionMatchCandidate = z.infer<typeof conditionMatchCandidate>;
export const conditionMatch = z.strictObject({
  id: num,
  layer: str,
  survey_id: str,
  source_file: str,
  line: num,
  nom: nstr,
  arrondissement: nstr,
  lon: nnum,
  lat: nnum,
  status: nstr,
  etat: z.enum(ETATS).nullable(),
  dommages: nnum,
  commentaire: nstr,
  precision_text: nstr,
  survey_date: nstr,
  /** commune and département of the best candidate */
  insee: nstr,
  departement: nstr,
  candidates: z.array(conditionMatchCandidate),
  state: z.enum(CONDITION_MATCH_STATES),
  site_id: nstr,
  review_written: z.boolean(),
  resolved_by: nstr,
  resolved_at: nstr,
});
export type ConditionMatch = z.infer<typeof conditionMatch>;
export const conditionMatchList = page(conditionMatch);
export const conditionResolveResponse = z.strictObject({ item: conditionMatch, review: siteReview.nullable() });

export const errorBody = z.looseObject({ error: str });

export const geojsonCollection = z.looseObject({ type: z.literal('FeatureCollection'), features: z.array(z.looseObject({ type: z.literal('Feature') })) });
export const basemapLayer = z.enum(BASEMAP_LAYERS);
