/**
 * deck.gl, loaded only when an overlay needs it (known archaeological sites, detections, the
 * candidate under review): the monuments are drawn by MapLibre (spriteLayer.ts), so the first
 * screen never waits for deck.gl's code or its second WebGL canvas.
 */
import { MapboxOverlay } from '@deck.gl/mapbox';
import type { PickingInfo } from '@deck.gl/core';
import type { IControl, Map as MaplibreMap } from 'maplibre-gl';
import { isSoftwareRenderer, rendererOf } from './webgl.ts';

export { archaeoLayer, candidateLayer, detectionLayer } from './overlayLayers.ts';

export interface DeckOverlay {
  setLayers(layers: unknown[]): void;
  /** The topmost overlay object at (x, y), CSS pixels relative to the map container. */
  pick(x: number, y: number): PickingInfo | null;
  remove(): void;
}

export function createDeckOverlay(map: MaplibreMap): DeckOverlay {
  const overlay = new MapboxOverlay({
    interleaved: false,
    // In software WebGL every multisampled frame of this full-size canvas costs CPU; the
    // point sprites smooth their own edges, so only GPU machines keep multisampling.
    deviceProps: { webgl: { antialias: !isSoftwareRenderer(rendererOf(map.getCanvas())) } },
    layers: [],
  });
  // deck.gl's control is typed against mapbox-gl; maplibre implements the same interface.
  map.addControl(overlay as unknown as IControl);
  return {
    setLayers: (layers) => overlay.setProps({ layers: layers as never }),
    pick: (x, y) => overlay.pickObject({ x, y, radius: 2 }),
    remove: () => {
      map.removeControl(overlay as unknown as IControl);
      overlay.finalize();
    },
  };
}
