/**
 * Puts a feature inside a given commune: the point is accepted only when its written (rounded
 * WGS84) coordinates fall in the commune's written polygon, so importers find it where we meant it.
 */
import type { Rng } from '../rng.ts';
import type { Commune, CommuneSet } from './communes.ts';
import type { Geography, XY } from './geography.ts';
import { sampleAt, type Terrain } from './terrain.ts';
import { lonLat } from './writers.ts';

export interface Placed {
  readonly xy: XY;
  /** [lon, lat] rounded to 6 decimals */
  readonly lonLat: XY;
}

export type PlaceMode = 'bourg' | 'countryside' | 'coast' | 'river';

export class Placer {
  constructor(
    private readonly geo: Geography,
    private readonly terrain: Terrain,
    private readonly set: CommuneSet,
  ) {}

  /** A point of `commune` in the given setting; falls back to the bourg after many misses. */
  place(rng: Rng, commune: Commune, mode: PlaceMode): Placed {
    for (let attempt = 0; attempt < 60; attempt++) {
      const xy = this.candidate(rng, commune, mode);
      if (!xy) continue;
      const p = this.accept(commune, xy);
      if (p) return p;
    }
    return { xy: commune.bourg, lonLat: lonLat(commune.bourg) };
  }

  private candidate(rng: Rng, c: Commune, mode: PlaceMode): XY | null {
    const [bx, by] = c.bourg;
    switch (mode) {
      case 'bourg':
        return [bx + rng.normal(0, 350), by + rng.normal(0, 350)];
      case 'countryside': {
        const ring = c.polygons[0][0];
        const xs = ring.map((p) => p[0]);
        const ys = ring.map((p) => p[1]);
        return [rng.range(Math.min(...xs), Math.max(...xs)), rng.range(Math.min(...ys), Math.max(...ys))];
      }
      case 'coast': {
        const near = this.geo.coast.filter(([x, y]) => Math.hypot(x - bx, y - by) < 6000);
        if (!near.length) return null;
        const [x, y] = rng.pick(near);
        return [x + rng.range(-40, 40), y + rng.range(40, 300)];
      }
      case 'river': {
        const near = this.geo.rivers.flatMap((r) => r.line.filter(([x, y]) => Math.hypot(x - bx, y - by) < 5000));
        if (!near.length) return null;
        const [x, y] = rng.pick(near);
        return [x + rng.range(-60, 60), y + rng.range(-60, 60)];
      }
    }
  }

  private accept(c: Commune, xy: XY): Placed | null {
    if (!this.geo.isLand(xy[0], xy[1]) || !(sampleAt(this.terrain, this.terrain.dCoast, xy[0], xy[1]) >= 30)) return null;
    const ll = lonLat(xy);
    return this.set.at(ll[0], ll[1]) === c ? { xy, lonLat: ll } : null;
  }
}
