/**
 * The Code officiel géographique (INSEE, Licence Ouverte) as packaged by Etalab in
 * `@etalab/decoupage-administratif` (MIT): its data files, and the départements' names.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** One of the package's data files (`communes`, `departements`…), parsed. */
export function readCog<T>(name: 'communes' | 'departements'): T {
  const file = createRequire(import.meta.url).resolve(`@etalab/decoupage-administratif/data/${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

let names: Readonly<Record<string, string>> | undefined;

/** Names of the départements and overseas collectivities by INSEE code (« 56 » → « Morbihan »); read once. */
export function departementNames(): Readonly<Record<string, string>> {
  names ??= Object.freeze(Object.fromEntries(readCog<{ code: string; nom: string }[]>('departements').map((d) => [d.code, d.nom])));
  return names;
}
