/**
 * How protection statuses look and read: one table, used by the legend, the map layer
 * and the side panel so that colours and words never disagree.
 */
import type { Monument, Protection } from './api.ts';
import { PROTECTION_LABEL, PROTECTION_STATUS } from '../../../engine/contract/labels.ts';

export type Rgb = [number, number, number];

export interface ProtectionStyle {
  /** Legend label (French). */
  label: string;
  /** Status as written in the panel, the heritage services' own wording. */
  status: string;
  /** Fill colour on the map; taken from the DSFR illustrative palette. */
  color: Rgb;
}

/** Legend order (strongest protection first). */
export const PROTECTIONS: readonly Protection[] = ['classe', 'classe_inscrit', 'inscrit', 'inconnue'];

export const PROTECTION_STYLE: Record<Protection, ProtectionStyle> = {
  classe: { label: PROTECTION_LABEL.classe, status: PROTECTION_STATUS.classe, color: [206, 5, 0] },
  classe_inscrit: { label: PROTECTION_LABEL.classe_inscrit, status: PROTECTION_STATUS.classe_inscrit, color: [165, 88, 160] },
  inscrit: { label: PROTECTION_LABEL.inscrit, status: PROTECTION_STATUS.inscrit, color: [0, 0, 145] },
  inconnue: { label: PROTECTION_LABEL.inconnue, status: PROTECTION_STATUS.inconnue, color: [118, 118, 118] },
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
