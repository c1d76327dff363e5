/**
 * Place names in the Breton/French style of the region: commune names from syllables, saints,
 * articles and « -sur-Mer »; lieux-dits for addresses and monument titles.
 */
import type { Rng } from '../rng.ts';

const PREFIXES = ['Plou', 'Plo', 'Pleu', 'Plé', 'Lan', 'Loc', 'Tré', 'Ker', 'Guer', 'Pen', 'Lo', 'Gui', 'Bré', 'Mor', 'Lann', 'Quer', 'Tré', 'Gour', 'Mal', 'Coët'];
const ROOTS = ['gastel', 'harnel', 'ermel', 'meur', 'lin', 'néven', 'mel', 'gonven', 'aret', 'dren', 'ven', 'bihan', 'hinec', 'ouarn', 'idy', 'evel', 'dour', 'nec', 'guen', 'illac', 'éour', 'ivy', 'arzel', 'asquer', 'drézec', 'velin', 'ahé', 'morvan', 'lédan', 'bérien', 'hoët', 'névez', 'scoat', 'ergat', 'ouër', 'elan'];
const SAINTS = ['Gildas', 'Armel', 'Brieuc', 'Malo', 'Pierre', 'Jean', 'Nolff', 'Avé', 'Tugdual', 'Guénolé', 'Corentin', 'Yves', 'Efflam', 'Méen', 'Goustan', 'Gonnery', 'Caradec', 'Aignan', 'Marcel', 'Nicolas', 'Servant', 'Congard', 'Dolay', 'Jacut', 'Léry', 'Herblon', 'Thuriau', 'Gérand', 'Samson', 'Vincent'];
const FEMALE_SAINTS = ['Anne', 'Hélène', 'Brigitte', 'Marie', 'Noyale', 'Tréphine', 'Barbe'];
const LE = ['Faouët', 'Sourn', 'Hézo', 'Cloître', 'Bono', 'Trévoux', 'Croisty', 'Cours', 'Palud', 'Vieux-Marché', 'Quillio'];
const LA = ['Trinité', 'Vraie-Croix', 'Chapelle-Neuve', 'Grée', 'Motte', 'Roche-Derrien', 'Feuillée', 'Forêt', 'Lande'];
const LIEU_PREFIX = ['Ker', 'Ker', 'Ker', 'Coët', 'Toul', 'Men', 'Pen', 'Lann', 'Kervi', 'Poul', 'Roz', 'Gwaz'];
const LIEU_ROOT = ['guen', 'lann', 'hervé', 'maria', 'drého', 'dual', 'gonan', 'dréan', 'bihan', 'ouriec', 'nevez', 'roc’h', 'azic', 'vénec', 'hoët', 'madec', 'ollivier', 'morvan', 'ével', 'yvon', 'caradec', 'loch', 'léo', 'hir'];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function communeName(rng: Rng, ctx: { coastal: boolean; riverShort?: string }): string {
  const kind = rng.weighted(['breton', 'saint', 'le', 'la'], [70, 20, 5, 5]);
  let name: string;
  if (kind === 'breton') {
    const p = rng.pick(PREFIXES);
    name = p.endsWith('-') ? p + cap(rng.pick(ROOTS)) : p + rng.pick(ROOTS);
  } else if (kind === 'saint') {
    name = rng.chance(0.8) ? `Saint-${rng.pick(SAINTS)}` : `Sainte-${rng.pick(FEMALE_SAINTS)}`;
    if (rng.chance(0.3)) name += `-de-${cap(rng.pick(PREFIXES).toLowerCase() + rng.pick(ROOTS))}`;
  } else if (kind === 'le') {
    name = rng.chance(0.5) ? `Le ${rng.pick(LE)}` : `Le ${rng.pick(PREFIXES)}${rng.pick(ROOTS)}`;
  } else {
    name = `La ${rng.pick(LA)}`;
  }
  if (ctx.coastal && rng.chance(0.3)) name += '-sur-Mer';
  else if (ctx.riverShort && rng.chance(0.25)) name += `-sur-${ctx.riverShort}`;
  return name;
}

export function lieuDit(rng: Rng): string {
  return rng.pick(LIEU_PREFIX) + rng.pick(LIEU_ROOT);
}

export function saint(rng: Rng): string {
  return rng.chance(0.85) ? `Saint-${rng.pick(SAINTS)}` : `Sainte-${rng.pick(FEMALE_SAINTS)}`;
}
