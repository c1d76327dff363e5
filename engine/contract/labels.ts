/**
 * French wording of every shared vocabulary (enums.ts), used by the web app, the PDF report and
 * the exports so that they never disagree. Labels are capitalised as they stand alone (legend,
 * column header); `lower()` gives the form used inside a sentence.
 */
import type {
  BasemapLayer, Decision, DetectionClass, Etat, Hazard, Protection, PositionSource, ReliabilityLevel, ReviewStatus, Role, Scenario,
} from './enums.ts';
import { LEVELS, NO_DATA } from './enums.ts';

/** « Très faible » → « très faible », for use inside a sentence. */
export const lower = (label: string): string => label.charAt(0).toLocaleLowerCase('fr') + label.slice(1);
const capital = (s: string): string => s.charAt(0).toLocaleUpperCase('fr') + s.slice(1);

export const HAZARD_LABEL: Record<Hazard, string> = {
  flood: 'Inondation',
  coastal_retreat: 'Recul du trait de côte',
  clay: 'Retrait-gonflement des argiles',
  seismic: 'Séisme',
  heat: 'Chaleur extrême',
  drought: 'Sécheresse des sols',
  wildfire: 'Feux de forêt',
  land_movement: 'Mouvements de terrain',
};
/** Short names where space is tight (chart rows, map toggles). */
export const HAZARD_SHORT: Record<Hazard, string> = {
  ...HAZARD_LABEL,
  coastal_retreat: 'Trait de côte',
  clay: 'Argiles',
  drought: 'Sécheresse',
};
/** Field-name stems in exports: inondation_niveau_ref, … */
export const HAZARD_FIELD: Record<Hazard, string> = {
  flood: 'inondation', coastal_retreat: 'recul_cote', clay: 'argiles', seismic: 'seisme',
  heat: 'chaleur', drought: 'secheresse', wildfire: 'feux_foret', land_movement: 'mouvements_terrain',
};

export const SCENARIO_LABEL: Record<Scenario, string> = {
  ref: 'Référence (climat actuel)',
  '+2.0': '+2,0 °C (2030)',
  '+2.7': '+2,7 °C (2050)',
  '+4.0': '+4,0 °C (2100)',
};
export const SCENARIO_SHORT: Record<Scenario, string> = { ref: 'Réf.', '+2.0': '+2,0 °C', '+2.7': '+2,7 °C', '+4.0': '+4,0 °C' };
/** Suffix of per-scenario field names in exports: score_ref, score_p2_0, … */
export const SCENARIO_FIELD: Record<Scenario, string> = { ref: 'ref', '+2.0': 'p2_0', '+2.7': 'p2_7', '+4.0': 'p4_0' };

/** Level labels by index 0–3 (« Très faible » … « Fort »). */
export const LEVEL_LABELS: readonly string[] = LEVELS.map(capital);
export const NO_DATA_LABEL = capital(NO_DATA);
/** « Fort », or « Donnée absente » for a missing level — never a level of its own. */
export function levelLabel(index: number | null | undefined): string {
  return index === null || index === undefined || !(index >= 0 && index <= 3) ? NO_DATA_LABEL : LEVEL_LABELS[index];
}

export const PROTECTION_LABEL: Record<Protection, string> = {
  classe: 'Classé', classe_inscrit: 'Classé et inscrit', inscrit: 'Inscrit', inconnue: 'Protection inconnue',
};
/** Status as heritage services write it. */
export const PROTECTION_STATUS: Record<Protection, string> = {
  classe: 'Classé MH', classe_inscrit: 'Classé et inscrit MH', inscrit: 'Inscrit MH', inconnue: 'Protection inconnue',
};
export const POSITION_LABEL: Record<PositionSource, string> = {
  coordinates: 'Coordonnées de la notice',
  commune: 'Position approchée : commune',
};

export const CLASS_LABEL: Record<DetectionClass, string> = {
  mound: 'Tumulus',
  kiln: 'Plateforme de charbonnière',
  enclosure: 'Enclos',
  pit: 'Fosse ou cratère',
};
export const RELIABILITY_LABEL: Record<ReliabilityLevel, string> = {
  doubtful: 'Douteux', possible: 'Possible', probable: 'Probable', very_probable: 'Très probable',
};
export const DECISION_LABEL: Record<Decision, string> = { oui: 'Oui', non: 'Non', peut_etre: 'Peut-être' };
export const ETAT_LABEL: Record<Etat, string> = { bon: 'Bon', moyen: 'Moyen', mauvais: 'Mauvais', peril: 'Péril' };
export const STATUT_LABEL: Record<ReviewStatus, string> = {
  a_examiner: 'À examiner', examine: 'Examiné', visite_necessaire: 'Visite nécessaire',
};
export const ROLE_LABEL: Record<Role, string> = {
  lecteur: 'Lecteur',
  relecteur_monuments: 'Relecteur des monuments',
  relecteur_detections: 'Relecteur des détections',
  administrateur: 'Administrateur',
};
export const BASEMAP_LABEL: Record<BasemapLayer, string> = { land: 'Terre', communes: 'Communes', rivers: 'Cours d’eau' };
