/**
 * Offline basemap layers: GeoJSON files (land, rivers) kept as WGS84 FeatureCollections in
 * DuckDB so the web map needs no external tile server. Communes come from `communes` instead.
 * Registered with importLayer as `basemap-land` and `basemap-rivers`.
 */
import { InputError } from '../errors.ts';
import type { ImportContext, Importer, PreparedImport } from '../importers.ts';
import { readGeoJson } from '../io/geojson.ts';
import { normaliseCrs, transformer, WGS84 } from './crs.ts';

export const BASEMAP_LAYERS = ['land', 'rivers'] as const;
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

export function basemapImporter(name: BasemapLayer): Importer {
  return {
    description: `offline basemap layer "${name}" (GeoJSON, reprojected to WGS84)`,
    async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
      const layer = readGeoJson(source, options.crs ? normaliseCrs(options.crs) : WGS84);
      const toWgs84 = transformer(layer.crs, WGS84);
      const b = [Infinity, Infinity, -Infinity, -Infinity];
      const project = (c: unknown, at: string): unknown => {
        if (Array.isArray(c) && typeof c[0] === 'number') {
          const [lon, lat] = toWgs84(c[0], c[1] as number);
          if (!(Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) {
            throw new InputError(`${at}: coordinate ${JSON.stringify(c)} is not a position in ${layer.crs} (give the CRS with --crs)`);
          }
          b[0] = Math.min(b[0], lon); b[1] = Math.min(b[1], lat); b[2] = Math.max(b[2], lon); b[3] = Math.max(b[3], lat);
          return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
        }
        if (!Array.isArray(c)) throw new InputError(`${at}: geometry coordinates missing (expected nested arrays of positions)`);
        return c.map((x) => project(x, at));
      };
      const features = layer.features.map((f, i) => ({
        type: 'Feature' as const,
        properties: f.properties ?? {},
        geometry: f.geometry
          ? { type: f.geometry.type, coordinates: project((f.geometry as { coordinates: unknown }).coordinates, `${source.name}, features[${i}]`) }
          : null,
      }));
      if (!Number.isFinite(b[0])) {
        throw new InputError(`${source.name}: no feature with coordinates among ${features.length} (expected the ${name} layer's polygons or lines)`);
      }
      const fc = JSON.stringify({ type: 'FeatureCollection', features });
      return {
        layer: `basemap:${name}`,
        rowsRead: features.length,
        kept: features.length,
        issues: [],
        crs: layer.crs,
        licence: 'Licence Ouverte / Open Licence 2.0',
        async write(store, catalogueId) {
          await store.run('DELETE FROM basemap_layers WHERE name = $1', [name]);
          await store.run(
            `INSERT INTO basemap_layers (name, geojson, feature_count, minx, miny, maxx, maxy, catalogue_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [name, fc, features.length, b[0], b[1], b[2], b[3], catalogueId],
          );
        },
      };
    },
  };
}
