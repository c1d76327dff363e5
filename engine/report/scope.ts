/**
 * What part of the territory an export or report covers: `region` (everything in the
 * database), `department:56` (or `departement:56`) or `commune:56001`. Parsed at the boundary,
 * checked against the communes and scored sites, and turned into SQL filters.
 */
import { InputError, NotFoundError, show } from '../errors.ts';
import type { Store } from '../store/store.ts';

export type ScopeKind = 'region' | 'departement' | 'commune';

export interface Scope {
  kind: ScopeKind;
  code: string | null;
  /** French label for titles: « Commune de Bréasquer (56001) », « Département 56 », « Région Bretagne » */
  label: string;
  /** the text as given, normalised: region | department:56 | commune:56001 */
  text: string;
}

const SYNTAX = 'expected region, department:XX or commune:XXXXX';

export function parseScope(text: string | undefined): Omit<Scope, 'label'> {
  const s = (text ?? 'region').trim();
  if (s === 'region' || s === 'région') return { kind: 'region', code: null, text: 'region' };
  const m = /^(department|departement|département|dep|commune):(.+)$/i.exec(s);
  if (!m) throw new InputError(`unknown scope ${JSON.stringify(s)}: ${SYNTAX}`, { fr: `Périmètre inconnu : ${show(s)} (attendu : region, department:XX ou commune:XXXXX).` });
  const code = m[2].trim().toUpperCase();
  if (m[1].toLowerCase() === 'commune') {
    if (!/^(\d{5}|2[AB]\d{3})$/.test(code)) throw new InputError(`scope ${JSON.stringify(s)}: ${JSON.stringify(m[2])} is not an INSEE commune code (5 digits, or 2A/2B + 3 digits)`, {
      fr: `Périmètre ${show(s)} : ${show(m[2])} n'est pas un code INSEE de commune (5 chiffres, ou 2A/2B + 3 chiffres).`,
    });
    return { kind: 'commune', code, text: `commune:${code}` };
  }
  if (!/^(\d{2,3}|2[AB]|[\w-]{1,12})$/.test(code)) throw new InputError(`scope ${JSON.stringify(s)}: ${JSON.stringify(m[2])} is not a department code (e.g. 56, 2A, 974)`, {
    fr: `Périmètre ${show(s)} : ${show(m[2])} n'est pas un code de département (par ex. 56, 2A, 974).`,
  });
  return { kind: 'departement', code, text: `department:${code}` };
}

/** Parses and checks that the department or commune exists (NotFoundError naming known codes otherwise). */
export async function resolveScope(store: Store, text: string | undefined): Promise<Scope> {
  const p = parseScope(text);
  if (p.kind === 'region') {
    const names = await store.all<{ region: string }>(
      `SELECT DISTINCT region FROM (SELECT region FROM risk_sites UNION ALL SELECT region FROM communes) WHERE region IS NOT NULL ORDER BY 1`,
    );
    const label = names.length === 1 ? `Région ${names[0].region}` : 'Ensemble du territoire';
    return { ...p, label };
  }
  if (p.kind === 'departement') {
    const n = Number(await store.value(
      `SELECT (SELECT count(*) FROM communes WHERE departement = $1) + (SELECT count(*) FROM risk_sites WHERE departement = $1)`, [p.code],
    ));
    if (n === 0) {
      const known = await store.all<{ d: string }>(`SELECT DISTINCT departement AS d FROM communes WHERE departement IS NOT NULL ORDER BY 1 LIMIT 20`);
      throw new NotFoundError(`unknown department ${JSON.stringify(p.code)} in scope ${JSON.stringify(text)}: known departments are ${known.map((r) => r.d).join(', ') || '(none: import communes first)'}`, {
        fr: `Département inconnu : ${show(p.code)} (départements connus : ${known.map((r) => r.d).join(', ') || 'aucun, importer d\'abord les communes'}).`,
      });
    }
    return { ...p, label: `Département ${p.code}` };
  }
  const row = await store.one<{ nom: string }>(`SELECT nom FROM communes WHERE code_insee = $1`, [p.code]);
  if (!row) {
    const scored = Number(await store.value(`SELECT count(*) FROM risk_sites WHERE insee = $1`, [p.code]));
    if (scored === 0) throw new NotFoundError(`unknown commune ${p.code} in scope ${JSON.stringify(text)}: no such INSEE code in the communes table`, {
      fr: `Commune inconnue : aucun code INSEE ${p.code} dans la table des communes.`,
    });
    return { ...p, label: `Commune ${p.code}` };
  }
  return { ...p, label: `Commune de ${row.nom} (${p.code})` };
}

/** SQL predicate on a table alias that has `insee` and `departement` columns; `$n` placeholders start at `first`. */
export function scopeWhere(scope: Scope, alias: string, first: number): { sql: string; params: string[] } {
  if (scope.kind === 'region') return { sql: 'TRUE', params: [] };
  const col = scope.kind === 'commune' ? `${alias}.insee` : `${alias}.departement`;
  return { sql: `${col} = $${first}`, params: [scope.code!] };
}

/** Same predicate for the communes table (code_insee / departement). */
export function scopeWhereCommunes(scope: Scope, alias: string, first: number): { sql: string; params: string[] } {
  if (scope.kind === 'region') return { sql: 'TRUE', params: [] };
  const col = scope.kind === 'commune' ? `${alias}.code_insee` : `${alias}.departement`;
  return { sql: `${col} = $${first}`, params: [scope.code!] };
}
