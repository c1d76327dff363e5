/**
 * Names of the départements and overseas collectivities by INSEE code (« 56 » → « Morbihan »),
 * from the Code officiel géographique (INSEE, Licence Ouverte) as packaged by Etalab in
 * `@etalab/decoupage-administratif` (MIT). Read once, on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let names: Readonly<Record<string, string>> | undefined;

export function departementNames(): Readonly<Record<string, string>> {
  if (names) return names;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@etalab/decoupage-administratif/data/departements.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as { code: string; nom: string }[];
  names = Object.freeze(Object.fromEntries(list.map((d) => [d.code, d.nom])));
  return names;
}
