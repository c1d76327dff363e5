/** GeoJSON in the vector registry: RFC 7946 WGS84 unless the legacy `crs` member says otherwise. */
import { WGS84 } from '../geo/crs.ts';
import { readGeoJson } from './geojson.ts';
import { readSourceFile } from './source-file.ts';
import { registerVectorFormat, type Geometry, type VectorFeature } from './vector.ts';

registerVectorFormat({
  name: 'geojson',
  extensions: ['.geojson', '.json'],
  sniff: (head) => head[0] === 0x7b || (head[0] === 0xef && head[3] === 0x7b),
  async open(path) {
    const source = readSourceFile(path);
    // Detect the declared CRS without a fallback so that --crs can still complete a bare file.
    const layer = readGeoJson(source, '');
    return {
      declaredCrs: layer.crs || undefined,
      defaultCrs: WGS84,
      features: async function* (): AsyncGenerator<VectorFeature> {
        for (let i = 0; i < layer.features.length; i++) {
          const f = layer.features[i];
          yield { index: i, id: f.id, geometry: (f.geometry as Geometry | null) ?? null, properties: f.properties ?? {} };
        }
      },
    };
  },
});
