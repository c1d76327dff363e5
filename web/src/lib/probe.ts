/**
 * `window.__vigie`: a read-only window on the app for end-to-end tests and for people
 * debugging in the browser console. The app writes it; nothing in the app reads it.
 */
import type { Monument } from './api.ts';

export interface VigieProbe {
  /** True once the basemap is loaded and the monument layer has been drawn at least once. */
  ready: boolean;
  /** Monuments drawn in the map's last frame. */
  monumentsDrawn: number;
  /** Milliseconds from navigation start to the first frame with monuments. */
  firstRenderMs: number | null;
  /** Screen position (CSS pixels, relative to the map container) of a WGS84 point. */
  project(lon: number, lat: number): { x: number; y: number } | null;
  /** The monument drawn on top at a position relative to the map container, if any. */
  pick(x: number, y: number): Monument | null;
  /** The map container's position in the page (CSS pixels). */
  mapRect(): { left: number; top: number; width: number; height: number } | null;
  /** The monuments currently drawn, in layer order. */
  drawn(): Monument[];
  /**
   * How one monument is drawn right now: the level byte and the fill colour handed to the map
   * (RGBA), or null when it is not drawn. Lets a test compare the map with the API.
   */
  drawnStyle(reference: string): { level: number; fill: number[] } | null;
  /** Moves the map without animation; resolves once the map and the overlay have redrawn. */
  view(lon: number, lat: number, zoom: number): Promise<void>;
}

declare global {
  interface Window {
    __vigie: VigieProbe;
  }
}

export const probe: VigieProbe = {
  ready: false,
  monumentsDrawn: 0,
  firstRenderMs: null,
  project: () => null,
  pick: () => null,
  mapRect: () => null,
  drawn: () => [],
  drawnStyle: () => null,
  view: () => Promise.reject(new Error('map not created yet')),
};

window.__vigie = probe;
