/**
 * The one alias table of the Mérimée importer: canonical field → the column name in the POP
 * export (`merimee.csv`, `|`-separated, Capitalised_With_Underscores) and in the open-data
 * portal export (`;`-separated, snake_case). Header names are matched after folding case and
 * accents, so re-saved files (`Référence`, `REFERENCE`) are read too.
 */
import { InputError, show, where } from '../errors.ts';

export const MERIMEE_FIELDS = {
  reference: ['Reference', 'reference'],
  titre: ['Titre_editorial_de_la_notice', 'titre_editorial_de_la_notice'],
  denomination: ['Denomination_de_l_edifice', 'denomination_de_l_edifice'],
  typologie_protection: ['Typologie_de_la_protection', 'typologie_de_la_protection'],
  dates_protection: ['Date_et_typologie_de_la_protection', 'date_et_typologie_de_la_protection'],
  commune: ['Commune_forme_editoriale', 'commune_forme_editoriale'],
  adresse: ['Adresse_forme_editoriale', 'adresse_forme_editoriale'],
  insee: ['COG_Insee_lors_de_la_protection', 'cog_insee_lors_de_la_protection'],
  departement: ['Departement_format_numerique', 'departement_format_numerique'],
  region: ['Region', 'region'],
  siecle: ['Siecle_de_la_campagne_principale_de_construction', 'siecle_de_la_campagne_principale_de_construction'],
  materiaux: ['Materiaux_du_gros_oeuvre', 'materiaux_du_gros_oeuvre'],
  statut_juridique: ['Statut_juridique_de_l_edifice', 'statut_juridique_de_l_edifice'],
  coordonnees: ['coordonnees_au_format_WGS84', 'coordonnees_au_format_wgs84'],
  // Not stored: its latest value is the vintage of the file.
  mise_a_jour: ['Date_de_la_derniere_mise_a_jour', 'date_de_la_derniere_mise_a_jour'],
} as const satisfies Record<string, readonly [pop: string, openData: string, ...more: string[]]>;

export type MerimeeField = keyof typeof MERIMEE_FIELDS;

export interface MerimeeColumns {
  /** index of each canonical field in the header, when present */
  readonly index: Partial<Record<MerimeeField, number>>;
  /** the header's own spelling of each present field, for messages */
  readonly name: Partial<Record<MerimeeField, string>>;
}

const EXPECTED_HEADER =
  'the POP header with Reference, Titre_editorial_de_la_notice, Typologie_de_la_protection, … ' +
  'or the open-data header with reference, titre_editorial_de_la_notice, typologie_de_la_protection, …';
export const MERIMEE_EXPECTED = `a Mérimée export: ${EXPECTED_HEADER}`;

const BY_FOLDED = new Map<string, MerimeeField>();
for (const [field, names] of Object.entries(MERIMEE_FIELDS) as [MerimeeField, readonly string[]][]) {
  for (const n of names) BY_FOLDED.set(fold(n), field);
}

/** Maps a header to canonical fields; throws InputError when it is not a Mérimée header. */
export function resolveMerimeeColumns(file: string, header: readonly string[]): MerimeeColumns {
  const index: Partial<Record<MerimeeField, number>> = {};
  const name: Partial<Record<MerimeeField, string>> = {};
  header.forEach((h, i) => {
    const field = BY_FOLDED.get(fold(h));
    if (field && index[field] === undefined) {
      index[field] = i;
      name[field] = h;
    }
  });
  if (index.reference === undefined) {
    const known = Object.keys(index).length;
    const got = header.length === 1 ? `one column ${show(header[0], 80)} (wrong separator?)` : `${header.length} columns, ${known} known`;
    throw new InputError(`${where(file, 1)}: no "Reference" column in a header of ${got} (expected ${EXPECTED_HEADER})`);
  }
  return { index, name };
}

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
