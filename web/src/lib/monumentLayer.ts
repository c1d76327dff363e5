/**
 * How monuments look on the map: fill and ring colours per point, built once per data change
 * as typed arrays for the map's point-sprite layer (spriteLayer.ts), which keeps 46,000 points
 * fast even in software WebGL; a picked index points back into `points.items` (empty during
 * the first-screen preview, drawn from layer.bin alone). The selection is a separate ring, so
 * selecting never rebuilds the points.
 */
import type { MonumentPoints } from './state.svelte.ts';
import type { SpriteData, SpriteStyle } from './spriteLayer.ts';
import { PARTIAL_FILL_ALPHA, PROTECTION_STYLE } from './protection.ts';
import { LEVEL_COLOR, NO_DATA_RING, levelKey } from './risk.ts';
import { flagApproxPosition, flagPartial, flagProtection } from '../../../engine/contract/layer-bin.ts';
import type { ColorBy } from './state.svelte.ts';

const RADIUS_PX = 5;
const OPAQUE_FILL_ALPHA = 235;
/** Monuments placed at their commune (no coordinates in the notice): pale, with a black ring. */
export const APPROX_FILL_ALPHA = 110;
export const APPROX_RING: [number, number, number] = [0, 0, 0];

export type MonumentData = SpriteData;

export function monumentData(points: MonumentPoints, colorBy: ColorBy = 'protection'): MonumentData {
  const n = points.n;
  const fillColors = new Uint8Array(n * 4);
  const lineColors = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const flags = points.flags[i];
    const approx = flagApproxPosition(flags);
    if (colorBy === 'risk') {
      const key = levelKey(points.levels[i]);
      const [r, g, b] = LEVEL_COLOR[key];
      fillColors.set([r, g, b, approx ? APPROX_FILL_ALPHA : OPAQUE_FILL_ALPHA], i * 4);
      // « Donnée absente » is a hollow grey disc with a dark ring: it must never read as
      // « très faible » (green) or blend with the basemap.
      lineColors.set(approx ? [...APPROX_RING, 255] : key === 'nd' ? [...NO_DATA_RING, 255] : [255, 255, 255, 230], i * 4);
    } else {
      const [r, g, b] = PROTECTION_STYLE[flagProtection(flags)].color;
      const partial = flagPartial(flags);
      fillColors.set([r, g, b, approx ? APPROX_FILL_ALPHA : partial ? PARTIAL_FILL_ALPHA : OPAQUE_FILL_ALPHA], i * 4);
      // Full protections get a white ring to stand out on any background; partial ones a
      // ring of their own colour around a pale centre, so they read as "part of the building".
      lineColors.set(approx ? [...APPROX_RING, 255] : partial ? [r, g, b, 255] : [255, 255, 255, 230], i * 4);
    }
  }
  return { length: n, positions: points.positions, fill: fillColors, line: lineColors };
}

/**
 * Marker radius for a zoom level: small when a whole department or region is in view,
 * where markers overlap anyway (and software WebGL pays for every pixel), larger close up.
 */
export function markerRadius(zoom: number): number {
  return zoom < 9 ? 3 : zoom < 11 ? 4 : RADIUS_PX;
}

/** The monuments' disc and ring at a marker radius. */
export function monumentStyle(radiusPixels: number): SpriteStyle {
  return { radiusPixels, lineWidthPixels: 1.5 };
}

/** The ring around the selected monument: dark, 3 px, just outside its disc. */
export const SELECTION_RING_COLOR: [number, number, number, number] = [22, 22, 22, 255];
export function selectionStyle(radiusPixels: number): SpriteStyle {
  return { radiusPixels: radiusPixels + 5, lineWidthPixels: 3 };
}
