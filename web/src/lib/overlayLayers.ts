/**
 * deck.gl layers drawn over the monuments: detections (by class, size by reliability level,
 * only for a session) with the candidate under review ringed, and known archaeological sites.
 * Both are loaded for the map view only (bbox), so they stay small.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Detection, SiteRow } from './api.ts';
import { RELIABILITY_LEVELS } from '../../../engine/contract/enums.ts';
import { CLASS_COLOR } from './risk.ts';
import { PointSpriteLayer, pointSpriteData } from './pointSpriteLayer.ts';

import { ARCHAEO_LAYER_ID, DETECTION_LAYER_ID } from './mapLayerIds.ts';

export function detectionLayer(items: Detection[]) {
  const n = items.length;
  const positions = new Float32Array(n * 2);
  const fill = new Uint8Array(n * 4);
  const line = new Uint8Array(n * 4);
  items.forEach((d, i) => {
    positions[2 * i] = d.lon;
    positions[2 * i + 1] = d.lat;
    const [r, g, b] = CLASS_COLOR[d.corrected_class ?? d.class];
    // Fainter for doubtful candidates, solid for very probable ones.
    fill.set([r, g, b, 90 + 55 * RELIABILITY_LEVELS.indexOf(d.level)], i * 4);
    line.set(d.decision === 'non' ? [120, 120, 120, 255] : [255, 255, 255, 255], i * 4);
  });
  return new PointSpriteLayer({
    id: DETECTION_LAYER_ID,
    data: pointSpriteData(positions, fill, line),
    radiusPixels: 4,
    lineWidthPixels: 1,
    pickable: true,
  });
}

export function archaeoLayer(items: SiteRow[]) {
  return new ScatterplotLayer<SiteRow>({
    id: ARCHAEO_LAYER_ID,
    data: items.filter((s) => s.lon !== null && s.lat !== null),
    getPosition: (s) => [s.lon!, s.lat!],
    radiusUnits: 'pixels',
    getRadius: 3.5,
    stroked: true,
    filled: true,
    getFillColor: [255, 255, 255, 0],
    getLineColor: [104, 58, 0, 170],
    lineWidthUnits: 'pixels',
    getLineWidth: 1.25,
    pickable: true,
  });
}

/** The candidate under review: a thick ring, drawn last. */
export function candidateLayer(d: Detection | null) {
  return new ScatterplotLayer<Detection>({
    id: 'detection-current',
    data: d ? [d] : [],
    getPosition: (x) => [x.lon, x.lat],
    radiusUnits: 'pixels',
    getRadius: 12,
    stroked: true,
    filled: false,
    lineWidthUnits: 'pixels',
    getLineWidth: 3,
    getLineColor: [0, 0, 145, 255],
  });
}
