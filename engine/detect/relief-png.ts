/**
 * One entry for review images: `renderReliefPng(dem, width, height, kind, opts)` computes a
 * relief visualisation (relief.ts, relief-horizon.ts) and encodes it as a PNG (png.ts).
 * Hillshades keep their absolute 1–255 scale so tiles match; other kinds are stretched
 * between the 2nd and 98th percentiles.
 */
import { InputError, show } from '../errors.ts';
import { encodeGrayPng, type GrayPngOptions } from './png.ts';
import { localDominance, openness, skyViewFactor } from './relief-horizon.ts';
import { hillshade, localRelief, multiHillshade, slope, type DemInput } from './relief.ts';

export const RELIEF_KINDS = [
  'hillshade', 'multi-hillshade', 'slope', 'local-relief', 'sky-view', 'openness-positive', 'openness-negative', 'local-dominance',
] as const;
export type ReliefKind = (typeof RELIEF_KINDS)[number];

export interface ReliefPngOptions extends Pick<GrayPngOptions, 'circle' | 'percentiles'> {
  /** pixel size in metres */
  pixel: number;
  nodata?: number | null;
  /** radius in metres for local relief and horizon views (defaults in each function) */
  radiusMetres?: number;
}

export function computeRelief(dem: DemInput, kind: ReliefKind, radiusMetres?: number): Float32Array {
  switch (kind) {
    case 'hillshade': return hillshade(dem);
    case 'multi-hillshade': return multiHillshade(dem);
    case 'slope': return slope(dem);
    case 'local-relief': return localRelief(dem, radiusMetres);
    case 'sky-view': return skyViewFactor(dem, { radiusMetres });
    case 'openness-positive': return openness(dem, 'positive', { radiusMetres });
    case 'openness-negative': return openness(dem, 'negative', { radiusMetres });
    case 'local-dominance': return localDominance(dem);
    default: throw new InputError(`relief kind ${show(kind)}: expected one of ${RELIEF_KINDS.join(', ')}`);
  }
}

export function renderReliefPng(dem: Float32Array, width: number, height: number, kind: ReliefKind, opts: ReliefPngOptions): Buffer {
  const values = computeRelief({ data: dem, width, height, pixel: opts.pixel, nodata: opts.nodata }, kind, opts.radiusMetres);
  const fixed = kind === 'hillshade' || kind === 'multi-hillshade' ? ([0, 255] as [number, number]) : undefined;
  // slope reads better dark-on-light (steep = dark), as archaeologists are used to
  return encodeGrayPng(values, width, height, { range: fixed, percentiles: opts.percentiles, circle: opts.circle, invert: kind === 'slope' });
}
