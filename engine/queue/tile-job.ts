/**
 * One tile job, as any engine runs it: read the tile (local path, or http(s) by range requests)
 * and check its bytes are those the job id names; cut from each neighbour the strip the margin
 * needs (a window read: only the blocks it covers are decoded, or fetched when remote) into a
 * small GeoTIFF; run the detector on the tile with those strips as margins; write the result as
 * one Parquet file named by the job id (temp file + rename, so a reader never sees half a file
 * and a tile done twice leaves one file).
 *
 * The strips hold the neighbours' own pixels over (at least) the tile's padded window, so the
 * detections are those of a run over the whole mosaic.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { fromFile, fromUrl } from 'geotiff';
import { InputError, VigieError } from '../errors.ts';
import { normaliseCrs, registerCrs } from '../geo/crs.ts';
import { openDem } from '../geo/dem.ts';
import { writeGeoTiff } from '../geo/geotiff-write.ts';
import { windowGrid } from '../geo/grid.ts';
import { gdalNoData } from '../geo/float-band.mjs';
import { frameOf, georeferenceOf } from '../geo/raster.ts';
import { runRows, runSettings, settingsHash, type RunDetectionRow, type RunTileRow } from '../detect/detections.ts';
import { detectFiles, loadDetector, MARGIN_M, type Detector } from '../detect/infer.ts';
import { fetchToFile, isUrl, urlBaseName } from './source.ts';
import { outputPath, sourceTileName, type JobSpec, type NeighbourRef } from './spec.ts';

/** A job that cannot succeed however often it is retried (its bytes changed, wrong model). */
export class PermanentJobError extends VigieError {
  override readonly exitCode = 2;
}

export interface TileJobResult {
  id: string;
  tile: string;
  detections: number;
  /** wall time of the job, ms */
  ms: number;
  /** bytes of tile and neighbour data read */
  bytesRead: number;
  output: string;
}

export interface RunnerOptions {
  modelPath?: string;
  /** inference worker threads of the detector (default 1) */
  workers?: number;
}

/** Holds one detector and one in-memory DuckDB for the Parquet writes; runs jobs one after another or concurrently. */
export class TileJobRunner {
  private constructor(
    readonly detector: Detector,
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async create(opts: RunnerOptions = {}): Promise<TileJobRunner> {
    const det = await loadDetector({ modelPath: opts.modelPath, workers: opts.workers ?? 1 });
    // one thread: a job's file is a few rows, and DuckDB's threads cost more than they bring
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new TileJobRunner(det, db, await db.connect());
  }

  async close(): Promise<void> {
    await this.detector.close();
    this.conn.closeSync();
    this.db.closeSync();
  }

  async run(spec: JobSpec, outDir: string): Promise<TileJobResult> {
    const t0 = performance.now();
    const det = this.detector;
    if (spec.model !== det.hash) {
      throw new InputError(`job ${spec.id}: made for model ${spec.model}, this worker runs model ${det.hash}; start the worker with that model (--model)`);
    }
    if (spec.crs?.includes('=')) {
      const [code, def] = spec.crs.split(/=(.*)/s);
      registerCrs(code, def);
    }
    const sh = settingsHash(runSettings(det, spec.crs));
    if (sh !== spec.settings) {
      throw new InputError(`job ${spec.id}: settings ${spec.settings} differ from this worker's ${sh} (calibration file or version); use the same Vigie and models as the submitter`);
    }
    const work = await mkdtemp(join(tmpdir(), 'vigie-job-'));
    let bytesRead = 0;
    try {
      // the tile itself, under its own name (the detector names tiles by file name)
      const ext = extname(isUrl(spec.src) ? urlBaseName(spec.src) : spec.src) || '.tif';
      let tilePath: string;
      if (isUrl(spec.src)) {
        tilePath = join(work, `${spec.tile}${ext}`);
        bytesRead += await fetchToFile(spec.src, tilePath);
        if (/^\.(asc|xyz)$/i.test(ext)) await fetchSidecar(spec.src, tilePath);
      } else {
        tilePath = spec.src;
        bytesRead += (await stat(spec.src).catch(() => ({ size: 0 }))).size;
      }
      const bytes = await readFile(tilePath).catch((err: Error) => {
        throw new InputError(`${spec.src}: cannot read the tile (${err.message})`);
      });
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== spec.sha256) {
        throw new PermanentJobError(`${spec.src}: the file changed since it was submitted (sha256 ${sha.slice(0, 12)}…, job expects ${spec.sha256.slice(0, 12)}…); submit it again`);
      }
      const code = spec.crs ? spec.crs.split('=')[0] : undefined;
      const crops: string[] = [];
      const margins = new Set<string>();
      if (spec.b && spec.c) {
        for (const [k, nb] of spec.nb.entries()) {
          const f = await cropNeighbour(nb, spec, work, k, code).catch(() => null); // a neighbour that cannot be read is nodata, as in a whole-mosaic run
          if (!f) continue;
          bytesRead += f.bytes;
          crops.push(f.path);
          margins.add(sourceTileName(nb.src));
        }
      }
      const { detections, reports } = await detectFiles(det, [tilePath, ...crops], { crs: code, skip: margins });
      const rep = reports.find((r) => r.file === tilePath);
      if (!rep) throw new InputError(`${spec.src}: the detector gave no report for this tile`);
      if (!rep.ok) throw new InputError(rep.error ?? `${spec.src}: failed`);
      const run = {
        file: spec.src, tile: spec.tile, crs: spec.crs, contentHash: spec.sha256, settingsHash: spec.settings, runKey: spec.id,
        context: spec.nb.map((n) => n.h).sort(), neighbours: [],
      };
      const rows = runRows(run, det.hash, { ...rep, tile: spec.tile }, detections.filter((d) => d.tile === rep.tile));
      const output = outputPath(outDir, spec.id);
      await this.writeParquet(output, rows.tile, rows.detections);
      return { id: spec.id, tile: spec.tile, detections: rows.detections.length, ms: performance.now() - t0, bytesRead, output };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private writeQueue: Promise<unknown> = Promise.resolve();

  /** Writes the job's rows to `path` through a temp file in `<dir>/.tmp/` and a rename. */
  async writeParquet(path: string, tile: RunTileRow, dets: RunDetectionRow[]): Promise<void> {
    // one DuckDB connection: writes are serialised
    const next = this.writeQueue.then(() => writeJobParquet(this.conn, path, tile, dets));
    this.writeQueue = next.catch(() => undefined);
    await next;
  }
}

/** Columns of a job's Parquet file: the tile row (n NULL) and one row per detection. */
export const JOB_PARQUET_COLUMNS: [string, 'VARCHAR' | 'DOUBLE' | 'INTEGER'][] = [
  ['run_key', 'VARCHAR'], ['tile', 'VARCHAR'], ['model_hash', 'VARCHAR'], ['content_hash', 'VARCHAR'], ['settings_hash', 'VARCHAR'],
  ['context', 'VARCHAR'], ['source_file', 'VARCHAR'], ['minx', 'DOUBLE'], ['miny', 'DOUBLE'], ['maxx', 'DOUBLE'], ['maxy', 'DOUBLE'],
  ['crs', 'VARCHAR'], ['detections', 'INTEGER'], ['processed_at', 'VARCHAR'],
  ['n', 'INTEGER'], ['class', 'VARCHAR'], ['score', 'DOUBLE'], ['confidence', 'DOUBLE'], ['level', 'VARCHAR'], ['diameter_m', 'DOUBLE'], ['x', 'DOUBLE'], ['y', 'DOUBLE'],
];

let fileSeq = 0;

/** SQL literal of a value; doubles in exponent form, which DuckDB reads as DOUBLE, round-trip exact. */
function lit(v: string | number | null, type: 'VARCHAR' | 'DOUBLE' | 'INTEGER'): string {
  if (v === null || v === undefined) return 'NULL';
  if (type === 'VARCHAR') return `'${String(v).replace(/'/g, "''")}'`;
  const n = Number(v);
  if (type === 'INTEGER') return String(Math.trunc(n));
  return Number.isFinite(n) ? n.toExponential() : `'${n}'::DOUBLE`;
}

/**
 * Writes a job's rows as one Parquet file: a single `COPY (SELECT … FROM (VALUES …)) TO` on an
 * in-memory DuckDB (one statement: ~2 ms), into `<dir>/.tmp/` then renamed to `path`.
 */
export async function writeJobParquet(conn: DuckDBConnection, path: string, tile: RunTileRow, dets: RunDetectionRow[]): Promise<void> {
  const dir = join(path, '..');
  const tmpDir = join(dir, '.tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${process.pid}-${++fileSeq}-${Date.now()}.parquet`);
  const t = tile as unknown as Record<string, string | number | null>;
  const tileVals = JOB_PARQUET_COLUMNS.slice(0, 14).map(([c, ty]) => lit(t[c], ty));
  const rows = [[...tileVals, ...JOB_PARQUET_COLUMNS.slice(14).map(() => 'NULL')]];
  for (const d of dets) {
    const r = d as unknown as Record<string, string | number | null>;
    rows.push([...tileVals, ...JOB_PARQUET_COLUMNS.slice(14).map(([c, ty]) => lit(r[c], ty))]);
  }
  const select = JOB_PARQUET_COLUMNS.map(([c, ty]) => `CAST(${c} AS ${ty}) AS ${c}`).join(', ');
  const names = JOB_PARQUET_COLUMNS.map(([c]) => c).join(', ');
  try {
    await conn.run(
      `COPY (SELECT ${select} FROM (VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) v(${names})) ` +
        `TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** An ESRI ASCII grid's .prj beside it, when the server has one. */
async function fetchSidecar(url: string, tilePath: string): Promise<void> {
  const prj = url.replace(/\.asc(\?.*)?$/i, '.prj$1');
  await fetchToFile(prj, tilePath.replace(/\.asc$/i, '.prj')).catch(() => undefined);
}

/**
 * Cuts from a neighbour the part within the tile's margin (plus two source pixels for
 * resampling), at least 80 pixels a side so the detector accepts it as a tile, into a GeoTIFF in
 * `work`. Returns null when the neighbour lies beyond the margin.
 */
async function cropNeighbour(nb: NeighbourRef, spec: JobSpec, work: string, k: number, crs: string | undefined): Promise<{ path: string; bytes: number } | null> {
  type Src = { originX: number; originY: number; resX: number; resY: number; width: number; height: number; nodata: number | null; read(c0: number, r0: number, c1: number, r1: number): Promise<{ data: Float32Array; bytes: number }> };
  let src: Src;
  const isTiff = /\.tiff?$/i.test(isUrl(nb.src) ? urlBaseName(nb.src) : nb.src);
  if (isTiff) {
    // window reads: only the strips or tiles the margin covers are read (HTTP range requests, or file reads)
    const tiff = isUrl(nb.src) ? await fromUrl(nb.src, { allowFullFile: false }) : await fromFile(nb.src);
    try {
      const img = await tiff.getImage(0);
      // a local plain TIFF may keep its georeferencing and nodata in sidecars (engine/geo/sidecars.ts);
      // the CRS is the job's, so the file's own is not asked for
      const { georeference, nodata } = isUrl(nb.src)
        ? { georeference: georeferenceOf(img, urlBaseName(nb.src)), nodata: gdalNoData(img, { float32: true }) }
        : await frameOf(img, nb.src, { crs: crs ?? spec.c!, float32: true });
      const { originX: ox, originY: oy, resX: rx, resY: ry } = georeference;
      const tiled = img.isTiled;
      const bw = img.getTileWidth();
      const bh = img.getTileHeight();
      const counts = (await img.fileDirectory.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number> | undefined;
      const across = Math.ceil(img.getWidth() / bw);
      src = {
        originX: ox, originY: oy, resX: rx, resY: ry, width: img.getWidth(), height: img.getHeight(), nodata,
        async read(c0, r0, c1, r1) {
          const r = await img.readRasters({ window: [c0, r0, c1, r1], samples: [0], interleave: true });
          let bytes = 0;
          if (counts) {
            for (let by = Math.floor(r0 / bh); by <= Math.floor((r1 - 1) / bh); by++) {
              for (let bx = Math.floor(c0 / bw); bx <= Math.floor((c1 - 1) / bw); bx++) bytes += Number(counts[by * across + bx] ?? 0);
            }
          }
          return { data: r instanceof Float32Array ? r : Float32Array.from(r as ArrayLike<number>), bytes };
        },
      };
      return await writeCrop(src, nb, spec, work);
    } finally {
      await tiff.close();
    }
  }
  let file = nb.src;
  if (isUrl(nb.src)) {
    file = join(work, `nb-${k}-${urlBaseName(nb.src)}`);
    await fetchToFile(nb.src, file);
    if (/\.asc$/i.test(file)) await fetchSidecar(nb.src, file);
  }
  // an ASCII grid is read whole
  const d = await openDem(file, { crs });
  const g = d.grid;
  const size = (await stat(file)).size;
  src = {
    originX: g.originX, originY: g.originY, resX: g.resX, resY: g.resY, width: g.width, height: g.height, nodata: d.nodata,
    read: async (c0, r0, c1, r1) => ({ data: await d.readWindow({ col: c0, row: r0, width: c1 - c0, height: r1 - r0 }), bytes: size }),
  };
  return writeCrop(src, nb, spec, work);
}

async function writeCrop(
  src: { originX: number; originY: number; resX: number; resY: number; width: number; height: number; nodata: number | null; read(c0: number, r0: number, c1: number, r1: number): Promise<{ data: Float32Array; bytes: number }> },
  nb: NeighbourRef,
  spec: JobSpec,
  work: string,
): Promise<{ path: string; bytes: number } | null> {
  const [tminx, tminy, tmaxx, tmaxy] = spec.b!;
  const pad = MARGIN_M + 2 * Math.max(src.resX, src.resY) + 0.5;
  const x0 = Math.max(tminx - pad, src.originX);
  const x1 = Math.min(tmaxx + pad, src.originX + src.width * src.resX);
  const y1 = Math.min(tmaxy + pad, src.originY);
  const y0 = Math.max(tminy - pad, src.originY - src.height * src.resY);
  if (!(x1 > x0 && y1 > y0)) return null;
  const minPx = Math.max(16, Math.ceil(40 / src.resX));
  const span = (lo: number, hi: number, n: number): [number, number] => {
    let a = Math.max(0, Math.floor(lo));
    let b = Math.min(n, Math.ceil(hi));
    while (b - a < minPx && (a > 0 || b < n)) {
      if (a > 0) a--;
      if (b - a < minPx && b < n) b++;
    }
    return [a, b];
  };
  const [c0, c1] = span((x0 - src.originX) / src.resX, (x1 - src.originX) / src.resX, src.width);
  const [r0, r1] = span((src.originY - y1) / src.resY, (src.originY - y0) / src.resY, src.height);
  const { data, bytes } = await src.read(c0, r0, c1, r1);
  const g = windowGrid(src, { col: c0, row: r0, width: c1 - c0, height: r1 - r0 }, normaliseCrs(spec.c!));
  const path = join(work, `${sourceTileName(nb.src)}.tif`);
  await writeFile(path, writeGeoTiff(data, g, { nodata: src.nodata ?? undefined, level: 1, scratch: true }));
  return { path, bytes };
}
