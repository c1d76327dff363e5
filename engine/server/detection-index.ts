/**
 * In-memory copy of the detections with their review state, for /api/detections lists,
 * neighbours and progress (same reason as site-index.ts: one DuckDB connection, many readers).
 * Reloaded when the detections table changes (checked at most every few seconds) and updated in
 * place after each review.
 */
import Flatbush from 'flatbush';
import { toWgs84 } from '../geo/crs.ts';
import type { DetectionItem, DetectionReview } from '../review/detections.ts';
import type { Store } from '../store/store.ts';
import { LOCAL_MIN_VERDICTS, localPrecision, zoneOf, type LocalPrecision } from '../review/local-precision.ts';

const CHECK_EVERY_MS = 3000;
const LEVEL_RANK: Record<string, number> = { very_probable: 3, probable: 2, possible: 1, doubtful: 0 };

export interface DetectionQuery {
  order: 'reliability' | 'area';
  status: 'pending' | 'reviewed' | 'all';
  tile?: string; class?: string; level?: string;
  bbox?: [number, number, number, number];
}

interface Table {
  items: DetectionItem[];
  pos: Map<string, number>;
  byReliability: Int32Array;
  byArea: Int32Array;
  rankReliability: Int32Array;
  rankArea: Int32Array;
  tree: Flatbush | null;
  reviewed: number;
}

export class DetectionIndex {
  private table: Promise<Table> | null = null;
  private generation = '';
  private checkedAt = 0;
  private readonly responses = new Map<string, string>();

  constructor(private readonly store: Store) {}

  /** `list` serialised, cached until the next review or reload. */
  async listJson(q: DetectionQuery, limit: number, offset: number): Promise<string> {
    const t = await this.load();
    const key = JSON.stringify([q, limit, offset]);
    let hit = this.responses.get(key);
    if (hit === undefined || t !== this.answered) {
      if (t !== this.answered) this.responses.clear();
      this.answered = t;
      hit = JSON.stringify(await this.list(q, limit, offset));
      this.responses.set(key, hit);
      if (this.responses.size > 500) this.responses.delete(this.responses.keys().next().value!);
    }
    return hit;
  }
  private answered: Table | null = null;

  private async load(): Promise<Table> {
    const now = Date.now();
    if (!this.table || now - this.checkedAt >= CHECK_EVERY_MS) {
      this.checkedAt = now;
      const g = String(await this.store.value(`SELECT concat(count(*), '/', coalesce(epoch_ms(max(detected_at)), 0)) FROM detections`));
      if (g !== this.generation || !this.table) {
        this.generation = g;
        this.table = this.build();
      }
    }
    return this.table;
  }

  private async build(): Promise<Table> {
    const rows = await this.store.all<Omit<DetectionItem, 'lon' | 'lat'> & { x: number; y: number }>(
      `SELECT d.detection_id, d.tile, d.class, d.score, d.confidence, d.level, d.diameter_m, d.x, d.y, d.novelty, d.known_site_id,
              r.decision, r.corrected_class, r.note, coalesce(r.version, 0) AS version
         FROM detections d LEFT JOIN detection_review r ON r.detection_id = d.detection_id`,
    );
    // Plain literals in one fixed shape: the driver's row objects are slow to scan 100,000 times.
    const items: DetectionItem[] = rows.map((r) => {
      const [lon, lat] = toWgs84(r.x, r.y);
      return {
        detection_id: r.detection_id, tile: r.tile, class: r.class, score: r.score, confidence: r.confidence, level: r.level,
        diameter_m: r.diameter_m, lon: Math.round(lon * 1e7) / 1e7, lat: Math.round(lat * 1e7) / 1e7, novelty: r.novelty,
        known_site_id: r.known_site_id, decision: r.decision, corrected_class: r.corrected_class, note: r.note, version: Number(r.version),
        zone: zoneOf(r.x, r.y), _x: r.x, _y: r.y,
      } as DetectionItem;
    });
    const pos = new Map(items.map((d, i) => [d.detection_id, i]));
    const idCmp = (a: number, b: number) => (items[a].detection_id < items[b].detection_id ? -1 : 1);
    const conf = (d: DetectionItem) => d.confidence ?? -1;
    const byReliability = Int32Array.from(items.keys()).sort((a, b) =>
      conf(items[b]) - conf(items[a]) || items[b].score - items[a].score || (LEVEL_RANK[items[b].level] ?? 0) - (LEVEL_RANK[items[a].level] ?? 0) || idCmp(a, b));
    const xy = (d: DetectionItem) => d as unknown as { _x: number; _y: number };
    // Reading order inside a tile: north to south, then west to east.
    const byArea = Int32Array.from(items.keys()).sort((a, b) =>
      (items[a].tile < items[b].tile ? -1 : items[a].tile > items[b].tile ? 1 : 0) || xy(items[b])._y - xy(items[a])._y || xy(items[a])._x - xy(items[b])._x || idCmp(a, b));
    const rank = (o: Int32Array) => { const r = new Int32Array(o.length); o.forEach((i, k) => { r[i] = k; }); return r; };
    let tree: Flatbush | null = null;
    if (items.length) {
      tree = new Flatbush(items.length);
      for (const d of items) tree.add(d.lon, d.lat, d.lon, d.lat);
      tree.finish();
    }
    const reviewed = items.reduce((n, d) => n + (d.decision ? 1 : 0), 0);
    return { items, pos, byReliability, byArea, rankReliability: rank(byReliability), rankArea: rank(byArea), tree, reviewed };
  }

  private match(d: DetectionItem, q: DetectionQuery): boolean {
    if (q.status === 'pending' && d.decision !== null) return false;
    if (q.status === 'reviewed' && d.decision === null) return false;
    if (q.tile !== undefined && d.tile !== q.tile) return false;
    if (q.class !== undefined && d.class !== q.class) return false;
    if (q.level !== undefined && d.level !== q.level) return false;
    if (q.bbox && (d.lon < q.bbox[0] || d.lon > q.bbox[2] || d.lat < q.bbox[1] || d.lat > q.bbox[3])) return false;
    return true;
  }

  async list(q: DetectionQuery, limit: number, offset: number): Promise<{ total: number; limit: number; offset: number; items: DetectionItem[] }> {
    const t = await this.load();
    let order: ArrayLike<number> = q.order === 'area' ? t.byArea : t.byReliability;
    if (q.bbox) {
      // spatial index first, then the chosen order among the few candidates
      const rank = q.order === 'area' ? t.rankArea : t.rankReliability;
      order = t.tree ? Int32Array.from(t.tree.search(q.bbox[0], q.bbox[1], q.bbox[2], q.bbox[3])).sort((a, b) => rank[a] - rank[b]) : [];
    }
    const onlyStatus = !q.bbox && q.tile === undefined && q.class === undefined && q.level === undefined;
    const items: DetectionItem[] = [];
    let total = 0;
    for (let k = 0; k < order.length; k++) {
      const d = t.items[order[k]];
      if (!this.match(d, q)) continue;
      if (total >= offset && items.length < limit) items.push(publicItem(d));
      total++;
      if (onlyStatus && items.length === limit) break;
    }
    if (onlyStatus) total = q.status === 'all' ? t.items.length : q.status === 'reviewed' ? t.reviewed : t.items.length - t.reviewed;
    return { total, limit, offset, items };
  }

  /** One detection and its previous / next ids among those matching `q`, in `q.order`. */
  async get(id: string, q: DetectionQuery): Promise<(DetectionItem & { neighbours: { previous: string | null; next: string | null } }) | null> {
    const t = await this.load();
    const i = t.pos.get(id);
    if (i === undefined) return null;
    const order = q.order === 'area' ? t.byArea : t.byReliability;
    let previous: string | null = null, next: string | null = null, seen = false;
    for (let k = 0; k < order.length; k++) {
      const j = order[k];
      if (j === i) { seen = true; continue; }
      if (!this.match(t.items[j], q)) continue;
      if (!seen) previous = t.items[j].detection_id;
      else { next = t.items[j].detection_id; break; }
    }
    return { ...publicItem(t.items[i]), neighbours: { previous, next } };
  }

  async progress(): Promise<{ zones: { tile: string; total: number; reviewed: number; oui: number; non: number; peut_etre: number }[] }> {
    const t = await this.load();
    const zones = new Map<string, { tile: string; total: number; reviewed: number; oui: number; non: number; peut_etre: number }>();
    for (const d of t.items) {
      let z = zones.get(d.tile);
      if (!z) zones.set(d.tile, (z = { tile: d.tile, total: 0, reviewed: 0, oui: 0, non: 0, peut_etre: 0 }));
      z.total++;
      if (d.decision) { z.reviewed++; z[d.decision]++; }
    }
    return { zones: [...zones.values()].sort((a, b) => (a.tile < b.tile ? -1 : 1)) };
  }

  /** Reviewers' verdicts per 10 km square × level, with the observed and calibrated precision. */
  async precision(): Promise<{ min_verdicts: number; zones: LocalPrecision[] }> {
    const t = await this.load();
    const rows = t.items.map((d) => {
      const p = d as unknown as { _x: number; _y: number };
      return { x: p._x, y: p._y, level: d.level, confidence: d.confidence, decision: d.decision };
    });
    return { min_verdicts: LOCAL_MIN_VERDICTS, zones: [...localPrecision(rows).values()] };
  }

  /** After a review: the new state of one detection (order by reliability does not depend on it). */
  async applyReview(id: string, r: DetectionReview): Promise<DetectionItem | null> {
    const t = await this.load();
    const i = t.pos.get(id);
    if (i === undefined) return null;
    this.responses.clear();
    if (!t.items[i].decision) t.reviewed++;
    Object.assign(t.items[i], { decision: r.decision, corrected_class: r.corrected_class, note: r.note, version: r.version });
    return publicItem(t.items[i]);
  }
}

function publicItem(d: DetectionItem): DetectionItem {
  const { _x, _y, ...rest } = d as DetectionItem & { _x?: number; _y?: number };
  return rest;
}
