/**
 * Risk-prevention plans (`ppr`): a whole plan in one import, in either published standard.
 *
 * - CNIG GeoPackage (`<typeppr>_<code>_<table>`): every `*_zonealeareference_<typealea>_s` table
 *   (and `*_zonealeanaturelsynthese_s` with its `*_zonemultialeanaturel` table) gives hazard
 *   zones; the other feature tables (regulatory zones, perimeter, protected areas, works,
 *   technological and exceptional hazard tables…) are kept as context; the procedure table
 *   names the plan.
 * - COVADIS shapefiles (`N_ZONE_ALEA_<type>_<code>_S_<dep>.shp`, usually zipped): zones with
 *   the GASPAR `coderisque`, `nivalea` (Fai/M/F) and `nivalea_st` (01/02/04); multi-hazard zones
 *   (`coderisque` 9999999, `multi_alea` oui) take their hazards and levels from the
 *   `N_MULTIALEA_*.dbf` table; `N_ZONE_REG_*` and `N_PERIMETRE_*` are kept as context.
 * - A `.zip` holding either is read directly (engine/io/source-file.ts extracts it).
 *
 * Scored zones go to hazard_zones under one layer per source table and hazard (a table mixing
 * hazards, as COVADIS ones do, is split: `<table>_flood`, `<table>_land_movement`…), with the
 * plan's own level code (niveaualea 0–7) that config/risk.json maps to Vigie levels. Zones of
 * families Vigie does not score (mining 3x, technological 2x, avalanche…) and non-hazard tables
 * are stored as context layers (hazard_layers.kind = 'context', hazard = the family or the
 * table's role): kept, shown, never scored. The hazard and level tables are in gaspar.ts.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { InputError, show } from '../errors.ts';
import type { ImportContext, ImportIssue, Importer, PreparedImport } from '../importers.ts';
import { readGpkgAttributes } from '../io/gpkg.ts';
import { readDbf } from '../io/shapefile.ts';
import { listVectorLayers, readVector } from '../io/vector.ts';
import type { Store } from '../store/store.ts';
import {
  bboxOf, effectiveVintage, firstPosition, geometryProblem, HAZARDS, issue, pick, placement, reproject, upsertHazardLayer,
  OPEN_LICENCE, type LayerImportOptions,
} from './common.ts';
import { FAMILY_LABELS, NIVEAUALEA_LABELS, classifyAlea, readLevel, type AleaClass } from './gaspar.ts';
import { unionBox, zoneColumns, zoneAttrs, type ZoneRow } from './zones.ts';

/** What a table of a plan is, from its name (CNIG) or its COVADIS prefix. */
export type TableRole = 'alea' | 'alea_synthese' | 'regulatory' | 'perimeter' | 'other';

/** Hazard-zone tables and context roles of the CNIG GeoPackage, by table-name suffix. */
const CNIG_ROLES: readonly (readonly [RegExp, TableRole | 'context-alea'])[] = [
  [/_zonealeareference_\w+_s$/i, 'alea'],
  [/_zonealeanaturelsynthese_s$/i, 'alea_synthese'],
  // Future (2100) and exceptional hazard envelopes, technological effects: hazard maps Vigie keeps, not scores.
  [/_zonealea(echeance100ans|exceptionnel|techno\w*)_\w*$/i, 'context-alea'],
  [/_zonereglementaire(urba|foncier)_[slp]$/i, 'regulatory'],
  [/_perimetre(etude)?_s$/i, 'perimeter'],
];

/** Context role → hazard_layers.hazard for non-hazard tables. */
const ROLE_NAME: Record<Exclude<TableRole, 'alea' | 'alea_synthese'>, string> = {
  regulatory: 'regulatory',
  perimeter: 'perimeter',
  other: 'ppr_other',
};

const ROLE_FR: Record<string, string> = {
  regulatory: 'zonage réglementaire',
  perimeter: 'périmètre',
  ppr_other: 'autre table du PPR',
};

/** Picks the member of a zipped plan: the GeoPackage, or the COVADIS hazard-zone shapefile. */
export const PPR_ARCHIVE_MEMBER = /\.gpkg$|(^|\/)n_zone_alea[^/]*\.shp$|zonealea[^/]*\.shp$/i;

interface OutLayer {
  layer: string;
  /** the Vigie hazard (kind zones) or the family / role (kind context) */
  hazard: string;
  kind: 'zones' | 'context';
  schema: string;
  format: string;
  crs: string;
  source: string;
  rows: ZoneRow[];
}

interface TableInput {
  /** the table or file name, as the layer name's stem */
  table: string;
  path: string;
  /** GeoPackage table to open */
  gpkgLayer?: string;
  role: TableRole | 'context-alea';
  /** multi-hazard components by zone id */
  multi?: Map<string, Record<string, unknown>[]>;
  /** name of the multi-hazard table, for messages */
  multiTable?: string;
}

export const pprImporter: Importer = {
  description:
    'risk-prevention plan, whole: CNIG GeoPackage (every zonealeareference table; regulatory zones and perimeter as context) ' +
    'or COVADIS shapefiles (N_ZONE_ALEA coderisque/nivalea_st, N_MULTIALEA), .zip read directly; mining/technological zones kept as context',
  binary: true,
  archiveMember: PPR_ARCHIVE_MEMBER,
  prepare: (ctx) => preparePpr(ctx),
};

/** True when `path` is a plan this module should read rather than the single-table zones importer. */
export async function isPprPlan(path: string): Promise<boolean> {
  const ext = extname(path).toLowerCase();
  if (ext === '.shp') return /^n_zone_alea_/i.test(basename(path));
  if (ext !== '.gpkg') return false;
  const layers = await listVectorLayers(path);
  return layers.some((l) => CNIG_ROLES.some(([re]) => re.test(l.name))) || layers.filter((l) => l.dataType === 'features').length > 1;
}

export async function preparePpr(ctx: ImportContext): Promise<PreparedImport> {
  const options = ctx.options as LayerImportOptions;
  const { source } = ctx;
  const file = source.name;
  if (options.hazard) {
    throw new InputError(`${file}: --hazard does not apply to a whole plan (each zone's typealea / coderisque names its hazard); import a single zone table with hazard-zones --hazard instead`);
  }
  const ext = extname(source.path).toLowerCase();
  const plan =
    ext === '.gpkg'
      ? { ...(await cnigTables(source.path, file)), schema: 'cnig-ppr' }
      : ext === '.shp' && /^n_zone_alea_/i.test(basename(source.path))
        ? { ...(await covadisTables(source.path)), schema: 'covadis-ppr' }
        : { inputs: [{ table: basename(source.path, extname(source.path)), path: source.path, role: 'alea' } as TableInput], notes: [], schema: 'ppr' };
  const { inputs, schema } = plan;
  const notes = [...plan.notes];
  // --layer X prefixes every layer (`X_<table>`); a layer name this plan makes by itself (the one an
  // earlier import of the same file went to) is not a prefix.
  const given = options.layer?.trim();
  const own = given !== undefined && inputs.some((i) => candidateNames(i.table).includes(given));
  const prefix = given && !own ? `${given}_` : '';
  if (prefix && !/^[\w.:+-]+$/.test(prefix)) throw new InputError(`--layer ${show(given)}: use letters, digits, _ . : + - only`);

  const issues: ImportIssue[] = [];
  const out: OutLayer[] = [];
  let read = 0;
  let kept = 0;
  const familyCodes = new Map<string, Map<string, { label: string; n: number }>>();
  for (const input of inputs) {
    const r = await readTable(input, { file, prefix, schema, crs: options.crs, issues, familyCodes });
    read += r.read;
    kept += r.kept;
    out.push(...r.layers);
    notes.push(r.note);
  }
  if (read === 0) throw new InputError(`${file}: no features in any table (expected hazard zones: ${inputs.map((i) => i.table).join(', ')})`);

  const scored = out.filter((l) => l.kind === 'zones');
  for (const [family, codes] of familyCodes) {
    notes.push(
      `typealea ${[...codes].map(([c, v]) => `${c} (${v.label}) ×${v.n}`).join(', ')}: ${FAMILY_LABELS[family] ?? family}, ` +
        `a family Vigie does not score; kept as context (stored, not scored)`,
    );
  }
  if (scored.length === 0) {
    notes.push(`no zone of a hazard Vigie scores in this plan (scored: typealea 11x flood, 12x land movement, 126 coastal retreat, 127 clay, 13 earthquake, 16 wildfire); everything was kept as context`);
  }
  const layerNames = out.map((l) => l.layer);
  const clearNames = [...new Set(inputs.flatMap((i) => candidateNames(prefix + i.table)))];
  return {
    layer: layerNames.join(','),
    rowsRead: read,
    kept,
    issues,
    crs: out[0]?.crs ?? 'EPSG:2154',
    licence: OPEN_LICENCE,
    notes,
    async write(store: Store, catalogueId: number) {
      // A re-import replaces every layer this plan's tables can produce, whatever it produced before.
      for (const name of clearNames) {
        await store.run('DELETE FROM hazard_zones WHERE layer = $1', [name]);
        await store.run('DELETE FROM hazard_layers WHERE layer = $1', [name]);
      }
      for (const l of out) {
        await store.append('hazard_zones', l.rows, zoneColumns(l.layer));
        await upsertHazardLayer(
          store,
          {
            layer: l.layer, hazard: l.hazard as never, kind: l.kind, source_file: l.source, crs: l.crs, licence: OPEN_LICENCE,
            format: l.format, schema: l.schema, feature_count: l.rows.length, bbox: unionBox(l.rows.map((r) => r.bbox)),
          },
          catalogueId,
          effectiveVintage(options, undefined, source.modified),
        );
      }
    },
  };
}

/** Every layer name a table can produce (for replacing a previous import of the same plan). */
function candidateNames(stem: string): string[] {
  const suffixes = [...HAZARDS, ...HAZARDS.map((h) => `${h}_context`), ...Object.keys(FAMILY_LABELS), 'multi', ...Object.values(ROLE_NAME)];
  return [stem, ...suffixes.map((s) => `${stem}_${s}`)];
}

// ---------------------------------------------------------------------------------------------
// Discovering the tables of a plan

async function cnigTables(path: string, file: string): Promise<{ inputs: TableInput[]; notes: string[] }> {
  const layers = await listVectorLayers(path);
  const notes: string[] = [];
  const inputs: TableInput[] = [];
  const attributes = layers.filter((l) => l.dataType === 'attributes').map((l) => l.name);
  const procedure = attributes.find((t) => /_procedure$/i.test(t));
  if (procedure) {
    const p = (await readGpkgAttributes(path, procedure))[0];
    if (p) notes.push(`plan ${show(String(p.libelleprocedure ?? ''))} (${p.codeprocedure ?? '?'}, ${p.typeprocedure ?? '?'})`);
  }
  const multiTable = attributes.find((t) => /_zonemultialeanaturel$/i.test(t));
  let multi: Map<string, Record<string, unknown>[]> | undefined;
  if (multiTable) multi = groupBy(await readGpkgAttributes(path, multiTable), ['idzonealea']);
  for (const l of layers) {
    if (l.dataType !== 'features') continue;
    const role = CNIG_ROLES.find(([re]) => re.test(l.name))?.[1] ?? 'other';
    inputs.push({ table: l.name, path, gpkgLayer: l.name, role, ...(role === 'alea_synthese' ? { multi, multiTable } : {}) });
  }
  const unused = attributes.filter((t) => t !== procedure && t !== multiTable);
  if (unused.length) notes.push(`tables without geometry not imported: ${unused.join(', ')}`);
  if (inputs.length === 0) throw new InputError(`${file}: the GeoPackage has no feature table (tables: ${layers.map((l) => l.name).join(', ')})`);
  return { inputs, notes };
}

async function covadisTables(path: string): Promise<{ inputs: TableInput[]; notes: string[] }> {
  const stem = basename(path, extname(path));
  const m = /^n_zone_alea_(.+)_s_([^_]+)$/i.exec(stem);
  const token = m ? m[1].toLowerCase() : undefined;
  const dir = dirname(path);
  const siblings = readdirSync(dir).filter((f) => token && f.toLowerCase().includes(`_${token}_`) && f !== basename(path));
  const find = (re: RegExp) => siblings.find((f) => re.test(f));
  const notes: string[] = [];
  const multiFile = find(/^n_multialea_.*\.dbf$/i);
  let multi: Map<string, Record<string, unknown>[]> | undefined;
  if (multiFile) multi = groupBy(await readDbf(join(dir, multiFile)), ['id_zone']);
  const inputs: TableInput[] = [{ table: stem, path, role: 'alea', multi, multiTable: multiFile }];
  const reg = find(/^n_zone_reg_.*\.shp$/i);
  if (reg) inputs.push({ table: basename(reg, extname(reg)), path: join(dir, reg), role: 'regulatory' });
  const per = find(/^n_perimetre_.*\.shp$/i);
  if (per) inputs.push({ table: basename(per, extname(per)), path: join(dir, per), role: 'perimeter' });
  const others = siblings.filter((f) => /\.shp$/i.test(f) && f !== reg && f !== per);
  for (const o of others) inputs.push({ table: basename(o, extname(o)), path: join(dir, o), role: 'other' });
  if (!multiFile) notes.push(`no N_MULTIALEA_*.dbf beside ${basename(path)}: multi-hazard zones (coderisque 9999999) cannot be split into their hazards`);
  return { inputs, notes };
}

function groupBy(rows: Record<string, unknown>[], keys: readonly string[]): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const k = pick(r, keys);
    if (!k || k[1] === null || k[1] === undefined) continue;
    const id = idKey(k[1]);
    const list = out.get(id) ?? [];
    list.push(r);
    out.set(id, list);
  }
  return out;
}

/** Zone ids compare as text, with `12.0` (a dBase Real) equal to `12`. */
function idKey(v: unknown): string {
  const s = String(v).trim();
  return /^-?\d+(\.0+)?$/.test(s) ? String(Number(s)) : s;
}

// ---------------------------------------------------------------------------------------------
// Reading one table

const ID_ALIASES = ['idzonealea', 'id_zone', 'idzonereglementaire', 'idperimetre', 'idzonedanger', 'id', 'fid', 'objectid', 'gid'];
const TYPE_ALIASES = ['typealea', 'codetypealea', 'coderisque', 'code_risque'];

interface ReadContext {
  file: string;
  prefix: string;
  schema: string;
  crs?: string;
  issues: ImportIssue[];
  familyCodes: Map<string, Map<string, { label: string; n: number }>>;
}

async function readTable(input: TableInput, rc: ReadContext): Promise<{ read: number; kept: number; layers: OutLayer[]; note: string }> {
  const vector = await readVector(input.path, { crs: rc.crs, layer: input.gpkgLayer });
  const place = placement(vector.name, vector.crs);
  const stem = rc.prefix + input.table;
  const groups = new Map<string, { kind: 'zones' | 'context'; rows: ZoneRow[] }>();
  const add = (key: string, kind: 'zones' | 'context', row: ZoneRow) => {
    const g = groups.get(key) ?? { kind, rows: [] };
    g.rows.push(row);
    groups.set(key, g);
  };
  const ids = new Set<string>();
  const nameCode = /_zonealea\w*?_(\d+)_s$/i.exec(input.table)?.[1];
  let read = 0;
  let kept = 0;
  const flags = new Map<string, number>();
  const flag = (reason: string) => flags.set(reason, (flags.get(reason) ?? 0) + 1);

  for await (const f of vector) {
    read++;
    const props = f.properties;
    const fid = String(pick(props, ID_ALIASES)?.[1] ?? f.id ?? f.index + 1);
    const at = `${vector.name}, feature ${f.index} (id ${show(fid)})`;
    const featureAt = `${vector.name}, feature ${f.index}`;
    const isAlea = input.role === 'alea' || input.role === 'alea_synthese';
    const problem = geometryProblem(f.geometry, isAlea ? ['Polygon', 'MultiPolygon'] : ['Polygon', 'MultiPolygon', 'LineString', 'MultiLineString', 'Point', 'MultiPoint']);
    if (problem) {
      if (f.geometry === null) {
        rc.issues.push(issue(rc.file, null, 'no_geometry', `no geometry; feature skipped`, { recordId: fid, kept: false, at: featureAt }));
        continue;
      }
      throw new InputError(`${at}, geometry: ${problem}`);
    }
    place.checkGeometry(f.geometry!, `${at}, geometry`);
    const geometry = reproject(f.geometry!, place.toL93);
    const base = (suffix = ''): ZoneRow => {
      const id = `${fid}${suffix}`;
      const feature_id = ids.has(id) ? `${id}#${f.index}` : id;
      ids.add(feature_id);
      return { feature_id, hazard: 'flood', scenario: null, level_code: null, value: null, attrs: zoneAttrs(props), bbox: bboxOf(geometry), geometry };
    };

    if (!isAlea) {
      const role = input.role === 'context-alea' ? contextAleaFamily(props, nameCode) : ROLE_NAME[input.role as keyof typeof ROLE_NAME];
      const row = base();
      row.hazard = role;
      const lv = readLevel(props);
      row.level_code = lv.code;
      add(role, 'context', row);
      kept++;
      continue;
    }

    const t = pick(props, TYPE_ALIASES);
    const rawCode = t?.[1] ?? nameCode;
    const cls = classifyAlea(rawCode);
    if (!cls) {
      rc.issues.push(issue(rc.file, null, 'unsupported_typealea',
        rawCode === undefined || rawCode === null || String(rawCode).trim() === ''
          ? `no typealea / coderisque value and no code in the table name; zone skipped (expected a GASPAR code such as 112 flood, 124 landslide)`
          : `${show(String(rawCode))} is not a GASPAR hazard code (expected e.g. 112 or 1120000 flood, 123 rock fall, 13 earthquake, 312 mining); zone skipped`,
        { recordId: fid, field: t?.[0] ?? 'typealea', value: String(rawCode ?? ''), kept: false, at: featureAt }));
      continue;
    }
    kept++;
    if (cls.kind === 'multi') {
      const parts = input.multi?.get(idKey(pick(props, ['idzonealea', 'id_zone'])?.[1] ?? fid));
      if (!parts || parts.length === 0) {
        flag('multi_hazard_unresolved');
        rc.issues.push(issue(rc.file, null, 'multi_hazard_unresolved',
          `multi-hazard zone (${show(String(rawCode))}) with no rows in ${input.multiTable ?? 'a multi-hazard table (N_MULTIALEA / zonemultialeanaturel)'}; kept as context, not scored`,
          { recordId: fid, field: t?.[0], value: String(rawCode), kept: true, at: featureAt }));
        const row = base();
        row.hazard = 'multi';
        row.level_code = readLevel(props).code;
        add('multi', 'context', row);
        continue;
      }
      for (const part of parts) {
        const pt = pick(part, TYPE_ALIASES);
        const pc = classifyAlea(pt?.[1]);
        if (!pc || pc.kind === 'multi') {
          rc.issues.push(issue(rc.file, null, 'unsupported_typealea',
            `multi-hazard component ${show(String(pt?.[1] ?? ''))} in ${input.multiTable} is not a GASPAR hazard code; component skipped`,
            { recordId: fid, field: pt?.[0] ?? 'coderisque', value: String(pt?.[1] ?? ''), kept: true, at: featureAt }));
          continue;
        }
        const row = base(`:${pc.code}`);
        row.attrs = { ...row.attrs, ...componentAttrs(part, pc), multi_alea: true };
        placeZone(row, pc, readLevel(part), rc, featureAt, fid, flag, add);
      }
      continue;
    }
    const row = base();
    placeZone(row, cls, readLevel(props), rc, featureAt, fid, flag, add);
  }

  const layers: OutLayer[] = [];
  const several = groups.size > 1;
  for (const [key, g] of groups) {
    layers.push({
      layer: several ? `${stem}_${key}` : stem,
      hazard: key,
      kind: g.kind,
      schema: rc.schema,
      format: vector.format,
      crs: vector.crs,
      source: input.gpkgLayer ? `${input.path}#${input.gpkgLayer}` : input.path,
      rows: g.rows,
    });
  }
  const what = layers.map((l) => `${l.layer} (${l.rows.length} ${l.kind === 'zones' ? `${l.hazard} zones` : `context: ${FAMILY_LABELS[l.hazard] ?? ROLE_FR[l.hazard] ?? l.hazard}`})`).join(', ');
  const flagText = [...flags].map(([r, n]) => `${r} ${n}`).join(', ');
  const note = `${input.table}: ${read} feature${read === 1 ? '' : 's'} read, ${kept} kept → ${what || 'nothing stored'}${flagText ? `; flagged: ${flagText}` : ''}`;
  return { read, kept, layers, note };
}

/** Puts a classified zone in its hazard's group (or its family's context group), with its level. */
function placeZone(
  row: ZoneRow,
  cls: Exclude<AleaClass, { kind: 'multi' }>,
  lv: ReturnType<typeof readLevel>,
  rc: ReadContext,
  at: string,
  fid: string,
  flag: (reason: string) => void,
  add: (key: string, kind: 'zones' | 'context', row: ZoneRow) => void,
): void {
  row.level_code = lv.code;
  row.attrs = { ...row.attrs, typealea: cls.code, typealea_label: cls.label, ...(lv.code !== null ? { niveau_label: NIVEAUALEA_LABELS[lv.code] } : {}) };
  if (cls.code.startsWith('117')) row.attrs.submersion = true;
  if (lv.bad) {
    flag('bad_level');
    rc.issues.push(issue(rc.file, null, 'bad_level',
      `${show(lv.bad.value)} is not a hazard level (expected niveaualea / nivalea_st 00–07 or nivalea Fai/M/F)${lv.code === null ? '; zone kept with no level (« donnée absente » inside it)' : `; level read from ${lv.field} instead`}`,
      { recordId: fid, field: lv.bad.field, value: lv.bad.value, kept: true, at }));
  } else if (lv.code === null && cls.kind === 'hazard') {
    flag('no_level');
    rc.issues.push(issue(rc.file, null, 'no_level', `no niveaualea / nivalea_st / nivalea value; zone kept with no level (« donnée absente » inside it)`,
      { recordId: fid, kept: true, at }));
  }
  if (lv.conflict) {
    flag('level_disagreement');
    rc.issues.push(issue(rc.file, null, 'level_disagreement',
      `${lv.conflict.field} ${show(lv.conflict.value)} (code ${lv.conflict.code}) disagrees with ${lv.field} ${lv.code}; ${lv.field} kept`,
      { recordId: fid, field: lv.conflict.field, value: lv.conflict.value, kept: true, at }));
  }
  if (cls.kind === 'hazard') {
    row.hazard = cls.hazard;
    add(cls.hazard, 'zones', row);
  } else {
    row.hazard = cls.family;
    const codes = rc.familyCodes.get(cls.family) ?? new Map<string, { label: string; n: number }>();
    const c = codes.get(cls.code) ?? { label: cls.label, n: 0 };
    c.n++;
    codes.set(cls.code, c);
    rc.familyCodes.set(cls.family, codes);
    add(cls.family, 'context', row);
  }
}

/** Family of a technological / future / exceptional hazard table (context), from its typealea. */
function contextAleaFamily(props: Record<string, unknown>, nameCode: string | undefined): string {
  const cls = classifyAlea(pick(props, TYPE_ALIASES)?.[1] ?? nameCode);
  if (cls?.kind === 'context') return cls.family;
  if (cls?.kind === 'hazard') return `${cls.hazard}_context`;
  return 'ppr_other';
}

function componentAttrs(part: Record<string, unknown>, cls: AleaClass): Record<string, unknown> {
  const out: Record<string, unknown> = { component_code: cls.code };
  for (const k of ['nomrisque', 'nivalea', 'nivalea_st', 'niveaualea', 'occurrence']) {
    const v = pick(part, [k])?.[1];
    if (v !== null && v !== undefined && v !== '') out[`component_${k}`] = v;
  }
  return out;
}
