/**
 * Typed client for the Vigie HTTP API (docs/api.md, engine/server). All coordinates are WGS84.
 * URLs are relative to the page so the app works under any path prefix. Writes carry the
 * session's CSRF token; a 401 on a session route is reported once to `onUnauthorized`
 * (the state turns it into « Session expirée » and the login form).
 */
import type { FeatureCollection } from 'geojson';
import type * as C from '../../../engine/contract/api.ts';
import { decodeMonumentLayer, type MonumentLayer } from '../../../engine/contract/layer-bin.ts';
import type { BasemapLayer, Scenario } from '../../../engine/contract/enums.ts';

// The API's shapes come from the contract the server is checked against; nothing is copied here.
export type {
  AppConfig, AuditEntry, Detection, DetectionReviewInput, DetectionWithNeighbours, Health, Me, Monument, MonumentList, Page,
  ScenarioScore, SiteDetail, SiteReview, SiteReviewInput, SiteRow, SitesQuery, Term, User, ZoneProgress, DetectionsQuery,
  LocalPrecision, PrecisionList, PriorityRow, ConditionMatch, ConditionMatchCandidate, ConditionMatchesQuery, ConditionResolveInput,
} from '../../../engine/contract/api.ts';
export type {
  BasemapLayer, Decision, DetectionClass, DetectionOrder, Etat, Protection, ReviewStatus, Role, Scenario,
} from '../../../engine/contract/enums.ts';

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

function query(params: Record<string, unknown>): string {
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


export const api = {
  health: (signal?: AbortSignal) => getJson<C.Health>('api/health', signal),
  config: (signal?: AbortSignal) => getJson<C.AppConfig>('api/config', signal),
  monuments: (signal?: AbortSignal) => getJson<C.MonumentList>('api/monuments', signal),
  /** Resolves to null when the server has no such layer (404), so the map can do without it. */
  basemap: (layer: BasemapLayer, signal?: AbortSignal) =>
    orNullOn404(getJson<FeatureCollection>(`api/basemap/${layer}`, signal)),
  /** Commune outlines of a view (national databases, where the whole layer is too big to draw). */
  communesIn: (bbox: string, signal?: AbortSignal) => getJson<FeatureCollection>(`api/basemap/communes${query({ bbox })}`, signal),
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

  me: (signal?: AbortSignal) => getJson<C.Me>('api/auth/me', signal),
  login: (username: string, password: string) =>
    sendJson<C.Me & { csrfToken: string }>('POST', 'api/auth/login', { username, password }, false),
  logout: () => sendJson<void>('POST', 'api/auth/logout', {}, false),

  sites: (q: C.SitesQuery, signal?: AbortSignal) =>
    getJson<C.Page<C.SiteRow>>(`api/sites${query({ kind: 'monument', ...q })}`, signal),
  priorities: (q: { departement?: string; insee?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    getJson<{ total: number; horizon: Scenario; items: C.PriorityRow[] }>(`api/priorities${query(q)}`, signal),
  site: (id: string, signal?: AbortSignal) => getJson<C.SiteDetail>(`api/sites/${encodeURIComponent(id)}`, signal),
  saveSiteReview: (id: string, input: C.SiteReviewInput) =>
    sendJson<{ review: C.SiteReview; rescored: { scores: C.SiteDetail['scores'] } }>(
      'PUT',
      `api/sites/${encodeURIComponent(id)}/review`,
      input,
    ),
  siteAudit: (id: string, signal?: AbortSignal) =>
    getJson<{ items: C.AuditEntry[] }>(`api/sites/${encodeURIComponent(id)}/audit`, signal, true),

  detections: (q: C.DetectionsQuery, signal?: AbortSignal) => getJson<C.Page<C.Detection>>(`api/detections${query(q)}`, signal, true),
  detection: (id: string, order: C.DetectionsQuery['order'], signal?: AbortSignal) =>
    getJson<C.DetectionWithNeighbours>(`api/detections/${encodeURIComponent(id)}${query({ order })}`, signal, true),
  progress: (signal?: AbortSignal) => getJson<{ zones: C.ZoneProgress[] }>('api/detections/progress', signal, true),
  precision: (signal?: AbortSignal) => getJson<C.PrecisionList>('api/detections/precision', signal, true),
  saveDetectionReview: (id: string, input: C.DetectionReviewInput) =>
    sendJson<{ item: C.Detection }>('PUT', `api/detections/${encodeURIComponent(id)}/review`, input),
  /** « Constats d'état à rapprocher »: condition surveys matched uncertainly at import (monument reviewers). */
  conditionMatches: (q: C.ConditionMatchesQuery, signal?: AbortSignal) =>
    getJson<C.Page<C.ConditionMatch>>(`api/condition/matches${query(q)}`, signal, true),
  /** A 409 (already decided by someone else) carries the item as it stands in `body.current`. */
  resolveConditionMatch: (id: number, input: C.ConditionResolveInput) =>
    sendJson<{ item: C.ConditionMatch; review: C.SiteReview | null }>('POST', `api/condition/matches/${id}/resolve`, input),
  reliefUrl: (id: string, kind: 'hillshade' | 'lrm' | 'svf' | 'slope', size = 256) =>
    urlOf(`api/detections/${encodeURIComponent(id)}/relief/${kind}.png?size=${size}`),
};
