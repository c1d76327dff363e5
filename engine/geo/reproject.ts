import { transformer, WGS84 } from './crs.ts';

/**
 * Reprojects GeoJSON coordinates (any nesting depth) from `from` to WGS84, rounded to 1e-6°
 * (about 10 cm), which is plenty for display and keeps payloads small.
 */
export function coordinatesToWgs84(coordinates: unknown, from: string): unknown {
  const t = transformer(from, WGS84);
  const walk = (c: unknown): unknown => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [lon, lat] = t(c[0] as number, c[1] as number);
      return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
    }
    return (c as unknown[]).map(walk);
  };
  return walk(coordinates);
}
