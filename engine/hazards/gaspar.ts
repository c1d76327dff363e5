/**
 * The hazard and level vocabularies of French risk-prevention plans (PPR), and how Vigie reads
 * them. Sources: the GASPAR nomenclature as the CNIG « Géostandards Risques » common model
 * v1.0 lists it (enumerations TypeAlea and TypeNiveauAlea), and the CNIG COVADIS → CNIG
 * translation table (`CODERISQUE 1120000 → typealea 112`). docs/risk-method.md shows the same
 * tables; change both together.
 *
 * - `typealea` (CNIG, `112`, `13`) and `coderisque` (COVADIS, 7 digits `1120000`) name the
 *   hazard; the 7-digit code is the typealea padded with zeros. 9999999 / 999 is « multirisque »:
 *   the hazards are in a separate table (COVADIS N_MULTIALEA, CNIG zonemultialeanaturel).
 * - `niveaualea` (CNIG) and `nivalea_st` (COVADIS) are codes 00–07; COVADIS `nivalea` is a word
 *   (Fai / M / F …), read through NIVALEA_WORDS.
 */
import type { Hazard } from './common.ts';

/** CNIG TypeAlea / GASPAR labels (level 2 or 3 of the nomenclature). */
export const TYPEALEA_LABELS: Readonly<Record<string, string>> = {
  '11': 'inondation',
  '112': 'inondation par une crue à débordement lent de cours d’eau',
  '113': 'inondation par une crue torrentielle ou à montée rapide de cours d’eau',
  '114': 'inondation par ruissellement et coulée de boue',
  '115': 'inondation par lave torrentielle (torrent et talweg)',
  '116': 'inondation par remontées de nappes naturelles',
  '117': 'inondation par submersion marine',
  '12': 'mouvement de terrain',
  '121': 'affaissements et effondrements d’origine anthropique (anciennes carrières souterraines, hors mines)',
  '122': 'affaissements et effondrements d’origine naturelle (cavités souterraines)',
  '123': 'éboulement ou chutes de pierres et de blocs',
  '124': 'glissement de terrain',
  '125': 'avancée dunaire',
  '126': 'recul du trait de côte et de falaises',
  '127': 'tassements différentiels',
  '13': 'séisme',
  '14': 'avalanche',
  '15': 'éruption volcanique',
  '16': 'feu de forêt',
  '17': 'phénomène lié à l’atmosphère',
  '171': 'cyclone / ouragan',
  '172': 'tempête et grains (vent)',
  '174': 'foudre',
  '175': 'grêle',
  '176': 'neige et pluies verglaçantes',
  '18': 'radon',
  '19': 'tsunami',
  '21': 'risque industriel',
  '211': 'risque industriel : effet thermique',
  '212': 'risque industriel : effet de surpression',
  '213': 'risque industriel : effet toxique',
  '214': 'risque industriel : effet de projection',
  '22': 'risque nucléaire',
  '23': 'rupture de barrage',
  '24': 'transport de marchandises dangereuses',
  '25': 'engins de guerre',
  '31': 'risque minier : affaissement minier',
  '311': 'risque minier : effondrements généralisés',
  '312': 'risque minier : effondrements localisés',
  '313': 'risque minier : affaissements progressifs',
  '314': 'risque minier : tassements',
  '315': 'risque minier : glissements ou mouvements de pente',
  '316': 'risque minier : coulées',
  '317': 'risque minier : écroulements rocheux',
  '32': 'risque minier : inondations de terrains miniers',
  '321': 'risque minier : pollution des eaux souterraines et de surface',
  '322': 'risque minier : pollution des sédiments et des sols',
  '33': 'risque minier : émissions en surface de gaz de mine',
  '34': 'risque minier : échauffement des terrains de dépôts',
};

/**
 * typealea → Vigie hazard, longest prefix first. 117 (marine submersion) is flood with
 * attrs.submersion; 126 is coastal retreat; 127 (tassements différentiels) is the code of the
 * clay shrink-swell plans (PPR « retrait-gonflement des argiles »); the rest of 12x
 * (cavities, collapses, rock falls, landslides, dune advance) is land movement.
 */
export const TYPEALEA_HAZARD: readonly (readonly [string, Hazard])[] = [
  ['126', 'coastal_retreat'],
  ['127', 'clay'],
  ['117', 'flood'],
  ['11', 'flood'],
  ['12', 'land_movement'],
  ['13', 'seismic'],
  ['16', 'wildfire'],
];

/** Families Vigie does not score: imported as context (stored, shown, never scored). */
export const TYPEALEA_CONTEXT: readonly (readonly [string, string])[] = [
  ['14', 'avalanche'],
  ['15', 'volcanic'],
  ['17', 'atmospheric'],
  ['18', 'radon'],
  ['19', 'tsunami'],
  ['2', 'technological'],
  ['3', 'mining'],
];

/** Context family → French name, for messages and the method doc. */
export const FAMILY_LABELS: Readonly<Record<string, string>> = {
  avalanche: 'avalanche',
  volcanic: 'éruption volcanique',
  atmospheric: 'phénomènes atmosphériques',
  radon: 'radon',
  tsunami: 'tsunami',
  technological: 'risques technologiques (2x)',
  mining: 'risques miniers (3x)',
};

/** CNIG TypeNiveauAlea (also COVADIS nivalea_st). */
export const NIVEAUALEA_LABELS: Readonly<Record<number, string>> = {
  0: 'nul ou négligeable',
  1: 'faible',
  2: 'moyen ou modéré',
  3: 'moyen plus (PPRT)',
  4: 'fort',
  5: 'fort plus (PPRT)',
  6: 'très fort ou majeur',
  7: 'très fort plus ou aggravé',
};

/** COVADIS `nivalea` words (case- and accent-insensitive, whole value) → niveaualea code. */
export const NIVALEA_WORDS: readonly (readonly [RegExp, number])[] = [
  [/^(nul|n|negligeable|nul ou negligeable)$/, 0],
  [/^(fai|faible|fb|f\.)$/, 1],
  [/^(m|moy|moyen|modere|moyen ou modere)$/, 2],
  [/^(m\+|moyen ?plus)$/, 3],
  [/^(f|fort)$/, 4],
  [/^(f\+|fort ?plus)$/, 5],
  [/^(tf|tres fort|majeur|tres fort ou majeur)$/, 6],
  [/^(tf\+|tres fort ?plus|aggrave)$/, 7],
];

export type AleaClass =
  | { kind: 'hazard'; code: string; label: string; hazard: Hazard }
  | { kind: 'context'; code: string; label: string; family: string }
  | { kind: 'multi'; code: string; label: string };

/** `1120000` → `112`, `1300000` → `13`, ` 112 ` → `112`; undefined for anything not a code. */
export function typealeaCode(raw: unknown): string | undefined {
  const s = String(raw ?? '').trim().replace(/\.0+$/, '');
  if (!/^\d{2,7}$/.test(s)) return undefined;
  if (/^9{3,7}$/.test(s)) return s;
  if (s.length === 7) return s.replace(/0+$/, '').padEnd(2, '0');
  return s;
}

/** What a typealea / coderisque means for Vigie; undefined when it is no GASPAR code. */
export function classifyAlea(raw: unknown): AleaClass | undefined {
  const code = typealeaCode(raw);
  if (!code) return undefined;
  if (/^9{3,7}$/.test(code)) return { kind: 'multi', code, label: 'multirisque' };
  const label = TYPEALEA_LABELS[code];
  if (!label) return undefined;
  const h = TYPEALEA_HAZARD.find(([p]) => code.startsWith(p));
  if (h) return { kind: 'hazard', code, label, hazard: h[1] };
  const c = TYPEALEA_CONTEXT.find(([p]) => code.startsWith(p));
  if (c) return { kind: 'context', code, label, family: c[1] };
  return undefined;
}

/** A niveaualea / nivalea_st code (`04`, 4) → 0–7; undefined when it is not one. */
export function niveauCode(raw: unknown): number | undefined {
  const s = String(raw ?? '').trim();
  if (!/^0?[0-7](\.0+)?$/.test(s)) return undefined;
  return Number(s);
}

/** A COVADIS nivalea word (`Fai`, `M`, `F`) → 0–7; undefined when not one. */
export function nivaleaWord(raw: unknown): number | undefined {
  const s = String(raw ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();
  return NIVALEA_WORDS.find(([re]) => re.test(s))?.[1];
}

export interface LevelReading {
  /** 0–7, or null when the feature carries no usable level */
  code: number | null;
  /** the field it was read from */
  field?: string;
  /** an unusable value (field and raw value) */
  bad?: { field: string; value: string };
  /** nivalea and nivalea_st disagree: the code kept and the word's */
  conflict?: { field: string; value: string; code: number };
}

/** The level of a PPR zone from niveaualea, else nivalea_st, else the nivalea word. */
export function readLevel(props: Record<string, unknown>): LevelReading {
  const get = (names: readonly string[]): [string, unknown] | undefined => {
    for (const n of names) for (const k in props) if (k.toLowerCase() === n && props[k] !== null && String(props[k]).trim() !== '') return [k, props[k]];
    return undefined;
  };
  const coded = get(['niveaualea', 'codeniveaualea', 'nivalea_st', 'niv_alea_st']);
  const word = get(['nivalea', 'niv_alea']);
  const wordCode = word ? nivaleaWord(word[1]) : undefined;
  if (coded) {
    const c = niveauCode(coded[1]);
    if (c === undefined) {
      if (wordCode !== undefined) return { code: wordCode, field: word![0], bad: { field: coded[0], value: String(coded[1]) } };
      return { code: null, bad: { field: coded[0], value: String(coded[1]) } };
    }
    if (word && wordCode !== undefined && wordCode !== c) return { code: c, field: coded[0], conflict: { field: word[0], value: String(word[1]), code: wordCode } };
    return { code: c, field: coded[0] };
  }
  if (word) {
    if (wordCode !== undefined) return { code: wordCode, field: word[0] };
    return { code: null, bad: { field: word[0], value: String(word[1]) } };
  }
  return { code: null };
}
