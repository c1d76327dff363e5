/**
 * How risk levels, scenarios, hazards and detection classes look and read: one table each,
 * shared by legend, map, table and panels. « Donnée absente » has its own look (hollow grey)
 * and is never drawn like a low level.
 */
import type { DetectionClass } from './api.ts';
import { HAZARD_LABEL, HAZARD_SHORT } from '../../../engine/contract/labels.ts';
import type { Rgb } from './protection.ts';
import { DETECTION_CLASSES, SCENARIOS } from '../../../engine/contract/enums.ts';
import { LEVEL_LABELS, NO_DATA_LABEL } from '../../../engine/contract/labels.ts';

// The words are the contract's (shared with the PDF report and the exports); colours live here.
export {
  CLASS_LABEL, DECISION_LABEL, ETAT_LABEL, HAZARD_LABEL, HAZARD_SHORT, RELIABILITY_LABEL, STATUT_LABEL, SCENARIO_LABEL, SCENARIO_SHORT,
} from '../../../engine/contract/labels.ts';
export { SCENARIOS };
export const CLASSES = DETECTION_CLASSES;

/** Level keys as used in filters and the URL: '0'…'3', and 'nd' for donnée absente. */
export type LevelKey = '0' | '1' | '2' | '3' | 'nd';
export const LEVEL_KEYS: readonly LevelKey[] = ['3', '2', '1', '0', 'nd'];

export const LEVEL_LABEL: Record<LevelKey, string> = {
  '0': LEVEL_LABELS[0],
  '1': LEVEL_LABELS[1],
  '2': LEVEL_LABELS[2],
  '3': LEVEL_LABELS[3],
  nd: NO_DATA_LABEL,
};
/** Same colours as the PDF report (engine/report/pdf/render-pdf.ts). */
export const LEVEL_COLOR: Record<LevelKey, Rgb> = {
  '0': [127, 183, 126],
  '1': [242, 201, 76],
  '2': [240, 138, 36],
  '3': [206, 5, 0],
  nd: [236, 236, 236],
};
/** Ring of « donnée absente » markers: a hollow grey disc, unlike any level. */
export const NO_DATA_RING: Rgb = [90, 90, 90];

export function levelKey(level: number | null | undefined): LevelKey {
  return level === null || level === undefined || level < 0 || level > 3 ? 'nd' : (String(level) as LevelKey);
}

export const hazardLabel = (h: string) => (HAZARD_LABEL as Record<string, string>)[h] ?? h;
export const hazardShort = (h: string) => (HAZARD_SHORT as Record<string, string>)[h] ?? hazardLabel(h);

/** Hazard zones drawn on the map, with their fill colour. */
export const HAZARD_LAYER_STYLE: Record<string, { label: string; color: string }> = {
  flood: { label: 'Zones inondables (TRI)', color: '#0063cb' },
  clay: { label: 'Argiles (retrait-gonflement)', color: '#a0522d' },
  coastal_retreat: { label: 'Recul du trait de côte', color: '#009099' },
  wildfire: { label: 'Feux de forêt', color: '#e4794a' },
  land_movement: { label: 'Mouvements de terrain (PPR)', color: '#7d4e5b' },
};

export const CLASS_COLOR: Record<DetectionClass, Rgb> = {
  mound: [200, 60, 200],
  kiln: [20, 20, 20],
  enclosure: [0, 140, 200],
  pit: [230, 120, 0],
};

export function rgbHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
