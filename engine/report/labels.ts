/** French names used in exported field names, CSV headers and the PDF (one place, so they agree). */
import { HAZARDS, LEVELS, NO_DATA, SCENARIOS, type Hazard, type Scenario } from '../risk/config.ts';

export const HAZARD_FIELD: Record<Hazard, string> = {
  flood: 'inondation', coastal_retreat: 'recul_cote', clay: 'argiles', seismic: 'seisme',
  heat: 'chaleur', drought: 'secheresse', wildfire: 'feux_foret',
};
export const HAZARD_LABEL: Record<Hazard, string> = {
  flood: 'Inondation', coastal_retreat: 'Recul du trait de côte', clay: 'Retrait-gonflement des argiles',
  seismic: 'Séisme', heat: 'Chaleur extrême', drought: 'Sécheresse des sols', wildfire: 'Feux de forêt',
};
/** Suffix of per-scenario field names: score_ref, score_p2_0, … */
export const SCENARIO_FIELD: Record<Scenario, string> = { ref: 'ref', '+2.0': 'p2_0', '+2.7': 'p2_7', '+4.0': 'p4_0' };
export const SCENARIO_LABEL: Record<Scenario, string> = {
  ref: 'référence (climat actuel)', '+2.0': '+2,0 °C (2030)', '+2.7': '+2,7 °C (2050)', '+4.0': '+4,0 °C (2100)',
};
export const SCENARIO_SHORT: Record<Scenario, string> = { ref: 'réf.', '+2.0': '+2,0 °C', '+2.7': '+2,7 °C', '+4.0': '+4,0 °C' };

export const levelLabel = (i: number | null | undefined): string => (i === null || i === undefined ? NO_DATA : LEVELS[i]);

export const DETECTION_CLASS_LABEL: Record<string, string> = {
  mound: 'tumulus', kiln: 'plateforme de charbonnière', enclosure: 'enclos', pit: 'fosse ou cratère', other: 'autre anomalie',
};
export const RELIABILITY_LABEL: Record<string, string> = {
  doubtful: 'douteux', possible: 'possible', probable: 'probable', very_probable: 'très probable',
};

export { HAZARDS, SCENARIOS, type Hazard, type Scenario };
