/**
 * Tile jobs: what one job of the distributed detection needs, whatever engine runs it (BullMQ
 * on Redis, or a Kubernetes Indexed Job over a manifest file). A job is one tile plus the
 * neighbours that give it its margins; its id is the tile's run key (content hash + model hash +
 * settings hash), so a resubmission finds what is done.
 *
 * A manifest is JSON lines, one JobSpec a line. `planJobs` builds them from tile files, folders,
 * plain lists of paths or http(s) URLs (one a line), hashing each tile's bytes and reading its
 * header (URLs are fetched by range requests into a cache folder first).
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.ts';
import { listTileFiles, planRuns, tileNameOf } from '../detect/detections.ts';
import type { Detector } from '../detect/infer.ts';
import { fetchToFile, isUrl, urlBaseName } from './source.ts';

/** A neighbour of a job's tile: where to read it and its content hash (first 32 hex). */
export interface NeighbourRef {
  src: string;
  h: string;
}

export interface JobSpec {
  /** run key: `<sha256 first 32 hex>_<model hash>_<settings hash>` */
  id: string;
  tile: string;
  /** local path or http(s) URL */
  src: string;
  /** sha256 (hex) of the tile file's bytes */
  sha256: string;
  model: string;
  settings: string;
  /** --crs value (`CODE` or `CODE=proj4`) the tile is read in */
  crs?: string;
  /** extent in the tile's own CRS: minx, miny, maxx, maxy */
  b?: [number, number, number, number];
  /** the tile's CRS as read */
  c?: string;
  nb: NeighbourRef[];
}

export interface PlanOptions {
  crs?: string;
  /** where fetched URLs are kept while planning (default: a temp folder) */
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Expands inputs into tile sources: folders into their tiles, `.txt`/`.lst` files into their
 * lines (paths or URLs, `#` comments), URLs as they are.
 */
export async function expandSources(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    if (isUrl(p)) out.push(p);
    else if (/\.(txt|lst)$/i.test(p)) {
      const text = await readFile(p, 'utf8').catch((err: Error) => {
        throw new InputError(`${p}: cannot read the list of tiles (${err.message})`);
      });
      for (const [i, line] of text.split(/\r?\n/).entries()) {
        const s = line.trim();
        if (!s || s.startsWith('#')) continue;
        if (!isUrl(s) && !/\.(tiff?|asc)$/i.test(s)) throw new InputError(`${p} line ${i + 1}: ${JSON.stringify(s)} is not a .tif/.asc path or an http(s) URL`);
        if (!isUrl(s) && !(await stat(resolve(s)).catch(() => null))) throw new InputError(`${p} line ${i + 1}: ${s}: no such file`);
        out.push(isUrl(s) ? s : resolve(s));
      }
    } else {
      if (!(await stat(p).catch(() => null))) throw new InputError(`${p}: no such file or folder`);
      out.push(...(await listTileFiles([p])).map((f) => resolve(f)));
    }
  }
  return out;
}

/** Builds one JobSpec per tile source (hashes, headers, neighbours within the margin). */
export async function planJobs(det: Pick<Detector, 'hash' | 'calibration'>, sources: string[], opts: PlanOptions = {}): Promise<JobSpec[]> {
  const local = new Map<string, string>(); // local file -> source
  const cache = opts.cacheDir ?? (await mkdtemp(join(tmpdir(), 'vigie-plan-')));
  let done = 0;
  try {
    for (const src of sources) {
      if (isUrl(src)) {
        await mkdir(cache, { recursive: true });
        const file = join(cache, `${local.size}-${urlBaseName(src)}`);
        await fetchToFile(src, file);
        // an ASCII grid's CRS is in the .prj beside it, when the server has one
        if (/\.asc$/i.test(file)) await fetchToFile(src.replace(/\.asc(\?.*)?$/i, '.prj$1'), file.replace(/\.asc$/i, '.prj')).catch(() => undefined);
        local.set(file, src);
      } else local.set(src, src);
      opts.onProgress?.(++done, sources.length * 2);
    }
    return await planLocal(det, local, opts, sources.length, done);
  } finally {
    if (!opts.cacheDir) await rm(cache, { recursive: true, force: true });
  }
}

async function planLocal(det: Pick<Detector, 'hash' | 'calibration'>, local: Map<string, string>, opts: PlanOptions, total: number, done: number): Promise<JobSpec[]> {
  const files = [...local.keys()];
  const names = new Map<string, string>();
  for (const [f, src] of local) {
    const n = tileNameOf(isUrl(src) ? urlBaseName(src) : f);
    if (names.has(n)) throw new InputError(`two tiles named ${n}: ${names.get(n)} and ${src}; give one survey of a tile per run`);
    names.set(n, src);
  }
  const runs = await planRuns(det, files, opts.crs);
  const byFile = new Map(runs.map((r) => [r.file, r]));
  const specs: JobSpec[] = [];
  for (const r of runs) {
    const src = local.get(r.file)!;
    const nb: NeighbourRef[] = r.neighbours.map((f) => ({ src: local.get(f)!, h: byFile.get(f)!.contentHash.slice(0, 32) }));
    specs.push({
      id: r.runKey,
      tile: tileNameOf(isUrl(src) ? urlBaseName(src) : r.file),
      src,
      sha256: r.contentHash,
      model: det.hash,
      settings: r.settingsHash,
      ...(r.crs ? { crs: r.crs } : {}),
      ...(r.bounds ? { b: [r.bounds.minx, r.bounds.miny, r.bounds.maxx, r.bounds.maxy] as [number, number, number, number], c: r.bounds.crs } : {}),
      nb,
    });
    opts.onProgress?.(++done, total * 2);
  }
  return specs;
}

export async function writeManifest(path: string, specs: JobSpec[]): Promise<void> {
  await writeFile(path, specs.map((s) => JSON.stringify(s)).join('\n') + (specs.length ? '\n' : ''));
}

/** True when `path` looks like a manifest (JSON lines of job specs). */
export function isManifest(path: string): boolean {
  return /\.jsonl$/i.test(path);
}

/** Reads a manifest; lines `from` (inclusive) to `to` (exclusive) when given. */
export async function readManifest(path: string, range?: { from: number; to: number }): Promise<JobSpec[]> {
  try {
    await stat(path);
  } catch {
    throw new InputError(`${path}: manifest not found`);
  }
  const out: JobSpec[] = [];
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let i = -1;
  for await (const line of rl) {
    if (!line.trim()) continue;
    i++;
    if (range && (i < range.from || i >= range.to)) continue;
    let s: JobSpec;
    try {
      s = JSON.parse(line) as JobSpec;
    } catch (err) {
      throw new InputError(`${path} line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof s.id !== 'string' || typeof s.src !== 'string' || typeof s.sha256 !== 'string' || !Array.isArray(s.nb)) {
      throw new InputError(`${path} line ${i + 1}: expected a job spec {id, tile, src, sha256, model, settings, nb, …}`);
    }
    out.push(s);
  }
  return out;
}

/** Number of non-empty lines of a manifest. */
export async function countManifest(path: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) n++;
  return n;
}

/**
 * The shard `index` of `count` over `total` lines: contiguous ranges (neighbouring tiles stay in
 * one shard), sizes differing by at most one.
 */
export function shardRange(total: number, count: number, index: number): { from: number; to: number } {
  if (!(Number.isInteger(count) && count >= 1)) throw new InputError(`--shards ${count}: expected a whole number ≥ 1`);
  if (!(Number.isInteger(index) && index >= 0 && index < count)) {
    throw new InputError(`shard index ${index} (JOB_COMPLETION_INDEX or --index): expected a whole number from 0 to ${count - 1}`);
  }
  const base = Math.floor(total / count);
  const extra = total % count;
  const from = index * base + Math.min(index, extra);
  return { from, to: from + base + (index < extra ? 1 : 0) };
}

/** Tile name of a source (path or URL): its file name without the extension. */
export function sourceTileName(src: string): string {
  return tileNameOf(isUrl(src) ? urlBaseName(src) : src);
}

/** Output file of a job in `outDir`. */
export function outputPath(outDir: string, id: string): string {
  return join(outDir, `${id}.parquet`);
}

