/**
 * Deterministic malformed inputs made from valid sample files (issue 14): every mutant is a
 * function of the base bytes and a seed, so a failing case can be rebuilt from its name.
 * Text mutants suit delimited text (CSV, DRIAS, ESRI ASCII grid), JSON mutants GeoJSON, binary
 * mutants TIFF and GeoPackage. Each mutant carries the extension its file must have.
 */
import { mulberry32 } from '../../pipelines/bench/synthetic.ts';
import { deflateSync, gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

export interface Mutant {
  /** what was done, e.g. `truncate@1234`, `json:nested-10000` */
  name: string;
  bytes: Uint8Array;
  /** extension of the file to write, with the dot */
  ext: string;
}

/** The project's seeded generator (mulberry32): the same numbers on every machine. */
const rng = mulberry32;

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Mutants every format gets: truncation at seeded offsets, byte flips, NUL bytes, empty. */
export function byteMutants(base: Uint8Array, ext: string, seed: number, truncations = 3, flips = [1, 8, 64]): Mutant[] {
  const r = rng(seed);
  const out: Mutant[] = [];
  for (let i = 0; i < truncations; i++) {
    const at = int(r, 1, base.length - 1);
    out.push({ name: `truncate@${at}`, bytes: base.slice(0, at), ext });
  }
  for (const n of flips) {
    const b = base.slice();
    for (let k = 0; k < n; k++) b[int(r, 0, b.length - 1)] ^= 1 << int(r, 0, 7);
    out.push({ name: `flip×${n}`, bytes: b, ext });
  }
  const nulAt = int(r, 0, base.length - 1);
  out.push({ name: `nul@${nulAt}`, bytes: concat(base.subarray(0, nulAt), new Uint8Array([0, 0, 0]), base.subarray(nulAt)), ext });
  out.push({ name: 'empty', bytes: new Uint8Array(0), ext });
  return out;
}

/** Archives: the file zipped and gzipped (valid), and a zip that expands 1,000× (refused). */
export function archiveMutants(base: Uint8Array, memberName: string): Mutant[] {
  const bomb = new Uint8Array(24 * 1024 * 1024).fill(0x61); // 24 MB of "a": deflates ~1,000×
  return [
    { name: 'zip', bytes: zipSync({ [memberName]: base }), ext: '.zip' },
    { name: 'gzip', bytes: new Uint8Array(gzipSync(base)), ext: `${memberName.slice(memberName.lastIndexOf('.'))}.gz` },
    { name: 'zip-bomb-1000x', bytes: zipSync({ [memberName]: bomb }, { level: 9 }), ext: '.zip' },
  ];
}

/** Text mutants for delimited files (CSV, DRIAS text, ESRI ASCII grid). */
export function textMutants(base: Uint8Array, ext: string, seed: number, opts: { delimiter: string; headerLines?: number } ): Mutant[] {
  const text = Buffer.from(base).toString('utf8').replace(/^\ufeff/, '');
  const d = opts.delimiter;
  const skip = opts.headerLines ?? 1;
  const lines = text.split('\n');
  const body = lines.filter((l) => l.trim() !== '');
  const head = body.slice(0, skip);
  const rows = body.slice(skip);
  const join = (ls: string[]) => ls.join('\n') + '\n';
  const r = rng(seed ^ 0x5eed);
  const out: Mutant[] = [];
  const t = (name: string, s: string) => out.push({ name, bytes: utf8(s), ext });

  // The last record cut inside its last value (the cut seismic table of issue 14).
  const last = body[body.length - 1];
  t('cut-last-value', join(body.slice(0, -1)) + last.slice(0, Math.max(1, last.length - 2)));
  t('cut-mid-row', join(body.slice(0, -1)) + last.slice(0, Math.ceil(last.length / 2)));
  t('cut-at-line', join(body.slice(0, skip + Math.ceil(rows.length / 2))));
  t('header-only', join(head));
  t('whitespace-only', '   \n\n  \n');
  out.push({ name: 'latin1', bytes: new Uint8Array(Buffer.from(text, 'latin1')), ext });
  out.push({ name: 'utf16le-bom', bytes: new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]), ext });
  out.push({ name: 'utf16be', bytes: new Uint8Array(Buffer.from(text, 'utf16le').swap16()), ext });
  out.push({ name: 'double-encoded', bytes: utf8(Buffer.from(text, 'utf8').toString('latin1')), ext });
  out.push({ name: 'bom', bytes: utf8('\ufeff' + text), ext });
  out.push({ name: 'double-bom', bytes: utf8('\ufeff\ufeff' + text), ext });
  t('crlf', text.replace(/\r?\n/g, '\r\n'));
  t('lone-cr', text.replace(/\r?\n/g, '\r'));
  for (const other of [',', '\t', ';', '|'].filter((x) => x !== d).slice(0, 2)) {
    t(`separator-${JSON.stringify(other)}`, text.split(d).join(other));
  }
  const cols = head[head.length - 1].split(d);
  if (cols.length > 1) {
    t('duplicated-column', join([...head.slice(0, -1), [cols[0], cols[0], ...cols.slice(2)].join(d), ...rows]));
    t('missing-column', join([...head, ...rows].map((l, i) => (i < skip - 1 ? l : l.split(d).filter((_, j) => j !== 1).join(d)))));
  }
  if (rows.length > 1) {
    const f = rows[1].split(d);
    const big = 'x'.repeat(1024 * 1024);
    t('field-1MB', join([...head, rows[0], [f[0], big, ...f.slice(2)].join(d), ...rows.slice(2)]));
    t('id-1MB', join([...head, rows[0], [big, ...f.slice(1)].join(d), ...rows.slice(2)]));
    t('extra-field', join([...head, rows[0], rows[1] + d + 'surplus', ...rows.slice(2)]));
    t('duplicate-rows', join([...head, ...rows, rows[0], rows[0], rows[0]]));
    t('same-row-200x', join([...head, ...Array.from({ length: 200 }, () => rows[0])]));
    // Numbers in row 2 replaced: coordinates, levels, values.
    const numeric = f.map((v, j) => (/^-?\d+[.,]\d+$/.test(v.trim()) ? j : -1)).filter((j) => j >= 0);
    for (const bad of ['NaN', 'Infinity', '-Infinity', '1e308', '-999', '', '1,5,7', '0x1F']) {
      if (numeric.length === 0) break;
      const g = f.slice();
      for (const j of numeric) g[j] = bad;
      t(`numbers=${JSON.stringify(bad)}`, join([...head, rows[0], g.join(d), ...rows.slice(2)]));
    }
    // "lat,lon" pairs written "lon,lat"; out-of-range pairs.
    const pair = /"?(-?\d+\.\d+),\s*(-?\d+\.\d+)"?/;
    const pi = f.findIndex((v) => pair.test(v));
    if (pi >= 0) {
      for (const [name, swap] of [['swapped', (a: string, b: string) => `${b},${a}`], ['out-of-range', () => '123.4,567.8'], ['zero', () => '0,0']] as const) {
        const g = f.slice();
        g[pi] = g[pi].replace(pair, (_m, a, b) => `"${swap(a, b)}"`);
        t(`coordinates-${name}`, join([...head, rows[0], g.join(d), ...rows.slice(2)]));
      }
    } else if (numeric.length >= 2) {
      const g = f.slice();
      [g[numeric[0]], g[numeric[1]]] = [g[numeric[1]], g[numeric[0]]];
      t('coordinates-swapped', join([...head, rows[0], g.join(d), ...rows.slice(2)]));
    }
  }
  t('unclosed-quote', join([...head, ...rows.slice(0, -1)]) + rows[rows.length - 1].replace(d, `${d}"`));
  t('random-garbage', Array.from({ length: 400 }, () => String.fromCharCode(int(r, 32, 126))).join(''));
  return out;
}

/** JSON / GeoJSON mutants; `doc` is the parsed base, `projected` whether its positions are metres. */
export function jsonMutants(doc: any, ext: string, projected: boolean): Mutant[] {
  const out: Mutant[] = [];
  const j = (name: string, v: unknown) => out.push({ name, bytes: utf8(typeof v === 'string' ? v : JSON.stringify(v)), ext });
  const withFeature0 = (edit: (f: any) => any) => ({ ...doc, features: [edit(structuredClone(doc.features[0])), ...doc.features.slice(1)] });
  const p0 = firstPosition(doc.features[0]?.geometry?.coordinates) ?? [0, 0];
  const dd = projected ? 100 : 0.001;
  const at = (dx: number, dy: number) => [p0[0] + dx * dd, p0[1] + dy * dd];
  const geom = (g: unknown) => withFeature0((f) => ({ ...f, geometry: g }));
  const coords = (fn: (p: number[]) => unknown) => withFeature0((f) => ({ ...f, geometry: { ...f.geometry, coordinates: mapPositions(f.geometry.coordinates, fn) } }));

  j('json:array', []);
  j('json:object', {});
  j('json:string', 'FeatureCollection');
  j('json:feature-not-collection', doc.features[0]);
  j('json:features-object', { ...doc, features: { a: doc.features[0] } });
  j('json:features-numbers', { ...doc, features: [1, 2, 3] });
  j('json:properties-string', withFeature0((f) => ({ ...f, properties: 'x' })));
  j('json:properties-array', withFeature0((f) => ({ ...f, properties: [1, 2] })));
  j('json:geometry-string', geom('POINT(1 2)'));
  j('json:no-features', { type: 'FeatureCollection', features: [] });
  j('json:nested-10000', `{"type":"FeatureCollection","features":[${'['.repeat(10_000)}${']'.repeat(10_000)}]}`);
  const deep = '['.repeat(10_000) + ']'.repeat(10_000); // built as text: JSON.stringify would recurse 10,000 deep
  j('json:coordinates-nested-10000', JSON.stringify(geom({ type: doc.features[0]?.geometry?.type ?? 'Point', coordinates: '__DEEP__' })).replace('"__DEEP__"', deep));
  j('json:properties-nested-10000', `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":${JSON.stringify(doc.features[0]?.geometry ?? null)},"properties":{"id":"deep","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`);
  j('json:property-1MB', withFeature0((f) => ({ ...f, properties: { ...f.properties, note: 'x'.repeat(1024 * 1024) } })));
  j('json:duplicate-feature-3x', { ...doc, features: [...doc.features, doc.features[0], doc.features[0], doc.features[0]] });
  j('json:numberReturned-wrong', { ...doc, numberReturned: doc.features.length + 5 });
  j('json:numberMatched-more', { ...doc, numberMatched: doc.features.length * 10, numberReturned: doc.features.length });
  j('json:crs-unknown', { ...doc, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::99999' } } });
  j('json:crs-garbage', { ...doc, crs: 12 });
  j('json:infinity-1e999', JSON.stringify(coords(() => [0, 0])).replace(/\[0,0\]/, '[1e999,1e999]'));
  j('coord:null', coords(() => [null, null]));
  j('coord:strings', coords((p) => [String(p[0]), String(p[1])]));
  j('coord:huge', coords(() => [1e308, -1e308]));
  j('coord:out-of-range', coords((p) => (projected ? [p[0] * 1000, p[1] * 1000] : [p[0] + 400, p[1] + 200])));
  j('coord:swapped', coords((p) => [p[1], p[0]]));
  j('coord:one-number', coords((p) => [p[0]]));
  j('coord:3d', coords((p) => [p[0], p[1], 12.5]));
  j('geom:null', geom(null));
  j('geom:empty-coordinates', geom({ type: doc.features[0]?.geometry?.type ?? 'Point', coordinates: [] }));
  j('geom:polygon-unclosed', geom({ type: 'Polygon', coordinates: [[at(0, 0), at(1, 0), at(1, 1), at(0, 1)]] }));
  j('geom:polygon-self-crossing', geom({ type: 'Polygon', coordinates: [[at(0, 0), at(1, 1), at(1, 0), at(0, 1), at(0, 0)]] }));
  j('geom:one-vertex-far', geom({ type: 'Polygon', coordinates: [[at(0, 0), at(1, 0), [1e308, p0[1]], at(0, 1), at(0, 0)]] }));
  j('geom:one-vertex-abroad', geom({ type: 'Polygon', coordinates: [[at(0, 0), at(1, 0), projected ? [p0[0] + 5e6, p0[1]] : [p0[0] + 60, p0[1]], at(0, 0)]] }));
  j('geom:polygon-two-points', geom({ type: 'Polygon', coordinates: [[at(0, 0), at(1, 1)]] }));
  j('geom:line-one-point', geom({ type: 'LineString', coordinates: [at(0, 0)] }));
  j('geom:point-in-polygon-layer', geom({ type: 'Point', coordinates: at(0, 0) }));
  j('geom:collection', geom({ type: 'GeometryCollection', geometries: [] }));
  j('geom:unknown-type', geom({ type: 'Circle', coordinates: at(0, 0) }));
  return out;
}

/** A GeoTIFF written by engine/geo/geotiff-write.ts (little-endian, strips), broken in TIFF-specific ways. */
export function tiffMutants(base: Uint8Array, seed: number): Mutant[] {
  const out: Mutant[] = byteMutants(base, '.tif', seed, 4, [1, 16]);
  const b = (name: string, bytes: Uint8Array) => out.push({ name, bytes, ext: '.tif' });
  const patched = (name: string, tag: number, value: number) => {
    const copy = base.slice();
    if (setTag(copy, tag, value)) b(name, copy);
  };
  const wrong = base.slice();
  wrong.set([0x58, 0x58], 0);
  b('tiff:wrong-magic', wrong);
  const be = base.slice();
  be.set([0x4d, 0x4d], 0); // says big-endian, bytes are little-endian
  b('tiff:endianness-lie', be);
  const bad42 = base.slice();
  bad42[2] = 43; // BigTIFF version without a BigTIFF header
  b('tiff:bigtiff-lie', bad42);
  patched('tiff:width-2^31', 256, 0x7fffffff);
  patched('tiff:width-0', 256, 0);
  patched('tiff:height-2^30', 257, 0x40000000);
  patched('tiff:bits-per-sample-7', 258, 7);
  patched('tiff:sample-format-9', 339, 9);
  patched('tiff:compression-unknown', 259, 60000);
  patched('tiff:strip-offset-beyond-eof', 273, base.length * 10);
  patched('tiff:strip-bytecount-huge', 279, 0x7fffffff);
  patched('tiff:ifd-offset-beyond-eof', -1, base.length * 4);
  // A PNG named .tif, a text file named .tif, zlib garbage named .tif.
  b('tiff:png-inside', PNG_1x1);
  b('tiff:text-inside', utf8('ncols 10\nnrows 10\n'));
  b('tiff:deflate-garbage', new Uint8Array(deflateSync(base)));
  // Strips cut: the file ends halfway through the image data.
  b('tiff:truncated-strips', base.slice(0, Math.floor(base.length * 0.6)));
  return out;
}

/** Sets the inline value of a SHORT/LONG tag in IFD0 of a little-endian TIFF (tag -1: the IFD offset itself). */
function setTag(bytes: Uint8Array, tag: number, value: number): boolean {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (tag === -1) {
    v.setUint32(4, value >>> 0, true);
    return true;
  }
  const ifd = v.getUint32(4, true);
  const n = v.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (v.getUint16(e, true) !== tag) continue;
    const type = v.getUint16(e + 2, true);
    const count = v.getUint32(e + 4, true);
    if (type === 3 && count <= 2) v.setUint16(e + 8, Math.min(value, 0xffff), true);
    else if (type === 4 && count === 1) v.setUint32(e + 8, value >>> 0, true);
    else if (type === 4 || type === 3) {
      // an array: patch its first element, wherever it is
      const at = count * (type === 4 ? 4 : 2) <= 4 ? e + 8 : v.getUint32(e + 8, true);
      if (type === 4) v.setUint32(at, value >>> 0, true);
      else v.setUint16(at, Math.min(value, 0xffff), true);
    } else return false;
    return true;
  }
  return false;
}

/** A valid 1×1 PNG. */
export const PNG_1x1 = new Uint8Array(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
);

function firstPosition(c: unknown): number[] | undefined {
  let x: unknown = c;
  while (Array.isArray(x) && Array.isArray(x[0])) x = x[0];
  return Array.isArray(x) && typeof x[0] === 'number' ? (x as number[]) : undefined;
}

function mapPositions(c: unknown, fn: (p: number[]) => unknown): unknown {
  if (Array.isArray(c) && typeof c[0] === 'number') return fn(c as number[]);
  return Array.isArray(c) ? c.map((x) => mapPositions(x, fn)) : c;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
