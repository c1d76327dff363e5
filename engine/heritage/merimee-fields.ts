/**
 * The one alias table of the Mérimée importer: canonical field → the column names the real
 * exports use, most specific first:
 *   [0] the POP 2023+ export (`merimee.csv`, `|`, Capitalised_With_Underscores),
 *   [1] its snake_case twin,
 *   then the open-data portal's display labels (`Référence`, `Appellation courante`, `Date de
 *   protection`, `coordonnees`, `Longitude`…) and their slugified field names (`reference`,
 *   `appellation_courante`…), then the legacy POP field codes (`REF`, `TICO`, `DPRO`, `PPRO`,
 *   `INSEE`, `DPT`, `SCLE`, `STAT`…).
 * Header names are matched after folding case, accents and punctuation (`Référence`,
 * `REFERENCE` and `reference` are one name). When several columns of a header match one field,
 * the one matching the earlier alias wins (`Code département` "67" before `Département` "Bas-Rhin").
 */
import { InputError, show, where } from '../errors.ts';

export const MERIMEE_FIELDS = {
  reference: ['Reference', 'reference', 'REF', 'Référence Mérimée', 'ref_merimee'],
  titre: ['Titre_editorial_de_la_notice', 'titre_editorial_de_la_notice', 'Appellation courante', 'appellation', 'TICO', 'APPL', 'Titre courant', 'titre'],
  denomination: ['Denomination_de_l_edifice', 'denomination_de_l_edifice', 'Dénomination', 'DENO'],
  typologie_protection: ['Typologie_de_la_protection', 'typologie_de_la_protection', 'Nature de la protection', 'PROT', 'typologie_protection'],
  dates_protection: ['Date_et_typologie_de_la_protection', 'date_et_typologie_de_la_protection', 'Date de protection', 'DPRO', 'date_protection'],
  precision_protection: ['Precision_de_la_protection', 'precision_de_la_protection', 'Précision protection', 'PPRO'],
  commune: ['Commune_forme_editoriale', 'commune_forme_editoriale', 'Commune', 'COM', 'Commune 1', 'nom_commune'],
  adresse: ['Adresse_forme_editoriale', 'adresse_forme_editoriale', 'Adresse', 'ADRS', 'Adresse 1'],
  insee: ['COG_Insee_lors_de_la_protection', 'cog_insee_lors_de_la_protection', 'INSEE', 'code_insee', 'cog_insee'],
  departement: ['Departement_format_numerique', 'departement_format_numerique', 'Code département', 'DPT', 'code_dep', 'Département'],
  region: ['Region', 'region', 'Région', 'REG'],
  siecle: ['Siecle_de_la_campagne_principale_de_construction', 'siecle_de_la_campagne_principale_de_construction', 'Siècle', 'SCLE'],
  materiaux: ['Materiaux_du_gros_oeuvre', 'materiaux_du_gros_oeuvre', 'Matériaux', 'MURS'],
  statut_juridique: ['Statut_juridique_de_l_edifice', 'statut_juridique_de_l_edifice', 'Statut juridique', 'Statut', 'STAT'],
  coordonnees: ['coordonnees_au_format_WGS84', 'coordonnees_au_format_wgs84', 'coordonnees', 'geolocalisation', 'geo_point_2d', 'coordonnees_wgs84'],
  longitude: ['Longitude', 'longitude', 'lon', 'lng', 'x_wgs84'],
  latitude: ['Latitude', 'latitude', 'lat', 'y_wgs84'],
  // Not stored: its latest value is the vintage of the file.
  mise_a_jour: ['Date_de_la_derniere_mise_a_jour', 'date_de_la_derniere_mise_a_jour', 'DMAJ', 'date_de_derniere_mise_a_jour'],
} as const satisfies Record<string, readonly [pop: string, snake: string, ...more: string[]]>;

export type MerimeeField = keyof typeof MERIMEE_FIELDS;

export interface MerimeeColumns {
  /** index of each canonical field in the header, when present */
  readonly index: Partial<Record<MerimeeField, number>>;
  /** the header's own spelling of each present field, for messages */
  readonly name: Partial<Record<MerimeeField, string>>;
  /** which export the header looks like, for the report */
  readonly spelling: 'pop' | 'pop-snake' | 'open-data' | 'pop-codes';
}

const EXPECTED_HEADER =
  'the POP header with Reference, Titre_editorial_de_la_notice, Typologie_de_la_protection, … ' +
  'or the open-data header with reference, titre_editorial_de_la_notice, typologie_de_la_protection, … ' +
  '(or Référence, Appellation courante, Date de protection, …), or the POP field codes REF|…|INSEE|TICO|…|DPRO';
export const MERIMEE_EXPECTED = `a Mérimée export: ${EXPECTED_HEADER}`;

/**
 * Folded alias → [field, rank] (rank: position in the field's list). Legacy POP codes (`REF`,
 * `COM`, `DPT`…) are matched exactly, upper case as published: folded, `ref` or `com` would
 * read any column so named as a Mérimée field.
 */
const BY_FOLDED = new Map<string, [MerimeeField, number]>();
const BY_CODE = new Map<string, [MerimeeField, number]>();
const LEGACY_CODE = /^[A-Z]{3,4}$/;
for (const [field, names] of Object.entries(MERIMEE_FIELDS) as [MerimeeField, readonly string[]][]) {
  names.forEach((n, rank) => {
    if (LEGACY_CODE.test(n)) BY_CODE.set(n, [field, rank]);
    else if (!BY_FOLDED.has(fold(n))) BY_FOLDED.set(fold(n), [field, rank]);
  });
}

/** Maps a header to canonical fields; throws InputError when it is not a Mérimée header. */
export function resolveMerimeeColumns(file: string, header: readonly string[]): MerimeeColumns {
  const index: Partial<Record<MerimeeField, number>> = {};
  const name: Partial<Record<MerimeeField, string>> = {};
  const rank: Partial<Record<MerimeeField, number>> = {};
  header.forEach((h, i) => {
    const hit = BY_CODE.get(h) ?? BY_FOLDED.get(fold(h));
    if (!hit) return;
    const [field, r] = hit;
    if (rank[field] === undefined || r < rank[field]!) {
      index[field] = i;
      name[field] = h;
      rank[field] = r;
    }
  });
  if (index.reference === undefined) {
    const known = Object.keys(index).length;
    const got = header.length === 1 ? `one column ${show(header[0], 80)} (wrong separator?)` : `${header.length} columns, ${known} known`;
    throw new InputError(`${where(file, 1)}: no "Reference" column in a header of ${got} (expected ${EXPECTED_HEADER})`);
  }
  const has = (k: 0 | 1) => Object.values(MERIMEE_FIELDS).some((names) => names[k].includes('_') && header.includes(names[k]));
  const codes = header.includes('REF') && (header.includes('TICO') || header.includes('DPRO'));
  const spelling = codes ? 'pop-codes' : has(0) ? 'pop' : has(1) ? 'pop-snake' : 'open-data';
  return { index, name, spelling };
}

/**
 * Key columns absent from the header, each with the names that would have been read, so a
 * report says it once for the file rather than « is empty » on every row.
 */
export function missingKeyColumns(columns: MerimeeColumns): { what: string; expected: string[] }[] {
  const has = (f: MerimeeField) => columns.index[f] !== undefined;
  const missing: { what: string; expected: string[] }[] = [];
  if (!has('typologie_protection') && !has('dates_protection') && !has('precision_protection')) {
    missing.push({
      what: 'protection',
      expected: [...MERIMEE_FIELDS.typologie_protection.slice(0, 4), ...MERIMEE_FIELDS.dates_protection.slice(0, 4)],
    });
  }
  if (!has('coordonnees') && !(has('longitude') && has('latitude'))) {
    missing.push({ what: 'coordinates', expected: [...MERIMEE_FIELDS.coordonnees.slice(0, 3), 'Longitude + Latitude'] });
  }
  if (!has('insee')) missing.push({ what: 'INSEE code', expected: [...MERIMEE_FIELDS.insee.slice(0, 3)] });
  if (!has('titre')) missing.push({ what: 'name', expected: [...MERIMEE_FIELDS.titre.slice(0, 4)] });
  return missing;
}

export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
