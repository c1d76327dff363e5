/**
 * The risk method's settings (config/risk.json): scenarios, buffers, per-hazard weights and
 * thresholds, vulnerability modifiers. Validated with zod at load time; a typo is an InputError
 * naming the key, where it is, and the keys expected there. `$comment` keys are allowed anywhere.
 */
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';

// The vocabularies are the contract's (shared with the API, the app and the exports).
import { HAZARDS, LEVELS, NO_DATA, SCENARIOS, SITE_KINDS, type Hazard, type Scenario, type SiteKind } from '../contract/enums.ts';
export { HAZARDS, LEVELS, NO_DATA, SCENARIOS, SITE_KINDS, type Hazard, type Scenario, type SiteKind };

const comment = { $comment: z.string().optional() };
const obj = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ ...shape, ...comment });

const levelName = z.enum(['tres_faible', 'faible', 'moyen', 'fort']);
const levelIndex = z.number().int().min(0).max(3);
/** Three ascending cut points: value ≥ t[0] faible, ≥ t[1] moyen, ≥ t[2] fort. */
const thresholds = z
  .tuple([z.number(), z.number(), z.number()])
  .refine(([a, b, c]) => a <= b && b <= c, 'thresholds must be ascending [faible, moyen, fort]');
const levelCodes = z.record(z.string().regex(/^\d+$/), levelIndex);
const factor = z.number().positive();
const rule = obj({ match: z.string().min(1), factor, hazards: z.array(z.enum(HAZARDS)).optional() });

const hazardShape = obj({
  label: z.string(),
  weight: z.number().min(0),
  raster: obj({ unit: z.string(), thresholds }).optional(),
  zones: obj({
    level_codes: levelCodes,
    tri_inside: levelName.optional(),
    tri_frequent: levelName.optional(),
  }).optional(),
  commune: obj({ level_codes: levelCodes.optional(), thresholds: thresholds.optional(), unit: z.string().optional() }).optional(),
  climate: obj({ indicator: z.string(), unit: z.string(), thresholds }).optional(),
  lines: obj({
    base_year: z.number().int(),
    margins_m: thresholds,
    reach_m: z.number().positive(),
  }).optional(),
});

const scenarioShape = obj({
  label: z.string(),
  year: z.number().int().nullable(),
  flood_tri: z.enum(['01For', '02Moy', '03Mcc', '04Fai']),
});

export const riskConfigSchema = obj({
  version: z.literal(1),
  scenarios: obj(Object.fromEntries(SCENARIOS.map((s) => [s, scenarioShape])) as Record<Scenario, typeof scenarioShape>),
  buffers_m: obj(Object.fromEntries(SITE_KINDS.map((k) => [k, z.number().min(0)])) as Record<SiteKind, z.ZodNumber>),
  hazards: obj(
    Object.fromEntries(HAZARDS.map((h) => [h, hazardShape.optional()])) as Record<Hazard, z.ZodOptional<typeof hazardShape>>,
  ),
  climate: obj({
    neighbours: z.number().int().min(1).max(16),
    max_distance_m: z.number().positive(),
    power: z.number().min(0),
    /** DRIAS scenario/horizon (`RCP8.5/H1`, `REF`) → TRACC warming level, read by the DRIAS importer */
    level_map: z.record(z.string(), z.enum(SCENARIOS)).optional(),
  }),
  modifiers: obj({
    protection: obj({ classe: factor, classe_inscrit: factor, inscrit: factor, inconnue: factor }),
    typology: z.array(rule),
    materials: z.array(rule),
    etat_conservation: z.record(z.string(), factor),
    mitigation: factor,
  }),
});

export type RiskConfig = z.infer<typeof riskConfigSchema>;
export type HazardConfig = z.infer<typeof hazardShape>;

/** The shipped settings, found from the package rather than the working directory. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/risk.json', import.meta.url));

export const LEVEL_INDEX: Record<z.infer<typeof levelName>, number> = { tres_faible: 0, faible: 1, moyen: 2, fort: 3 };

export interface LoadedConfig {
  config: RiskConfig;
  /** sha256 of the file bytes, stored with each run so a score says which settings made it */
  hash: string;
  path: string;
}

export function loadRiskConfig(path = DEFAULT_CONFIG_PATH): LoadedConfig {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read the risk settings (${(err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return { config: parseRiskConfig(json, path), hash: createHash('sha256').update(text).digest('hex'), path: full };
}

/** Validates a parsed settings object; `name` is used in messages. */
export function parseRiskConfig(json: unknown, name = 'risk settings'): RiskConfig {
  const r = riskConfigSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 5).map((issue) => {
    const at = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const expected = expectedKeys(issue.path);
      return `${at === '(top level)' ? '' : at + '.'}${issue.keys.join(', ')}: unknown key; expected one of ${expected.join(', ')}`;
    }
    return `${at}: ${issue.message}`;
  });
  throw new InputError(`${name}: ${lines.join('; ')}`);
}

/** The keys the schema accepts at `path` (for "unknown key" messages). */
function expectedKeys(path: readonly PropertyKey[]): string[] {
  let s: z.ZodType = riskConfigSchema;
  for (const p of path) {
    const inner: z.ZodType = unwrap(s);
    if (inner instanceof z.ZodObject) s = (inner.shape as Record<string, z.ZodType>)[String(p)];
    else if (inner instanceof z.ZodArray) s = inner.element as z.ZodType;
    else return [];
    if (!s) return [];
  }
  const o = unwrap(s);
  return o instanceof z.ZodObject ? Object.keys(o.shape).filter((k) => k !== '$comment') : [];
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
  return cur;
}
