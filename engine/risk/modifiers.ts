/**
 * Vulnerability modifiers: the product of the config/risk.json factors that match a site's
 * record (protection, typology, materials) and staff input (state of conservation, mitigation),
 * per hazard, with a readable detail such as « classé ×1.2 · bois ×1.3 ».
 */
import { HAZARDS, type Hazard, type RiskConfig } from './config.ts';

export interface VulnerabilityInput {
  protection: string | null;
  typology: string | null;
  materials: string | null;
  etat_conservation: string | null;
  mitigation: string | null;
}

export interface Modifier {
  factor: number;
  detail: string;
}

/** Lower case, accents removed: « Église » and « eglise » match the same pattern. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

const PROTECTION_FR: Record<string, string> = { classe: 'classé', classe_inscrit: 'classé et inscrit', inscrit: 'inscrit', inconnue: 'protection inconnue' };

export class ModifierRules {
  private readonly typology: { re: RegExp; factor: number; hazards?: readonly Hazard[]; match: string }[];
  private readonly materials: { re: RegExp; factor: number; hazards?: readonly Hazard[]; match: string }[];

  constructor(private readonly config: RiskConfig) {
    const compile = (r: RiskConfig['modifiers']['typology'][number]) => ({ ...r, re: new RegExp(fold(r.match)) });
    this.typology = config.modifiers.typology.map(compile);
    this.materials = config.modifiers.materials.map(compile);
  }

  /** One modifier per hazard, in HAZARDS order. */
  forSite(v: VulnerabilityInput): Modifier[] {
    const m = this.config.modifiers;
    return HAZARDS.map((h) => {
      let factor = 1;
      const parts: string[] = [];
      const use = (f: number, label: string) => {
        if (f === 1) return;
        factor *= f;
        parts.push(`${label} ×${f}`);
      };
      const p = v.protection ?? 'inconnue';
      use((m.protection as unknown as Record<string, number>)[p] ?? 1, PROTECTION_FR[p] ?? p);
      const typ = v.typology ? fold(v.typology) : '';
      for (const r of this.typology) {
        if (typ && r.re.test(typ) && (!r.hazards || r.hazards.includes(h))) {
          use(r.factor, `typologie /${r.match}/`);
          break;
        }
      }
      const mat = v.materials ? fold(v.materials) : '';
      for (const r of this.materials) {
        if (mat && r.re.test(mat) && (!r.hazards || r.hazards.includes(h))) {
          use(r.factor, `matériaux /${r.match}/`);
          break;
        }
      }
      if (v.etat_conservation) {
        const f = m.etat_conservation[fold(v.etat_conservation).trim()];
        if (f !== undefined) use(f, `état ${v.etat_conservation}`);
      }
      if (v.mitigation && v.mitigation.trim()) use(m.mitigation, 'mesures de protection');
      return { factor: Math.round(factor * 1e6) / 1e6, detail: parts.join(' · ') || 'aucun' };
    });
  }
}
