/**
 * Default layer name of a heritage import: `--layer`, else the file name without extension,
 * folded to the characters layer names allow (`Sélestat-Erstein.csv` → `Selestat-Erstein`);
 * real file names carry accents and spaces, which must not make an import fail.
 */
import { basename, extname } from 'node:path';
import { layerName, type LayerImportOptions } from '../hazards/common.ts';

export function heritageLayerName(options: LayerImportOptions, path: string): string {
  if (options.layer?.trim()) return layerName(options, path);
  let base = basename(path);
  // x.csv.gz, x.zip: the name without every data extension
  while (/\.(gz|zip|csv|txt|tsv|utf|json|geojson|xlsx|ods)$/i.test(base)) base = base.slice(0, base.length - extname(base).length);
  const folded = base
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.:+-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return folded || 'layer';
}
