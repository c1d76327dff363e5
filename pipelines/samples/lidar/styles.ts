/**
 * Terrain styles and the continuous (object-free) terrain they produce. A style is a profile of
 * amplitudes (relief regimes, ground cover) and object densities; 'mixed' blends the profiles
 * by region with smooth world-coordinate weights, so a region can be hilly forest next to
 * ploughed plains without seams.
 */
import { fillNoise, noiseAt, type NoiseSpec, type TileGeom } from './noise.ts';

export const TERRAIN_STYLES = [
  'plains',
  'hills',
  'valleys',
  'forest',
  'fields',
  'roads',
  'ditches',
  'quarries',
  'hummocks',
  'artefacts',
] as const;
export type TerrainStyle = (typeof TERRAIN_STYLES)[number];

/** What a style contributes; every field is an amplitude or a density multiplier (0 = absent). */
export interface StyleProfile {
  plains: number;
  hills: number;
  valleys: number;
  /** forest floor roughness, tracks, tree throws */
  forest: number;
  /** plough striations and field boundaries */
  fields: number;
  roads: number;
  ditches: number;
  quarries: number;
  /** natural hummocks and boulders */
  hummocks: number;
  /** LiDAR swath stripes and interpolation facets */
  artefacts: number;
}

const P = (p: Partial<StyleProfile>): StyleProfile => ({
  plains: 0, hills: 0, valleys: 0, forest: 0, fields: 0, roads: 0.2, ditches: 0.2, quarries: 0, hummocks: 0.2, artefacts: 0.1, ...p,
});

// Every style keeps a little of the others' confusers so no style is trivially clean.
export const PROFILES: Record<TerrainStyle, StyleProfile> = {
  plains: P({ plains: 1, fields: 0.3 }),
  hills: P({ hills: 1, forest: 0.3 }),
  valleys: P({ valleys: 1, forest: 0.6, hummocks: 0.4 }),
  forest: P({ hills: 0.5, forest: 1, hummocks: 0.5 }),
  fields: P({ plains: 0.8, fields: 1, ditches: 0.4 }),
  roads: P({ plains: 0.6, hills: 0.3, roads: 1, ditches: 0.5, fields: 0.4 }),
  ditches: P({ plains: 1, ditches: 1, fields: 0.5 }),
  quarries: P({ hills: 0.5, quarries: 1, hummocks: 0.4, forest: 0.3 }),
  hummocks: P({ plains: 0.5, hills: 0.4, hummocks: 1, forest: 0.3 }),
  artefacts: P({ plains: 0.6, hills: 0.3, artefacts: 1, fields: 0.3 }),
};

const KEYS = Object.keys(PROFILES.plains) as (keyof StyleProfile)[];

/** Style weights at a point: one-hot for a single style, a soft regional mix for 'mixed'. */
export function profileAt(style: TerrainStyle | 'mixed', seed: number, x: number, y: number): StyleProfile {
  if (style !== 'mixed') return PROFILES[style];
  const out = P({ roads: 0, ditches: 0, hummocks: 0, artefacts: 0 });
  let total = 0;
  const ws: number[] = [];
  TERRAIN_STYLES.forEach((s, i) => {
    // sharpness 6: regions of a few hundred metres dominated by one or two styles
    const w = Math.exp(6 * noiseAt({ seed: seed * 31 + i * 7919, spacing: 500, octaves: 2 }, x, y));
    ws.push(w);
    total += w;
  });
  TERRAIN_STYLES.forEach((s, i) => {
    const w = ws[i] / total;
    for (const k of KEYS) out[k] += w * PROFILES[s][k];
  });
  return out;
}

const CONTROL_STEP = 16; // pixels between control points of the regional amplitude fields

/**
 * Per-pixel amplitude fields of a tile, bilinearly upsampled from a coarse control grid
 * (weights are smooth over hundreds of metres; evaluating 10 noises per pixel would cost ~1 s).
 */
export function profileFields(g: TileGeom, style: TerrainStyle | 'mixed', seed: number): Record<keyof StyleProfile, Float32Array> {
  const n = g.width * g.height;
  const fields = Object.fromEntries(KEYS.map((k) => [k, new Float32Array(n)])) as Record<keyof StyleProfile, Float32Array>;
  if (style !== 'mixed') {
    for (const k of KEYS) fields[k].fill(PROFILES[style][k]);
    return fields;
  }
  const cw = Math.ceil(g.width / CONTROL_STEP) + 1;
  const ch = Math.ceil(g.height / CONTROL_STEP) + 1;
  const ctrl = KEYS.map(() => new Float64Array(cw * ch));
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      const p = profileAt('mixed', seed, g.x0 + i * CONTROL_STEP * g.pixel, g.y0 - j * CONTROL_STEP * g.pixel);
      KEYS.forEach((k, ki) => (ctrl[ki][j * cw + i] = p[k]));
    }
  }
  KEYS.forEach((k, ki) => {
    const f = fields[k];
    const cg = ctrl[ki];
    for (let r = 0; r < g.height; r++) {
      const fy = r / CONTROL_STEP;
      const j = Math.floor(fy);
      const ty = fy - j;
      for (let c = 0; c < g.width; c++) {
        const fx = c / CONTROL_STEP;
        const i = Math.floor(fx);
        const tx = fx - i;
        const a = cg[j * cw + i];
        const b = cg[j * cw + i + 1];
        const v0 = a + (b - a) * tx;
        const v1 = cg[(j + 1) * cw + i] + (cg[(j + 1) * cw + i + 1] - cg[(j + 1) * cw + i]) * tx;
        f[r * g.width + c] = v0 + (v1 - v0) * ty;
      }
    }
  });
  return fields;
}

const TREND = (seed: number): NoiseSpec => ({ seed: seed + 1, spacing: 3000, octaves: 2 });
const PLAINS = (seed: number): NoiseSpec => ({ seed: seed + 2, spacing: 400, octaves: 3 });
const HILLS = (seed: number): NoiseSpec => ({ seed: seed + 3, spacing: 260, octaves: 4 });
const VALLEYS = (seed: number): NoiseSpec => ({ seed: seed + 4, spacing: 420, octaves: 3 });
const MICRO = (seed: number): NoiseSpec => ({ seed: seed + 5, spacing: 5, octaves: 2 });

/** Relief amplitudes in metres per regime. */
const AMP = { trend: 25, plains: 4, hills: 45, valleys: 60 } as const;

/** V-shaped valleys along the zero contours of a smooth noise: incised, branching, steep sides. */
function valleyShape(n: number): number {
  return Math.sqrt(n * n + 0.0004) * 2 - 0.6;
}

/**
 * The smooth relief (no micro-roughness, no objects) at one point: the reference level used to
 * cut kiln platforms and to plane interpolation facets identically in every tile.
 */
export function baseAt(style: TerrainStyle | 'mixed', seed: number, x: number, y: number): number {
  const p = profileAt(style, seed, x, y);
  return (
    180 +
    AMP.trend * noiseAt(TREND(seed), x, y) +
    p.plains * AMP.plains * noiseAt(PLAINS(seed), x, y) +
    p.hills * AMP.hills * noiseAt(HILLS(seed), x, y) +
    p.valleys * AMP.valleys * valleyShape(noiseAt(VALLEYS(seed), x, y))
  );
}

/** Fills `z` with the continuous terrain of a tile: relief regimes, ground roughness, plough marks. */
export function fillContinuous(
  z: Float32Array,
  g: TileGeom,
  style: TerrainStyle | 'mixed',
  seed: number,
  f: Record<keyof StyleProfile, Float32Array>,
): void {
  const n = g.width * g.height;
  const tmp = new Float32Array(n);
  fillNoise(tmp, g, TREND(seed));
  for (let i = 0; i < n; i++) z[i] = 180 + AMP.trend * tmp[i];
  const add = (amp: Float32Array, k: number, spec: NoiseSpec, shape?: (v: number) => number) => {
    let any = false;
    for (let i = 0; i < n; i += 997) if (amp[i] > 1e-3) { any = true; break; }
    if (!any && amp[n - 1] <= 1e-3) return;
    fillNoise(tmp, g, spec);
    if (shape) for (let i = 0; i < n; i++) z[i] += amp[i] * k * shape(tmp[i]);
    else for (let i = 0; i < n; i++) z[i] += amp[i] * k * tmp[i];
  };
  add(f.plains, AMP.plains, PLAINS(seed));
  add(f.hills, AMP.hills, HILLS(seed));
  add(f.valleys, AMP.valleys, VALLEYS(seed), valleyShape);
  // ground roughness: a few cm everywhere, up to ~15 cm under forest (root plates, litter)
  fillNoise(tmp, g, MICRO(seed));
  for (let i = 0; i < n; i++) z[i] += (0.03 + 0.12 * f.forest[i]) * tmp[i];
  addPloughMarks(z, g, seed, f.fields);
}

const PARCEL = 160; // metres: parcels are cells of a world grid, each ploughed in its own direction

/** Plough striations (λ 4–12 m, a few cm) per parcel, with a small lynchet step at parcel edges. */
function addPloughMarks(z: Float32Array, g: TileGeom, seed: number, amp: Float32Array): void {
  const w = g.width;
  for (let r = 0; r < g.height; r++) {
    const y = g.y0 - (r + 0.5) * g.pixel;
    const py = Math.floor(y / PARCEL);
    let lastPx = NaN;
    let ca = 0, sa = 0, k = 0, a = 0, step = 0;
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      if (amp[i] < 0.02) continue;
      const x = g.x0 + (c + 0.5) * g.pixel;
      const px = Math.floor(x / PARCEL);
      if (px !== lastPx) {
        const u = noiseParams(seed, px, py);
        ca = Math.cos(u.theta); sa = Math.sin(u.theta); k = (2 * Math.PI) / u.lambda; a = u.amp; step = u.step;
        lastPx = px;
      }
      z[i] += amp[i] * (a * Math.sin(k * (x * ca + y * sa)) + step);
    }
  }
}

function noiseParams(seed: number, px: number, py: number) {
  const h = noiseAt({ seed: seed + 77, spacing: 1 }, px + 0.5, py + 0.5);
  const h2 = noiseAt({ seed: seed + 78, spacing: 1 }, px + 0.5, py + 0.5);
  return {
    theta: (h + 1) * Math.PI,
    lambda: 4 + 4 * (h2 + 1),
    amp: 0.02 + 0.03 * Math.abs(h2),
    // parcels sit a few cm to a few dm above or below each other: lynchets along boundaries
    step: 0.25 * h * h2,
  };
}
