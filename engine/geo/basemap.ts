/**
 * Offline basemap layers: GeoJSON files (land, rivers) stored as-is in DuckDB so the web map
 * needs no external tile server. Communes come from the `communes` table instead.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export const BASEMAP_LAYERS = ['land', 'rivers'] as const;
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

interface FeatureCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; geometry: { type: string; coordinates: unknown } | null; properties: unknown }>;
}

export async function importBasemapLayer(store: Store, name: string, file: string): Promise<{ features: number }> {
  const bytes = await readFile(file);
  let fc: FeatureCollection;
  try {
    fc = JSON.parse(bytes.toString('utf8')) as FeatureCollection;
  } catch (err) {
    throw new InputError(`${basename(file)}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new InputError(`${basename(file)}: expected a GeoJSON FeatureCollection, got type ${JSON.stringify(fc?.type)}`);
  }
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      if (!(Math.abs(x) <= 180 && Math.abs(y) <= 90)) {
        throw new InputError(`${basename(file)}: coordinate [${x}, ${y}] is not lon/lat (basemap layers are WGS84)`);
      }
      b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  fc.features.forEach((f) => visit(f.geometry?.coordinates));
  await store.transaction(async (tx) => {
    const checksum = createHash('sha256').update(bytes).digest('hex');
    const cat = await tx.one<{ id: number }>(
      `INSERT INTO catalogue (kind, layer, source_file, checksum, crs, feature_count, rows_read, rows_flagged, licence)
       VALUES ('basemap', $1, $2, $3, 'EPSG:4326', $4, $4, 0, 'Licence Ouverte / Open Licence 2.0') RETURNING id`,
      [`basemap:${name}`, file, checksum, fc.features.length],
    );
    await tx.run('DELETE FROM basemap_layers WHERE name = $1', [name]);
    await tx.run(
      `INSERT INTO basemap_layers (name, geojson, feature_count, minx, miny, maxx, maxy, catalogue_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [name, JSON.stringify(fc), fc.features.length, b[0], b[1], b[2], b[3], cat!.id],
    );
  });
  return { features: fc.features.length };
}
