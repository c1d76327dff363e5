/**
 * Coordinate reference systems. Any EPSG code is looked up in the EPSG registry shipped by the
 * `epsg-index` package (one JSON file per code, read on first use); a CRS a file defines by its
 * own parameters (GeoTIFF user-defined GeoKeys, a `.prj` WKT without an EPSG code) is identified
 * against that registry when its parameters match an entry, else kept as its own definition
 * (a proj4 string or the WKT itself, which proj4 reads), so the identifier a grid carries can
 * always be turned back into a transform. `--crs` overrides go through `registerCrs`. Datum shifts
 * of registry CRSs come from datum-shifts.json (the EPSG dataset of PROJ's proj.db), not from the
 * registry's `+towgs84`/`+nadgrids`; `datumShiftAccuracy` says how close to PROJ they are.
 *
 * Terrain must be in a projected CRS in metres: `requireProjectedMetres` refuses geographic,
 * vertical, geocentric and non-metre CRSs by name.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import proj4 from 'proj4';
import { CrsError } from '../errors.ts';

export const LAMBERT93 = 'EPSG:2154';
export const WGS84 = 'EPSG:4326';

const require = createRequire(import.meta.url);
const EPSG_DIR = join(dirname(require.resolve('epsg-index/package.json')), 's');
const EPSG_VERSION = (require('epsg-index/package.json') as { version: string }).version;
/** Where messages say codes are looked up. */
export const EPSG_REGISTRY = `EPSG registry of epsg-index ${EPSG_VERSION}`;

export type CrsKind = 'projected' | 'geographic' | 'vertical' | 'compound' | 'geocentric' | 'engineering' | 'derived';

export interface CrsInfo {
  /** `EPSG:NNNN`, or the definition itself (proj4 string or WKT) for a CRS without a code */
  readonly code: string;
  readonly name: string;
  readonly kind: CrsKind;
  /** horizontal unit: `metre`, `degree`, `US survey foot`, … (null for a vertical-only CRS) */
  readonly unit: string | null;
  /** unit of heights, for vertical and compound CRSs */
  readonly verticalUnit: string | null;
  /** proj4 definition of the horizontal part (null when the registry has none) */
  readonly proj4: string | null;
}

interface EpsgEntry {
  code: string;
  kind: string;
  name: string;
  wkt?: string;
  proj4: string | null;
  unit: string | null;
}

/** An entry of the registry that is Esri's, not EPSG's (its WKT closes with AUTHORITY["ESRI", …]). */
function isEsriEntry(e: EpsgEntry): boolean {
  return /AUTHORITY\[\s*"ESRI"\s*,\s*"?\d+"?\s*\]\s*\]\s*$/i.test(e.wkt ?? '');
}

/**
 * The code a GeoTIFF's ProjectedCSType / GeographicType key can carry for `crs` (a short, below
 * 32767, an EPSG entry of the registry), or null: a definition without a code, an Esri code
 * (102329…), or one too large for the key.
 */
export function geoTiffKeyCode(crs: string): number | null {
  const n = epsgNumber(normaliseCrs(crs));
  if (n === null || n <= 0 || n >= USER_DEFINED) return null;
  const e = epsgEntry(n);
  return e && !isEsriEntry(e) ? n : null;
}

const KINDS: Record<string, CrsKind> = {
  'CRS-PROJCRS': 'projected',
  'CRS-GEOGCRS': 'geographic',
  'CRS-GEOG3DCRS': 'geographic',
  'CRS-VERTCRS': 'vertical',
  'CRS-COMPOUNDCRS': 'compound',
  'CRS-GCENCRS': 'geocentric',
  'CRS-ENGCRS': 'engineering',
  'CRS-DRVDCRS': 'derived',
};

const entries = new Map<number, EpsgEntry | null>();
/** Codes redefined with `--crs CODE=+proj=…`: their definition wins over the registry's. */
const overrides = new Set<string>();

/** The registry's entry for an EPSG code, or null when the registry has no such CRS. */
function epsgEntry(n: number): EpsgEntry | null {
  if (!Number.isInteger(n) || n <= 0) return null;
  let e = entries.get(n);
  if (e === undefined) {
    try {
      e = JSON.parse(readFileSync(join(EPSG_DIR, `${n}.json`), 'utf8')) as EpsgEntry;
    } catch {
      e = null;
    }
    entries.set(n, e);
  }
  return e;
}

/** Normalises `2154`, `epsg:2154`, `urn:ogc:def:crs:EPSG::2154`, `CRS84` to `EPSG:NNNN`; definitions stay as they are. */
export function normaliseCrs(input: string | number): string {
  const s = String(input).trim();
  if (/^(urn:ogc:def:crs:OGC:1\.3:)?CRS84$/i.test(s)) return WGS84;
  const m = /^(?:(?:urn:ogc:def:crs:)?EPSG:{1,2}(?:[\d.]*:)?)?(\d{4,6})$/i.exec(s);
  if (m) return `EPSG:${m[1]}`;
  return s;
}

function epsgNumber(code: string): number | null {
  const m = /^EPSG:(\d+)$/.exec(code);
  return m ? Number(m[1]) : null;
}

function isDefinition(s: string): boolean {
  return /^\s*\+proj=/.test(s) || /^\s*[A-Z_0-9]+\s*\[/i.test(s);
}

/** Registers a CRS from a proj4 string (e.g. from `--crs`); returns its code. */
export function registerCrs(code: string, proj4def: string): string {
  const c = normaliseCrs(code);
  try {
    proj4.defs(c, proj4def);
    proj4(c, WGS84, [0, 0]);
  } catch (err) {
    throw new CrsError(`${code}: ${JSON.stringify(proj4def)} is not a valid proj4 definition`, { cause: err });
  }
  overrides.add(c);
  return c;
}

/** Makes `code` usable by proj4 (registry lookup, or parsing a definition); false when impossible. */
function ensureDefined(code: string): boolean {
  if (proj4.defs(code)) return true;
  const n = epsgNumber(code);
  if (n !== null) {
    const e = epsgEntry(n);
    if (!e?.proj4 || e.kind === 'CRS-VERTCRS') return false;
    try {
      proj4.defs(code, usableProj4(e.proj4, n));
      return true;
    } catch {
      return false;
    }
  }
  if (isDefinition(code)) {
    try {
      proj4.defs(code, code);
      new proj4.Proj(code);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Datum shifts. proj4js cannot load datum-shift grids (`+nadgrids=OSTN15_….gsb`, ~300 registry
// entries) and fails on them, and several of the registry's `+towgs84` are wrong for proj4
// (coordinate-frame rotations written as position-vector ones: Amersfoort, BD72, S-JTSK [JTSK03],
// Pulkovo 1942(58) off by 40–280 m; a 3-parameter shift where EPSG has a 7-parameter one).
// datum-shifts.json, generated from the EPSG dataset in PROJ's proj.db by
// pipelines/geo/datum-shifts.py, gives each CRS of the registry whose datum is not WGS 84-compatible
// the Helmert transformation to WGS 84 closest to PROJ's own choice over the CRS's area, with
// EPSG's stated accuracy.

interface DatumShiftsFile {
  generated_by: string;
  source: Record<string, string>;
  transformations: Record<string, { name: string; towgs84: number[]; accuracy_m: number | null; area: string; crs: string }>;
  worst: Record<string, number | null>;
  unchecked: string;
}

/** `"2009-2011,2017"` → 2009, 2010, 2011, 2017 */
function* codeRanges(ranges: string): Generator<number> {
  for (const part of ranges.split(',')) {
    const [a, b = a] = part.split('-').map(Number);
    for (let n = a; n <= b; n++) yield n;
  }
}

/** The datum shift Vigie applies to a registry CRS (from datum-shifts.json). */
export interface DatumShift {
  /** `EPSG:1314 OSGB36 to WGS 84 (6)` */
  readonly transformation: string;
  /** proj4 `+towgs84` (position vector; arc-seconds, ppm) */
  readonly towgs84: readonly number[];
  /** EPSG's stated accuracy in metres (null: not stated) */
  readonly accuracy: number | null;
  /** the transformation's area of use */
  readonly area: string;
  /** the largest error estimated over the CRS's area against PROJ (which picks a transformation point by point), in metres, when larger than `accuracy` (null: unknown); undefined otherwise */
  readonly worst?: number | null;
}

let shifts: { index: Map<number, DatumShift>; unchecked: Set<number> } | null = null;

/** datum-shifts.json, read on first use: CRS code → shift, and the CRSs it could not check. */
function datumShifts(): { index: Map<number, DatumShift>; unchecked: Set<number> } {
  if (!shifts) {
    const file = JSON.parse(readFileSync(new URL('./datum-shifts.json', import.meta.url), 'utf8')) as DatumShiftsFile;
    const index = new Map<number, DatumShift>();
    for (const [code, t] of Object.entries(file.transformations)) {
      for (const crs of codeRanges(t.crs)) {
        const worst = file.worst[String(crs)];
        index.set(crs, Object.freeze({ transformation: `EPSG:${code} ${t.name}`, towgs84: t.towgs84, accuracy: t.accuracy_m, area: t.area, ...(worst !== undefined ? { worst } : {}) }));
      }
    }
    shifts = { index, unchecked: new Set(codeRanges(file.unchecked)) };
  }
  return shifts;
}

/** The datum shift to WGS 84 that Vigie applies to a registry CRS instead of the registry's, or null. */
export function datumShift(code: string | number): DatumShift | null {
  const n = typeof code === 'number' ? code : epsgNumber(normaliseCrs(code));
  if (n === null || overrides.has(`EPSG:${n}`)) return null;
  const own = datumShifts().index.get(n);
  if (own) return own;
  // Esri's own codes in the registry (ESRI:102582 « NTF France II (degrees) »…) are not in the
  // EPSG dataset's transformations: their datum's EPSG code (6275 NTF) gives its geographic CRS
  // (4275), whose shift applies.
  const e = epsgEntry(n);
  if (!e || !isEsriEntry(e)) return null;
  // (EPSG datum codes are 6000–6999; ellipsoids 7xxx, meridians 8xxx and units 9xxx come beside them)
  const datum = /AUTHORITY\s*\[\s*"EPSG"\s*,\s*"(6\d{3})"\s*\]/i.exec(e.wkt ?? '');
  return datum ? (datumShifts().index.get(Number(datum[1]) - 2000) ?? null) : null;
}

/** `+nadgrids=…` other than `@null` (a grid name may be quoted, with spaces). */
const GRIDS = /\s*\+nadgrids=(?!@null)(?:"[^"]*"|\S+)/g;

/** Ellipsoids of the datums proj4js knows by `+datum=` that registry definitions use. */
const DATUM_ELLIPSOIDS: Record<string, string> = { wgs84: 'WGS84', nad83: 'GRS80', nad27: 'clrk66' };

/**
 * A registry definition proj4js can use, with the right datum shift. When datum-shifts.json has a
 * shift for the CRS (`code`), it replaces the definition's `+nadgrids`, `+towgs84` and `+datum`
 * (`+datum=NAD27` means grids to proj4js; its ellipsoid is kept). Else a grid is dropped and no
 * shift is applied: positions then stay in the datum's own latitude and longitude, off by the
 * whole datum shift (PD/83 in Thuringia: ~170 m), which `datumShiftAccuracy` says. (The registry
 * gives NTF, on Clarke 1880 IGN, no shift: datum-shifts.json gives its CRSs IGN's 3-parameter shift,
 * EPSG:1193, accuracy 2 m, which PROJ also uses without its grid; the registry's other Clarke 1880
 * IGN datums, Lomé, Voirol 1879…, are not NTF and get no shift, as in PROJ.)
 */
function usableProj4(def: string, code: number): string {
  const shift = datumShift(code);
  if (shift) {
    let d = def.replace(GRIDS, '').replace(/\s*\+towgs84=\S+/g, '');
    // A `+datum=` would bring proj4js's own shift (or grids): its ellipsoid only.
    d = d.replace(/\s*\+datum=(\S+)/, (m, name: string) => (/\+(ellps|a)=/.test(d) ? '' : DATUM_ELLIPSOIDS[name.toLowerCase()] ? ` +ellps=${DATUM_ELLIPSOIDS[name.toLowerCase()]}` : m));
    if (!/\+datum=/.test(d)) return `${d.trim()} +towgs84=${shift.towgs84.join(',')}`;
  }
  return def.replace(GRIDS, '');
}

export interface DatumShiftAccuracy {
  /** largest error of the datum shift over the CRS's area, in metres, against PROJ; 0 when no shift is needed; null when unknown (no shift applied where one is needed, or accuracy not stated) */
  readonly metres: number | null;
  readonly note: string;
}

/** proj4js datum types (proj4/lib/constants/values). */
const PJD_3PARAM = 1;
const PJD_7PARAM = 2;
const PJD_GRIDSHIFT = 3;
const PJD_WGS84 = 4;

/**
 * How well Vigie shifts a CRS's datum to WGS 84 (and so to Lambert-93) compared with PROJ, for
 * callers to warn: « datum shift by EPSG:1314 OSGB36 to WGS 84 (6), accuracy 2 m », or « grid-based
 * datum shift (BETA2007.gsb) not applied: … » (PD/83 in Thuringia: ~170 m off). `metres` is the
 * largest error expected over the CRS's area (0: no shift needed; null: unknown). CrsError when the
 * CRS is unknown.
 */
export function datumShiftAccuracy(code: string): DatumShiftAccuracy {
  const c = normaliseCrs(code);
  if (!ensureDefined(c)) throw unknownCrs(code);
  const n = epsgNumber(c);
  const registry = n !== null && !overrides.has(c) ? epsgEntry(n) : null;
  const what = registry ? `${c} ${registry.name}` : n !== null ? `${c} (--crs)` : 'the definition';
  const raw = registry?.proj4 ?? (/^\s*\+/.test(c) ? c : '');
  const grid = /\+nadgrids=(?!@null)("[^"]*"|\S+)/.exec(raw)?.[1] ?? (/\+datum=NAD27\b/i.test(raw) ? 'the NAD27 grids' : undefined);
  const shift = n !== null ? datumShift(n) : null;
  if (shift) {
    const acc = shift.accuracy === null ? 'accuracy not stated by EPSG' : `accuracy ${shift.accuracy} m`;
    let note = `${what}: datum shift by ${shift.transformation}, ${acc} (${shift.area})`;
    let metres = shift.accuracy;
    if (shift.worst !== undefined) {
      note += shift.worst === null ? `; its error over the CRS's area is not known` : `; up to ~${Math.ceil(shift.worst)} m off PROJ elsewhere in the CRS's area`;
      metres = shift.worst;
    }
    if (grid) note += `; replaces the grid ${grid}, which proj4js cannot load`;
    return { metres, note };
  }
  const p = new proj4.Proj(c) as unknown as { datum?: { datum_type: number; datum_params?: number[] }; a?: number; es?: number };
  const type = p.datum?.datum_type;
  // Registry CRSs neither shifted nor listed as unchecked by datum-shifts.json have a WGS 84-compatible datum.
  const noHelmert = registry !== null && datumShifts().unchecked.has(n!);
  const unknown = noHelmert ? 'the EPSG dataset has no Helmert transformation to WGS 84 for this datum' : 'not checked against the EPSG dataset';
  if (grid || type === PJD_GRIDSHIFT) {
    return {
      metres: null,
      note:
        `${what}: grid-based datum shift (${grid ?? 'grid'}) not applied (proj4js cannot load grids; ${unknown}): ` +
        `positions stay in the datum's own latitude and longitude, off by the whole datum shift (up to hundreds of metres)`,
    };
  }
  if (registry && !noHelmert) return { metres: 0, note: `${what}: WGS 84-compatible datum (null transformation to WGS 84 in the EPSG dataset), no datum shift` };
  const from = registry ? 'the registry' : 'the definition';
  if (type === PJD_3PARAM || type === PJD_7PARAM) {
    return { metres: null, note: `${what}: datum shift from ${from}'s +towgs84 (${unknown}): accuracy not known` };
  }
  const wgs84Ellipsoid = Math.abs((p.a ?? 0) - 6378137) < 0.01 && Math.abs((p.es ?? 0) - 0.00669438) < 1e-8;
  if (type === PJD_WGS84 || wgs84Ellipsoid) {
    if (!registry) return { metres: 0, note: `${what}: datum taken as WGS 84-compatible (no shift given), no datum shift` };
    return { metres: null, note: `${what}: datum taken as WGS 84 by the registry, no datum shift (${unknown}): accuracy not known` };
  }
  return { metres: null, note: `${what}: no datum shift known (${unknown}): positions stay in the datum's own latitude and longitude, off by the whole datum shift (up to hundreds of metres)` };
}

export function isKnownCrs(code: string): boolean {
  return ensureDefined(normaliseCrs(code));
}

export function isGeographic(code: string): boolean {
  const c = normaliseCrs(code);
  if (!ensureDefined(c)) throw unknownCrs(code);
  return (proj4.defs(c) as { projName?: string }).projName === 'longlat';
}

/** What the registry (or the definition itself) says about a CRS; CrsError when it is unknown. */
export function lookupCrs(code: string): CrsInfo {
  const c = normaliseCrs(code);
  const n = epsgNumber(c);
  if (n !== null && !overrides.has(c)) {
    const e = epsgEntry(n);
    if (!e) throw unknownCrs(code);
    const kind = KINDS[e.kind] ?? 'derived';
    const p = e.proj4 ?? '';
    const units = /\+units=(\S+)/.exec(p)?.[1];
    const vunits = /\+vunits=(\S+)/.exec(p)?.[1];
    const geographic = /\+proj=longlat/.test(p);
    const unit =
      kind === 'vertical' ? null : kind === 'compound' ? (geographic ? 'degree' : unitName(units ?? 'm')) : e.unit ?? (geographic ? 'degree' : unitName(units ?? 'm'));
    const verticalUnit = kind === 'vertical' ? e.unit : kind === 'compound' ? unitName(vunits ?? 'm') : null;
    return Object.freeze({ code: c, name: e.name, kind, unit: unit?.replace(/ \(supplier.*\)$/, '') ?? null, verticalUnit, proj4: kind === 'vertical' ? null : e.proj4 });
  }
  if (!ensureDefined(c)) throw unknownCrs(code);
  const p = new proj4.Proj(c) as unknown as { projName?: string; names?: string[]; units?: string; to_meter?: number; name?: string; title?: string };
  const kind: CrsKind = p.projName === 'longlat' ? 'geographic' : p.projName === 'geocent' ? 'geocentric' : 'projected';
  const def = proj4.defs(c) as { name?: string; title?: string } | undefined;
  const name = def?.name ?? def?.title ?? (n !== null ? c : `user-defined (${c.length > 70 ? c.slice(0, 70) + '…' : c})`);
  const unit = kind === 'geographic' ? 'degree' : unitOfProj(p);
  return Object.freeze({ code: c, name, kind, unit, verticalUnit: null, proj4: isDefinition(c) && /^\s*\+/.test(c) ? c : null });
}

/** `EPSG:26915 NAD83 / UTM zone 15N`, for messages. */
export function describeCrs(code: string): string {
  try {
    const i = lookupCrs(code);
    return i.code.startsWith('EPSG:') ? `${i.code} ${i.name}` : i.name;
  } catch {
    return code;
  }
}

function unitName(u: string): string {
  const names: Record<string, string> = { m: 'metre', 'us-ft': 'US survey foot', ft: 'foot', km: 'kilometre', 'ind-ft': 'Indian foot', 'ind-yd': 'Indian yard', yd: 'yard', link: 'link', ch: 'chain' };
  return names[u] ?? u;
}

function unitOfProj(p: { units?: string; to_meter?: number }): string {
  if (p.to_meter !== undefined && Math.abs(p.to_meter - 1) > 1e-12) {
    const u = (p.units ?? '').toLowerCase().replace(/_/g, ' ');
    if (u === 'us-ft' || /us survey foot|foot us|us foot/.test(u)) return 'US survey foot';
    if (u === 'ft' || /^(international )?f(oo|ee)t$/.test(u)) return 'foot';
    return `${p.units ?? 'unit'} (${p.to_meter} m)`;
  }
  const u = (p.units ?? 'm').toLowerCase();
  if (['m', 'meter', 'metre', 'meters', 'metres'].includes(u)) return 'metre';
  return unitName(p.units ?? 'm');
}

/**
 * Refuses, by name, a CRS that terrain cannot be in: geographic (degrees), vertical-only,
 * geocentric, engineering, or with horizontal or vertical units other than metres. `source`
 * (the file) starts the message. Returns what the registry says about the CRS.
 */
export function requireProjectedMetres(code: string, source: string): CrsInfo {
  const info = lookupCrs(code);
  const label = info.code.startsWith('EPSG:') ? `${info.code} ${info.name}` : `CRS ${JSON.stringify(info.name)}`;
  const expected = 'a projected CRS in metres is expected (reproject with gdalwarp -t_srs EPSG:NNNN: EPSG:2154 Lambert-93 in France, the local UTM zone or national grid elsewhere)';
  const fail = (what: string, more = '') => new CrsError(`${source}: ${label} ${what}; ${expected}${more}`);
  if (info.kind === 'geographic') throw fail('is geographic (degrees)');
  if (info.kind === 'vertical') throw fail('is a vertical CRS (heights only, no horizontal position)');
  if (info.kind === 'geocentric') throw fail('is geocentric (Earth-centred X, Y, Z)');
  if (info.kind === 'engineering' || info.kind === 'derived') throw fail(`is an ${info.kind} CRS`);
  if (info.unit === 'degree') throw fail('is geographic (degrees)');
  // proj4js ignores an axis order other than east-north (South Africa's « Lo » grids count
  // westing and southing: EPSG:2046–2055): thousands of kilometres off, so refused by name
  const axis = /\+axis=(\w+)/.exec(info.proj4 ?? '')?.[1];
  if (axis && !/^(enu|neu|en|ne)$/.test(axis)) throw fail(`counts its axes ${axis.startsWith('w') ? 'westing' : 'easting'} and ${axis[1] === 's' ? 'southing' : 'northing'} (axis « ${axis} »), which is not supported`);
  if (info.unit !== 'metre') {
    const feet = /foot|feet/i.test(info.unit ?? '') ? `; its elevations are likely in feet too: after gdalwarp, scale them to metres with gdal_translate -scale 0 1 0 ${/us/i.test(info.unit!) ? '0.3048006' : '0.3048'}` : '';
    throw fail(`is in ${info.unit ?? 'unknown units'}`, feet);
  }
  if (info.verticalUnit && info.verticalUnit !== 'metre') {
    throw new CrsError(`${source}: ${label} gives heights in ${info.verticalUnit}; elevations in metres are expected`);
  }
  if (!info.proj4 && !isKnownCrs(info.code)) {
    throw new CrsError(`${source}: ${label} has no usable definition in the ${EPSG_REGISTRY}; give one with --crs "${info.code}=+proj=…"`);
  }
  return info;
}

/**
 * The CRS an IGN product's file name states, when the file itself carries none: LiDAR HD, RGE ALTI
 * and BD ALTI name Lambert-93 (`…_LAMB93_IGN69…`, `…_LA93_IGN69…`; their ASCII grids come without a
 * `.prj`). Never guessed otherwise: undefined for any other name.
 */
export function crsFromIgnName(file: string): string | undefined {
  return /_(LAMB93|LA93)_/i.test(file.replace(/^.*[\\/]/, '')) ? 'EPSG:2154' : undefined;
}

export type Transform = (x: number, y: number) => [number, number];

/**
 * Share by which a CRS's metres may differ from ground metres before Vigie corrects for it:
 * within 1 % (a national grid over its country, a UTM zone) a tile is used as it is; beyond
 * (Web Mercator: 1.44 at 46° N; a UTM zone far from its own) detection resamples it to 0.5 m on
 * the ground, so the model sees mounds at their true size and diameters are ground metres, and
 * the relief views measure slopes and draw circles in ground metres.
 */
export const GROUND_SCALE_TOLERANCE = 0.01;

/**
 * How many metres of a projected CRS make one metre on the ground at (x, y), east–west (`kx`)
 * and north–south (`ky`): the projection's scale factor there. About 1 for a national grid over
 * its own country (Lambert-93 over France: 0.999–1.003), 1.44 for Web Mercator (EPSG:3857) at
 * 46° N; `kx` ≠ `ky` for a projection that is not conformal (an equirectangular grid: 1.44 / 1).
 * Measured, not looked up: the points `step` metres of the CRS either side of (x, y), taken to
 * longitude / latitude, and their distance on the GRS80 ellipsoid from its radii of curvature
 * (exact to about 1e-9 over such short distances; the datum does not matter at this precision).
 */
export function groundScale(crs: string, x: number, y: number, step = 10): { kx: number; ky: number } {
  const toLonLat = transformer(crs, WGS84);
  const a = 6378137;
  const f = 1 / 298.257222101;
  const e2 = f * (2 - f);
  const rad = Math.PI / 180;
  const ground = (p: [number, number], q: [number, number]) => {
    const phi = ((p[1] + q[1]) / 2) * rad;
    const w = Math.sqrt(1 - e2 * Math.sin(phi) ** 2);
    const meridian = (a * (1 - e2)) / w ** 3;
    const normal = a / w;
    return Math.hypot((q[1] - p[1]) * rad * meridian, (q[0] - p[0]) * rad * normal * Math.cos(phi));
  };
  const kx = (2 * step) / ground(toLonLat(x - step, y), toLonLat(x + step, y));
  const ky = (2 * step) / ground(toLonLat(x, y - step), toLonLat(x, y + step));
  if (!(Number.isFinite(kx) && Number.isFinite(ky) && kx > 0 && ky > 0)) {
    throw new CrsError(`${crs}: no scale at (${x}, ${y}): the point is outside the projection's domain`);
  }
  return { kx, ky };
}

/**
 * The scale Vigie works at around (x, y): exactly 1 within GROUND_SCALE_TOLERANCE, else the mean
 * of `groundScale`'s two on a lattice of steps of 2^(1/128) (0.54 %), so that runs sharing a seam
 * (a queue's jobs, a folder run again with more tiles) take the same working grid unless a step
 * falls between them (Web Mercator: every ~60 km of latitude). Detection (one per mosaic) and the
 * relief views use it; `kx`, `ky` are returned for callers that check the stretch.
 */
export function workingScale(crs: string, x: number, y: number): { k: number; kx: number; ky: number } {
  const { kx, ky } = groundScale(crs, x, y);
  const k = Math.sqrt(kx * ky);
  return { k: Math.abs(k - 1) > GROUND_SCALE_TOLERANCE ? 2 ** (Math.round(Math.log2(k) * 128) / 128) : 1, kx, ky };
}

/** Returns a point transform from `from` to `to`; throws CrsError (suggesting `--crs`) if unknown. */
export function transformer(from: string, to: string): Transform {
  const a = normaliseCrs(from);
  const b = normaliseCrs(to);
  if (a === b) return (x, y) => [x, y];
  if (!ensureDefined(a)) throw unknownCrs(from);
  if (!ensureDefined(b)) throw unknownCrs(to);
  const conv = proj4(a, b);
  return (x, y) => conv.forward([x, y]) as [number, number];
}

function unknownCrs(code: string): CrsError {
  const c = normaliseCrs(code);
  const n = epsgNumber(c);
  const e = n !== null ? epsgEntry(n) : null;
  if (e && !e.proj4) {
    return new CrsError(`${c} ${e.name} has no proj4 definition in the ${EPSG_REGISTRY}; give one with --crs "${c}=+proj=…"`);
  }
  if (e?.kind === 'CRS-VERTCRS') return new CrsError(`${c} ${e.name} is a vertical CRS (heights only); a horizontal CRS is expected`);
  return new CrsError(
    `unknown CRS ${JSON.stringify(code.length > 80 ? code.slice(0, 80) + '…' : code)}: not in the ${EPSG_REGISTRY}; ` +
      `give it with --crs EPSG:NNNN or --crs "EPSG:NNNN=+proj=..."`,
  );
}

export const toLambert93 = (lon: number, lat: number): [number, number] => transformer(WGS84, LAMBERT93)(lon, lat);
export const toWgs84 = (x: number, y: number): [number, number] => transformer(LAMBERT93, WGS84)(x, y);

// ---------------------------------------------------------------------------------------------
// Identification: a CRS given by parameters → the EPSG code with the same parameters.

interface ProjParams {
  names?: string[];
  projName?: string;
  lat0?: number;
  long0?: number;
  lat1?: number;
  lat2?: number;
  lat_ts?: number;
  k0?: number;
  x0?: number;
  y0?: number;
  to_meter?: number;
  units?: string;
  a?: number;
  es?: number;
  alpha?: number;
  longc?: number;
  from_greenwich?: number;
}

/** A key that two definitions of the same projection share (family, parameters, unit). */
function signature(p: ProjParams): string | null {
  const names = p.names ?? [];
  let family = names.includes('utm') || names.includes('tmerc') || names.includes('etmerc') ? 'tmerc' : (names[names.length - 1] ?? p.projName ?? '');
  if (!family || family === 'longlat' || family === 'geocent') return null;
  if (family === 'lcc' && (p.lat2 === undefined || p.lat2 === p.lat1)) family = 'lcc1';
  const deg = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : ((v * 180) / Math.PI).toFixed(6));
  const num = (v: number | undefined, d: number) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(d));
  // Only the parameters the projection uses: readers fill the others differently.
  const conic = ['lcc', 'lcc1', 'aea', 'eqdc'].includes(family);
  const ts = ['merc', 'stere', 'eqc', 'cea'].includes(family);
  const lat1 = conic ? deg(p.lat1) : '';
  const lat2 = conic && family !== 'lcc1' ? deg(p.lat2) : '';
  // Krovak's centre longitude: `+lon_0` in EPSG's definitions, Longitude_Of_Center in ESRI WKT.
  const krovak = family === 'krovak';
  const long0 = krovak ? (p.long0 || p.longc) : p.long0;
  return [family, deg(p.lat0 ?? 0), deg(long0 ?? 0), lat1, lat2, ts ? deg(p.lat_ts) : '', num(p.k0 ?? 1, 8), num(p.x0 ?? 0, 2), num(p.y0 ?? 0, 2), num(p.to_meter ?? 1, 8), deg(p.alpha), krovak ? '' : deg(p.longc), deg(p.from_greenwich ?? 0)].join('|');
}

let signatureIndex: Map<string, number[]> | null = null;

function buildSignatureIndex(): Map<string, number[]> {
  const all = require('epsg-index/all.json') as Record<string, EpsgEntry>;
  const index = new Map<string, number[]>();
  for (const k of Object.keys(all)) {
    const e = all[k];
    if (e.kind !== 'CRS-PROJCRS' || !e.proj4) continue;
    let p: ProjParams;
    try {
      p = new proj4.Proj(e.proj4) as unknown as ProjParams;
    } catch {
      continue;
    }
    const s = signature(p);
    if (!s) continue;
    const list = index.get(s);
    if (list) list.push(Number(k));
    else index.set(s, [Number(k)]);
  }
  return index;
}

const squash = (s: string) =>
  s
    .toLowerCase()
    .replace(/\bv1\b/g, '')
    .replace(/19(\d\d)/g, '$1')
    .replace(/[^a-z0-9]/g, '');

/**
 * The EPSG code whose definition matches `def` (a proj4 string or WKT): same projection,
 * parameters and unit, on the same ellipsoid. Among several (datum realisations sharing an
 * ellipsoid, axis-order variants), the one named `name`, else one whose name starts with the
 * geographic base `geographic` (`ETRS89 / …`), preferring names without a variant suffix such
 * as `(N-E)`, then the lowest code. null when none matches.
 */
export function identifyCrs(def: string, name?: string, geographic?: string): string | null {
  let p: ProjParams;
  try {
    p = new proj4.Proj(def) as unknown as ProjParams;
  } catch {
    return null;
  }
  const s = signature(p);
  if (!s) return null;
  signatureIndex ??= buildSignatureIndex();
  const ok: number[] = [];
  for (const n of signatureIndex.get(s) ?? []) {
    const q = new proj4.Proj(epsgEntry(n)!.proj4!) as unknown as ProjParams;
    if (Math.abs((q.a ?? 0) - (p.a ?? 0)) > 0.01 || Math.abs((q.es ?? 0) - (p.es ?? 0)) > 1e-9) continue;
    ok.push(n);
  }
  if (!ok.length) return null;
  const want = name ? squash(name) : null;
  const base = geographic ? squash(geographic) : null;
  const score = (n: number) => {
    const entry = epsgEntry(n)!;
    const entryName = entry.name;
    let v = 0;
    // The registry also holds Esri's own codes (102329 « ETRS 1989 UTM Zone 32N 8Stellen »): an
    // EPSG definition of the same parameters (4647) wins, whatever the file's citation says.
    if (!isEsriEntry(entry)) v += 1000;
    if (want && squash(entryName) === want) v += 100;
    if (base && squash(entryName.split(' / ')[0]) === base) v += 10;
    if (/\(/.test(entryName)) v -= 1;
    return v;
  };
  ok.sort((a, b) => score(b) - score(a) || a - b);
  return `EPSG:${ok[0]}`;
}

// ---------------------------------------------------------------------------------------------
// WKT (`.prj` sidecars, LAS WKT records)

/**
 * The CRS of a WKT string (OGC WKT1, ESRI WKT, WKT2): its EPSG authority code when it closes
 * the WKT, else the registry entry of the same name and parameters, else the WKT itself as a
 * user-defined CRS (proj4 reads it). Compound WKT gives its horizontal part; vertical units
 * other than metres are refused. CrsError naming `source` when proj4 cannot read it.
 */
export function crsFromWkt(wkt: string, source: string): string {
  const text = wkt.replace(/^\uFEFF/, '').replace(/\0+$/, '').trim();
  const head = /^([A-Z_0-9]+)\s*\[\s*"([^"]*)"/i.exec(text);
  if (!head) throw new CrsError(`${source}: ${JSON.stringify(text.slice(0, 60))} is not a WKT CRS definition; give the CRS with --crs EPSG:NNNN`);
  const [, kw, name] = head;
  const keyword = kw.toUpperCase();
  if (keyword === 'COMPD_CS' || keyword === 'COMPOUNDCRS') {
    const vert = /(VERT_CS|VERTCRS|VERTICALCRS)\s*\[\s*"([^"]*)"([\s\S]*)$/i.exec(text);
    if (vert) {
      const vu = /(?:LENGTHUNIT|UNIT)\s*\[\s*"([^"]*)"\s*,\s*([\d.eE+-]+)/i.exec(vert[3]);
      if (vu && Math.abs(Number(vu[2]) - 1) > 1e-9) {
        throw new CrsError(`${source}: CRS ${JSON.stringify(name)} gives heights in ${vu[1]} (vertical CRS ${JSON.stringify(vert[2])}); elevations in metres are expected`);
      }
    }
    const horiz = /(PROJCS|PROJCRS|PROJECTEDCRS|GEOGCS|GEOGCRS|GEOGRAPHICCRS|BASEGEOGCRS)\s*\[/i.exec(text.slice(kw.length + 1));
    if (!horiz) throw new CrsError(`${source}: compound CRS ${JSON.stringify(name)} has no horizontal part`);
    return crsFromWkt(balanced(text, kw.length + 1 + horiz.index), source);
  }
  if (/^(VERT_CS|VERTCRS|VERTICALCRS)$/.test(keyword)) {
    throw new CrsError(`${source}: CRS ${JSON.stringify(name)} is a vertical CRS (heights only, no horizontal position); a projected CRS in metres is expected`);
  }
  const auth = epsgAuthorityClosing(text);
  if (auth) {
    const c = `EPSG:${auth}`;
    if (epsgEntry(auth)) return c;
  }
  if (ESRI_GRADS.test(text)) return crsFromWkt(esriGradsToDegrees(text), source);
  const esriWebMercator = esriAuxiliarySphere(text, name, source);
  if (esriWebMercator) return esriWebMercator;
  let def: string = text;
  try {
    new proj4.Proj(text);
  } catch (err) {
    // proj4js throws a bare string (« Could not get projection name from: <the whole WKT> »)
    const projection = /PROJECTION\s*\[\s*"([^"]+)"/i.exec(text)?.[1];
    const why = err instanceof Error ? err.message : projection ? `projection ${JSON.stringify(projection)} is not supported` : String(err).slice(0, 120);
    throw new CrsError(`${source}: CRS ${JSON.stringify(name)} could not be read (${why}); give it with --crs EPSG:NNNN`, { cause: err });
  }
  // the geographic base names the datum among same-parameter entries (ESRI « GCS_ETRS_1989 » → ETRS89 / …, not WGS 84 / …)
  const geographic = /GEOGCS\s*\[\s*"(?:GCS_)?([^"]*)"/i.exec(text)?.[1]?.replace(/_/g, ' ');
  const id = identifyCrs(text, name, geographic) ?? sameNamedEntry(text, name);
  if (id) return id;
  if (/^GEOG/i.test(keyword)) {
    // A geographic CRS by name: the registry's entries of that name (WGS 84, RGF93 v1, …).
    const squashed = squash(name.replace(/^GCS_/i, ''));
    for (const n of [4326, 4171, 4258, 4269, 4230]) if (squash(epsgEntry(n)!.name) === squashed) return `EPSG:${n}`;
  }
  return def;
}

let projectedByName: Map<string, number[]> | null = null;

/**
 * The EPSG projected CRS of the same name as the WKT (ESRI writes « CH1903+_LV95 » for
 * « CH1903+ / LV95 ») when its parameters are written another way — ESRI's
 * Hotine_Oblique_Mercator_Azimuth_Center for EPSG's Swiss oblique Mercator — and it places points
 * as the WKT does: three points across the entry's area, to WGS 84 both ways, within 2 m
 * (the same name with other parameters, or another datum, lands farther). Null otherwise.
 */
function sameNamedEntry(def: string, name: string): string | null {
  if (!projectedByName) {
    projectedByName = new Map();
    const all = require('epsg-index/all.json') as Record<string, EpsgEntry & { bbox?: number[] }>;
    for (const k of Object.keys(all)) {
      const e = all[k];
      if (e.kind !== 'CRS-PROJCRS' || !e.proj4 || isEsriEntry(e)) continue;
      const key = squash(e.name);
      projectedByName.set(key, [...(projectedByName.get(key) ?? []), Number(k)]);
    }
  }
  for (const n of projectedByName.get(squash(name)) ?? []) {
    const e = epsgEntry(n) as (EpsgEntry & { bbox?: number[] }) | null;
    const b = e?.bbox;
    if (!e || !b || b.length !== 4) continue;
    const [north, west, south, east] = b;
    const points = [0.25, 0.5, 0.75].map((t) => [west + t * (east - west), south + t * (north - south)]);
    try {
      const fromWgs = proj4('WGS84', usableProj4(e.proj4!, n));
      const toWgs = proj4(def, 'WGS84');
      const agree = points.every(([lon, lat]) => {
        const [x, y] = fromWgs.forward([lon, lat]) as [number, number];
        const [lo, la] = toWgs.forward([x, y]) as [number, number];
        return Math.hypot((lo - lon) * 111320 * Math.cos((lat * Math.PI) / 180), (la - lat) * 110540) < 2;
      });
      if (agree) return `EPSG:${n}`;
    } catch {
      continue;
    }
  }
  return null;
}

/** An ESRI WKT whose geographic CRS counts angles in grads (NTF Paris: Lambert zones I–IV, Lambert II étendu). */
const ESRI_GRADS = /GEOGCS\s*\[[^\]]*\]\s*\]\s*,\s*PRIMEM\s*\[[^\]]*\]\s*,\s*UNIT\s*\[\s*"Grad"/i;

/**
 * ESRI WKT gives a projection's angles in its geographic CRS's unit, and the prime meridian in
 * degrees whatever that unit (« NTF_Paris_Lambert_Zone_II »: PRIMEM["Paris",2.33722917], parallels
 * 52 grads). proj4js reads those grads as degrees, 575 km off. The same WKT in degrees, as GDAL
 * reads it: angular parameters × 0.9, the unit Degree.
 */
function esriGradsToDegrees(text: string): string {
  const angular = /^(Central_Meridian|Standard_Parallel_[12]|Latitude_Of_Origin|Longitude_Of_Origin|Latitude_Of_Center|Longitude_Of_Center|Azimuth|Longitude_Of_1st_Point|Latitude_Of_1st_Point|Longitude_Of_2nd_Point|Latitude_Of_2nd_Point)$/i;
  return text
    .replace(/(PARAMETER\s*\[\s*")([^"]+)("\s*,\s*)([-\d.eE+]+)/gi, (all, a: string, p: string, b: string, v: string) => (angular.test(p) ? `${a}${p}${b}${+(Number(v) * 0.9).toPrecision(15)}` : all))
    .replace(/UNIT\s*\[\s*"Grad"\s*,\s*[\d.eE+-]+\s*\]/i, 'UNIT["Degree",0.0174532925199433]');
}

/**
 * ArcGIS's Web Mercator, as its `.prj` files and GDAL's `wkt_esri` write it:
 * PROJECTION["Mercator_Auxiliary_Sphere"] with PARAMETER["Auxiliary_Sphere_Type",0] projects on
 * the sphere of the semi-major axis — EPSG:3857, as GDAL reads it. proj4js reads it as Mercator on
 * the ellipsoid (EPSG:3395), which puts a point at 46° N 21 km too far north. Other parameters
 * than EPSG:3857's give the same projection as a proj4 definition; the other sphere types
 * (semi-minor, authalic) are refused by name. Null for any other WKT.
 */
function esriAuxiliarySphere(text: string, name: string, source: string): string | null {
  if (!/PROJECTION\s*\[\s*"Mercator_Auxiliary_Sphere"/i.test(text)) return null;
  const param = (p: string) => {
    const m = new RegExp(`PARAMETER\\s*\\[\\s*"${p}"\\s*,\\s*([-\\d.eE+]+)`, 'i').exec(text);
    return m ? Number(m[1]) : 0;
  };
  const type = param('Auxiliary_Sphere_Type');
  if (type !== 0) {
    throw new CrsError(`${source}: CRS ${JSON.stringify(name)} is Mercator on an auxiliary sphere of type ${type}; only type 0 (the semi-major axis: Web Mercator, EPSG:3857) is supported; give the CRS with --crs`);
  }
  const unit = /UNIT\s*\[\s*"[^"]*"\s*,\s*([\d.eE+-]+)\s*\]\s*\]\s*$/i.exec(text);
  const toMetre = unit ? Number(unit[1]) : 1;
  const a = Number(/SPHEROID\s*\[\s*"[^"]*"\s*,\s*([\d.eE+-]+)/i.exec(text)?.[1] ?? 6378137);
  const [fe, fn, lon0, lat1] = ['False_Easting', 'False_Northing', 'Central_Meridian', 'Standard_Parallel_1'].map(param);
  if (a === 6378137 && toMetre === 1 && fe === 0 && fn === 0 && lon0 === 0 && lat1 === 0) return 'EPSG:3857';
  return `+proj=merc +a=${a} +b=${a} +lat_ts=${lat1} +lon_0=${lon0} +x_0=${fe * toMetre} +y_0=${fn * toMetre} +k=1 +to_meter=${toMetre} +nadgrids=@null +no_defs`;
}

/** The EPSG code of the AUTHORITY / ID that closes a WKT (the CRS's own), or null. */
function epsgAuthorityClosing(text: string): number | null {
  const auth = [...text.matchAll(/(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]/gi)].at(-1);
  if (!auth) return null;
  const tail = text.slice(auth.index! + auth[0].length).replace(/[\s\]]/g, '');
  return tail === '' ? Number(auth[1]) : null;
}

/** The bracketed WKT node starting at `start` (keyword then `[ … ]`). */
function balanced(text: string, start: number): string {
  const open = text.indexOf('[', start);
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inString = !inString;
    if (inString) continue;
    if (ch === '[') depth++;
    else if (ch === ']' && --depth === 0) return text.slice(start, i + 1).trim();
  }
  return text.slice(start).trim();
}

// ---------------------------------------------------------------------------------------------
// GeoTIFF GeoKeys (also in LAS files' GeoKeyDirectory records)

export type GeoKeys = Record<string, unknown>;

const USER_DEFINED = 32767;
/** EPSG ellipsoid codes → proj4 ellipsoid names (user-defined GeoKeys name their ellipsoid by code). */
const ELLIPSOIDS: Record<number, string> = {
  7019: 'GRS80', 7030: 'WGS84', 7022: 'intl', 7004: 'bessel', 7008: 'clrk66', 7011: 'clrk80ign', 7012: 'clrk80', 7043: 'WGS72', 7001: 'airy', 7002: 'mod_airy', 7024: 'krass',
};
/** EPSG linear unit codes → proj4 `+units`. */
const LINEAR_UNITS: Record<number, string> = { 9001: 'm', 9002: 'ft', 9003: 'us-ft', 9036: 'km' };
const LINEAR_UNIT_NAMES: Record<number, string> = { 9001: 'metre', 9002: 'foot', 9003: 'US survey foot', 9036: 'kilometre', 9005: 'Clarke\'s foot', 9014: 'fathom', 9030: 'nautical mile', 9037: 'Clarke\'s yard', 9040: 'British yard', 9041: 'British foot', 9042: 'British chain', 9043: 'British link', 9084: 'Indian yard', 9094: 'Gold Coast foot', 9096: 'yard' };

/**
 * The CRS of a GeoTIFF from its GeoKeys: `EPSG:NNNN` from ProjectedCSTypeGeoKey (or
 * GeographicTypeGeoKey for a geographic raster), looked up in the registry; user-defined
 * projections (32767) are built from their parameter keys, then identified in the registry
 * when they match an entry. Vertical units other than metres are refused. CrsError naming
 * `source` when the keys give no CRS.
 */
export function crsFromGeoKeys(keys: GeoKeys | null | undefined, source: string): string {
  if (!keys || !Object.keys(keys).length) {
    throw new CrsError(`${source}: no CRS in the GeoTIFF keys; give it with --crs EPSG:NNNN (LiDAR HD: --crs EPSG:2154)`);
  }
  checkVertical(keys, source);
  const num = (k: string) => (typeof keys[k] === 'number' ? (keys[k] as number) : undefined);
  const model = num('GTModelTypeGeoKey');
  const pcs = num('ProjectedCSTypeGeoKey');
  if (model === 3) throw new CrsError(`${source}: the GeoTIFF keys declare a geocentric model (GTModelTypeGeoKey 3); a projected CRS in metres is expected`);
  if (pcs && pcs !== USER_DEFINED) {
    if (!epsgEntry(pcs)) throw new CrsError(`${source}: ProjectedCSTypeGeoKey ${pcs}: EPSG:${pcs} is not in the ${EPSG_REGISTRY}; give the CRS with --crs EPSG:NNNN`);
    return `EPSG:${pcs}`;
  }
  // ArcGIS (and GDAL's GEOTIFF_KEYS_FLAVOR=ESRI_PE) may give a projected CRS only as an « ESRI PE
  // String » citation, the keys naming just its geographic base (Web Mercator: GeographicType 4326)
  const pe = [keys.PCSCitationGeoKey, keys.GTCitationGeoKey].find((v): v is string => typeof v === 'string' && /^ESRI PE String = PROJCS\[/i.test(v));
  if (pe && (!pcs || pcs === USER_DEFINED) && !num('ProjCoordTransGeoKey') && !num('ProjectionGeoKey')) {
    return crsFromWkt(pe.replace(/^ESRI PE String = /i, ''), `${source} (ESRI PE string)`);
  }
  if (pcs === USER_DEFINED || (model === 1 && (num('ProjCoordTransGeoKey') || num('ProjectionGeoKey')))) {
    const def = proj4FromGeoKeys(keys, source);
    const citation = typeof keys.PCSCitationGeoKey === 'string' ? keys.PCSCitationGeoKey : typeof keys.GTCitationGeoKey === 'string' ? keys.GTCitationGeoKey : undefined;
    const gcs = num('GeographicTypeGeoKey');
    const geographic = gcs && gcs !== USER_DEFINED ? epsgEntry(gcs)?.name : undefined;
    return identifyCrs(def, citation, geographic) ?? def;
  }
  const gcs = num('GeographicTypeGeoKey');
  if (gcs && gcs !== USER_DEFINED) {
    if (!epsgEntry(gcs)) throw new CrsError(`${source}: GeographicTypeGeoKey ${gcs}: EPSG:${gcs} is not in the ${EPSG_REGISTRY}; give the CRS with --crs EPSG:NNNN`);
    return `EPSG:${gcs}`;
  }
  if (model === 2 || gcs === USER_DEFINED) return `+proj=longlat ${geodeticParams(keys, source)} +no_defs`;
  throw new CrsError(`${source}: no EPSG code and no projection parameters in the GeoTIFF keys; give the CRS with --crs EPSG:NNNN (LiDAR HD: --crs EPSG:2154)`);
}

function checkVertical(keys: GeoKeys, source: string): void {
  const vcs = keys.VerticalCSTypeGeoKey;
  const vunits = keys.VerticalUnitsGeoKey;
  if (typeof vunits === 'number' && vunits !== 9001 && vunits !== USER_DEFINED && vunits !== 0) {
    const u = LINEAR_UNIT_NAMES[vunits] ?? `unit ${vunits}`;
    throw new CrsError(`${source}: VerticalUnitsGeoKey ${vunits} gives heights in ${u}; elevations in metres are expected`);
  }
  if (typeof vcs === 'number' && vcs !== USER_DEFINED && vcs !== 0) {
    const e = epsgEntry(vcs);
    if (e && e.kind === 'CRS-VERTCRS' && e.unit && e.unit !== 'metre') {
      throw new CrsError(`${source}: vertical CRS EPSG:${vcs} ${e.name} gives heights in ${e.unit}; elevations in metres are expected`);
    }
  }
}

/** Angles in GeoKeys are in GeogAngularUnitsGeoKey units (degrees unless said otherwise). */
function angleFactor(keys: GeoKeys): number {
  const u = keys.GeogAngularUnitsGeoKey;
  if (u === 9101) return 180 / Math.PI;
  if (u === 9105) return 0.9;
  return 1;
}

function geodeticParams(keys: GeoKeys, source: string): string {
  const gcs = keys.GeographicTypeGeoKey;
  if (typeof gcs === 'number' && gcs !== USER_DEFINED) {
    const e = epsgEntry(gcs);
    if (!e?.proj4) throw new CrsError(`${source}: GeographicTypeGeoKey ${gcs} is not in the ${EPSG_REGISTRY}`);
    return usableProj4(e.proj4, gcs).replace(/\+proj=longlat\s*/, '').replace(/\s*\+(no_defs|type=crs)/g, '').trim();
  }
  const parts: string[] = [];
  const datum = keys.GeogGeodeticDatumGeoKey;
  if (typeof datum === 'number' && datum !== USER_DEFINED) {
    // EPSG geographic CRS codes of the classic datums are the datum code − 2000 (6269 NAD83 → 4269).
    const e = epsgEntry(datum - 2000);
    if (e?.proj4 && KINDS[e.kind] === 'geographic') return usableProj4(e.proj4, datum - 2000).replace(/\+proj=longlat\s*/, '').replace(/\s*\+(no_defs|type=crs)/g, '').trim();
  }
  const ell = keys.GeogEllipsoidGeoKey;
  const a = keys.GeogSemiMajorAxisGeoKey;
  const rf = keys.GeogInvFlatteningGeoKey;
  const b = keys.GeogSemiMinorAxisGeoKey;
  if (typeof ell === 'number' && ELLIPSOIDS[ell]) parts.push(`+ellps=${ELLIPSOIDS[ell]}`);
  else if (typeof a === 'number' && typeof rf === 'number') parts.push(`+a=${a} +rf=${rf}`);
  else if (typeof a === 'number' && typeof b === 'number') parts.push(`+a=${a} +b=${b}`);
  else throw new CrsError(`${source}: user-defined CRS without a known ellipsoid or axes in its GeoTIFF keys; give it with --crs EPSG:NNNN`);
  const towgs = keys.GeogTOWGS84GeoKey;
  if (towgs && typeof towgs === 'object') {
    const v = Object.values(towgs as Record<string, number>);
    if (v.length === 3 || v.length === 7) parts.push(`+towgs84=${v.join(',')}`);
  }
  const pm = keys.GeogPrimeMeridianLongGeoKey;
  if (typeof pm === 'number' && pm !== 0) parts.push(`+pm=${pm * angleFactor(keys)}`);
  else if (keys.GeogPrimeMeridianGeoKey === 8903) parts.push('+pm=paris');
  return parts.join(' ');
}

/** proj4 definition of a user-defined projected CRS from its GeoKeys (GeoTIFF 1.1 §7.5). */
export function proj4FromGeoKeys(keys: GeoKeys, source: string): string {
  const f = angleFactor(keys);
  const ang = (k: string) => (typeof keys[k] === 'number' ? (keys[k] as number) * f : undefined);
  const lin = (k: string) => (typeof keys[k] === 'number' ? (keys[k] as number) : undefined);
  const first = <T>(...v: (T | undefined)[]) => v.find((x) => x !== undefined);
  const unitKey = lin('ProjLinearUnitsGeoKey') ?? 9001;
  let units: string;
  if (LINEAR_UNITS[unitKey]) units = `+units=${LINEAR_UNITS[unitKey]}`;
  else if (lin('ProjLinearUnitSizeGeoKey')) units = `+to_meter=${lin('ProjLinearUnitSizeGeoKey')}`;
  else throw new CrsError(`${source}: ProjLinearUnitsGeoKey ${unitKey} (${LINEAR_UNIT_NAMES[unitKey] ?? 'unknown unit'}) is not supported; a projected CRS in metres is expected`);
  // False easting/northing are in the CRS's linear unit; proj4 wants metres for +x_0/+y_0.
  const toMetre = unitKey === 9002 ? 0.3048 : unitKey === 9003 ? 1200 / 3937 : unitKey === 9036 ? 1000 : (lin('ProjLinearUnitSizeGeoKey') ?? 1);
  const fe = (first(lin('ProjFalseEastingGeoKey'), lin('ProjFalseOriginEastingGeoKey'), lin('ProjCenterEastingGeoKey')) ?? 0) * toMetre;
  const fn = (first(lin('ProjFalseNorthingGeoKey'), lin('ProjFalseOriginNorthingGeoKey'), lin('ProjCenterNorthingGeoKey')) ?? 0) * toMetre;
  const lat0 = first(ang('ProjNatOriginLatGeoKey'), ang('ProjFalseOriginLatGeoKey'), ang('ProjCenterLatGeoKey')) ?? 0;
  const lon0 = first(ang('ProjNatOriginLongGeoKey'), ang('ProjFalseOriginLongGeoKey'), ang('ProjCenterLongGeoKey')) ?? 0;
  const k = first(lin('ProjScaleAtNatOriginGeoKey'), lin('ProjScaleAtCenterGeoKey')) ?? 1;
  const sp1 = ang('ProjStdParallel1GeoKey');
  const sp2 = ang('ProjStdParallel2GeoKey');
  const xy = `+x_0=${fe} +y_0=${fn}`;
  let proj: string;
  const projection = lin('ProjectionGeoKey');
  if (projection && projection !== USER_DEFINED && ((projection > 16000 && projection <= 16060) || (projection > 16100 && projection <= 16160))) {
    proj = `+proj=utm +zone=${projection % 100}${projection > 16100 ? ' +south' : ''}`;
  } else {
    const ct = lin('ProjCoordTransGeoKey');
    switch (ct) {
      case 1: proj = `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=${k} ${xy}`; break;
      case 7: proj = sp1 !== undefined ? `+proj=merc +lon_0=${lon0} +lat_ts=${sp1} ${xy}` : `+proj=merc +lon_0=${lon0} +k=${k} ${xy}`; break;
      case 8: proj = `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${sp1} +lat_2=${sp2} ${xy}`; break;
      case 9: proj = `+proj=lcc +lat_0=${lat0} +lat_1=${lat0} +lon_0=${lon0} +k_0=${k} ${xy}`; break;
      case 10: proj = `+proj=laea +lat_0=${lat0} +lon_0=${lon0} ${xy}`; break;
      case 11: proj = `+proj=aea +lat_0=${lat0} +lon_0=${lon0} +lat_1=${sp1} +lat_2=${sp2} ${xy}`; break;
      case 15: proj = `+proj=stere +lat_0=${(lat0 ?? 0) < 0 ? -90 : 90} +lat_ts=${lat0} +lon_0=${ang('ProjStraightVertPoleLongGeoKey') ?? lon0} +k=${k} ${xy}`; break;
      case 16: proj = `+proj=sterea +lat_0=${lat0} +lon_0=${lon0} +k=${k} ${xy}`; break;
      case 17: proj = `+proj=eqc +lat_ts=${sp1 ?? 0} +lon_0=${lon0} ${xy}`; break;
      case 12: proj = `+proj=aeqd +lat_0=${lat0} +lon_0=${lon0} ${xy}`; break;
      case 14: proj = `+proj=stere +lat_0=${lat0} +lon_0=${lon0} +k=${k} ${xy}`; break;
      case 18: proj = `+proj=cass +lat_0=${lat0} +lon_0=${lon0} ${xy}`; break;
      case 22: proj = `+proj=poly +lat_0=${lat0} +lon_0=${lon0} ${xy}`; break;
      case 24: proj = `+proj=sinu +lon_0=${lon0} ${xy}`; break;
      case 3: proj = `+proj=omerc +lat_0=${lat0} +lonc=${lon0} +alpha=${ang('ProjAzimuthAngleGeoKey') ?? 0} +gamma=${ang('ProjRectifiedGridAngleGeoKey') ?? ang('ProjAzimuthAngleGeoKey') ?? 0} +k=${k} ${xy}`; break;
      default:
        throw new CrsError(`${source}: user-defined projection (ProjCoordTransGeoKey ${ct ?? 'missing'}) is not supported; give the CRS with --crs EPSG:NNNN or --crs "EPSG:NNNN=+proj=…"`);
    }
  }
  return `${proj} ${geodeticParams(keys, source)} ${units} +no_defs`.replace(/\s+/g, ' ');
}
