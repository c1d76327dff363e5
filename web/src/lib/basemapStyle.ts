/**
 * The offline basemap: a MapLibre style built in code from the /api/basemap GeoJSON layers.
 * It has no glyphs, sprites or tiles, so nothing is fetched from outside; for the same
 * reason it has no symbol layers (labels would need glyphs) — commune names show on hover.
 */
import type { StyleSpecification } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { Basemap } from './state.svelte.ts';
import { COMMUNES_OUTLINE_MIN_ZOOM } from '../../../engine/contract/enums.ts';

export const COMMUNES_FILL_LAYER = 'communes-fill';
export const COMMUNES_SOURCE = 'communes';

const SEA = '#dbe7f3';
const LAND = '#f5f3ee';
const COMMUNE_LINE = '#9a9a9a';
const RIVER = '#6a9bd3';
const HOVER = '#000091';

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

export function basemapStyle(basemap: Basemap): StyleSpecification {
  return {
    version: 8,
    name: 'Vigie — fond hors ligne',
    sources: {
      land: { type: 'geojson', data: basemap.land ?? empty() },
      // promoteId lets hover use feature-state on the INSEE code.
      [COMMUNES_SOURCE]: { type: 'geojson', data: basemap.communes ?? empty(), promoteId: 'code_insee' },
      rivers: { type: 'geojson', data: basemap.rivers ?? empty() },
    },
    layers: [
      // Without a land layer, keep a land-coloured background rather than an all-sea map.
      { id: 'background', type: 'background', paint: { 'background-color': basemap.land ? SEA : LAND } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': LAND, 'fill-antialias': true } },
      {
        id: COMMUNES_FILL_LAYER,
        type: 'fill',
        minzoom: COMMUNES_OUTLINE_MIN_ZOOM,
        source: COMMUNES_SOURCE,
        paint: {
          'fill-color': HOVER,
          'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.06, 0],
        },
      },
      {
        id: 'communes-line',
        type: 'line',
        minzoom: COMMUNES_OUTLINE_MIN_ZOOM,
        source: COMMUNES_SOURCE,
        paint: {
          'line-color': COMMUNE_LINE,
          'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.4, 13, 1.2],
          'line-dasharray': [3, 2],
        },
      },
      {
        id: 'rivers',
        type: 'line',
        source: 'rivers',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': RIVER, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2.5] },
      },
      {
        id: 'land-outline',
        type: 'line',
        source: 'land',
        paint: { 'line-color': '#9fb7cf', 'line-width': 0.8 },
      },
    ],
  };
}

/** [west, south, east, north] of every coordinate in the collections, or null when empty. */
export function boundsOf(
  collections: ReadonlyArray<{ type: string; features: Array<{ geometry: unknown }> } | null>,
): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      const [x, y] = c as number[];
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
      return;
    }
    for (const child of c) visit(child);
  };
  for (const fc of collections) {
    for (const f of fc?.features ?? []) {
      const g = f.geometry as { coordinates?: unknown; geometries?: Array<{ coordinates: unknown }> } | null;
      if (g?.coordinates) visit(g.coordinates);
      for (const sub of g?.geometries ?? []) visit(sub.coordinates);
    }
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** [west, south, east, north] of interleaved [lon, lat, lon, lat, …] points, or null when empty. */
export function pointBounds(positions: ArrayLike<number>): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (let i = 0; i + 1 < positions.length; i += 2) {
    const x = positions[i];
    const y = positions[i + 1];
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
