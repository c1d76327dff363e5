/**
 * Reads a "lat,lon" text field (Mérimée `coordonnees_au_format_WGS84`, museums
 * `coordonnees_finales`) and tells usable positions from empty, malformed and placeholder ones.
 */
export type LatLon =
  | { kind: 'empty' }
  | { kind: 'invalid' }
  | { kind: 'placeholder'; lat: number; lon: number; why: string }
  | { kind: 'ok'; lat: number; lon: number };

const LAT_LON = /^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$/;

export function parseLatLon(text: string | null | undefined): LatLon {
  if (text === null || text === undefined || text.trim() === '') return { kind: 'empty' };
  const m = LAT_LON.exec(text);
  if (!m) return { kind: 'invalid' };
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  const why = placeholderReason(lat, lon);
  return why ? { kind: 'placeholder', lat, lon, why } : { kind: 'ok', lat, lon };
}

function placeholderReason(lat: number, lon: number): string | undefined {
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return 'out of the latitude/longitude range';
  if (lat === 0 && lon === 0) return 'the 0,0 placeholder';
  if (lat === -1 && lon === -1) return 'the -1,-1 placeholder';
  // Whole degrees are ~100 km cells: a position typed as a default, never a surveyed one.
  if (Number.isInteger(lat) && Number.isInteger(lon)) return 'rounded to whole degrees';
  return undefined;
}
