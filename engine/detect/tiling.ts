/**
 * Plans detection jobs over a mosaic of terrain tiles: each tile's core (its own extent at the
 * working resolution) plus a margin read from its neighbours, so relief filters and the model
 * see across seams; detections are then kept only when `inCore`, so none is lost or doubled.
 *
 * Working arrays mark nodata (and "no neighbour there") with NaN, which the relief functions
 * treat as nodata. Tiles at another resolution (0.25–2 m) are resampled on read: area average
 * of the source pixels whose centres fall in a working pixel when downsampling (exact for
 * aligned integer ratios such as 0.25 → 0.5 m), bilinear between valid source centres when
 * upsampling.
 */
import Flatbush from 'flatbush';
import { CrsError, InputError } from '../errors.ts';
import { isGeographic } from '../geo/crs.ts';
import { grid as makeGrid, gridBounds, toPixel, windowForBBox, bbox, type Grid, type Window } from '../geo/grid.ts';

export interface MosaicTile {
  readonly file: string;
  readonly grid: Grid;
  readonly nodata: number | null;
  readWindow(win: Window): Promise<Float32Array>;
}

export interface TileJob {
  readonly tile: MosaicTile;
  /** the tile's own extent at the working resolution */
  readonly core: Grid;
  /** core grown by `margin` pixels on every side */
  readonly padded: Grid;
  readonly margin: number;
}

export interface Mosaic {
  readonly jobs: TileJob[];
  readonly workingRes: number;
  /** file → how it is brought to the working resolution, for each file whose pixel differs (« 1 m, resampled to 0.5 m (bilinear) ») */
  readonly resampled: ReadonlyMap<string, string>;
  readonly tiles: MosaicTile[];
  readonly index: Flatbush;
}

export const MIN_RES = 0.25;
export const MAX_RES = 2;

/**
 * `workingRes` and `marginMetres` are in the CRS's metres; `groundScale` (default 1) is how many
 * of them make a metre on the ground (engine/geo/crs.ts `groundScale`): the accepted pixel
 * sizes are ground sizes, and messages give both.
 */
export function planTiles(tiles: MosaicTile[], opts: { marginMetres: number; workingRes?: number; groundScale?: number }): Mosaic {
  if (tiles.length === 0) throw new InputError('planTiles: no terrain tiles given');
  const work = opts.workingRes ?? 0.5;
  const k = opts.groundScale ?? 1;
  if (!(opts.marginMetres >= 0)) throw new InputError(`planTiles, marginMetres: ${opts.marginMetres}; expected ≥ 0 metres`);
  const crs = tiles[0].grid.crs;
  const onGround = (v: number) => (k === 1 ? `${v} m` : `${+v.toFixed(4)} m of ${crs} = ${+(v / k).toFixed(2)} m on the ground`);
  const target = k === 1 ? `${work} m` : `${+(work / k).toFixed(2)} m on the ground`;
  const resampled = new Map<string, string>();
  for (const t of tiles) {
    const g = t.grid;
    if (isGeographic(g.crs)) {
      throw new CrsError(`${t.file}: CRS ${g.crs} is geographic (degrees); terrain tiles must be in a projected CRS in metres (reproject with gdalwarp -t_srs EPSG:NNNN: EPSG:2154 Lambert-93 in France, the local UTM zone or national grid elsewhere)`);
    }
    if (g.crs !== crs) throw new CrsError(`${t.file}: CRS ${g.crs} differs from ${crs} of ${tiles[0].file}; a mosaic must share one CRS`);
    if (Math.abs(g.resX - g.resY) > 1e-6 * g.resX) throw new InputError(`${t.file}: pixels are ${g.resX} × ${g.resY} m; expected square pixels`);
    if (!(g.resX / k >= MIN_RES - 1e-9 && g.resX / k <= MAX_RES + 1e-9)) {
      throw new InputError(`${t.file}: pixel size ${onGround(g.resX)}; expected ${MIN_RES}–${MAX_RES} m on the ground (LiDAR HD MNT is 0.5 m)`);
    }
    if (Math.abs(g.resX - work) > 1e-9) resampled.set(t.file, `${onGround(g.resX)}, resampled to ${target} (${g.resX < work ? 'area average' : 'bilinear'})`);
  }
  const margin = Math.ceil(opts.marginMetres / work - 1e-9);
  const index = new Flatbush(tiles.length);
  const jobs = tiles.map((t) => {
    const b = gridBounds(t.grid);
    index.add(b.minx, b.miny, b.maxx, b.maxy);
    // Cores are snapped to one global working grid (multiples of `work` from the CRS origin):
    // neighbours share an edge value, so they round it alike and the cores still partition the
    // mosaic even when a tile's extent is not a whole number of working pixels (e.g. 0.7 m data).
    const snap = (v: number) => Math.round(v / work) * work;
    const [x0, y0, x1, y1] = [snap(b.minx), snap(b.miny), snap(b.maxx), snap(b.maxy)];
    const w = Math.round((x1 - x0) / work);
    const h = Math.round((y1 - y0) / work);
    if (w < 1 || h < 1) throw new InputError(`${t.file}: extent ${b.maxx - b.minx} × ${b.maxy - b.miny} m is smaller than one ${work} m working pixel`);
    const core = makeGrid({ originX: x0, originY: y1, resX: work, resY: work, width: w, height: h, crs });
    const padded = makeGrid({ ...core, originX: core.originX - margin * work, originY: core.originY + margin * work, width: core.width + 2 * margin, height: core.height + 2 * margin });
    return { tile: t, core, padded, margin };
  });
  index.finish();
  return { jobs, workingRes: work, resampled, tiles, index };
}

/**
 * True when (x, y) falls in the job's core, with half-open pixel intervals (col in [0, width),
 * row in [0, height)) so a point on a shared edge belongs to exactly one tile.
 */
export function inCore(job: TileJob, x: number, y: number): boolean {
  const [c, r] = toPixel(job.core, x, y);
  const col = Math.floor(c);
  const row = Math.floor(r);
  return col >= 0 && col < job.core.width && row >= 0 && row < job.core.height;
}

/** The padded array of a job (padded.width × padded.height), NaN where no tile has data. */
export async function readWithMargin(mosaic: Mosaic, job: TileJob): Promise<Float32Array> {
  const P = job.padded;
  const out = new Float32Array(P.width * P.height).fill(NaN);
  const pb = gridBounds(P);
  const eps = 1e-6 * P.resX;
  for (const k of mosaic.index.search(pb.minx + eps, pb.miny + eps, pb.maxx - eps, pb.maxy - eps)) {
    const t = mosaic.tiles[k];
    const tb = gridBounds(t.grid);
    // working pixels of the padded grid covered by this tile
    const ow = windowForBBox(P, bbox(Math.max(pb.minx, tb.minx) + eps, Math.max(pb.miny, tb.miny) + eps, Math.min(pb.maxx, tb.maxx) - eps, Math.min(pb.maxy, tb.maxy) - eps));
    if (ow.width === 0 || ow.height === 0) continue;
    await paste(out, P, ow, t);
  }
  return out;
}

async function paste(out: Float32Array, P: Grid, ow: Window, t: MosaicTile): Promise<void> {
  const g = t.grid;
  const x0 = P.originX + ow.col * P.resX;
  const y0 = P.originY - ow.row * P.resY;
  // source window covering the output window, +1 pixel for bilinear support, clipped
  const sw = windowForBBox(g, bbox(x0 - g.resX, y0 - ow.height * P.resY - g.resY, x0 + ow.width * P.resX + g.resX, y0 + g.resY));
  const src = await t.readWindow(sw);
  const valid = (v: number) => v === v && v !== t.nodata;
  const sx0 = g.originX + sw.col * g.resX; // left edge of the source window
  const sy0 = g.originY - sw.row * g.resY;
  for (let r = 0; r < ow.height; r++) {
    for (let c = 0; c < ow.width; c++) {
      const px0 = x0 + c * P.resX; // working pixel edges
      const py0 = y0 - r * P.resY;
      let v = NaN;
      if (g.resX <= P.resX + 1e-9) {
        // same resolution or finer: average the source pixels whose centres fall in this pixel
        const c0 = Math.ceil((px0 - sx0) / g.resX - 0.5 - 1e-9);
        const c1 = Math.ceil((px0 + P.resX - sx0) / g.resX - 0.5 - 1e-9);
        const r0 = Math.ceil((sy0 - py0) / g.resY - 0.5 - 1e-9);
        const r1 = Math.ceil((sy0 - py0 + P.resY) / g.resY - 0.5 - 1e-9);
        let s = 0;
        let n = 0;
        for (let rr = Math.max(0, r0); rr < Math.min(sw.height, r1); rr++) {
          for (let cc = Math.max(0, c0); cc < Math.min(sw.width, c1); cc++) {
            const sv = src[rr * sw.width + cc];
            if (valid(sv)) { s += sv; n++; }
          }
        }
        if (n > 0) v = s / n;
      } else {
        // coarser source: bilinear between the four surrounding valid source centres
        const fx = (px0 + P.resX / 2 - sx0) / g.resX - 0.5;
        const fy = (sy0 - (py0 - P.resY / 2)) / g.resY - 0.5;
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        const tx = fx - ix;
        const ty = fy - iy;
        let s = 0;
        let wsum = 0;
        for (const [dx, dy, w] of [[0, 0, (1 - tx) * (1 - ty)], [1, 0, tx * (1 - ty)], [0, 1, (1 - tx) * ty], [1, 1, tx * ty]] as const) {
          const cc = Math.min(sw.width - 1, Math.max(0, ix + dx));
          const rr = Math.min(sw.height - 1, Math.max(0, iy + dy));
          const sv = src[rr * sw.width + cc];
          if (w > 0 && valid(sv)) { s += w * sv; wsum += w; }
        }
        if (wsum > 0) v = s / wsum;
      }
      out[(ow.row + r) * P.width + ow.col + c] = v;
    }
  }
}

