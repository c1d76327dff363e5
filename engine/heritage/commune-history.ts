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
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface CogCommune {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  chefLieu?: string;
  anciensCodes?: string[];
}

let successors: Map<string, string> | undefined;
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
  const require = createRequire(import.meta.url);
  const file = require.resolve('@etalab/decoupage-administratif/data/communes.json');
  const communes = JSON.parse(readFileSync(file, 'utf8')) as CogCommune[];
  const map = new Map<string, string>();
  for (const c of communes) {
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
