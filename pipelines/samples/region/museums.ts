/**
 * Musées de France and Sites patrimoniaux remarquables of the region, in their published CSV
 * shapes: museums with a "lat,lon" field (some empty), SPR keyed by INSEE code with no geometry.
 */
import { Rng } from '../rng.ts';
import { DEPARTEMENT_NAME, type Commune, type CommuneSet } from './communes.ts';
import type { Placer } from './placement.ts';
import { csvText } from './writers.ts';

const MUSEUM_NAMES = [
  (c: string) => `Musée de la Pêche de ${c}`,
  (c: string) => `Musée d'art et d'histoire de ${c}`,
  (c: string) => `Écomusée de ${c}`,
  (c: string) => `Musée de la Préhistoire de ${c}`,
  (c: string) => `Musée des Beaux-Arts de ${c}`,
  (c: string) => `Musée de la Compagnie des Indes`,
  (c: string) => `Musée des Thoniers de ${c}`,
  (c: string) => `Maison des mégalithes de ${c}`,
];

export function buildMuseums(seed: number, set: CommuneSet, placer: Placer): { csv: string; count: number; withoutCoordinates: string[] } {
  const rng = new Rng(seed).fork('museums');
  const towns = rankedTowns(set.communes).slice(0, 15);
  const noCoords = new Set([3, 8, 12]);
  const rows = towns.map((c, i) => {
    const ref = `M${String(5100 + i * 7).padStart(4, '0')}`;
    const at = placer.place(rng, c, 'bourg');
    const name = rng.pick(MUSEUM_NAMES)(c.name);
    return [ref, name, c.name, DEPARTEMENT_NAME, noCoords.has(i) ? '' : `${at.lonLat[1]},${at.lonLat[0]}`];
  });
  const csv = csvText(['ref_musee', 'nom_du_musee', 'ville', 'departement', 'coordonnees_finales'], rows, ';');
  return { csv, count: rows.length, withoutCoordinates: rows.filter((r) => r[4] === '').map((r) => r[0]) };
}

export function buildSpr(seed: number, set: CommuneSet): { csv: string; count: number } {
  const rng = new Rng(seed).fork('spr');
  const towns = rankedTowns(set.communes).slice(0, 8);
  const rows = [...towns]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((c) => {
      // Most SPR date from the 2016 law that turned ZPPAUP and AVAP into SPR.
      const date = rng.chance(0.6) ? '2016-07-07' : `${rng.int(2017, 2024)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
      return [c.code, c.name, `Site patrimonial remarquable de ${c.name}`, date];
    });
  return { csv: csvText(['code_insee', 'commune', 'nom_spr', 'date_creation'], rows, ';'), count: rows.length };
}

function rankedTowns(communes: readonly Commune[]): Commune[] {
  return [...communes].sort((a, b) => b.importance - a.importance || a.code.localeCompare(b.code));
}
