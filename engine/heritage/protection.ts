/**
 * Reads Mérimée's `Typologie_de_la_protection` ("classé MH", "inscrit MH partiellement",
 * "classé MH partiellement ; inscrit MH", in any case, with or without accents) into a
 * protection level and a partial flag.
 */
export type Protection = 'classe' | 'inscrit' | 'classe_inscrit' | 'inconnue';

export interface ProtectionInfo {
  protection: Protection;
  /**
   * True when any listed protection is partial: "classé MH partiellement ; inscrit MH" is
   * classe_inscrit and partielle, because part of the building is not under the higher level.
   */
  partielle: boolean;
}

export function parseProtection(text: string | null | undefined): ProtectionInfo {
  const t = (text ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  // \b keeps "déclassé" (a lifted protection) from reading as classé.
  const classe = /\bclass/.test(t);
  const inscrit = /\binscri/.test(t);
  const protection: Protection = classe && inscrit ? 'classe_inscrit' : classe ? 'classe' : inscrit ? 'inscrit' : 'inconnue';
  return { protection, partielle: protection !== 'inconnue' && /partiel/.test(t) };
}
