/** GeoJSON (RFC 7946): WGS84 lon/lat with 7 decimals (~1 cm), field names as properties. */
import { LAMBERT93, WGS84, transformer } from '../../geo/crs.ts';
import { registerExportFormat } from '../formats.ts';
import { mapPositions } from '../table.ts';
import { TextOut } from './text-out.ts';

const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
// One proj4 converter for the whole run (toWgs84 builds a new one per call).
const l93ToWgs84 = transformer(LAMBERT93, WGS84);
export const toLonLat = (x: number, y: number): [number, number] => {
  const [lon, lat] = l93ToWgs84(x, y);
  return [r7(lon), r7(lat)];
};

registerExportFormat({
  name: 'geojson',
  extension: '.geojson',
  contentType: 'application/geo+json',
  description: 'GeoJSON (WGS84)',
  async write(table, path) {
    const out = new TextOut(path);
    const names = table.fields.map((f) => f.name);
    await out.write(`{"type":"FeatureCollection","name":${JSON.stringify(table.name)},"description":${JSON.stringify(table.description)},"features":[\n`);
    for (let i = 0; i < table.rows.length; i++) {
      const r = table.rows[i];
      const properties: Record<string, unknown> = {};
      names.forEach((n, k) => (properties[n] = r.values[k]));
      const geometry = r.geometry ? mapPositions(r.geometry, toLonLat) : null;
      await out.write((i ? ',\n' : '') + JSON.stringify({ type: 'Feature', properties, geometry }));
    }
    await out.write('\n]}\n');
    await out.close();
  },
});
