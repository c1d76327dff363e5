/**
 * The fictional coastal département: a coastline (sea to the south and south-west, one broad bay
 * and one narrow estuary) and two rivers running from the northern hills to the sea.
 * Everything is in Lambert-93 metres. The coastline is a function y = coastY(x), which keeps the
 * land test trivial and lets a bay or an estuary be a bump of that function.
 */
import { Rng, valueNoise2D } from '../rng.ts';

export type XY = [number, number];

export const REGION_BBOX = { minx: 300000, miny: 6690000, maxx: 360000, maxy: 6730000 } as const;
/** The LiDAR sample tiles (made elsewhere) cover this square; it must stay on land for every seed. */
export const LIDAR_BBOX = { minx: 330000, miny: 6712000, maxx: 332000, maxy: 6714000 } as const;

const COAST_STEP = 100;

export interface River {
  readonly name: string;
  /** source (north) to mouth; the last vertex lies just inside the sea */
  readonly line: readonly XY[];
}

export interface Geography {
  readonly seed: number;
  /** coastline vertices west → east, sea to the south */
  readonly coast: readonly XY[];
  readonly rivers: readonly River[];
  /** closed exterior ring of the land, counter-clockwise */
  readonly landRing: readonly XY[];
  /** x of the bay and of the estuary, where the coast is low and marshy */
  readonly bayX: number;
  readonly estuaryX: number;
  coastY(x: number): number;
  isLand(x: number, y: number): boolean;
}

export function buildGeography(seed: number): Geography {
  const rng = new Rng(seed).fork('geography');
  const bayX = 318000 + rng.range(-1000, 1000);
  const estuaryX = 346000 + rng.range(-800, 800);
  const coarse = valueNoise2D(seed + 101, 3);
  const fine = valueNoise2D(seed + 102, 2);

  const rawCoastY = (x: number): number => {
    // South-west is sea: the coast climbs towards the west edge.
    const base = x < 328000 ? 6716000 - ((x - 300000) / 28000) * 16000 : 6700000 - ((x - 328000) / 32000) * 3000;
    const bay = 6000 * Math.exp(-(((x - bayX) / 3000) ** 2));
    const estuary = 4200 * Math.exp(-(((x - estuaryX) / 350) ** 2));
    // Small coves, damped inside the estuary so its banks stay smooth.
    const jag = (500 * coarse(x / 3000, 0.5) + 120 * fine(x / 600, 3.5)) * (1 - 0.8 * Math.exp(-(((x - estuaryX) / 700) ** 2)) - 0.6 * Math.exp(-(((x - bayX) / 800) ** 2)));
    return base + bay + estuary + jag;
  };
  const coast: XY[] = [];
  for (let x = REGION_BBOX.minx; x <= REGION_BBOX.maxx; x += COAST_STEP) coast.push([x, round1(rawCoastY(x))]);
  // The published coastline is the polyline, so the land test interpolates it rather than rawCoastY.
  const coastY = (x: number): number => {
    const t = (Math.min(Math.max(x, REGION_BBOX.minx), REGION_BBOX.maxx) - REGION_BBOX.minx) / COAST_STEP;
    const i = Math.min(Math.floor(t), coast.length - 2);
    const f = t - i;
    return coast[i][1] * (1 - f) + coast[i + 1][1] * f;
  };
  const isLand = (x: number, y: number): boolean => y > coastY(x);

  const rivers: River[] = [
    { name: 'Le Ster Glas', line: riverLine(rng.fork('ster'), 311000 + rng.range(-1500, 1500), bayX, coastY) },
    { name: "L'Avendour", line: riverLine(rng.fork('avendour'), 343000 + rng.range(-1500, 1500), estuaryX, coastY) },
  ];
  for (const r of rivers) {
    // The last few vertices cross the shore into the bay or estuary on purpose.
    r.line.slice(0, -4).forEach(([x, y]) => {
      if (!isLand(x, y)) throw new Error(`seed ${seed}: river ${r.name} leaves the land at ${x},${y}`);
    });
  }
  if (![330000, 331000, 332000].every((x) => coastY(x) < LIDAR_BBOX.miny - 2000)) {
    throw new Error(`seed ${seed}: the coast reaches the LiDAR sample area`);
  }

  const landRing: XY[] = [...coast, [REGION_BBOX.maxx, REGION_BBOX.maxy], [REGION_BBOX.minx, REGION_BBOX.maxy], coast[0]];
  return { seed, coast, rivers, landRing, bayX, estuaryX, coastY, isLand };
}

/** A meandering course from the northern edge down to the coast at `mouthX`, sampled every 100 m. */
function riverLine(rng: Rng, sourceX: number, mouthX: number, coastY: (x: number) => number): XY[] {
  const top = REGION_BBOX.maxy;
  const mouthY = coastY(mouthX) - 150;
  const amp = rng.range(900, 1500);
  const wavelength = rng.range(7000, 10000);
  const phase = rng.range(0, 2 * Math.PI);
  const wobble = valueNoise2D(rng.int(0, 1e6), 2);
  const line: XY[] = [];
  const n = Math.ceil((top - mouthY) / 100);
  for (let k = 0; k <= n; k++) {
    const t = k / n;
    const y = top - (top - mouthY) * t;
    // The meander fades out towards the mouth so the river meets the bay head exactly.
    const taper = 1 - t * t;
    const x = sourceX + (mouthX - sourceX) * t + taper * (amp * Math.sin((2 * Math.PI * y) / wavelength + phase) + 300 * wobble(y / 2000, 0.5));
    line.push([round1(x), round1(y)]);
  }
  return line;
}

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
