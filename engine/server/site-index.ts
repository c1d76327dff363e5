/**
 * In-memory copy of the ranked site table (one row per scored site, scores per scenario) that
 * answers /api/sites filters, bbox and pagination without a database round trip: the server
 * has one DuckDB connection, so 50 concurrent list queries would otherwise queue behind each
 * other. Refreshed when a score run changes (checked at most every few seconds) and updated in
 * place after each review.
 */
import Flatbush from 'flatbush';
import { toWgs84 } from '../geo/crs.ts';
import { HAZARDS, LEVELS, NO_DATA, SCENARIOS, type Scenario } from '../risk/config.ts';
import { fold } from '../risk/modifiers.ts';
import type { Store } from '../store/store.ts';

const CHECK_EVERY_MS = 3000;

interface Base {
  ids: string[];
  pos: Map<string, number>;
  kind: string[];
  name: (string | null)[];
  commune: (string | null)[];
  insee: (string | null)[];
  departement: (string | null)[];
  protection: (string | null)[];
  lon: Float64Array;
  lat: Float64Array;
  review: (string | null)[];
  text: string[];
  byName: Int32Array;
  tree: Flatbush | null;
}

interface Scored {
  score: Float64Array;
  maxLevel: Int8Array; // -1 = every hazard « donnée absente »
  nNoData: Int32Array;
  order: Int32Array | null; // score order, rebuilt lazily after an update
}

export interface SiteItem {
  site_id: string; site_kind: string; name: string | null; commune: string | null; insee: string | null; departement: string | null;
  protection: string | null; lon: number; lat: number; score: number | null; max_level: number | null; level_label: string | null;
  n_no_data: number | null; review_status: string | null; hazard_level?: number | null;
}

export interface SiteQuery {
  scenario: Scenario; kind?: string; departement?: string; insee?: string;
  /** any of these protections */
  protection?: readonly string[];
  /** any of these levels (0–3, or 'absent': no data for any hazard) */
  level?: readonly (number | 'absent')[]; hazard?: string; q?: string; bbox?: [number, number, number, number];
  sort: 'score' | 'name'; limit: number; offset: number;
}

export class SiteIndex {
  private base: Promise<Base> | null = null;
  private scored = new Map<Scenario, Promise<Scored>>();
  private hazards = new Map<string, Promise<{ level: Int8Array; term: Float64Array; order: Int32Array }>>();
  private generation = '';
  private checkedAt = 0;
  /** serialised answers of recent queries (the first page of the ranked table is asked by everyone) */
  private readonly responses = new Map<string, string>();

  constructor(private readonly store: Store) {}

  /** `list` serialised, cached until the next review or score run. */
  async listJson(q: SiteQuery): Promise<string> {
    await this.fresh();
    const key = JSON.stringify(q);
    let hit = this.responses.get(key);
    if (hit === undefined) {
      hit = JSON.stringify(await this.list(q));
      this.responses.set(key, hit);
      if (this.responses.size > 500) this.responses.delete(this.responses.keys().next().value!);
    }
    return hit;
  }

  private async fresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < CHECK_EVERY_MS && this.base) return;
    this.checkedAt = now;
    const g = String(await this.store.value(`SELECT concat(coalesce(max(run_id), 0), '/', count(*)) FROM score_runs`));
    if (g !== this.generation) {
      this.generation = g;
      this.invalidate();
    }
  }

  invalidate(): void {
    this.responses.clear();
    this.base = null;
    this.scored.clear();
    this.hazards.clear();
  }

  private loadBase(): Promise<Base> {
    return (this.base ??= (async () => {
      const rows = await this.store.all<{ site_id: string; site_kind: string; name: string | null; commune: string | null; insee: string | null; departement: string | null; protection: string | null; x: number; y: number; lon: number | null; lat: number | null; statut: string | null }>(
        `SELECT r.site_id, r.site_kind, r.name, coalesce(m.commune, c.nom) AS commune, r.insee, r.departement, r.protection, r.x, r.y,
                m.lon, m.lat, sr.statut_revue AS statut
           FROM risk_sites r
           LEFT JOIN monuments m ON m.reference = r.site_id
           LEFT JOIN communes c ON c.code_insee = r.insee
           LEFT JOIN site_review sr ON sr.site_id = r.site_id
          ORDER BY r.site_id`,
      );
      const n = rows.length;
      const b: Base = {
        ids: [], pos: new Map(), kind: [], name: [], commune: [], insee: [], departement: [], protection: [],
        lon: new Float64Array(n), lat: new Float64Array(n), review: [], text: [], byName: new Int32Array(n), tree: null,
      };
      rows.forEach((r, i) => {
        b.ids.push(r.site_id); b.pos.set(r.site_id, i); b.kind.push(r.site_kind); b.name.push(r.name); b.commune.push(r.commune);
        b.insee.push(r.insee); b.departement.push(r.departement); b.protection.push(r.protection); b.review.push(r.statut);
        const [lon, lat] = r.lon !== null && r.lat !== null ? [r.lon, r.lat] : toWgs84(r.x, r.y);
        b.lon[i] = Math.round(lon * 1e6) / 1e6; b.lat[i] = Math.round(lat * 1e6) / 1e6;
        b.text.push(fold(`${r.site_id} ${r.name ?? ''} ${r.commune ?? ''}`));
        b.byName[i] = i;
      });
      if (n) {
        b.tree = new Flatbush(n);
        for (let i = 0; i < n; i++) b.tree.add(b.lon[i], b.lat[i], b.lon[i], b.lat[i]);
        b.tree.finish();
      }
      const collator = new Intl.Collator('fr');
      b.byName.sort((a, c) => collator.compare(b.name[a] ?? '', b.name[c] ?? '') || (b.ids[a] < b.ids[c] ? -1 : 1));
      return b;
    })());
  }

  private loadScored(s: Scenario): Promise<Scored> {
    let p = this.scored.get(s);
    if (!p) {
      p = (async () => {
        const b = await this.loadBase();
        const n = b.ids.length;
        const out: Scored = { score: new Float64Array(n).fill(NaN), maxLevel: new Int8Array(n).fill(-1), nNoData: new Int32Array(n), order: null };
        const rows = await this.store.all<{ site_id: string; score: number; max_level: number | null; n_no_data: number }>(
          'SELECT site_id, score, max_level, n_no_data FROM scores WHERE scenario = $1', [s]);
        for (const r of rows) {
          const i = b.pos.get(r.site_id);
          if (i === undefined) continue;
          out.score[i] = r.score; out.maxLevel[i] = r.max_level ?? -1; out.nNoData[i] = Number(r.n_no_data);
        }
        return out;
      })();
      this.scored.set(s, p);
    }
    return p;
  }

  private scoreOrder(b: Base, sc: Scored): Int32Array {
    if (sc.order) return sc.order;
    const o = Int32Array.from(b.ids.keys());
    const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
    o.sort((a, c) => key(sc.score[c]) - key(sc.score[a]) || sc.maxLevel[c] - sc.maxLevel[a] || (b.ids[a] < b.ids[c] ? -1 : 1));
    return (sc.order = o);
  }

  private loadHazard(s: Scenario, hazard: string): Promise<{ level: Int8Array; term: Float64Array; order: Int32Array }> {
    const k = `${s}|${hazard}`;
    let p = this.hazards.get(k);
    if (!p) {
      p = (async () => {
        const b = await this.loadBase();
        const sc = await this.loadScored(s);
        const n = b.ids.length;
        const level = new Int8Array(n).fill(-1), term = new Float64Array(n).fill(-Infinity);
        const rows = await this.store.all<{ site_id: string; level_index: number | null; term: number | null }>(
          'SELECT site_id, level_index, term FROM score_terms WHERE scenario = $1 AND hazard = $2', [s, hazard]);
        for (const r of rows) {
          const i = b.pos.get(r.site_id);
          if (i === undefined) continue;
          level[i] = r.level_index ?? -1; term[i] = r.term ?? -Infinity;
        }
        const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
        const order = Int32Array.from(b.ids.keys()).sort((a, c) => term[c] - term[a] || key(sc.score[c]) - key(sc.score[a]) || (b.ids[a] < b.ids[c] ? -1 : 1));
        return { level, term, order };
      })();
      this.hazards.set(k, p);
    }
    return p;
  }

  async list(q: SiteQuery): Promise<{ total: number; limit: number; offset: number; items: SiteItem[] }> {
    await this.fresh();
    const b = await this.loadBase();
    const sc = await this.loadScored(q.scenario);
    const hz = q.hazard ? await this.loadHazard(q.scenario, q.hazard) : null;
    let order: ArrayLike<number> = q.sort === 'name' ? b.byName : hz ? hz.order : this.scoreOrder(b, sc);
    if (q.bbox) {
      // spatial index first, then the chosen order among the candidates
      const rank = rankOf(order as Int32Array);
      order = b.tree ? Int32Array.from(b.tree.search(q.bbox[0], q.bbox[1], q.bbox[2], q.bbox[3])).sort((x, y) => rank[x] - rank[y]) : [];
    }
    const needle = q.q ? fold(q.q.trim()) : '';
    const levelOf = hz ? hz.level : sc.maxLevel;
    const wantLevel = q.level === undefined ? undefined : new Set(q.level.map((l) => (l === 'absent' ? -1 : l)));
    const wantProtection = q.protection === undefined ? undefined : new Set(q.protection);
    const [w, s, e, n] = q.bbox ?? [-Infinity, -Infinity, Infinity, Infinity];
    let total = 0;
    const items: SiteItem[] = [];
    const unfiltered = !q.bbox && !needle && wantLevel === undefined && q.kind === undefined && q.departement === undefined && q.insee === undefined && q.protection === undefined;
    if (unfiltered) {
      for (let k = q.offset; k < Math.min(order.length, q.offset + q.limit); k++) items.push(this.item(b, sc, order[k], hz?.level));
      return { total: order.length, limit: q.limit, offset: q.offset, items };
    }
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (q.kind !== undefined && b.kind[i] !== q.kind) continue;
      if (q.departement !== undefined && b.departement[i] !== q.departement) continue;
      if (q.insee !== undefined && b.insee[i] !== q.insee) continue;
      if (wantProtection !== undefined && !wantProtection.has(b.protection[i] as string)) continue;
      if (wantLevel !== undefined && !wantLevel.has(levelOf[i])) continue;
      const lon = b.lon[i], lat = b.lat[i];
      if (lon < w || lon > e || lat < s || lat > n) continue;
      if (needle && !b.text[i].includes(needle)) continue;
      if (total >= q.offset && items.length < q.limit) items.push(this.item(b, sc, i, hz?.level));
      total++;
    }
    return { total, limit: q.limit, offset: q.offset, items };
  }

  private item(b: Base, sc: Scored, i: number, hazardLevel?: Int8Array): SiteItem {
    const scored = !Number.isNaN(sc.score[i]);
    const ml = sc.maxLevel[i];
    const it: SiteItem = {
      site_id: b.ids[i], site_kind: b.kind[i], name: b.name[i], commune: b.commune[i], insee: b.insee[i], departement: b.departement[i],
      protection: b.protection[i], lon: b.lon[i], lat: b.lat[i],
      score: scored ? sc.score[i] : null, max_level: scored && ml >= 0 ? ml : null,
      level_label: !scored ? null : ml >= 0 ? LEVELS[ml] : NO_DATA, n_no_data: scored ? sc.nNoData[i] : null, review_status: b.review[i],
    };
    if (hazardLevel) it.hazard_level = hazardLevel[i] >= 0 ? hazardLevel[i] : null;
    return it;
  }

  /** After a review: new scores and status of one site, without reloading the table. */
  async refreshSite(siteId: string): Promise<void> {
    this.responses.clear();
    if (!this.base) return;
    const b = await this.base;
    const i = b.pos.get(siteId);
    if (i === undefined) return;
    b.review[i] = (await this.store.value<string | null>('SELECT statut_revue FROM site_review WHERE site_id = $1', [siteId])) ?? null;
    const rows = await this.store.all<{ scenario: Scenario; score: number; max_level: number | null; n_no_data: number }>(
      'SELECT scenario, score, max_level, n_no_data FROM scores WHERE site_id = $1', [siteId]);
    for (const r of rows) {
      const p = this.scored.get(r.scenario);
      if (!p) continue;
      const sc = await p;
      sc.score[i] = r.score; sc.maxLevel[i] = r.max_level ?? -1; sc.nNoData[i] = Number(r.n_no_data);
      sc.order = null;
    }
    // hazard terms carry the modifier too
    this.hazards.clear();
  }
}

const ranks = new WeakMap<Int32Array, Int32Array>();
function rankOf(order: Int32Array): Int32Array {
  let r = ranks.get(order);
  if (!r) {
    r = new Int32Array(order.length);
    for (let k = 0; k < order.length; k++) r[order[k]] = k;
    ranks.set(order, r);
  }
  return r;
}

export const HAZARD_NAMES: readonly string[] = HAZARDS;
export const SCENARIO_NAMES: readonly string[] = SCENARIOS;
