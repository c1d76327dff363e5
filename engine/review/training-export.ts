/**
 * From verdicts back to training: every reviewed detection (its latest verdict, checked against
 * the audit trail) becomes a labelled training example — the terrain around it, read from the
 * detection's source tile and its neighbours, at the network's working resolution (1 m: 2×2
 * means of the 0.5 m tiles, nodata filled per tile exactly as at inference), in the mosaic format
 * pipelines/train/train.py reads (z.f32 rows north→south, valid.u8, meta.json).
 *
 *   oui        → positive of the corrected class (or the detected one)
 *   non        → hard negative (nothing archaeological there, of any class)
 *   peut_etre  → kept, marked uncertain: train.py gives no loss around it (neither label is known)
 *
 * A window also lists the other reviewed detections that fall inside it, so an unreviewed area
 * is never taught as background: train.py computes the loss only near reviewed detections.
 * manifest.json holds the provenance of each example (detection id, model hash, reviewer and
 * roles, date, version, verdict history from the audit trail). Detections are never public:
 * this is an offline operation on the database file (`vigie export training`), no HTTP route.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DECISIONS, DETECTION_CLASSES } from '../contract/enums.ts';
import { InputError, NotFoundError, show } from '../errors.ts';
import { LAMBERT93, transformer } from '../geo/crs.ts';
import { openDem } from '../geo/dem.ts';
import { downsample2, fillNodata } from '../detect/model.ts';
import type { Store } from '../store/store.ts';

/** Side of an example's window in metres (train.py crops 160 m patches out of it). */
export const TRAINING_WINDOW_M = 192;
/** Working resolution of the network, metres. */
export const TRAINING_PIXEL_M = 1;
/** Radius around a reviewed detection whose label is known: max(this, ¾ diameter + 4 m). */
export const KNOWN_RADIUS_M = 12;
export const TRAINING_EXPORT_VERSION = 1;

export type VerdictLabel = 'positive' | 'negative' | 'uncertain';

export interface TrainingExportOptions {
  /** output folder: created, or empty */
  out: string;
  /** window side in metres (multiple of 8, 64–1024), default TRAINING_WINDOW_M */
  windowM?: number;
  /** only detections of this model hash */
  modelHash?: string;
  /** name of the database, for messages */
  dbName?: string;
}

export interface ExampleProvenance {
  example: string;
  detection_id: string;
  model_hash: string;
  tile: string;
  source_file: string;
  crs: string;
  x: number;
  y: number;
  detected_class: string;
  score: number;
  confidence: number | null;
  level: string;
  diameter_m: number | null;
  decision: (typeof DECISIONS)[number];
  corrected_class: string | null;
  label: VerdictLabel;
  /** class taught: the corrected class, else the detected one; null for a negative */
  label_class: string | null;
  reviewed_by: string;
  reviewer_roles: string[] | null;
  reviewed_at: string;
  version: number;
  /** decisions of the audit trail, oldest first (the last one is this example's) */
  history: string[];
  note: string | null;
}

export interface TrainingExportResult {
  out: string;
  examples: number;
  labels: Record<VerdictLabel, number>;
  classes: Record<string, number>;
  /** verdicts not exported, with the reason */
  skipped: { detection_id: string; reason: string }[];
}

interface Row {
  detection_id: string;
  decision: string;
  corrected_class: string | null;
  note: string | null;
  version: number;
  reviewed_by: string;
  reviewed_at: Date;
  tile: string;
  class: string;
  score: number;
  confidence: number | null;
  level: string;
  diameter_m: number | null;
  x: number;
  y: number;
  model_hash: string;
  source_file: string | null;
  crs: string | null;
  roles: string[] | null;
}

interface TileRow { tile: string; source_file: string; crs: string | null; minx: number; miny: number; maxx: number; maxy: number }

/** A tile at the working resolution: elevations (nodata filled) and the data mask. */
interface Tile1m { file: string; crs: string; left: number; top: number; width: number; height: number; z: Float32Array; valid: Uint8Array }

export function labelOf(decision: string): VerdictLabel {
  return decision === 'oui' ? 'positive' : decision === 'non' ? 'negative' : 'uncertain';
}

/** Writes one example per reviewed detection under `out` (see the header); returns the counts. */
export async function exportTrainingExamples(store: Store, opts: TrainingExportOptions): Promise<TrainingExportResult> {
  const db = opts.dbName ?? 'database';
  const size = opts.windowM ?? TRAINING_WINDOW_M;
  if (!(Number.isInteger(size) && size % 8 === 0 && size >= 64 && size <= 1024)) {
    throw new InputError(`--window: ${show(opts.windowM)} is not a window side in metres; expected a multiple of 8 in 64..1024`);
  }
  if (existsSync(opts.out) && (await readdir(opts.out)).length > 0) {
    throw new InputError(`--out ${opts.out}: folder is not empty; expected a new or empty folder (an export is never merged into another)`);
  }
  const rows = await store.all<Row>(
    `SELECT r.detection_id, r.decision, r.corrected_class, r.note, r.version, r.reviewed_by, r.reviewed_at,
            d.tile, d.class, d.score, d.confidence, d.level, d.diameter_m, d.x, d.y, d.model_hash,
            t.source_file, t.crs, u.roles
       FROM detection_review r
       JOIN detections d USING (detection_id)
       LEFT JOIN detection_tiles t ON t.tile = d.tile AND t.model_hash = d.model_hash
       LEFT JOIN users u ON u.username = r.reviewed_by
      ${opts.modelHash ? 'WHERE d.model_hash = $1' : ''}
      ORDER BY d.model_hash, d.tile, r.detection_id`,
    opts.modelHash ? [opts.modelHash] : undefined,
  );
  const skipped: TrainingExportResult['skipped'] = [];
  // verdicts whose detection is gone (its tile was processed again): no position left to read
  const orphans = await store.all<{ detection_id: string }>(
    'SELECT detection_id FROM detection_review WHERE detection_id NOT IN (SELECT detection_id FROM detections) ORDER BY detection_id');
  if (!opts.modelHash) for (const o of orphans) skipped.push({ detection_id: o.detection_id, reason: 'detection no longer stored (its tile was processed again)' });

  // the audit trail: every review of each detection, oldest first
  const audit = new Map<string, { version: number; decision: string; username: string }[]>();
  for (const a of await store.all<{ entity_id: string; after: string | null; username: string }>(
    `SELECT entity_id, after::VARCHAR AS after, username FROM audit WHERE entity = 'detection' AND action = 'review' ORDER BY id`)) {
    const after = a.after ? (JSON.parse(a.after) as { version?: number; decision?: string }) : {};
    const list = audit.get(a.entity_id) ?? [];
    list.push({ version: Number(after.version), decision: String(after.decision), username: a.username });
    audit.set(a.entity_id, list);
  }

  const items: { row: Row; label: VerdictLabel; labelClass: string | null; history: string[] }[] = [];
  for (const r of rows) {
    const at = `${db}, detection_review of ${r.detection_id}`;
    if (!(DECISIONS as readonly string[]).includes(r.decision)) throw new InputError(`${at}, decision: ${show(r.decision)}; expected one of ${DECISIONS.join(', ')}`);
    if (r.corrected_class !== null && !(DETECTION_CLASSES as readonly string[]).includes(r.corrected_class)) {
      throw new InputError(`${at}, corrected_class: ${show(r.corrected_class)}; expected one of ${DETECTION_CLASSES.join(', ')} or empty`);
    }
    if (!(DETECTION_CLASSES as readonly string[]).includes(r.class)) throw new InputError(`${db}, detections ${r.detection_id}, class: ${show(r.class)}; expected one of ${DETECTION_CLASSES.join(', ')}`);
    if (!Number.isFinite(r.x) || !Number.isFinite(r.y)) throw new InputError(`${db}, detections ${r.detection_id}, x/y: ${r.x}, ${r.y}; expected Lambert-93 metres`);
    const trail = audit.get(r.detection_id) ?? [];
    const last = trail.at(-1);
    if (!last || last.version !== Number(r.version) || last.decision !== r.decision || last.username !== r.reviewed_by) {
      skipped.push({ detection_id: r.detection_id, reason: `verdict not matched by the audit trail (stored version ${r.version} « ${r.decision} » by ${r.reviewed_by}; last audited ${last ? `version ${last.version} « ${last.decision} » by ${last.username}` : 'nothing'})` });
      continue;
    }
    if (!r.source_file) {
      skipped.push({ detection_id: r.detection_id, reason: `no source tile recorded for tile ${r.tile} (model ${r.model_hash})` });
      continue;
    }
    const label = labelOf(r.decision);
    items.push({ row: r, label, labelClass: label === 'negative' ? null : (r.corrected_class ?? r.class), history: trail.map((t) => t.decision) });
  }

  await mkdir(join(opts.out, 'examples'), { recursive: true });
  const tileRows = await store.all<TileRow>('SELECT tile, source_file, crs, minx, miny, maxx, maxy, model_hash FROM detection_tiles');
  const tilesOfModel = new Map<string, TileRow[]>();
  for (const t of tileRows as (TileRow & { model_hash: string })[]) {
    const l = tilesOfModel.get(t.model_hash) ?? [];
    l.push(t);
    tilesOfModel.set(t.model_hash, l);
  }
  const cache = new TileCache(8);
  const manifest: ExampleProvenance[] = [];
  const labels: Record<VerdictLabel, number> = { positive: 0, negative: 0, uncertain: 0 };
  const classes: Record<string, number> = {};
  for (const [i, it] of items.entries()) {
    const r = it.row;
    const name = String(i + 1).padStart(5, '0');
    const own = await cache.get(r.source_file!, r.crs, r.detection_id);
    const toTile = transformer(LAMBERT93, own.crs);
    const [cx, cy] = toTile(r.x, r.y);
    // window on the 1 m grid of the detection's own tile
    const left = own.left + Math.round(cx - size / 2 - own.left);
    const top = own.top - Math.round(own.top - (cy + size / 2));
    const z = new Float32Array(size * size).fill(Number.NaN);
    const valid = new Uint8Array(size * size);
    // neighbours: tiles of the same model whose Lambert-93 bounds meet the window (with slack for reprojection)
    const halo = size / 2 + 8;
    const near = (tilesOfModel.get(r.model_hash) ?? []).filter((t) => t.minx < r.x + halo && t.maxx > r.x - halo && t.miny < r.y + halo && t.maxy > r.y - halo);
    const files = [r.source_file!, ...near.map((t) => t.source_file).filter((f) => f !== r.source_file)];
    for (const f of files) {
      const crsOf = near.find((t) => t.source_file === f)?.crs ?? r.crs;
      let t: Tile1m;
      try {
        t = await cache.get(f, crsOf, r.detection_id);
      } catch (err) {
        if (f === r.source_file) throw err;
        continue; // a neighbour that is gone leaves its pixels without data
      }
      if (t.crs !== own.crs) continue;
      const dc = t.left - left, dr = top - t.top; // tile origin in window pixels
      if (Math.abs(dc - Math.round(dc)) > 1e-6 || Math.abs(dr - Math.round(dr)) > 1e-6) continue; // not on the same 1 m grid
      const c0 = Math.max(0, Math.round(dc)), c1 = Math.min(size, Math.round(dc) + t.width);
      const r0 = Math.max(0, Math.round(dr)), r1 = Math.min(size, Math.round(dr) + t.height);
      for (let row = r0; row < r1; row++) {
        for (let col = c0; col < c1; col++) {
          const k = (row - Math.round(dr)) * t.width + (col - Math.round(dc));
          if (!Number.isNaN(z[row * size + col])) continue; // the first tile (the detection's own) wins
          z[row * size + col] = t.z[k];
          valid[row * size + col] = t.valid[k];
        }
      }
    }
    fillNodata(z, size, size, null); // beyond every tile: edge-extended, marked without data
    // every reviewed detection inside the window, with its label
    // (only those near in Lambert-93 are projected: the window's half-diagonal plus slack)
    const reach = (size / 2) * Math.SQRT2 + 8;
    const reviewed = items.filter((o) => Math.abs(o.row.x - r.x) <= reach && Math.abs(o.row.y - r.y) <= reach).map((o) => {
      const [ox, oy] = o === it ? [cx, cy] : toTile(o.row.x, o.row.y);
      return { o, col: ox - left, row: top - oy };
    }).filter(({ col, row }) => col >= 0 && col < size && row >= 0 && row < size);
    const features = reviewed.filter(({ o }) => o.label === 'positive').map(({ o, col, row }) => ({
      class: o.labelClass, diameter_m: o.row.diameter_m ?? 10, variant: 'verdict', x: o.row.x, y: o.row.y, col: +col.toFixed(2), row: +row.toFixed(2),
    }));
    const meta = {
      split: 'verdict', name: `verdict-${name}`, format: TRAINING_EXPORT_VERSION, crs: own.crs, width: size, height: size, pixel: TRAINING_PIXEL_M, left, top,
      centre: { detection_id: r.detection_id, col: +(cx - left).toFixed(2), row: +(top - cy).toFixed(2), label: it.label, class: it.labelClass },
      features,
      reviewed: reviewed.map(({ o, col, row }) => ({
        detection_id: o.row.detection_id, label: o.label, class: o.labelClass, col: +col.toFixed(2), row: +row.toFixed(2),
        r: +Math.max(KNOWN_RADIUS_M, 0.75 * (o.row.diameter_m ?? 10) + 4).toFixed(2),
      })),
    };
    const dir = join(opts.out, 'examples', name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'z.f32'), Buffer.from(z.buffer));
    await writeFile(join(dir, 'valid.u8'), valid);
    await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
    labels[it.label]++;
    if (it.labelClass && it.label === 'positive') classes[it.labelClass] = (classes[it.labelClass] ?? 0) + 1;
    manifest.push({
      example: `examples/${name}`, detection_id: r.detection_id, model_hash: r.model_hash, tile: r.tile, source_file: r.source_file!, crs: own.crs,
      x: r.x, y: r.y, detected_class: r.class, score: r.score, confidence: r.confidence, level: r.level, diameter_m: r.diameter_m,
      decision: r.decision as ExampleProvenance['decision'], corrected_class: r.corrected_class, label: it.label, label_class: it.labelClass,
      reviewed_by: r.reviewed_by, reviewer_roles: r.roles ? [...r.roles] : null, reviewed_at: new Date(r.reviewed_at).toISOString(),
      version: Number(r.version), history: it.history, note: r.note,
    });
  }
  const result: TrainingExportResult = { out: opts.out, examples: manifest.length, labels, classes, skipped };
  await writeFile(join(opts.out, 'manifest.json'), JSON.stringify({
    format: TRAINING_EXPORT_VERSION,
    exported_at: new Date().toISOString(),
    window_m: size,
    pixel_m: TRAINING_PIXEL_M,
    labels: { oui: 'positive of label_class', non: 'hard negative (no class)', peut_etre: 'uncertain: no loss around it in train.py' },
    counts: { examples: manifest.length, ...labels, classes },
    examples: manifest,
    skipped,
  }, null, 1));
  return result;
}

/** Source tiles decoded at the working resolution, a few kept (examples are sorted by tile). */
class TileCache {
  private readonly map = new Map<string, Promise<Tile1m>>();
  constructor(private readonly max: number) {}

  get(file: string, crs: string | null, detectionId: string): Promise<Tile1m> {
    const key = `${file}|${crs ?? ''}`;
    let p = this.map.get(key);
    if (p) {
      this.map.delete(key);
    } else {
      p = readTile1m(file, crs, detectionId);
      p.catch(() => this.map.delete(key));
    }
    this.map.set(key, p);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return p;
  }
}

async function readTile1m(file: string, crs: string | null, detectionId: string): Promise<Tile1m> {
  if (!existsSync(file)) throw new NotFoundError(`${file}: source tile of detection ${detectionId} not found; expected the file the detection was made on (detection_tiles.source_file)`);
  const dem = await openDem(file, crs ? { crs } : {});
  const g = dem.grid;
  const data = await dem.read();
  const mask = fillNodata(data, g.width, g.height, dem.nodata); // per tile, as inference does
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  if (near(g.resX, 0.5) && near(g.resY, 0.5)) {
    const d = downsample2(data, g.width, g.height);
    const valid = new Uint8Array(d.width * d.height);
    for (let row = 0; row < d.height; row++) {
      for (let col = 0; col < d.width; col++) {
        const i = 2 * row * g.width + 2 * col;
        valid[row * d.width + col] = mask[i] & mask[i + 1] & mask[i + g.width] & mask[i + g.width + 1];
      }
    }
    return { file, crs: g.crs, left: g.originX, top: g.originY, width: d.width, height: d.height, z: d.data, valid };
  }
  if (near(g.resX, 1) && near(g.resY, 1)) return { file, crs: g.crs, left: g.originX, top: g.originY, width: g.width, height: g.height, z: data, valid: mask };
  throw new InputError(`${file}: pixel ${g.resX} × ${g.resY} m; the training export reads tiles at 0.5 m (LiDAR HD) or 1 m`);
}

/** `vigie export training …` (engine/cli/commands/export.ts hands over here). */
export async function trainingExportCli(values: Record<string, string | boolean | undefined>, rest: string[]): Promise<number> {
  if (rest.length) throw new InputError(`export training: unexpected argument ${show(rest[0])}; expected only options (see \`vigie export --help\`)`);
  for (const k of ['layer', 'format', 'scope', 'scenario'] as const) {
    if (values[k] !== undefined) throw new InputError(`export training: --${k} does not apply; expected --out DIR [--model HASH] [--window M] [--json] [--db FILE]`);
  }
  const out = values.out;
  if (typeof out !== 'string' || out === '') throw new InputError('export training: --out is required; expected a new or empty folder');
  let windowM: number | undefined;
  if (values.window !== undefined) {
    windowM = Number(values.window);
    if (!Number.isInteger(windowM)) throw new InputError(`--window: ${show(values.window)} is not a whole number of metres; expected a multiple of 8 in 64..1024`);
  }
  const { defaultDbPath, Store } = await import('../store/store.ts');
  const dbPath = (values.db as string | undefined) ?? defaultDbPath();
  if (!existsSync(dbPath)) throw new NotFoundError(`--db ${dbPath}: database not found; expected a Vigie database (vigie run builds one)`);
  const store = await Store.open(dbPath, { readOnly: true });
  try {
    const t0 = performance.now();
    const r = await exportTrainingExamples(store, { out, windowM, modelHash: values.model as string | undefined, dbName: dbPath });
    if (values.json) console.log(JSON.stringify(r));
    else {
      console.log(`training examples → ${r.out}: ${r.examples} (${r.labels.positive} oui ${JSON.stringify(r.classes)}, ${r.labels.negative} non, ${r.labels.uncertain} peut-être) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      for (const s of r.skipped) console.log(`  skipped ${s.detection_id}: ${s.reason}`);
    }
    return 0;
  } finally {
    store.close();
  }
}
