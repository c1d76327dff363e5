/**
 * Typed client for the Vigie HTTP API (engine/server). All coordinates are WGS84.
 * URLs are relative to the page so the app works under any path prefix.
 */
import type { FeatureCollection } from 'geojson';

export type Protection = 'classe' | 'inscrit' | 'classe_inscrit' | 'inconnue';

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

export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const url = new URL(path, document.baseURI).href;
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) detail = body.error;
    } catch {
      // The body was not JSON: keep the status text.
    }
    throw new ApiError(url, response.status, `${path} : ${response.status} ${detail}`);
  }
  return (await response.json()) as T;
}

export const api = {
  health: (signal?: AbortSignal) => getJson<Health>('api/health', signal),
  config: (signal?: AbortSignal) => getJson<AppConfig>('api/config', signal),
  monuments: (signal?: AbortSignal) => getJson<MonumentList>('api/monuments', signal),
  /** Resolves to null when the server has no such layer (404), so the map can do without it. */
  async basemap(layer: BasemapLayer, signal?: AbortSignal): Promise<FeatureCollection | null> {
    try {
      return await getJson<FeatureCollection>(`api/basemap/${layer}`, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  },
};
