/**
 * What reviewers learn locally: in each 10 km square of the Lambert-93 grid and at each
 * reliability level, the share of reviewed candidates confirmed (« oui ») beside the precision
 * the calibration promised for them (their mean calibrated confidence). Shown once the square
 * has LOCAL_MIN_VERDICTS decisive verdicts (oui or non) at that level: below that, a share of a
 * handful of verdicts says more about chance than about the terrain. « Peut-être » is counted
 * but decides nothing.
 */
import { RELIABILITY_LEVELS } from '../contract/enums.ts';

export const LOCAL_MIN_VERDICTS = 20;
export const ZONE_M = 10_000;

/** The 10 km square holding (x, y), named like LiDAR HD tiles: west edge and north edge in km. */
export function zoneOf(x: number, y: number): string {
  const e = Math.floor(x / ZONE_M) * (ZONE_M / 1000);
  const n = (Math.floor(y / ZONE_M) + 1) * (ZONE_M / 1000);
  return `${String(e).padStart(4, '0')}_${String(n).padStart(4, '0')}`;
}

export interface LocalPrecision {
  zone: string;
  level: string;
  /** decisive verdicts: oui + non */
  verdicts: number;
  oui: number;
  non: number;
  peut_etre: number;
  /** oui / (oui + non) once verdicts ≥ LOCAL_MIN_VERDICTS, else null */
  observed: number | null;
  /** mean calibrated confidence of the candidates behind `verdicts`, null if none had one */
  calibrated: number | null;
}

export interface Reviewed {
  x: number;
  y: number;
  level: string;
  confidence: number | null;
  decision: string | null;
}

const key = (zone: string, level: string) => `${zone}|${level}`;

/** Local precision per zone × level, for every pair with at least one verdict. */
export function localPrecision(items: Iterable<Reviewed>): Map<string, LocalPrecision> {
  const out = new Map<string, LocalPrecision & { confSum: number; confN: number }>();
  for (const d of items) {
    if (!d.decision) continue;
    const zone = zoneOf(d.x, d.y);
    const k = key(zone, d.level);
    let p = out.get(k);
    if (!p) out.set(k, (p = { zone, level: d.level, verdicts: 0, oui: 0, non: 0, peut_etre: 0, observed: null, calibrated: null, confSum: 0, confN: 0 }));
    if (d.decision === 'oui' || d.decision === 'non') {
      p[d.decision]++;
      p.verdicts++;
      if (d.confidence !== null && Number.isFinite(d.confidence)) { p.confSum += d.confidence; p.confN++; }
    } else if (d.decision === 'peut_etre') p.peut_etre++;
  }
  const result = new Map<string, LocalPrecision>();
  const order = (l: string) => RELIABILITY_LEVELS.indexOf(l as (typeof RELIABILITY_LEVELS)[number]);
  for (const [k, { confSum, confN, ...p }] of [...out].sort(([, a], [, b]) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : order(a.level) - order(b.level)))) {
    p.observed = p.verdicts >= LOCAL_MIN_VERDICTS ? round3(p.oui / p.verdicts) : null;
    p.calibrated = confN > 0 ? round3(confSum / confN) : null;
    result.set(k, p);
  }
  return result;
}

export function localPrecisionAt(stats: Map<string, LocalPrecision>, x: number, y: number, level: string): LocalPrecision | null {
  return stats.get(key(zoneOf(x, y), level)) ?? null;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
