/**
 * The shareable link: scenario, colouring, filters, map view, overlays, selection and mode in
 * the query string (French keys, readable). `readUrl` applies a query string to the state at
 * start-up; `writeUrl` gives the query string for the current state (the app replaces the
 * history entry with it, so the back button is not flooded by map moves).
 */
import type { Protection, Scenario } from './api.ts';
import { PROTECTIONS } from './protection.ts';
import { LEVEL_KEYS, SCENARIOS, type LevelKey } from './risk.ts';
import type { Mode, Overlay, VigieState } from './state.svelte.ts';
import type { DetectionQueue } from './queue.svelte.ts';

const OVERLAYS: readonly Overlay[] = ['flood', 'clay', 'land_movement', 'detections', 'archeo'];

export function readUrl(search: string, s: VigieState, q: DetectionQueue): void {
  const p = new URLSearchParams(search);
  const scenario = p.get('scenario') as Scenario | null;
  if (scenario && SCENARIOS.includes(scenario)) s.scenario = scenario;
  if (p.get('couleur') === 'protection') s.colorBy = 'protection';
  s.query = p.get('q') ?? '';
  s.departement = p.get('dep') ?? '';
  s.insee = p.get('insee') ?? '';
  s.hazard = p.get('alea') ?? '';
  const prot = p.get('protection');
  if (prot !== null) {
    const set = new Set(prot.split(','));
    s.visible = Object.fromEntries(PROTECTIONS.map((x) => [x, set.has(x)])) as Record<Protection, boolean>;
  }
  const niv = p.get('niveau');
  if (niv !== null) {
    const set = new Set(niv.split(','));
    s.levels = Object.fromEntries(LEVEL_KEYS.map((x) => [x, set.has(x)])) as Record<LevelKey, boolean>;
  }
  const couches = p.get('couches');
  if (couches !== null) {
    const set = new Set(couches.split(','));
    s.overlays = Object.fromEntries(OVERLAYS.map((x) => [x, set.has(x)])) as Record<Overlay, boolean>;
  }
  const carte = p.get('carte')?.split(',').map(Number);
  if (carte?.length === 3 && carte.every(Number.isFinite)) s.view = carte as [number, number, number];
  s.selectedReference = p.get('site');
  const mode = p.get('mode') as Mode | null;
  if (mode === 'detections') s.mode = 'detections';
  q.currentId = p.get('detection');
  if (p.get('ordre') === 'area') q.order = 'area';
}

export function writeUrl(s: VigieState, q: DetectionQueue): string {
  const p = new URLSearchParams();
  if (s.scenario !== 'ref') p.set('scenario', s.scenario);
  if (s.colorBy === 'protection') p.set('couleur', 'protection');
  if (s.query.trim()) p.set('q', s.query.trim());
  if (s.departement) p.set('dep', s.departement);
  if (s.insee) p.set('insee', s.insee);
  if (s.hazard) p.set('alea', s.hazard);
  if (PROTECTIONS.some((x) => !s.visible[x])) p.set('protection', PROTECTIONS.filter((x) => s.visible[x]).join(','));
  if (LEVEL_KEYS.some((x) => !s.levels[x])) p.set('niveau', LEVEL_KEYS.filter((x) => s.levels[x]).join(','));
  p.set('couches', OVERLAYS.filter((x) => s.overlays[x]).join(','));
  if (s.view) p.set('carte', [s.view[0].toFixed(5), s.view[1].toFixed(5), s.view[2].toFixed(2)].join(','));
  if (s.selectedReference) p.set('site', s.selectedReference);
  if (s.mode === 'detections') {
    p.set('mode', 'detections');
    if (q.currentId) p.set('detection', q.currentId);
    if (q.order !== 'reliability') p.set('ordre', q.order);
  }
  // Commas stay readable in a shared link (a bare + would read as a space).
  return `?${p.toString().replace(/%2C/g, ',')}`;
}
