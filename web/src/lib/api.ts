/**
 * Typed client for the Vigie HTTP API (docs/api.md, engine/server). All coordinates are WGS84.
 * URLs are relative to the page so the app works under any path prefix. Writes carry the
 * session's CSRF token; a 401 on a session route is reported once to `onUnauthorized`
 * (the state turns it into « Session expirée » and the login form).
 */
import type { FeatureCollection } from 'geojson';
import { decodeMonumentLayer, type MonumentLayer } from './layerBin.ts';

export type Protection = 'classe' | 'inscrit' | 'classe_inscrit' | 'inconnue';
export type Scenario = 'ref' | '+2.0' | '+2.7' | '+4.0';
export type Role = 'lecteur' | 'relecteur_monuments' | 'relecteur_detections' | 'administrateur';

export interface Health {
  status: 'ok';
  version: string;
  schemaVersion: number;
  counts: { monuments: number; monuments_positioned: number; communes: number };
}

export interface AppConfig {
  title: string;
  /** MapLibre style of a tile server; null means the offline basemap built from /api/basemap. */
  styleUrl: string | null;
  /** [west, south, east, north] */
  bbox: [number, number, number, number] | null;
  public?: string[];
  scenarios?: Scenario[];
  hazards?: string[];
}

export interface Monument {
  reference: string;
  titre: string | null;
  denomination: string | null;
  commune: string | null;
  insee: string | null;
  departement: string | null;
  protection: Protection;
  partielle: boolean;
  siecle: string | null;
  lon: number | null;
  lat: number | null;
}

export interface MonumentList {
  count: number;
  items: Monument[];
}

export type BasemapLayer = 'land' | 'communes' | 'rivers';

export interface User {
  username: string;
  roles: Role[];
}

export interface Me {
  user: User | null;
  csrfToken: string | null;
}

export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  items: T[];
}

export interface SiteRow {
  site_id: string;
  site_kind: string;
  name: string | null;
  commune: string | null;
  insee: string | null;
  departement: string | null;
  protection: string | null;
  lon: number | null;
  lat: number | null;
  score: number | null;
  max_level: number | null;
  level_label: string | null;
  n_no_data: number;
  review_status: ReviewStatus | null;
}

export interface ScenarioScore {
  score: number | null;
  max_level: number | null;
  n_no_data: number;
}

export interface Term {
  scenario: Scenario;
  hazard: string;
  value: number | null;
  unit: string | null;
  level: string | null;
  level_index: number | null;
  weight: number;
  modifier: number;
  modifier_detail: string | null;
  term: number | null;
  source_layer: string | null;
  vintage: string | number | null;
  threshold_used: unknown;
}

export type Etat = 'bon' | 'moyen' | 'mauvais' | 'peril';
export type ReviewStatus = 'a_examiner' | 'examine' | 'visite_necessaire';

export interface SiteReview {
  etat_conservation: Etat | null;
  mitigation: string | null;
  statut_revue: ReviewStatus | null;
  note: string | null;
  version: number;
  updated_by: string | null;
  updated_at: string | null;
}

export interface SiteDetail {
  site: Record<string, unknown>;
  scores: Partial<Record<Scenario, ScenarioScore>>;
  terms: Term[];
  review: SiteReview | null;
}

export interface SiteReviewInput {
  etat_conservation: Etat | null;
  mitigation: string;
  statut_revue: ReviewStatus;
  note: string;
  version: number;
}

export interface AuditEntry {
  at: string;
  username: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export type DetectionClass = 'mound' | 'kiln' | 'enclosure' | 'pit';
export type Decision = 'oui' | 'non' | 'peut_etre';
export type DetectionOrder = 'reliability' | 'area';

export interface Detection {
  detection_id: string;
  tile: string;
  class: DetectionClass;
  score: number;
  confidence: number | null;
  /** Reliability level 0 douteux … 3 très probable. */
  level: number;
  diameter_m: number | null;
  lon: number;
  lat: number;
  novelty: 'connu' | 'nouveau' | null;
  known_site_id: string | null;
  decision: Decision | null;
  corrected_class: DetectionClass | null;
  note: string | null;
  version: number;
}

export interface DetectionWithNeighbours extends Detection {
  neighbours: { previous: string | null; next: string | null };
}

export interface ZoneProgress {
  tile: string;
  total: number;
  reviewed: number;
  oui: number;
  non: number;
  peut_etre: number;
}

export interface DetectionReviewInput {
  decision: Decision;
  corrected_class: DetectionClass | null;
  note: string;
  version: number;
}

export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
    /** The parsed error body (a 409 carries `current`). */
    readonly body: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Session hooks, set by the state: the token for writes and what to do on a 401. */
export function setSession(token: string | null, unauthorized: (() => void) | null = onUnauthorized): void {
  csrfToken = token;
  onUnauthorized = unauthorized;
}

function urlOf(path: string): string {
  return new URL(path, document.baseURI).href;
}

async function request(path: string, init: RequestInit & { session?: boolean } = {}): Promise<Response> {
  const url = urlOf(path);
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const method = (init.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && csrfToken) headers.set('x-csrf-token', csrfToken);
  const response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  if (response.ok) return response;
  let detail = response.statusText;
  let body: Record<string, unknown> | null = null;
  try {
    body = (await response.json()) as Record<string, unknown>;
    if (typeof body.error === 'string') detail = body.error;
  } catch {
    // The body was not JSON: keep the status text.
  }
  if (response.status === 401 && init.session) onUnauthorized?.();
  throw new ApiError(url, response.status, detail, body);
}

async function getJson<T>(path: string, signal?: AbortSignal, session = false): Promise<T> {
  return (await (await request(path, { signal, session })).json()) as T;
}

async function sendJson<T>(method: string, path: string, body: unknown, session = true): Promise<T> {
  const response = await request(path, {
    method,
    session,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function orNullOn404<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

export interface SitesQuery {
  scenario: Scenario;
  kind?: string;
  departement?: string;
  insee?: string;
  protection?: string;
  level?: string;
  hazard?: string;
  q?: string;
  bbox?: string;
  sort?: 'score' | 'name';
  limit?: number;
  offset?: number;
}

export const api = {
  health: (signal?: AbortSignal) => getJson<Health>('api/health', signal),
  config: (signal?: AbortSignal) => getJson<AppConfig>('api/config', signal),
  monuments: (signal?: AbortSignal) => getJson<MonumentList>('api/monuments', signal),
  /** Resolves to null when the server has no such layer (404), so the map can do without it. */
  basemap: (layer: BasemapLayer, signal?: AbortSignal) =>
    orNullOn404(getJson<FeatureCollection>(`api/basemap/${layer}`, signal)),
  /** The compact binary risk layer; null when the server does not have it (older server). */
  async monumentLayer(scenario: Scenario, signal?: AbortSignal): Promise<MonumentLayer | null> {
    const response = await orNullOn404(
      request(`api/monuments/layer.bin${query({ scenario })}`, { signal, headers: { accept: 'application/octet-stream' } }),
    );
    return response ? decodeMonumentLayer(await response.arrayBuffer()) : null;
  },
  /** Zones of one hazard under a scenario (GeoJSON, `properties.level` 1–3); null when the server has none. */
  hazard: (hazard: string, scenario: Scenario, signal?: AbortSignal) =>
    orNullOn404(getJson<FeatureCollection>(`api/hazards/${encodeURIComponent(hazard)}${query({ scenario })}`, signal)),

  me: (signal?: AbortSignal) => getJson<Me>('api/auth/me', signal),
  login: (username: string, password: string) =>
    sendJson<{ user: User; csrfToken: string }>('POST', 'api/auth/login', { username, password }, false),
  logout: () => sendJson<void>('POST', 'api/auth/logout', {}, false),

  sites: (q: SitesQuery, signal?: AbortSignal) =>
    getJson<Page<SiteRow>>(`api/sites${query({ kind: 'monument', ...q } as Record<string, string | number>)}`, signal),
  site: (id: string, signal?: AbortSignal) => getJson<SiteDetail>(`api/sites/${encodeURIComponent(id)}`, signal),
  saveSiteReview: (id: string, input: SiteReviewInput) =>
    sendJson<{ review: SiteReview; rescored: { scores: SiteDetail['scores'] } }>(
      'PUT',
      `api/sites/${encodeURIComponent(id)}/review`,
      input,
    ),
  siteAudit: (id: string, signal?: AbortSignal) =>
    getJson<{ items: AuditEntry[] }>(`api/sites/${encodeURIComponent(id)}/audit`, signal, true),

  detections: (
    q: { order?: DetectionOrder; status?: 'pending' | 'reviewed' | 'all'; tile?: string; bbox?: string; limit?: number; offset?: number },
    signal?: AbortSignal,
  ) => getJson<Page<Detection>>(`api/detections${query(q)}`, signal, true),
  detection: (id: string, order: DetectionOrder, signal?: AbortSignal) =>
    getJson<DetectionWithNeighbours>(`api/detections/${encodeURIComponent(id)}${query({ order })}`, signal, true),
  progress: (signal?: AbortSignal) => getJson<{ zones: ZoneProgress[] }>('api/detections/progress', signal, true),
  saveDetectionReview: (id: string, input: DetectionReviewInput) =>
    sendJson<{ item: Detection }>('PUT', `api/detections/${encodeURIComponent(id)}/review`, input),
  reliefUrl: (id: string, kind: 'hillshade' | 'lrm' | 'svf' | 'slope', size = 256) =>
    urlOf(`api/detections/${encodeURIComponent(id)}/relief/${kind}.png?size=${size}`),
};
