/**
 * How protection statuses look and read: one table, used by the legend, the map layer
 * and the side panel so that colours and words never disagree.
 */
import type { Monument, Protection } from './api.ts';

export type Rgb = [number, number, number];

export interface ProtectionStyle {
  /** Legend label (French). */
  label: string;
  /** Status as written in the panel, the heritage services' own wording. */
  status: string;
  /** Fill colour on the map; taken from the DSFR illustrative palette. */
  color: Rgb;
}

export const PROTECTIONS: readonly Protection[] = ['classe', 'classe_inscrit', 'inscrit', 'inconnue'];

export const PROTECTION_STYLE: Record<Protection, ProtectionStyle> = {
  classe: { label: 'Classé', status: 'Classé MH', color: [206, 5, 0] },
  classe_inscrit: { label: 'Classé et inscrit', status: 'Classé et inscrit MH', color: [165, 88, 160] },
  inscrit: { label: 'Inscrit', status: 'Inscrit MH', color: [0, 0, 145] },
  inconnue: { label: 'Protection inconnue', status: 'Protection inconnue', color: [118, 118, 118] },
};

/** Partial protections are drawn as a ring with a pale centre of this opacity (0–255). */
export const PARTIAL_FILL_ALPHA = 60;

export function cssColor([r, g, b]: Rgb, alpha = 1): string {
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** « Classé MH », « Inscrit MH partiellement »… */
export function protectionText(m: Pick<Monument, 'protection' | 'partielle'>): string {
  const base = PROTECTION_STYLE[m.protection].status;
  return m.partielle && m.protection !== 'inconnue' ? `${base} partiellement` : base;
}
