/**
 * Records exported as JSON by open-data portals (data.culture.gouv.fr and other Opendatasoft
 * portals offer « GeoJSON » and « JSON » beside CSV), as the same table the CSV readers give:
 *
 * - a GeoJSON FeatureCollection: one record per feature, its properties as columns; a Point
 *   geometry becomes a `coordonnees` column (`"lat,lon"`) unless a property already has that name;
 * - a JSON array of flat objects (the portal's JSON export), or `{ "results": [...] }` (its API).
 *
 * Values become text as a CSV export writes them: numbers and booleans as written, arrays (the
 * portal's multi-valued fields) joined with « ; », a geo point `{ "lon": …, "lat": … }` as
 * `"lat,lon"`, null as empty. Each record keeps the line where it starts in the file and its
 * number (« feature 12 »: a one-line export puts every record on line 1).
 */
import { InputError, show, where } from '../errors.ts';
import type { CsvTable } from './csv-table.ts';
import type { SourceFile } from './source-file.ts';

/** Does the text look like JSON (an object or an array first)? */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''));
}

export function readJsonTable(source: SourceFile, expected: string): CsvTable {
  const text = source.text.replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec(String(error))?.[1];
    const line = at === undefined ? undefined : lineAt(text, Number(at));
    throw new InputError(`${where(source.name, line)}: not valid JSON (${(error as Error).message}; expected ${expected})`);
  }
  let items: unknown[];
  let geojson = false;
  let key: string | null;
  if (Array.isArray(doc)) {
    items = doc;
    key = null;
  } else if (isObject(doc) && doc.type === 'FeatureCollection' && Array.isArray(doc.features)) {
    items = doc.features;
    geojson = true;
    key = 'features';
  } else if (isObject(doc) && Array.isArray(doc.results)) {
    items = doc.results;
    key = 'results';
  } else {
    const keys = isObject(doc) ? Object.keys(doc).slice(0, 10).join(', ') : typeof doc;
    throw new InputError(
      `${source.name}: JSON with no records (found ${show(keys, 120)}; expected a GeoJSON FeatureCollection, an array of records or { "results": […] } — ${expected})`,
    );
  }
  const lines = elementLines(text, key, items.length);
  const header: string[] = [];
  const seen = new Set<string>();
  const addColumn = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    header.push(name);
  };
  const rows: Record<string, string>[] = [];
  items.forEach((item, i) => {
    // A feature's properties (null: none), or the record itself.
    const props = !geojson ? item : isObject(item) ? (item.properties === null ? {} : item.properties) : undefined;
    if (!isObject(props)) {
      throw new InputError(`${where(source.name, lines[i])}: record ${i + 1} is ${show(JSON.stringify(item), 80)} (expected ${geojson ? 'a feature with properties' : 'an object of fields'})`);
    }
    const row: Record<string, string> = {};
    for (const [name, value] of Object.entries(props)) {
      row[name] = cell(value);
      addColumn(name);
    }
    const geometry = geojson ? (item as Record<string, unknown>).geometry : null;
    if (isObject(geometry) && geometry.type === 'Point' && Array.isArray(geometry.coordinates) && !('coordonnees' in props)) {
      const [lon, lat] = geometry.coordinates as unknown[];
      row.coordonnees = `${String(lat)},${String(lon)}`;
      addColumn('coordonnees');
    }
    rows.push(row);
  });
  if (header.length === 0) throw new InputError(`${source.name}: ${items.length} JSON records without any field (expected ${expected})`);
  return {
    delimiter: 'json',
    header,
    records: rows.map((row, i) => ({ line: lines[i], label: `${geojson ? 'feature' : 'record'} ${i + 1}`, fields: header.map((h) => row[h] ?? '') })),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(cell).join(' ; ');
  if (isObject(v) && typeof v.lon === 'number' && typeof v.lat === 'number') return `${v.lat},${v.lon}`;
  return JSON.stringify(v);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line where each element of the records array starts: the top-level array (`key` null) or
 * the array under `key` in the top-level object. A scan that skips strings; JSON.parse has
 * already said the text is valid.
 */
function elementLines(text: string, key: string | null, count: number): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let lastKey: string | null = null;
  let arrayDepth = key === null ? 1 : -1;
  let expectElement = false;
  for (let i = 0; i < text.length && lines.length < count; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === arrayDepth && expectElement) {
        lines.push(line);
        expectElement = false;
      }
      if (depth === 1) lastKey = text.slice(i + 1, j);
      i = j;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (depth === arrayDepth && expectElement && c !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (c === '[' || c === '{') {
      depth++;
      if (c === '[' && arrayDepth < 0 && depth === 2 && lastKey === key) arrayDepth = 2;
      if (depth === arrayDepth && c === '[') expectElement = true;
    } else if (c === ']' || c === '}') {
      depth--;
    } else if (c === ',' && depth === arrayDepth) {
      expectElement = true;
    }
  }
  while (lines.length < count) lines.push(line);
  return lines;
}
