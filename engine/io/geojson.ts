/**
 * Reads a GeoJSON FeatureCollection and its CRS: WGS84 per RFC 7946 unless the legacy
 * `crs` member (still written by GDAL and QGIS) names another. Only structure is checked
 * here; what a feature must contain is the importer's business.
 */
import { CrsError, InputError, show, where } from '../errors.ts';
import { normaliseCrs, isKnownCrs, WGS84 } from '../geo/crs.ts';
import { checkDeclaredCount, checkJsonDepth, limitProperties } from './record-rules.ts';
import type { SourceFile } from './source-file.ts';

export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  properties: Record<string, unknown> | null;
  geometry: { type: string; coordinates?: unknown } | null;
}

export interface GeoJsonLayer {
  readonly crs: string;
  readonly features: GeoJsonFeature[];
}

export function readGeoJson(source: SourceFile, fallbackCrs = WGS84): GeoJsonLayer {
  let doc: unknown;
  checkJsonDepth(source.text, source.name);
  try {
    doc = JSON.parse(source.text);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    const line = pos ? source.text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new InputError(`${where(source.name, line)}: not valid JSON (${(err as Error).message}); expected a GeoJSON FeatureCollection`, {
      cause: err,
    });
  }
  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    const got = isObject(doc) ? `type ${JSON.stringify(doc.type)}` : typeof doc;
    throw new InputError(`${source.name}: ${got} is not a GeoJSON FeatureCollection (expected {"type": "FeatureCollection", "features": […]})`);
  }
  doc.features.forEach((f: unknown, i: number) => {
    if (!isObject(f) || f.type !== 'Feature') {
      throw new InputError(`${source.name}, features[${i}]: not a GeoJSON Feature (expected {"type": "Feature", …})`);
    }
    if (f.properties !== undefined && f.properties !== null && !isObject(f.properties)) {
      throw new InputError(`${source.name}, features[${i}], properties: ${show(JSON.stringify(f.properties) ?? '')} is not an object (expected {"name": value, …} or null)`);
    }
    limitProperties(f.properties, source.name, `${source.name}, features[${i}]`);
  });
  // WFS downloads say how many features they hold (numberReturned) and matched (numberMatched, totalFeatures).
  checkDeclaredCount(source.name, doc.features.length, {
    returned: 'numberReturned' in doc ? { field: 'numberReturned', value: doc.numberReturned } : undefined,
    matched: 'numberMatched' in doc
      ? { field: 'numberMatched', value: doc.numberMatched }
      : 'totalFeatures' in doc ? { field: 'totalFeatures', value: doc.totalFeatures } : undefined,
  });
  return { crs: crsOf(source, doc.crs, fallbackCrs), features: doc.features as GeoJsonFeature[] };
}

function crsOf(source: SourceFile, member: unknown, fallback: string): string {
  if (member === undefined || member === null) return fallback;
  const name = isObject(member) && isObject(member.properties) ? member.properties.name : undefined;
  if (typeof name !== 'string') {
    throw new CrsError(`${source.name}, crs: ${JSON.stringify(member)} has no properties.name (expected e.g. "urn:ogc:def:crs:EPSG::2154")`);
  }
  const code = normaliseCrs(name);
  if (!isKnownCrs(code)) {
    throw new CrsError(`${source.name}, crs: ${JSON.stringify(name)} is not a known CRS (give it with --crs "EPSG:NNNN=+proj=…")`);
  }
  return code;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
