/**
 * The communes the monument filter offers: those of the chosen département (or of the chosen
 * commune's); with none chosen, all of them only while they are few. A national base has
 * 16,000 communes with monuments: a list nobody can scroll, and thousands of elements to lay out.
 */
export interface CommuneChoice {
  items: { insee: string; nom: string }[];
  /** too many communes to list without a département */
  needsDepartement: boolean;
}

/** With no département chosen, the filter lists every commune up to this many (a region). */
export const COMMUNE_LIST_MAX = 600;

export function communeChoiceOf(
  monuments: readonly { insee: string | null; commune: string | null; departement: string | null }[],
  departement: string,
  insee: string,
  max = COMMUNE_LIST_MAX,
): CommuneChoice {
  const dep = departement || (insee ? (monuments.find((m) => m.insee === insee)?.departement ?? '') : '');
  const seen = new Map<string, string>();
  for (const m of monuments) {
    if (m.insee && (!dep || m.departement === dep)) seen.set(m.insee, m.commune ?? m.insee);
  }
  if (!dep && seen.size > max) return { items: [], needsDepartement: true };
  const items = [...seen].map(([code, nom]) => ({ insee: code, nom })).sort((a, b) => a.nom.localeCompare(b.nom, 'fr'));
  return { items, needsDepartement: false };
}
