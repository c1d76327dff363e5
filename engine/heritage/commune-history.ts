/**
 * INSEE codes of communes that no longer exist — merged into a « commune nouvelle », or kept as
 * a « commune déléguée » / « commune associée » of another — mapped to the commune that took them
 * in. Records written before a merger (Mérimée notices, museum lists, condition surveys) still
 * carry the old code, which a communes file of a later year lacks.
 *
 * Source: the Code officiel géographique (INSEE, Licence Ouverte) as packaged by Etalab in
 * `@etalab/decoupage-administratif` (MIT): `chefLieu` of each commune déléguée / associée, and
 * `anciensCodes` of each current commune. Read once, on the first code that needs it.
 */
import { readCog } from './cog.ts';

interface CogCommune {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  chefLieu?: string;
  anciensCodes?: string[];
}

/**
 * Communes restored after 2017 (a commune nouvelle dissolved, or left by some of its members):
 * the COG lists them as current communes with no history, so a communes file of 2017–2019 — the
 * 2018 one in `../shared` — lacks their code and knows their land only as part of the commune
 * nouvelle that held them then. Entered by hand from the INSEE « événements sur les communes »
 * (rétablissements), each row checked against that 2018 file (the holder is there under the
 * name given, the restored code is not) and against the packaged COG (a current commune today).
 */
export const RESTORED_COMMUNES: ReadonlyArray<{ code: string; nom: string; heldBy: string; heldByName: string }> = [
  { code: '14666', nom: 'Sannerville', heldBy: '14712', heldByName: 'Saline' },
  { code: '15031', nom: 'Celles', heldBy: '15141', heldByName: 'Neussargues en Pinatelle' },
  { code: '15035', nom: 'Chalinargues', heldBy: '15141', heldByName: 'Neussargues en Pinatelle' },
  { code: '15047', nom: 'Chavagnac', heldBy: '15141', heldByName: 'Neussargues en Pinatelle' },
  { code: '15171', nom: 'Sainte-Anastasie', heldBy: '15141', heldByName: 'Neussargues en Pinatelle' },
  { code: '85165', nom: "L'Oie", heldBy: '85084', heldByName: 'Essarts en Bocage' },
  { code: '85212', nom: 'Sainte-Florence', heldBy: '85084', heldByName: 'Essarts en Bocage' },
];

/** The commune nouvelle that held a commune restored since (RESTORED_COMMUNES), if it is one. */
export function heldBeforeRestoration(code: string): { code: string; nom: string } | undefined {
  const row = RESTORED_COMMUNES.find((r) => r.code === code);
  return row ? { code: row.heldBy, nom: row.heldByName } : undefined;
}

let successors: Map<string, string> | undefined;
/** current commune → its name today */
let currentNames: Map<string, string> | undefined;
/** current commune → the codes it took in (its anciens codes, its communes déléguées / associées) */
let members: Map<string, string[]> | undefined;

function load(): Map<string, string> {
  if (successors) return successors;
  const taken = new Map<string, string[]>();
  const add = (into: string, code: string) => {
    if (into === code) return;
    const list = taken.get(into) ?? [];
    if (!list.includes(code)) list.push(code);
    taken.set(into, list);
  };
  const communes = readCog<CogCommune[]>('communes');
  const map = new Map<string, string>();
  const names = new Map<string, string>();
  for (const c of communes) {
    if (c.type === 'commune-actuelle') names.set(c.code, c.nom);
    if ((c.type === 'commune-deleguee' || c.type === 'commune-associee') && c.chefLieu && c.chefLieu !== c.code) {
      map.set(c.code, c.chefLieu);
      add(c.chefLieu, c.code);
    }
  }
  for (const c of communes) {
    if (c.type !== 'commune-actuelle') continue;
    for (const old of c.anciensCodes ?? []) {
      if (old !== c.code && !map.has(old)) map.set(old, c.code);
      add(c.code, old);
    }
  }
  successors = map;
  members = taken;
  currentNames = names;
  return map;
}

/**
 * The codes the commune `code` took in: its anciens codes and its communes déléguées or
 * associées. A communes file of an earlier year may know the commune under one of them (a
 * commune nouvelle whose code changed with its chef-lieu).
 */
export function formerMembersOf(code: string): readonly string[] {
  load();
  return members!.get(code) ?? [];
}

/** The name of the current commune `code` in the COG (undefined when the code is not a current commune). */
export function currentNameOf(code: string): string | undefined {
  load();
  return currentNames!.get(code);
}

/**
 * The communes that took in `code`, nearest first: the commune it merged into, then the one that
 * one merged into, and so on (a commune merged in 2016 whose commune nouvelle merged again in
 * 2019). Empty when the code was never merged (or is unknown to the COG).
 */
export function successorsOf(code: string): string[] {
  const map = load();
  const chain: string[] = [];
  let next = map.get(code);
  while (next && !chain.includes(next) && next !== code) {
    chain.push(next);
    next = map.get(next);
  }
  return chain;
}
