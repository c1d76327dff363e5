/**
 * Imports every hazard and extra heritage layer of the sample region (data-samples/region
 * and its generated rasters) through importLayer, one transaction per layer. Called by the
 * main job after communes and monuments; files that are absent are skipped and listed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { importLayer, type ImportReport } from '../importers.ts';
import type { Store } from '../store/store.ts';
import type { LayerImportOptions } from './common.ts';
import './register.ts';

export interface SampleImport {
  kind: string;
  file: string;
  options?: LayerImportOptions;
}

/** The sample region's layers: kind, path relative to regionDir (or rasterDir) and options. */
export function sampleLayers(regionDir: string, rasterDir: string): SampleImport[] {
  const h = (f: string) => join(regionDir, 'hazards', f);
  return [
    { kind: 'tri', file: h('tri_zones.geojson'), options: { layer: 'tri_zones' } },
    { kind: 'rga', file: h('rga.geojson'), options: { layer: 'rga' } },
    { kind: 'seismic', file: h('zonage_sismique.csv'), options: { layer: 'zonage_sismique' } },
    { kind: 'coastal-erosion', file: h('erosion_cotiere.geojson'), options: { layer: 'erosion_cotiere' } },
    ...['ref', 'gwl20', 'gwl27', 'gwl40'].map((w) => ({ kind: 'drias', file: h(`drias/drias_${w}.txt`) })),
    { kind: 'raster', file: join(rasterDir, 'flood_depth_cog.tif'), options: { hazard: 'flood', layer: 'flood_depth' } },
    { kind: 'raster', file: join(rasterDir, 'wildfire_susceptibility.tif'), options: { hazard: 'wildfire', layer: 'wildfire_susceptibility' } },
    { kind: 'museums', file: join(regionDir, 'musees.csv'), options: { layer: 'musees' } },
    { kind: 'spr', file: join(regionDir, 'spr.csv'), options: { layer: 'spr' } },
    { kind: 'archaeology', file: join(regionDir, 'sites-archeologiques.geojson'), options: { layer: 'sites_archeologiques' } },
  ];
}

export async function importSampleHazards(
  store: Store,
  regionDir: string,
  rasterDir: string,
): Promise<{ reports: ImportReport[]; missing: string[] }> {
  const reports: ImportReport[] = [];
  const missing: string[] = [];
  for (const s of sampleLayers(regionDir, rasterDir)) {
    if (!existsSync(s.file)) {
      missing.push(s.file);
      continue;
    }
    reports.push(await importLayer(store, s.kind, s.file, s.options ?? {}));
  }
  return { reports, missing };
}
