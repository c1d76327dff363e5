/**
 * Relief images around a detection for review: a size × size window of the detection's tile
 * (shifted to stay inside the tile), the candidate outlined, kept in a small LRU cache since
 * reviewers flip between views of the same few candidates.
 */
import { NotFoundError, show } from '../errors.ts';
import { openDem } from '../geo/dem.ts';
import { toPixel } from '../geo/grid.ts';
import { LAMBERT93, transformer, workingScale } from '../geo/crs.ts';
import { renderReliefPng, type ReliefKind } from '../detect/relief-png.ts';
import type { Store } from '../store/store.ts';

import { RELIEF_VIEWS } from '../contract/enums.ts';
export { RELIEF_VIEWS };
export type ReliefView = (typeof RELIEF_VIEWS)[number];
const KIND: Record<ReliefView, ReliefKind> = { hillshade: 'hillshade', lrm: 'local-relief', svf: 'sky-view', slope: 'slope' };
const MAX_ENTRIES = 256;

export class ReliefImages {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(private readonly store: Store) {}

  render(id: string, view: ReliefView, size: number): Promise<Buffer> {
    const key = `${id}|${view}|${size}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const p = this.compute(id, view, size);
    this.cache.set(key, p);
    p.catch(() => this.cache.delete(key));
    while (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  private async compute(id: string, view: ReliefView, size: number): Promise<Buffer> {
    const d = await this.store.one<{ x: number; y: number; diameter_m: number | null; source_file: string | null; crs: string | null }>(
      `SELECT d.x, d.y, d.diameter_m, t.source_file, t.crs FROM detections d
         LEFT JOIN detection_tiles t ON t.tile = d.tile AND t.model_hash = d.model_hash WHERE d.detection_id = $1`, [id]);
    if (!d) throw new NotFoundError(`Détection inconnue : ${show(id)}.`);
    if (!d.source_file) throw new NotFoundError(`Dalle LiDAR introuvable pour la détection ${show(id)}.`);
    let dem;
    try {
      dem = await openDem(d.source_file, d.crs ? { crs: d.crs } : {});
    } catch (err) {
      throw new NotFoundError(`Dalle LiDAR illisible ou absente pour la détection ${show(id)}.`, { cause: err });
    }
    const g = dem.grid;
    const w = Math.min(size, g.width), h = Math.min(size, g.height);
    // Detections are stored in Lambert-93; the tile may be in its own CRS (UTM overseas…).
    const [tx, ty] = transformer(LAMBERT93, g.crs)(d.x, d.y);
    const [pc, pr] = toPixel(g, tx, ty);
    const col = Math.max(0, Math.min(g.width - w, Math.round(pc - w / 2)));
    const row = Math.max(0, Math.min(g.height - h, Math.round(pr - h / 2)));
    const data = await dem.readWindow({ col, row, width: w, height: h });
    // a pixel on the ground (Web Mercator's 0.5 m is 0.35 m at 46° N): slopes and the circle
    // around the candidate, whose diameter is in ground metres, are measured there
    const pixel = g.resX / workingScale(g.crs, tx, ty).k;
    const radius = Math.max(4, ((d.diameter_m ?? 10) / 2) / pixel + 3);
    return renderReliefPng(data, w, h, KIND[view], { pixel, nodata: dem.nodata, circle: { col: pc - col, row: pr - row, radius } });
  }
}
