/**
 * Export formats by name (csv, geojson, fgb, parquet, gpkg). Each format module registers
 * itself; `exportFormat(name)` finds one. A format writes one ExportTable to a path (the
 * temporary file of writeAtomically), reprojecting from Lambert-93 where it must.
 */
import { InputError, show } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { ExportTable } from './table.ts';

export interface ExportFormat {
  name: string;
  extension: string;
  contentType: string;
  /** one line for --help */
  description: string;
  /** `ctx.store` is there for formats that read more than the table (ArchéologIA corrections) */
  write(table: ExportTable, path: string, ctx?: { store: Store }): Promise<void>;
}

const formats = new Map<string, ExportFormat>();

export function registerExportFormat(f: ExportFormat): void {
  formats.set(f.name, f);
}

export function exportFormatNames(): string[] {
  return [...formats.keys()];
}

export function exportFormat(name: string): ExportFormat {
  const f = formats.get(name);
  if (!f) throw new InputError(`unknown format ${JSON.stringify(name)}: expected one of ${exportFormatNames().join(', ')}`, { fr: `Format d'export inconnu : ${show(name)} (attendu : ${exportFormatNames().join(', ')}).` });
  return f;
}
