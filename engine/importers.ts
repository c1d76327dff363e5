/**
 * The one entry for loading a source file into the store: `importLayer(store, kind, file)`.
 * Formats are registered by kind, not switched on. Every importer first reads and validates
 * the whole file without writing (a fatal fault throws InputError there), then the rows,
 * the catalogue entry and the issues are written in ONE transaction, so a failed import
 * leaves the database exactly as it was.
 */
import { ConflictError, InputError } from './errors.ts';
import { isFolder, readBinarySourceFile, readSourceFile, readSourceFolder, type SourceFile } from './io/source-file.ts';
import type { Store } from './store/store.ts';
import { communesImporter } from './heritage/communes.ts';
import { merimeeImporter } from './heritage/merimee.ts';
import { basemapImporter } from './geo/basemap.ts';

/** One problem found in one record. `kept: false` means the record was rejected. */
export interface ImportIssue {
  line: number | null;
  recordId?: string;
  reason: string;
  field?: string;
  value?: string;
  kept: boolean;
  /** the full sentence, `merimee.csv line 12, coordonnees_au_format_WGS84: "0,0" is a placeholder` */
  message: string;
}

export interface ImportReport {
  kind: string;
  file: string;
  layer: string;
  rowsRead: number;
  kept: number;
  /** kept rows that have a position (point layers that report it) */
  positioned?: number;
  /** kept-but-flagged issue counts per reason */
  flagged: Record<string, number>;
  /** records rejected (not stored), whatever the reason */
  rejected: number;
  issues: ImportIssue[];
  catalogueId: number;
  checksum: string;
  durationMs: number;
  /** how the file was read (decompressed, re-encoded, repaired) and importer remarks, one sentence each */
  notes?: string[];
}

export interface ImportOptions {
  /** data date as published (YYYY or YYYY-MM-DD); defaults to the file's modification date */
  vintage?: string;
  /** CRS of coordinates when the file does not say (importers that accept one) */
  crs?: string;
  /** which member of a .zip input to read (base name, `*` wildcard); see engine/io/source-file.ts */
  member?: string;
  /** keep an import in which no row could be placed or classified (otherwise it fails) */
  keepUnplaced?: boolean;
}

export interface ImportContext {
  store: Store;
  source: SourceFile;
  options: ImportOptions;
}

/** What an importer hands back after reading everything and before writing anything. */
export interface PreparedImport {
  layer: string;
  rowsRead: number;
  kept: number;
  issues: ImportIssue[];
  crs: string;
  licence?: string;
  vintage?: string;
  /** importer remarks for the report (positions derived, columns missing…) */
  notes?: string[];
  /** kept rows that have a position (point layers) */
  positioned?: number;
  /** Replaces the layer's rows; called inside the import transaction. */
  write(store: Store, catalogueId: number): Promise<void>;
}

export interface Importer {
  /** one line for `vigie import --help` */
  readonly description: string;
  /**
   * true: the importer reads the file itself from `source.path` (GeoPackage, FlatGeobuf,
   * Shapefile, GeoTIFF), so the file is checksummed but not decoded as UTF-8 text.
   */
  readonly binary?: boolean;
  /** extensions of the files read when the input is a folder (source.files lists them); none: a folder is refused */
  readonly folder?: readonly string[];
  /** the member to read from a .zip input when the user names none (e.g. /zone_alea.*\.shp$/i) */
  readonly archiveMember?: RegExp | string;
  prepare(ctx: ImportContext): Promise<PreparedImport>;
}

const registry = new Map<string, Importer>();

export function registerImporter(kind: string, importer: Importer): void {
  if (registry.has(kind)) throw new ConflictError(`importer kind ${JSON.stringify(kind)} is already registered`);
  registry.set(kind, importer);
}

export function importerKinds(): string[] {
  return [...registry.keys()].sort();
}

export function importerFor(kind: string): Importer {
  const importer = registry.get(kind);
  if (!importer) {
    throw new InputError(`unknown layer kind ${JSON.stringify(kind)} (expected one of: ${importerKinds().join(', ')})`);
  }
  return importer;
}

export async function importLayer(
  store: Store,
  kind: string,
  file: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const importer = importerFor(kind);
  const member = { member: options.member ?? importer.archiveMember };
  const source =
    importer.folder && isFolder(file)
      ? readSourceFolder(file, importer.folder)
      : importer.binary
        ? readBinarySourceFile(file, member)
        : readSourceFile(file, member);
  const prepared = await importer.prepare({ store, source, options });

  const flagged: Record<string, number> = {};
  const flaggedLines = new Set<number | null>();
  for (const issue of prepared.issues) {
    if (!issue.kept) continue;
    flagged[issue.reason] = (flagged[issue.reason] ?? 0) + 1;
    flaggedLines.add(issue.line);
  }

  return store.transaction(async () => {
    const catalogueId = Number(await store.value("SELECT nextval('catalogue_id_seq')"));
    await prepared.write(store, catalogueId);
    await store.append('import_issues', prepared.issues, ISSUE_COLUMNS(catalogueId));
    const report: ImportReport = {
      kind,
      file,
      layer: prepared.layer,
      rowsRead: prepared.rowsRead,
      kept: prepared.kept,
      ...(prepared.positioned !== undefined ? { positioned: prepared.positioned } : {}),
      flagged,
      rejected: prepared.issues.filter((i) => !i.kept).length,
      issues: prepared.issues,
      catalogueId,
      checksum: source.sha256,
      durationMs: Math.round(performance.now() - started),
      notes: [...(source.notes ?? []), ...(prepared.notes ?? [])],
    };
    await store.run(
      `INSERT INTO catalogue (id, kind, layer, source_file, checksum, vintage, licence, crs,
         feature_count, rows_read, rows_flagged, report)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        catalogueId,
        kind,
        prepared.layer,
        file,
        source.sha256,
        // Fallback vintage: the file's modification date, the best a bare download tells us.
        options.vintage ?? prepared.vintage ?? source.modified,
        prepared.licence ?? null,
        prepared.crs,
        prepared.kept,
        prepared.rowsRead,
        flaggedLines.size,
        JSON.stringify(report),
      ],
    );
    return report;
  });
}

const ISSUE_COLUMNS = (catalogueId: number) =>
  [
    { type: 'integer', get: () => catalogueId },
    { type: 'integer', get: (i: ImportIssue) => i.line },
    { type: 'varchar', get: (i: ImportIssue) => i.recordId },
    { type: 'varchar', get: (i: ImportIssue) => i.reason },
    { type: 'varchar', get: (i: ImportIssue) => i.field },
    { type: 'varchar', get: (i: ImportIssue) => i.value },
    { type: 'boolean', get: (i: ImportIssue) => i.kept },
  ] as const;

/** A readable summary for the CLI: counts per reason, then the first issues with their lines. */
export function formatReport(report: ImportReport, maxIssues = 10): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rejectedBy: Record<string, number> = {};
  for (const i of report.issues) if (!i.kept) rejectedBy[i.reason] = (rejectedBy[i.reason] ?? 0) + 1;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([reason, count]) => `${reason} ${n(count)}`)
      .join(', ');
  const flaggedTotal = Object.values(report.flagged).reduce((a, b) => a + b, 0);
  const lines = [
    `${report.kind}: ${report.file} → ${report.layer} (catalogue #${report.catalogueId}, sha256 ${report.checksum.slice(0, 12)}…)`,
    `  ${n(report.rowsRead)} rows read: ${n(report.kept)} kept, ${n(report.rejected)} rejected, ` +
      `${report.positioned !== undefined ? `${n(report.positioned)} positioned, ` : ''}${n(flaggedTotal)} flags, in ${(report.durationMs / 1000).toFixed(2)} s`,
  ];
  for (const note of report.notes ?? []) lines.push(`  note: ${note}`);
  if (flaggedTotal) lines.push(`  flagged (kept):   ${list(report.flagged)}`);
  if (report.rejected) lines.push(`  rejected:         ${list(rejectedBy)}`);
  if (report.issues.length) {
    lines.push(`  first issues:`);
    for (const i of sampleIssues(report.issues, maxIssues)) {
      lines.push(`    ${i.kept ? 'flag  ' : 'reject'} ${i.reason}: ${i.message}`);
    }
    if (report.issues.length > maxIssues) lines.push(`    … and ${n(report.issues.length - maxIssues)} more (see import_issues)`);
  }
  return lines.join('\n');
}

/**
 * Up to `max` issues in line order, taken one reason at a time so that 2,000 missing
 * coordinates do not hide the one duplicate reference.
 */
function sampleIssues(issues: readonly ImportIssue[], max: number): ImportIssue[] {
  const byReason = new Map<string, ImportIssue[]>();
  for (const i of issues) {
    const list = byReason.get(i.reason) ?? [];
    if (list.length < max) list.push(i);
    byReason.set(i.reason, list);
  }
  const picked: ImportIssue[] = [];
  for (let round = 0; picked.length < max && picked.length < issues.length; round++) {
    for (const list of byReason.values()) if (round < list.length && picked.length < max) picked.push(list[round]);
  }
  return picked.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

registerImporter('communes', communesImporter);
registerImporter('merimee', merimeeImporter);
registerImporter('basemap-land', basemapImporter('land'));
registerImporter('basemap-rivers', basemapImporter('rivers'));
