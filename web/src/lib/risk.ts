/**
 * How risk levels, scenarios, hazards and detection classes look and read: one table each,
 * shared by legend, map, table and panels. « Donnée absente » has its own look (hollow grey)
 * and is never drawn like a low level.
 */
import type { DetectionClass, Decision, Etat, ReviewStatus, Scenario } from './api.ts';
import type { Rgb } from './protection.ts';

export const SCENARIOS: readonly Scenario[] = ['ref', '+2.0', '+2.7', '+4.0'];

export const SCENARIO_LABEL: Record<Scenario, string> = {
  ref: 'Référence',
  '+2.0': '+2,0 °C (2030)',
  '+2.7': '+2,7 °C (2050)',
  '+4.0': '+4 °C (2100)',
};

export const SCENARIO_SHORT: Record<Scenario, string> = { ref: 'Réf.', '+2.0': '+2,0 °C', '+2.7': '+2,7 °C', '+4.0': '+4 °C' };

/** Level keys as used in filters and the URL: '0'…'3', and 'nd' for donnée absente. */
export type LevelKey = '0' | '1' | '2' | '3' | 'nd';
export const LEVEL_KEYS: readonly LevelKey[] = ['3', '2', '1', '0', 'nd'];

export const LEVEL_LABEL: Record<LevelKey, string> = {
  '0': 'Très faible',
  '1': 'Faible',
  '2': 'Moyen',
  '3': 'Fort',
  nd: 'Donnée absente',
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

export const HAZARD_LABEL: Record<string, string> = {
  flood: 'Inondation',
  coastal_retreat: 'Recul du trait de côte',
  clay: 'Retrait-gonflement des argiles',
  seismic: 'Séisme',
  heat: 'Chaleur extrême',
  drought: 'Sécheresse des sols',
  wildfire: 'Feux de forêt',
};

export const hazardLabel = (h: string) => HAZARD_LABEL[h] ?? h;

/** Short names where space is tight (chart rows). */
export const HAZARD_SHORT: Record<string, string> = { coastal_retreat: 'Trait de côte', clay: 'Argiles', drought: 'Sécheresse', wildfire: 'Feux de forêt' };
export const hazardShort = (h: string) => HAZARD_SHORT[h] ?? hazardLabel(h);

/** Hazard zones drawn on the map, with their fill colour. */
export const HAZARD_LAYER_STYLE: Record<string, { label: string; color: string }> = {
  flood: { label: 'Zones inondables (TRI)', color: '#0063cb' },
  clay: { label: 'Argiles (retrait-gonflement)', color: '#a0522d' },
  coastal_retreat: { label: 'Recul du trait de côte', color: '#009099' },
  wildfire: { label: 'Feux de forêt', color: '#e4794a' },
};

export const CLASSES: readonly DetectionClass[] = ['mound', 'kiln', 'enclosure', 'pit'];
export const CLASS_LABEL: Record<DetectionClass, string> = {
  mound: 'Tumulus',
  kiln: 'Plateforme de charbonnage',
  enclosure: 'Enclos',
  pit: 'Fosse / cratère',
};
export const CLASS_COLOR: Record<DetectionClass, Rgb> = {
  mound: [200, 60, 200],
  kiln: [20, 20, 20],
  enclosure: [0, 140, 200],
  pit: [230, 120, 0],
};

export const RELIABILITY_LABEL = ['Douteux', 'Possible', 'Probable', 'Très probable'];

export const DECISION_LABEL: Record<Decision, string> = { oui: 'Oui', non: 'Non', peut_etre: 'Peut-être' };

export const ETAT_LABEL: Record<Etat, string> = { bon: 'Bon', moyen: 'Moyen', mauvais: 'Mauvais', peril: 'Péril' };
export const STATUT_LABEL: Record<ReviewStatus, string> = {
  a_examiner: 'À examiner',
  examine: 'Examiné',
  visite_necessaire: 'Visite nécessaire',
};

export function rgbHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
