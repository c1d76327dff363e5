/**
 * `exportLayer(store, { layer, format, scope, scenario, out })`: builds the layer for the scope
 * and scenario, refuses an empty selection, and writes the file atomically (temporary file in
 * the same folder, then rename). Formats and layers are looked up by name in their registries.
 */
import { InputError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { exportFormat } from './formats.ts';
import { buildLayer, parseScenarioOption } from './layers.ts';
import { checkWritable, writeAtomically } from './safe-write.ts';
import { resolveScope } from './scope.ts';
import './formats/csv.ts';
import './formats/geojson.ts';
import './formats/fgb.ts';
import './formats/parquet.ts';
import './formats/gpkg.ts';
import './archeologia.ts';

export interface ExportRequest {
  layer: string;
  format: string;
  /** region | department:XX | commune:XXXXX (default region) */
  scope?: string;
  /** ref | +2.0 | +2.7 | +4.0; omitted or `all` → every scenario */
  scenario?: string;
  out: string;
}

export interface ExportResult {
  path: string;
  layer: string;
  format: string;
  scope: string;
  features: number;
  fields: number;
  ms: number;
}

export async function exportLayer(store: Store, req: ExportRequest): Promise<ExportResult> {
  const t0 = performance.now();
  const format = exportFormat(req.format);
  const scenario = parseScenarioOption(req.scenario);
  checkWritable(req.out);
  const scope = await resolveScope(store, req.scope);
  const table = await buildLayer(store, req.layer, { scope, scenario });
  if (table.rows.length === 0) {
    const hint = req.layer === 'detections' ? 'run `vigie detect` first, or widen the scope' : 'run `vigie score` first, or widen the scope';
    throw new InputError(`nothing to export: layer ${req.layer} has no feature in ${scope.text} (${hint}); no file written`, {
      fr: `Rien à exporter : la couche ${req.layer} n'a aucun élément dans le périmètre ${scope.label}${req.layer === 'detections' ? ' (aucune détection LiDAR)' : ''}. Aucun fichier n'a été produit.`,
    });
  }
  const path = await writeAtomically(req.out, (tmp) => format.write(table, tmp, { store }));
  return { path, layer: req.layer, format: format.name, scope: scope.text, features: table.rows.length, fields: table.fields.length, ms: Math.round(performance.now() - t0) };
}
