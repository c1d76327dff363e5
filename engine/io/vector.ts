/**
 * One entry for vector files: `readVector(path)` gives the features of a GeoJSON, GeoPackage,
 * FlatGeobuf or Shapefile as one async stream of `{ index, id, geometry, properties }` plus
 * the CRS the file declares. Formats sit in a registry (`registerVectorFormat`), chosen by
 * extension or magic bytes, never by a switch; each format module registers itself.
 *
 * CRS rule: `--crs` (opts.crs) overrides what the file says; a file that says nothing and has
 * no default by specification (GeoJSON: WGS84 per RFC 7946) is a CrsError suggesting --crs.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { CrsError, InputError, NotFoundError } from '../errors.ts';
import { isKnownCrs, normaliseCrs } from '../geo/crs.ts';
import { limitProperties } from './record-rules.ts';

/** A GeoJSON geometry object (coordinates in the layer's CRS). */
export interface Geometry {
  type: string;
  coordinates?: unknown;
  geometries?: Geometry[];
}

export interface VectorFeature {
  /** 0-based position in the file, used in messages (`features[12]`) */
  readonly index: number;
  /** the feature's own id when the format has one (GeoJSON `id`, GeoPackage fid) */
  readonly id?: string | number;
  readonly geometry: Geometry | null;
  readonly properties: Record<string, unknown>;
}

export interface VectorLayer extends AsyncIterable<VectorFeature> {
  readonly path: string;
  readonly name: string;
  /** registered format name: geojson | gpkg | fgb | shp */
  readonly format: string;
  /** EPSG:NNNN the coordinates are in (from --crs, else the file) */
  readonly crs: string;
  /** what the file itself declared, when anything (for the catalogue) */
  readonly declaredCrs?: string;
}

export interface VectorOptions {
  /** CRS of the coordinates, overriding or completing the file's own */
  crs?: string;
  /** which layer of a multi-layer file (GeoPackage table); the first feature layer when absent */
  layer?: string;
}

/** One layer of a multi-layer file, as `listVectorLayers` reports it. */
export interface VectorLayerInfo {
  name: string;
  /** `features` (with geometry) or `attributes` (a plain table, e.g. a GeoPackage's procedure table) */
  dataType: 'features' | 'attributes';
  geometryType?: string;
}

/** What a format module opens: its features and the CRS the file declares, if any. */
export interface OpenedVector {
  declaredCrs?: string;
  /** CRS assumed by the format's specification when nothing is declared */
  defaultCrs?: string;
  features: () => AsyncIterable<VectorFeature>;
}

export interface VectorFormat {
  readonly name: string;
  /** lower-case extensions with the dot: `.gpkg` */
  readonly extensions: readonly string[];
  /** recognises the first bytes of the file (used when the extension is unknown) */
  sniff?(head: Uint8Array): boolean;
  open(path: string, options?: { layer?: string }): Promise<OpenedVector>;
  /** the layers of a multi-layer format (GeoPackage); single-layer formats leave it out */
  layers?(path: string): Promise<VectorLayerInfo[]>;
}

const formats: VectorFormat[] = [];

export function registerVectorFormat(format: VectorFormat): void {
  if (formats.some((f) => f.name === format.name)) return;
  formats.push(format);
}

export function vectorFormats(): string[] {
  return formats.map((f) => `${f.name} (${f.extensions.join(', ')})`);
}

/** The registered format for `path`, by extension then by magic bytes. */
export function vectorFormatOf(path: string): VectorFormat {
  const ext = extname(path).toLowerCase();
  const byExt = formats.find((f) => f.extensions.includes(ext));
  if (byExt) return byExt;
  const head = readHead(path, 16);
  const bySniff = formats.find((f) => f.sniff?.(head));
  if (bySniff) return bySniff;
  throw new InputError(
    `${basename(path)}: unknown vector format ${JSON.stringify(ext || '(no extension)')} ` +
      `(expected one of: ${vectorFormats().join('; ')})`,
  );
}

export async function readVector(path: string, opts: VectorOptions = {}): Promise<VectorLayer> {
  await loadBuiltInFormats();
  try {
    if (statSync(path).size === 0) throw new InputError(`${basename(path)}: the file is empty (expected vector features)`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new NotFoundError(`${path}: no such file`, { cause: err });
  }
  const format = vectorFormatOf(path);
  const opened = await format.open(path, { layer: opts.layer });
  const name = opts.layer && format.layers ? `${basename(path)}/${opts.layer}` : basename(path);
  let crs: string;
  if (opts.crs) {
    crs = normaliseCrs(opts.crs);
  } else if (opened.declaredCrs) {
    crs = opened.declaredCrs;
  } else if (opened.defaultCrs) {
    crs = opened.defaultCrs;
  } else {
    throw new CrsError(
      `${name}: the file declares no CRS (${format.name === 'shp' ? 'no .prj beside the .shp' : 'no spatial reference'}); ` +
        `give it with --crs EPSG:NNNN (e.g. --crs EPSG:2154 for Lambert-93)`,
    );
  }
  if (!isKnownCrs(crs)) {
    throw new CrsError(
      `${name}: CRS ${JSON.stringify(crs)} is not known; give it with --crs "EPSG:NNNN=+proj=…" or --crs EPSG:2154`,
    );
  }
  return {
    path,
    name,
    format: format.name,
    crs,
    declaredCrs: opened.declaredCrs,
    // The shared record rules (engine/io/record-rules.ts): oversize attributes cut and flagged
    // (GeoJSON applies them while parsing).
    [Symbol.asyncIterator]: () =>
      format.name === 'geojson' ? opened.features()[Symbol.asyncIterator]() : limitedFeatures(opened.features(), name)[Symbol.asyncIterator](),
  };
}

/** The layers of a file: several for a GeoPackage, one (named after the file) otherwise. */
export async function listVectorLayers(path: string): Promise<VectorLayerInfo[]> {
  await loadBuiltInFormats();
  const format = vectorFormatOf(path);
  if (format.layers) return format.layers(path);
  return [{ name: basename(path, extname(path)), dataType: 'features' }];
}

async function* limitedFeatures(features: AsyncIterable<VectorFeature>, name: string): AsyncGenerator<VectorFeature> {
  for await (const f of features) {
    limitProperties(f.properties, name, `${name}, feature ${f.index}`);
    yield f;
  }
}

/** Reads every feature into memory (small layers, tests). */
export async function readAllFeatures(layer: VectorLayer): Promise<VectorFeature[]> {
  const out: VectorFeature[] = [];
  for await (const f of layer) out.push(f);
  return out;
}

function readHead(path: string, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  const fd = openSync(path, 'r');
  try {
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

let loaded: Promise<void> | undefined;
/** The built-in format modules register themselves when imported (lazily, like codecs). */
function loadBuiltInFormats(): Promise<void> {
  loaded ??= Promise.all([
    import('./vector-geojson.ts'),
    import('./gpkg.ts'),
    import('./fgb.ts'),
    import('./shapefile.ts'),
  ]).then(() => undefined);
  return loaded;
}

/** Maps `EPSG`-style authority + code to `EPSG:NNNN`, undefined for "undefined" SRS ids. */
export function epsgCode(org: string | null | undefined, code: number | null | undefined): string | undefined {
  if (code === null || code === undefined || code <= 0) return undefined;
  if (org && !/^epsg$/i.test(org)) return undefined;
  return `EPSG:${code}`;
}
