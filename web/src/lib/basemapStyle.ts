/**
 * The offline basemap: a MapLibre style built in code from the /api/basemap GeoJSON layers.
 * It has no glyphs, sprites or tiles, so nothing is fetched from outside; for the same
 * reason it has no symbol layers (labels would need glyphs) — commune names show on hover.
 *
 * Only layers with data get a source: in software WebGL each source's tiles arriving one by
 * one each cost the map a frame, and each layer a pass over every frame (the land's outline
 * is the fill's own antialiasing line, not a second layer). Commune outlines loaded for the
 * view come later, through `addCommuneLayers`.
 */
import type { AddLayerObject, LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { Basemap } from './state.svelte.ts';
import { COMMUNES_OUTLINE_MIN_ZOOM } from '../../../engine/contract/enums.ts';

export const COMMUNES_FILL_LAYER = 'communes-fill';
export const COMMUNES_SOURCE = 'communes';
/** The basemap's layers drawn above hazard zones, lowest first (the monuments above all). */
export const ABOVE_HAZARDS = ['communes-line', 'rivers'] as const;

const SEA = '#dbe7f3';
const LAND = '#f5f3ee';
const LAND_OUTLINE = '#9fb7cf';
const COMMUNE_LINE = '#9a9a9a';
const RIVER = '#6a9bd3';
const HOVER = '#000091';

/** The commune source (promoteId lets hover use feature-state on the INSEE code) and its two layers. */
export function communeLayers(communes: FeatureCollection): { source: SourceSpecification; layers: AddLayerObject[] } {
  return {
    source: { type: 'geojson', data: communes, promoteId: 'code_insee' },
    layers: [
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
    ],
  };
}

export function basemapStyle(basemap: Basemap): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  // Without a land layer, keep a land-coloured background rather than an all-sea map.
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': basemap.land ? SEA : LAND } }];
  if (basemap.land) {
    sources.land = { type: 'geojson', data: basemap.land };
    layers.push({ id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': LAND, 'fill-antialias': true, 'fill-outline-color': LAND_OUTLINE } });
  }
  if (basemap.communes) {
    const c = communeLayers(basemap.communes);
    sources[COMMUNES_SOURCE] = c.source;
    layers.push(...(c.layers as LayerSpecification[]));
  }
  if (basemap.rivers) {
    sources.rivers = { type: 'geojson', data: basemap.rivers };
    layers.push({
      id: 'rivers',
      type: 'line',
      source: 'rivers',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': RIVER, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2.5] },
    });
  }
  return { version: 8, name: 'Vigie — fond hors ligne', sources, layers };
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

/**
 * [west, south, east, north] of interleaved [lon, lat, lon, lat, …] points, or null when empty.
 * When a few points lie far out (the overseas monuments of a national base: the box of all of
 * them spans the Atlantic and France shrinks to a corner), the box of their bulk: 2–98 %
 * of the points on each axis, widened by a tenth on each side, used when the whole box is more
 * than four times larger.
 */
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
  if (!Number.isFinite(w)) return null;
  const count = Math.floor(positions.length / 2);
  // A sample of at most ~5,000 points is enough for the quantiles.
  const step = Math.max(1, Math.floor(count / 5000));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < count; i += step) {
    xs.push(positions[2 * i]);
    ys.push(positions[2 * i + 1]);
  }
  xs.sort((a, b) => a - b);
  ys.sort((a, b) => a - b);
  const q = (a: number[], p: number) => a[Math.round(p * (a.length - 1))];
  const [x0, x1, y0, y1] = [q(xs, 0.02), q(xs, 0.98), q(ys, 0.02), q(ys, 0.98)];
  const dx = (x1 - x0) / 10;
  const dy = (y1 - y0) / 10;
  const bulk: [number, number, number, number] = [Math.max(w, x0 - dx), Math.max(s, y0 - dy), Math.min(e, x1 + dx), Math.min(n, y1 + dy)];
  const area = (b: readonly number[]) => (b[2] - b[0]) * (b[3] - b[1]);
  return area([w, s, e, n]) > 4 * area(bulk) ? bulk : [w, s, e, n];
}
