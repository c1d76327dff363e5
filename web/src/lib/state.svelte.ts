/**
 * The app's shared state: one class of runes, one instance. Components read it and call
 * its methods; nothing else holds data fetched from the API.
 */
import type { FeatureCollection } from 'geojson';
import { api, type AppConfig, type Health, type Monument, type Protection } from './api.ts';
import { PROTECTIONS } from './protection.ts';

export interface Basemap {
  land: FeatureCollection | null;
  communes: FeatureCollection | null;
  rivers: FeatureCollection | null;
}

/** Positioned monuments as flat arrays, the shape the deck.gl layer consumes without copying. */
export interface MonumentPoints {
  items: Monument[];
  positions: Float32Array;
}

/** Lower case without diacritics, so « eglise » finds « Église ». */
export function searchKey(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

function monumentKey(m: Monument): string {
  return searchKey([m.titre, m.reference, m.commune, m.insee, m.denomination].filter(Boolean).join(' '));
}

export class VigieState {
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  health = $state.raw<Health | null>(null);
  config = $state.raw<AppConfig | null>(null);
  basemap = $state.raw<Basemap>({ land: null, communes: null, rivers: null });
  monuments = $state.raw<Monument[]>([]);

  query = $state('');
  visible = $state<Record<Protection, boolean>>({ classe: true, classe_inscrit: true, inscrit: true, inconnue: true });
  selectedReference = $state<string | null>(null);

  /** Search keys, computed once per load rather than per keystroke. */
  #keys = $derived(this.monuments.map(monumentKey));

  /** Monuments matching the search and the legend toggles, positioned or not. */
  matching = $derived.by(() => {
    const q = searchKey(this.query.trim());
    const keys = this.#keys;
    const visible = this.visible;
    return this.monuments.filter((m, i) => visible[m.protection] && (q === '' || keys[i].includes(q)));
  });

  points = $derived.by((): MonumentPoints => {
    const items = this.matching.filter((m) => m.lon !== null && m.lat !== null);
    const positions = new Float32Array(items.length * 2);
    items.forEach((m, i) => {
      positions[2 * i] = m.lon!;
      positions[2 * i + 1] = m.lat!;
    });
    return { items, positions };
  });

  unpositionedCount = $derived(this.matching.length - this.points.items.length);

  countsByProtection = $derived.by(() => {
    const counts = Object.fromEntries(PROTECTIONS.map((p) => [p, 0])) as Record<Protection, number>;
    for (const m of this.monuments) counts[m.protection]++;
    return counts;
  });

  selected = $derived(
    this.selectedReference === null
      ? null
      : (this.monuments.find((m) => m.reference === this.selectedReference) ?? null),
  );

  select(reference: string | null): void {
    this.selectedReference = reference;
  }

  toggle(protection: Protection): void {
    this.visible = { ...this.visible, [protection]: !this.visible[protection] };
  }

  /** Loads everything the first screen needs, in parallel. */
  async load(signal?: AbortSignal): Promise<void> {
    this.status = 'loading';
    try {
      // The offline basemap is only needed without a style server; it loads while the
      // (much larger) monument list is still downloading.
      const configAndBasemap = api.config(signal).then(async (config) => {
        if (config.styleUrl !== null) return { config, basemap: { land: null, communes: null, rivers: null } };
        const [land, communes, rivers] = await Promise.all([
          api.basemap('land', signal),
          api.basemap('communes', signal),
          api.basemap('rivers', signal),
        ]);
        return { config, basemap: { land, communes, rivers } };
      });
      const [health, { config, basemap }, monuments] = await Promise.all([
        api.health(signal),
        configAndBasemap,
        api.monuments(signal),
      ]);
      performance.mark('vigie:data-loaded');
      this.health = health;
      this.config = config;
      this.basemap = basemap;
      this.monuments = monuments.items;
      this.status = 'ready';
      performance.mark('vigie:state-ready');
    } catch (error) {
      if (signal?.aborted) return;
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
    }
  }
}

export const vigie = new VigieState();
