/**
 * French names in exported field names, CSV headers and the PDF: the contract's labels
 * (engine/contract/labels.ts, shared with the web app), in the form a sentence or a lower-case
 * column title needs.
 */
import { HAZARDS, SCENARIOS, type Hazard, type Scenario } from '../contract/enums.ts';
import { CLASS_LABEL, RELIABILITY_LABEL as RELIABILITY, SCENARIO_LABEL as SCENARIO, SCENARIO_SHORT as SHORT, lower, levelLabel as level } from '../contract/labels.ts';

export { HAZARD_FIELD, HAZARD_LABEL, SCENARIO_FIELD } from '../contract/labels.ts';

const lowerAll = <K extends string>(r: Record<K, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, lower(v as string)])) as Record<K, string>;

/** « référence (climat actuel) », « +2,7 °C (2050) »: inside sentences. */
export const SCENARIO_LABEL: Record<Scenario, string> = lowerAll(SCENARIO);
/** « réf. », « +2,7 °C »: inside column titles. */
export const SCENARIO_SHORT: Record<Scenario, string> = lowerAll(SHORT);
/** « fort », « donnée absente ». */
export const levelLabel = (i: number | null | undefined): string => lower(level(i));
/** « tumulus », « plateforme de charbonnière »… (also the values ArchéologIA files carry) */
export const DETECTION_CLASS_LABEL: Record<string, string> = lowerAll(CLASS_LABEL);
export const RELIABILITY_LABEL: Record<string, string> = lowerAll(RELIABILITY);

export { HAZARDS, SCENARIOS, type Hazard, type Scenario };
