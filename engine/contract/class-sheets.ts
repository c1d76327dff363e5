/**
 * One sheet per detection class, for reviewers (the app's « Fiche de la classe »): what the
 * class looks like in the relief images, the sizes the model learned (the generator's ranges,
 * pipelines/samples/lidar/objects.ts), what it is often confused with, and what it was trained
 * on (models/MODEL_CARD.md). French, like every word users read.
 */
import type { DetectionClass } from './enums.ts';

export interface ClassSheet {
  looksLike: string;
  sizes: string;
  isNot: string;
}

export const CLASS_SHEETS: Record<DetectionClass, ClassSheet> = {
  mound: {
    looksLike: 'Bosse arrondie et régulière, symétrique : un disque clair sur le relief local (LRM), ombré d’un seul côté sur l’ombrage. Parfois arasée par les labours (à peine quelques décimètres, un peu étirée) ou pillée (un creux au sommet).',
    sizes: 'Diamètre appris : 5 à 40 m ; hauteur 0,2 à 2 m (0,2 à 0,5 m si arasé).',
    isNot: 'Une butte naturelle irrégulière ou allongée (moraine, drumlin, dune, bosses d’un dépôt de glissement de terrain : les plus trompeuses sur le terrain réel), un chablis (galette de racines avec sa fosse à côté), un tas de déblais de carrière, une facette de triangulation en forêt.',
  },
  kiln: {
    looksLike: 'Petite plate-forme horizontale taillée dans une pente : un replat circulaire avec un talus amont et un bourrelet aval, souvent en série le long des versants boisés.',
    sizes: 'Diamètre appris : 8 à 15 m, sur des pentes de quelques degrés à plus de 20 degrés.',
    isNot: 'Un replat de chemin ou de terrasse agricole (allongé, continu), un palier naturel de versant, une plate-forme de chablis.',
  },
  enclosure: {
    looksLike: 'Fossé en anneau (cercle ou ovale) de faible profondeur, parfois bordé d’un talus intérieur ou extérieur : un anneau sombre sur le relief local.',
    sizes: 'Diamètre appris : 10 à 90 m ; fossé de 1,5 à 4 m de large et 0,15 à 0,8 m de profondeur.',
    isNot: 'Une limite de parcelle ou un chemin courbe (ouvert, non fermé), un cercle d’irrigation, un fossé de drainage.',
  },
  pit: {
    looksLike: 'Creux fermé et arrondi (fosse, trou d’obus, fosse de chasse), parfois entouré d’un petit bourrelet de déblais : un point sombre sur le relief local, ciel visible réduit.',
    sizes: 'Diamètre appris : 2 à 12 m ; profondeur 0,3 à 2,5 m.',
    isNot: 'Une doline ou un kettle glaciaire (souvent plus grands et plus évasés), une mare, la fosse d’un chablis, un trou de données comblé par interpolation.',
  },
};

export const TRAINING_NOTE =
  'Le modèle a appris sur des terrains synthétiques générés par le projet (relief, labours, forêts, chemins) et sur des MNT LiDAR réels de fond sans site connu, où des objets synthétiques ont été incrustés ; les niveaux de fiabilité sont calibrés sur des zones jamais vues à l’entraînement. Voir la fiche du modèle (models/MODEL_CARD.md).';
