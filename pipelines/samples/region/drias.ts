/**
 * DRIAS-like climate indicator exports, one text file per warming level of the TRACC
 * (reference, +2.0, +2.7, +4 °C): `#` header lines, then `;` columns on an 8 km grid.
 * Heat and drought grow with the warming level and away from the sea.
 */
import { toWgs84 } from '../../../engine/geo/crs.ts';
import { Rng } from '../rng.ts';
import { REGION_BBOX, type Geography } from './geography.ts';
import { round } from './writers.ts';

export const DRIAS_LEVELS = [
  { file: 'drias_ref.txt', key: 'ref', contexte: 'Référence', periode: '1976-2005', gwl: 0, label: 'Période de référence (1976-2005)' },
  { file: 'drias_gwl20.txt', key: 'gwl20', contexte: 'TRACC +2.0°C', periode: 'GWL20', gwl: 2.0, label: 'Niveau de réchauffement +2,0 °C en France (horizon 2030)' },
  { file: 'drias_gwl27.txt', key: 'gwl27', contexte: 'TRACC +2.7°C', periode: 'GWL27', gwl: 2.7, label: 'Niveau de réchauffement +2,7 °C en France (horizon 2050)' },
  { file: 'drias_gwl40.txt', key: 'gwl40', contexte: 'TRACC +4.0°C', periode: 'GWL40', gwl: 4.0, label: 'Niveau de réchauffement +4,0 °C en France (horizon 2100)' },
] as const;

export const DRIAS_COLUMNS = ['Point', 'Latitude', 'Longitude', 'Contexte', 'Période', 'NORTX35D_yr', 'NORTR_yr', 'NORSWI04_yr', 'NORIFM40_yr'];
const STEP = 8000;

interface GridPoint {
  id: number;
  lat: number;
  lon: number;
  /** 0 on the coast → 1 far inland */
  inland: number;
}

export function buildDrias(seed: number, geo: Geography): { files: { file: string; text: string }[]; points: number } {
  const points = gridPoints(geo);
  const files = DRIAS_LEVELS.map((level) => {
    const rng = new Rng(seed).fork(`drias-${level.key}`);
    const w = level.gwl === 0 ? 0 : level.gwl - 0.6; // warming above the reference period
    const rows = points.map((p) => {
      const tx35 = (0.2 + 0.9 * p.inland) * (1 + 1.6 * w) + w * w * (0.3 + p.inland) + rng.range(0, 0.15);
      const tr = (0.3 + 0.4 * (1 - p.inland)) * (1 + 2.2 * w) + w * w * 0.6 + rng.range(0, 0.1);
      const swi = (18 + 10 * p.inland) * (1 + 0.45 * w) + rng.range(0, 2);
      const ifm = (0.8 + 2 * p.inland) * (1 + 0.9 * w) + rng.range(0, 0.3);
      return [p.id, fix(p.lat, 6), fix(p.lon, 6), level.contexte, level.periode, fix(tx35, 2), fix(tr, 2), fix(swi, 2), fix(ifm, 2)].join(';');
    });
    return { file: level.file, text: [...header(level), DRIAS_COLUMNS.join(';'), ...rows, ''].join('\n') };
  });
  return { files, points: points.length };
}

/** SAFRAN-like 8 km points covering the region plus one cell of margin; sea-only cells dropped. */
function gridPoints(geo: Geography): GridPoint[] {
  const out: GridPoint[] = [];
  const x0 = REGION_BBOX.minx - STEP + STEP / 2;
  const y0 = REGION_BBOX.miny - STEP + STEP / 2;
  const nx = Math.round((REGION_BBOX.maxx - REGION_BBOX.minx) / STEP) + 2;
  const ny = Math.round((REGION_BBOX.maxy - REGION_BBOX.miny) / STEP) + 2;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const x = x0 + i * STEP;
      const y = y0 + j * STEP;
      let land = 0;
      for (const dx of [-3000, 0, 3000]) for (const dy of [-3000, 0, 3000]) if (geo.isLand(x + dx, y + dy)) land++;
      if (land === 0) continue;
      const [lon, lat] = toWgs84(x, y);
      const inland = Math.min(1, Math.max(0, (y - geo.coastY(x)) / 30000));
      out.push({ id: 6400 + (j + 31) * 143 + i + 52, lat: round(lat, 6), lon: round(lon, 6), inland });
    }
  }
  return out;
}

function header(level: (typeof DRIAS_LEVELS)[number]): string[] {
  const lines = [
    'Extraction DRIAS - Les futurs du climat',
    `Date d'extraction : 2025-03-10`,
    '',
    'Jeu de données : DRIAS-2020 - Indicateurs annuels par niveau de réchauffement (TRACC)',
    'Producteur : Météo-France / CERFACS / IPSL',
    'Ensemble : EURO-CORDEX ajusté ADAMONT',
    'Modèle : CNRM-CERFACS-CNRM-CM5 / CNRM-ALADIN63',
    'Grille : SAFRAN 8 km (Lambert II étendu), points exprimés en WGS84',
    'Domaine : extraction rectangulaire Mor-Braz (56)',
    '',
    `Contexte : ${level.contexte}`,
    `Période : ${level.periode}`,
    `Niveau de réchauffement : ${level.label}`,
    'Trajectoire de réchauffement de référence pour l\'adaptation au changement climatique (TRACC) :',
    '  +2,0 °C en 2030, +2,7 °C en 2050, +4,0 °C en 2100 pour la France métropolitaine',
    'Valeurs : moyennes sur la fenêtre de 20 ans centrée sur l\'atteinte du niveau',
    '',
    'Indicateurs :',
    '  NORTX35D_yr : Nombre de jours de forte chaleur (Tmax > 35 °C)',
    '    Unité : jour',
    '    Période de calcul : année',
    '  NORTR_yr : Nombre de nuits tropicales (Tmin > 20 °C)',
    '    Unité : jour',
    '    Période de calcul : année',
    '  NORSWI04_yr : Nombre de jours de sécheresse des sols (SWI < 0,4)',
    '    Unité : jour',
    '    Période de calcul : année',
    '  NORIFM40_yr : Nombre de jours avec un indice forêt météo supérieur à 40',
    '    Unité : jour',
    '    Période de calcul : année',
    '',
    'Format des enregistrements :',
    '  Point : numéro du point de grille SAFRAN',
    '  Latitude : latitude du point (degrés décimaux, WGS84)',
    '  Longitude : longitude du point (degrés décimaux, WGS84)',
    '  Contexte : contexte de l\'extraction (référence ou niveau de réchauffement)',
    '  Période : période ou niveau de réchauffement',
    '  Valeurs manquantes : aucune sur ce domaine',
    '  Séparateur : point-virgule ; décimales : point',
    '',
    'Conditions d\'utilisation : Licence Ouverte / Open Licence Etalab 2.0',
    'Citation : DRIAS, données Météo-France, CERFACS, IPSL',
    'Avertissement : données de projection climatique, à interpréter en ensemble',
    'Jeu d\'exemple synthétique Vigie : valeurs fictives, formats réels',
    '',
    'Colonnes :',
    DRIAS_COLUMNS.join(';'),
  ];
  return lines.map((l) => `# ${l}`.trimEnd());
}

function fix(v: number, d: number): string {
  return v.toFixed(d);
}
