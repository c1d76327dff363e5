/** Ids of the map's own layers, shared by the map and the lazily loaded deck.gl overlays. */
export const MONUMENT_LAYER_ID = 'monuments';
export const DETECTION_LAYER_ID = 'detections';
export const ARCHAEO_LAYER_ID = 'archeo';
