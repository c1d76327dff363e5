/**
 * The app's shared state: one class of runes, one instance. Components read it and call
 * its methods; nothing else holds data fetched from the API (the detection queue has its
 * own small class in queue.svelte.ts). Filters, scenario, view and selection round-trip
 * through the URL (urlState.ts).
 */
import { COMMUNES_BY_VIEW } from '../../../engine/contract/enums.ts';
import type { FeatureCollection } from 'geojson';
import {
  api,
  ApiError,
  setSession,
  type AppConfig,
  type Health,
  type Monument,
  type Protection,
  type Role,
  type Scenario,
  type SiteDetail,
  type User,
} from './api.ts';
import { communeChoiceOf } from './communeChoice.ts';
import { PROTECTIONS } from './protection.ts';
import { LEVEL_KEYS, levelKey, type LevelKey } from './risk.ts';
import { NO_LEVEL, flagProtection, monumentFlags, type MonumentLayer } from '../../../engine/contract/layer-bin.ts';

export interface Basemap {
  land: FeatureCollection | null;
  communes: FeatureCollection | null;
  rivers: FeatureCollection | null;
}

/** Positioned monuments as flat arrays, the shape the deck.gl layer consumes without copying. */
export interface MonumentPoints {
  /** Number of points. */
  n: number;
  /**
   * The monuments drawn, in point order; empty while the map shows the first-screen preview
   * (layer.bin only, before the monument list is in: nothing to pick yet).
   */
  items: Monument[];
  /** Reference of each point (also during the preview). */
  references: string[];
  positions: Float32Array;
  /** Risk level per point for the chosen scenario, 255 = donnée absente. */
  levels: Uint8Array;
  /** The layer.bin flags byte per point: protection, partial, position at the commune. */
  flags: Uint8Array;
}

/**
 * How long the monument list waits at most for the map's first frame (a map that cannot
 * draw, e.g. a style server that does not answer, must not keep the tables empty).
 */
const LIST_WAITS_FOR_MAP_MS = 10_000;

/** Levels and scores of one scenario, indexed like `monuments`. */
export interface RiskLayer {
  levels: Uint8Array;
  scores: Float32Array;
}

export type ColorBy = 'risk' | 'protection';
export type Mode = 'risques' | 'detections';
export type Overlay = 'flood' | 'clay' | 'land_movement' | 'detections' | 'archeo';

/** Lower case without diacritics, so « eglise » finds « Église ». */
export function searchKey(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

function monumentKey(m: Monument): string {
  return searchKey([m.titre, m.reference, m.commune, m.insee, m.denomination].filter(Boolean).join(' '));
}

const ALL_PROTECTIONS = (): Record<Protection, boolean> => ({ classe: true, classe_inscrit: true, inscrit: true, inconnue: true });
const ALL_LEVELS = (): Record<LevelKey, boolean> => ({ '0': true, '1': true, '2': true, '3': true, nd: true });

export class VigieState {
  status = $state<'loading' | 'ready' | 'error'>('loading');
  /**
   * True once the configuration and the basemap are in: the map starts then, while the (much
   * larger) monument list is still on its way, so that both loads overlap.
   */
  mapReady = $state(false);
  error = $state<string | null>(null);
  health = $state.raw<Health | null>(null);
  config = $state.raw<AppConfig | null>(null);
  basemap = $state.raw<Basemap>({ land: null, communes: null, rivers: null });
  monuments = $state.raw<Monument[]>([]);
  /**
   * The first screen: the risk layer (positions, protection, level) drawn before the monument
   * list has arrived; null once the list is in.
   */
  preview = $state.raw<{ scenario: Scenario; layer: MonumentLayer } | null>(null);
  #mapShown: () => void = () => undefined;
  /** Resolves when the map has shown its first frame of monuments (MapView calls `mapShown`). */
  #firstFrame = new Promise<void>((done) => (this.#mapShown = done));

  // Risk
  scenario = $state<Scenario>('ref');
  colorBy = $state<ColorBy>('risk');
  riskLayers = $state.raw<Partial<Record<Scenario, RiskLayer>>>({});
  /** False once the server said it has no risk layer: the map falls back to protection colours. */
  riskAvailable = $state(true);
  riskError = $state<string | null>(null);

  // Filters
  query = $state('');
  visible = $state<Record<Protection, boolean>>(ALL_PROTECTIONS());
  levels = $state<Record<LevelKey, boolean>>(ALL_LEVELS());
  departement = $state('');
  insee = $state('');
  hazard = $state('');
  /** Monuments where `hazard` is moyen or fort under the scenario (from /api/sites); null = no hazard filter. */
  hazardIds = $state.raw<Set<string> | null>(null);

  // Map
  /** Last map view, [lon, lat, zoom]; written by the map, read for the URL. */
  view = $state.raw<[number, number, number] | null>(null);
  /** [w, s, e, n] of the map view. */
  bbox = $state.raw<[number, number, number, number] | null>(null);
  overlays = $state<Record<Overlay, boolean>>({ flood: true, clay: false, land_movement: false, detections: true, archeo: true });
  hazardZones = $state.raw<Record<string, FeatureCollection | null>>({});

  // Selection
  selectedReference = $state<string | null>(null);
  detail = $state.raw<SiteDetail | null>(null);
  detailError = $state<string | null>(null);

  // Session
  user = $state.raw<User | null>(null);
  sessionExpired = $state(false);
  loginOpen = $state(false);

  mode = $state<Mode>('risques');

  /** Search keys, computed once per load rather than per keystroke. */
  #keys = $derived(this.monuments.map(monumentKey));
  #indexOf = $derived(new Map(this.monuments.map((m, i) => [m.reference, i])));

  risk = $derived(this.riskLayers[this.scenario] ?? null);

  /** Level of monument `i` (index in `monuments`) under the chosen scenario. */
  levelAt(i: number): number {
    return this.risk ? this.risk.levels[i] : NO_LEVEL;
  }

  filtersActive = $derived(
    this.query.trim() !== '' ||
      this.departement !== '' ||
      this.insee !== '' ||
      this.hazard !== '' ||
      PROTECTIONS.some((p) => !this.visible[p]) ||
      LEVEL_KEYS.some((l) => !this.levels[l]),
  );

  /** Monuments matching the search and every filter, positioned or not. */
  matching = $derived.by(() => {
    const q = searchKey(this.query.trim());
    const keys = this.#keys;
    const visible = this.visible;
    const levels = this.levels;
    const allLevels = LEVEL_KEYS.every((l) => levels[l]);
    const risk = this.risk;
    const { departement, insee } = this;
    const hazardIds = this.hazardIds;
    const out: Monument[] = [];
    this.monuments.forEach((m, i) => {
      if (!visible[m.protection]) return;
      if (departement && m.departement !== departement) return;
      if (insee && m.insee !== insee) return;
      if (q !== '' && !keys[i].includes(q)) return;
      if (hazardIds && !hazardIds.has(m.reference)) return;
      if (!allLevels && !levels[levelKey(risk ? risk.levels[i] : null)]) return;
      out.push(m);
    });
    return out;
  });

  points = $derived.by((): MonumentPoints => {
    if (this.monuments.length === 0 && this.preview) return this.#previewPoints(this.preview);
    const items = this.matching.filter((m) => m.lon !== null && m.lat !== null);
    const positions = new Float32Array(items.length * 2);
    const levels = new Uint8Array(items.length).fill(NO_LEVEL);
    const flags = new Uint8Array(items.length);
    const risk = this.risk;
    const index = this.#indexOf;
    items.forEach((m, i) => {
      positions[2 * i] = m.lon!;
      positions[2 * i + 1] = m.lat!;
      flags[i] = monumentFlags(m.protection, m.partielle, m.position);
      if (risk) levels[i] = risk.levels[index.get(m.reference)!];
    });
    return { n: items.length, items, references: items.map((m) => m.reference), positions, levels, flags };
  });

  /**
   * Points of the first-screen preview, with the filters layer.bin can answer (protection and
   * level); a search, département, commune or hazard filter waits for the monument list.
   */
  #previewPoints({ scenario, layer }: { scenario: Scenario; layer: MonumentLayer }): MonumentPoints {
    const waits = this.query.trim() !== '' || this.departement !== '' || this.insee !== '' || this.hazard !== '';
    const sameScenario = scenario === this.scenario;
    const keep: number[] = [];
    if (!waits) {
      for (let j = 0; j < layer.n; j++) {
        if (!this.visible[flagProtection(layer.flags[j])]) continue;
        if (!this.levels[levelKey(sameScenario ? layer.level[j] : NO_LEVEL)]) continue;
        keep.push(j);
      }
    }
    const n = keep.length;
    const positions = new Float32Array(2 * n);
    const levels = new Uint8Array(n).fill(NO_LEVEL);
    const flags = new Uint8Array(n);
    keep.forEach((j, i) => {
      positions[2 * i] = layer.lon[j];
      positions[2 * i + 1] = layer.lat[j];
      flags[i] = layer.flags[j];
      if (sameScenario) levels[i] = layer.level[j];
    });
    return { n, items: [], references: keep.map((j) => layer.references[j]), positions, levels, flags };
  }

  unpositionedCount = $derived(this.matching.length - this.points.items.length);

  countsByProtection = $derived.by(() => {
    const counts = Object.fromEntries(PROTECTIONS.map((p) => [p, 0])) as Record<Protection, number>;
    for (const m of this.monuments) counts[m.protection]++;
    return counts;
  });

  /** Positioned monuments per level under the chosen scenario (legend counts). */
  countsByLevel = $derived.by(() => {
    const counts: Record<LevelKey, number> = { '0': 0, '1': 0, '2': 0, '3': 0, nd: 0 };
    const preview = this.preview;
    if (this.monuments.length === 0 && preview) {
      const same = preview.scenario === this.scenario;
      for (let j = 0; j < preview.layer.n; j++) counts[levelKey(same ? preview.layer.level[j] : NO_LEVEL)]++;
      return counts;
    }
    const risk = this.risk;
    this.monuments.forEach((m, i) => {
      if (m.lon !== null) counts[levelKey(risk ? risk.levels[i] : null)]++;
    });
    return counts;
  });

  departements = $derived([...new Set(this.monuments.map((m) => m.departement).filter((d): d is string => !!d))].sort());

  communeChoice = $derived(communeChoiceOf(this.monuments, this.departement, this.insee));
  communes = $derived(this.communeChoice.items);

  selected = $derived(
    this.selectedReference === null ? null : (this.monuments[this.#indexOf.get(this.selectedReference) ?? -1] ?? null),
  );

  isLoggedIn = $derived(this.user !== null);

  hasRole(role: Role): boolean {
    return !!this.user && (this.user.roles.includes(role) || this.user.roles.includes('administrateur'));
  }
  canReviewMonuments = $derived(this.hasRole('relecteur_monuments'));
  canReviewDetections = $derived(this.hasRole('relecteur_detections'));

  select(reference: string | null): void {
    this.selectedReference = reference;
  }

  toggle(protection: Protection): void {
    this.visible = { ...this.visible, [protection]: !this.visible[protection] };
  }

  toggleLevel(level: LevelKey): void {
    this.levels = { ...this.levels, [level]: !this.levels[level] };
  }

  resetFilters(): void {
    this.query = '';
    this.visible = ALL_PROTECTIONS();
    this.levels = ALL_LEVELS();
    this.departement = '';
    this.insee = '';
    this.hazard = '';
  }

  /** Loads everything the first screen needs, in parallel. */
  async load(signal?: AbortSignal): Promise<void> {
    this.status = 'loading';
    try {
      // The offline basemap is only needed without a style server. Land and rivers are asked for
      // at once (small; unused when the deployment has its own style server), the communes once
      // the configuration says how many there are. A failure surfaces where they are awaited.
      const land = api.basemap('land', signal);
      const rivers = api.basemap('rivers', signal);
      for (const p of [land, rivers]) p.catch(() => undefined);
      const configAndBasemap = api.config(signal).then(async (config) => {
        if (config.styleUrl !== null) return { config, basemap: { land: null, communes: null, rivers: null } };
        const basemap = {
          land: await land,
          // A national database: the map fetches the communes of its view (MapView), not 35,000 outlines.
          communes: config.communes > COMMUNES_BY_VIEW ? null : await api.basemap('communes', signal),
          rivers: await rivers,
        };
        if (!signal?.aborted) {
          this.config = config;
          this.basemap = basemap;
          this.mapReady = true;
          performance.mark('vigie:map-ready');
        }
        return { config, basemap };
      });
      // The risk layer (positions, protection, level: 0.5 MB) is the first screen; the monument
      // list (ten times larger, and a long JSON parse on the main thread) is asked for once the
      // map has shown it or failed (MapView calls `mapShown`), at most LIST_WAITS_FOR_MAP_MS later.
      const scenario = this.scenario;
      const layerLoad = api.monumentLayer(scenario, signal).catch((e: unknown) => {
        this.riskError = e instanceof Error ? e.message : String(e);
        return null;
      });
      const listLoad = layerLoad.then(async (layer) => {
        if (layer && !signal?.aborted && this.monuments.length === 0) {
          this.preview = { scenario, layer };
          performance.mark('vigie:layer-loaded');
          await Promise.race([this.#firstFrame, new Promise((wake) => setTimeout(wake, LIST_WAITS_FOR_MAP_MS))]);
        }
        return api.monuments(signal);
      });
      const [health, { config, basemap }, monuments, layer] = await Promise.all([
        api.health(signal),
        configAndBasemap,
        listLoad,
        layerLoad,
        this.checkSession(signal),
      ]);
      performance.mark('vigie:data-loaded');
      this.health = health;
      this.config = config;
      this.basemap = basemap;
      this.monuments = monuments.items;
      if (layer) this.riskLayers = { [scenario]: this.alignLayer(layer) };
      else this.riskAvailable = false;
      this.preview = null;
      if (!this.riskAvailable) this.colorBy = 'protection';
      this.status = 'ready';
      performance.mark('vigie:state-ready');
    } catch (error) {
      if (signal?.aborted) return;
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
    }
  }

  /** The map has shown its first frame of monuments, or failed: the monument list may load now. */
  mapShown(): void {
    this.#mapShown();
  }

  /** Places a decoded layer.bin on the `monuments` index (joined by reference). */
  alignLayer(layer: { level: Uint8Array; score: Float32Array; references: string[] }): RiskLayer {
    const levels = new Uint8Array(this.monuments.length).fill(NO_LEVEL);
    const scores = new Float32Array(this.monuments.length).fill(NaN);
    const index = this.#indexOf;
    layer.references.forEach((ref, j) => {
      const i = index.get(ref);
      if (i === undefined) return;
      levels[i] = layer.level[j];
      scores[i] = layer.score[j];
    });
    return { levels, scores };
  }

  /** Fetches the risk layer of a scenario once; later switches are instant. */
  async ensureScenario(scenario: Scenario, signal?: AbortSignal): Promise<void> {
    if (this.riskLayers[scenario] || !this.riskAvailable || this.status !== 'ready') return;
    try {
      const layer = await api.monumentLayer(scenario, signal);
      if (!layer) {
        this.riskAvailable = false;
        return;
      }
      this.riskLayers = { ...this.riskLayers, [scenario]: this.alignLayer(layer) };
      this.riskError = null;
    } catch (e) {
      if (!signal?.aborted) this.riskError = e instanceof Error ? e.message : String(e);
    }
  }

  /** After a review, the server re-scores the site: put its new levels on the map. */
  applyRescore(reference: string, scores: SiteDetail['scores']): void {
    const i = this.#indexOf.get(reference);
    if (i === undefined) return;
    const next = { ...this.riskLayers };
    for (const [s, layer] of Object.entries(next) as [Scenario, RiskLayer][]) {
      const score = scores[s];
      if (!score) continue;
      const levels = layer.levels.slice();
      const values = layer.scores.slice();
      levels[i] = score.max_level ?? NO_LEVEL;
      values[i] = score.score ?? NaN;
      next[s] = { levels, scores: values };
    }
    this.riskLayers = next;
  }

  // --- Session -------------------------------------------------------------------------

  async checkSession(signal?: AbortSignal): Promise<void> {
    try {
      const me = await api.me(signal);
      this.user = me.user;
      setSession(me.csrfToken, () => this.expire());
    } catch (e) {
      // An older server without /api/auth: the app stays read-only.
      if (!(e instanceof ApiError)) throw e;
      this.user = null;
      setSession(null, () => this.expire());
    }
  }

  async login(username: string, password: string): Promise<void> {
    const r = await api.login(username, password);
    this.user = r.user;
    setSession(r.csrfToken, () => this.expire());
    this.sessionExpired = false;
    this.loginOpen = false;
  }

  async logout(): Promise<void> {
    try {
      await api.logout();
    } finally {
      this.user = null;
      setSession(null, () => this.expire());
      if (this.mode === 'detections') this.mode = 'risques';
    }
  }

  /** A session route answered 401: the session is gone; ask to log in again. */
  expire(): void {
    if (!this.user) return;
    this.user = null;
    setSession(null, () => this.expire());
    this.sessionExpired = true;
    this.loginOpen = true;
  }
}

export const vigie = new VigieState();
