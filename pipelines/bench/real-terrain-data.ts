/**
 * Real airborne-LiDAR terrain for the detector: the DTMs of ../shared/realdata/lidar, each cut
 * into three spatially separate parts — `train` (pipelines/train may see it), `calib` (the
 * reliability levels are fitted on it) and `bench` (only pipelines/bench/real-terrain.ts reads
 * it) — brought to the model's 0.5 m grid, and optionally with features planted by the
 * project's generator composited into them.
 *
 * Resampling (documented in the model card): 1 m and 2 m sources are brought to 0.5 m by
 * bilinear interpolation between source pixel centres (a 0.5 m pixel is NaN when any of its four
 * source neighbours is nodata); 0.5 m sources are used as they are. The part's origin is snapped
 * to the 0.5 m grid (a shift under 0.25 m of the georeferencing, so tiles take the detector's
 * aligned path); positions in the results are in the source's own CRS, relative to that frame.
 *
 * Planted features: the generator's own shapes (pipelines/samples/lidar/stamps.ts) stamped into
 * a copy of the real terrain, and the difference (new − old) added back after the variant's
 * degradation — `eroded` (the difference blurred and lowered), `partial` (cut by a straight
 * edge: field boundary, track), `ploughed` (low, spread) — so the real relief under a feature is
 * kept (additive composite). Kiln platforms are cut into the real slope (4–35°) at the real
 * ground level of their centre.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isKnownCrs, registerCrs } from '../../engine/geo/crs.ts';
import { grid as makeGrid, type Grid } from '../../engine/geo/grid.ts';
import { openRaster } from '../../engine/geo/raster.ts';
import { meanFilter, validMask } from '../../engine/detect/relief-filter.ts';
import { Rng } from '../samples/rng.ts';
import { reach, type Obj } from '../samples/lidar/objects.ts';
import { stampObject } from '../samples/lidar/stamps.ts';
import type { TileGeom } from '../samples/lidar/noise.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the real LiDAR data lives: $VIGIE_REALDATA_LIDAR, else ../shared/realdata/lidar beside the repository. */
export function realLidarDir(): string {
  return process.env.VIGIE_REALDATA_LIDAR ?? resolve(ROOT, '../shared/realdata/lidar');
}

export type PartName = 'train' | 'calib' | 'bench';
/** A part of a source as fractions of its extent: [left, top, right, bottom], 0..1, top = north. */
export type Rect = [number, number, number, number];

export interface RealSource {
  id: string;
  /** files relative to realLidarDir() (extraLidarDir() for `extra` sources); several files form one mosaic (same CRS and resolution) */
  files: string[];
  /** CRS given explicitly (the files' GeoKeys say the same); empty: read from the file, as a user's run would */
  crs: string;
  /** proj4 definition registered when the CRS is not built in */
  proj4: string;
  licence: string;
  terrain: string;
  parts: Record<PartName, Rect>;
  /** a source outside ../shared (EXTRA_SOURCES): files under extraLidarDir() */
  extra?: boolean;
  /** where its files come from (repository, commit, path), for extra sources */
  origin?: string;
  /**
   * point clouds (relative to realLidarDir()) this source's terrain is made from with `vigie dtm`
   * (engine/lidar/dtm.ts, cached under tmp/detector-data/real-dtm/<id>); `files` are then the
   * MNT tiles it writes there, and the source is cut to the bounding box of its data
   */
  laz?: string[];
}

/**
 * The real DTMs and their split. Every part is a rectangle; the three never overlap. The bench
 * part is half of each source; training and calibration share the other half.
 */
export const REAL_SOURCES: RealSource[] = [
  {
    id: 'knob-kettle-mn',
    files: ['dtm-backgrounds/giswqs+lidar/lidar/data/dem.tif'],
    crs: 'EPSG:26915',
    proj4: '+proj=utm +zone=15 +datum=NAD83 +units=m +no_defs +type=crs',
    licence: 'MIT (giswqs/lidar)',
    terrain: 'glacial knob-and-kettle, Minnesota, 1 m',
    parts: { bench: [0.5, 0, 1, 1], train: [0, 0, 0.5, 0.6], calib: [0, 0.6, 0.5, 1] },
  },
  {
    id: 'fault-scarp-co',
    files: ['dtm-backgrounds/OpenTopography+RGR-pdal-topo/src/DEMs/demsd2011.tif'],
    crs: 'EPSG:32613',
    proj4: '+proj=utm +zone=13 +datum=WGS84 +units=m +no_defs +type=crs',
    licence: 'GPL-3 (OpenTopography/RGR-pdal-topo), local use only',
    terrain: 'fault scarp, alluvial fans, gullies, Colorado, 1 m',
    parts: { bench: [0, 0.5, 1, 1], train: [0, 0, 1, 0.33], calib: [0, 0.33, 1, 0.5] },
  },
  {
    id: 'forest-slope-bc',
    files: ['dtm-backgrounds/ptompalski+MGEM_ALS_lecture/data/dtm.tif'],
    crs: 'EPSG:3157',
    proj4: '+proj=utm +zone=10 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs',
    licence: 'GPL-3 (ptompalski/MGEM_ALS_lecture), local use only',
    terrain: 'forested slope with TIN facets from sparse ground, British Columbia, 1 m',
    parts: { bench: [0.5, 0, 1, 1], train: [0, 0, 0.35, 1], calib: [0.35, 0, 0.5, 1] },
  },
  {
    id: 'drumlins-ny',
    files: ['dtm-backgrounds/giswqs+Drumlin-Extraction-Toolbox/data/dem.tif'],
    crs: 'EPSG:26918',
    proj4: '+proj=utm +zone=18 +datum=NAD83 +units=m +no_defs +type=crs',
    licence: 'no licence (giswqs/Drumlin-Extraction-Toolbox), local use only',
    terrain: 'drumlin field, New York, 2 m',
    parts: { bench: [0, 0, 1, 0.5], calib: [0, 0.5, 1, 0.65], train: [0, 0.65, 1, 1] },
  },
  {
    id: 'ign-tin-montpellier',
    files: ['77050_627760', '77055_627760', '77060_627760', '77050_627755', '77055_627755', '77060_627755'].map(
      (t) => `laz-with-ign-dtm/ign_las-digital-models_bf687c6/DTM/test_data_${t}_LA93_IGN69_50CM_TIN.tif`,
    ),
    crs: 'EPSG:2154',
    proj4: '',
    licence: 'MIT (IGNF/las-digital-models)',
    terrain: "IGN LiDAR HD DTM (TIN from class 2) of a built-up area near Montpellier, 0.5 m, 3 × 2 tiles of 50 m",
    parts: { bench: [0, 0.5, 1, 1], train: [0, 0, 2 / 3, 0.5], calib: [2 / 3, 0, 1, 0.5] },
  },
];

/**
 * Real terrain outside ../shared (see extraLidarDir()): never trained on. The west half of each
 * source enters the calibration of the reliability levels only (pipelines/train/calibrate.ts;
 * the operating thresholds stay fitted on ../shared's parts and the synthetic splits); the east
 * half is a check the real-terrain bench reports on its own (`terrain_not_in_shared`), never
 * pooled with ../shared's bench. Their CRS is read from the files (GeoKeys → EPSG registry),
 * except where the published header is wrong (said).
 */
const EXTRA_PARTS: Record<PartName, Rect> = { calib: [0, 0, 0.5, 1], bench: [0.5, 0, 1, 1], train: [0, 0, 0, 0] };
export const EXTRA_SOURCES: RealSource[] = [
  {
    id: 'canterbury-nz',
    extra: true,
    files: ['linz-canterbury/DEM_BY23_2015_1000_0101.tif'],
    crs: '',
    proj4: '',
    licence: 'MIT (linz/topo-imagery test data, © LINZ)',
    origin: 'github.com/linz/topo-imagery @910f079d9b9c scripts/tests/data/DEM_BY23_2015_1000_0101.tif',
    terrain: 'Canterbury Plains, New Zealand: flat farmland, field edges, shelter belts; NZTM2000 (EPSG:2193 from the file), 1 m, 480 × 720 m',
    parts: EXTRA_PARTS,
  },
  {
    id: 'gabilan-ca',
    extra: true,
    files: ['gabilan/gabilan.tif'],
    // the published ENVI header says UTM zone 11; the place (Gabilan Mesa, 35.9° N 120.8° W) is in zone 10
    crs: 'EPSG:32610',
    proj4: '',
    licence: 'no licence (LSDtopotools/ExampleTopoDatasets), local use only',
    origin: 'github.com/LSDtopotools/ExampleTopoDatasets @efa185a7b468 gabilan.bil + .hdr, gdal_translate -a_srs EPSG:32610 -ot Float32 gabilan.bil gabilan.tif',
    terrain: 'Gabilan Mesa, California (NCALM airborne LiDAR): dissected mesa, ridges and valleys, 1 m, 921 × 859 m',
    parts: EXTRA_PARTS,
  },
  {
    id: 'quebec-forest',
    extra: true,
    files: ['quebec-forest/dtm.tif'],
    crs: '',
    proj4: '',
    licence: 'GPL-3 (georgewoolsey/point_cloud_tree_detection_ex), local use only',
    origin: 'github.com/georgewoolsey/point_cloud_tree_detection_ex @71e5493c35ce dtm.tif',
    terrain: 'hilly boreal forest, Quebec: NAD83(CSRS) / MTM zone 7 (EPSG:2949 from the file), 1 m, 286 × 286 m',
    parts: EXTRA_PARTS,
  },
  {
    id: 'oso-landslide-wa',
    extra: true,
    files: ['oso-wa/Ososlid2014_m_6ftgrid.tif'],
    crs: '',
    proj4: '',
    licence: 'Apache-2.0 (GeoLarryLai/pyTopoComplexity; LiDAR « Stillaguamish 2014 » of WSDOT, Washington Lidar Portal), local use only',
    origin: 'github.com/GeoLarryLai/pyTopoComplexity @5f386f91ac99 ExampleDEM/Ososlid2014_m_6ftgrid.tif',
    terrain:
      'Oso landslide, Washington (2014 survey): a hummocky landslide deposit — hundreds of natural mounds 5–40 m across — floodplain, glacial terraces, forested slopes, a road; NAD83 / Washington South (EPSG:32149 from the file), 1.83 m, 2.07 × 1.87 km',
    parts: EXTRA_PARTS,
  },
  {
    id: 'nebraska-canyons',
    extra: true,
    files: ['nebraska-canyons/dem.tif'],
    crs: '',
    proj4: '',
    licence: 'no licence (Joseph-A-Mason/rayshader_simple), local use only',
    origin: 'github.com/Joseph-A-Mason/rayshader_simple @7c1cecf86bf3 dem.tif',
    terrain:
      'loess tableland, south-west Nebraska: canyons, gullies, flat fields, field edges, roads; UTM zone 16N (EPSG:26916 from the file; the place is in zone 14, so metres are 1.9 % off), 1 m, 1.0 × 1.04 km',
    parts: EXTRA_PARTS,
  },
];

export const WORK_RES = 0.5;

export function realDataPresent(): boolean {
  return REAL_SOURCES.every((s) => s.files.every((f) => existsSync(sourceFile(s, f))));
}

/**
 * Real terrain that is not in ../shared: public airborne-LiDAR DTMs in other national CRSs
 * (EXTRA_SOURCES), gathered from clones of the repositories named in each source's `origin` into
 * $VIGIE_REALDATA_EXTRA (default tmp/realdata-extra, git-ignored; nothing from it is committed) by
 * pipelines/bench/gather-extra.sh.
 */
export function extraLidarDir(): string {
  return process.env.VIGIE_REALDATA_EXTRA ?? resolve(ROOT, 'tmp/realdata-extra');
}

export function sourceFile(s: RealSource, f: string): string {
  if (s.laz) return join(ROOT, 'tmp/detector-data/real-dtm', s.id, f);
  return join(s.extra ? extraLidarDir() : realLidarDir(), f);
}

/** Makes the MNT tiles of a point-cloud source when they are missing (a few seconds per source). */
export async function ensureLazSource(s: RealSource): Promise<void> {
  if (!s.laz || s.files.every((f) => existsSync(sourceFile(s, f)))) return;
  const { lazToDtm } = await import('../../engine/lidar/dtm.ts');
  const run = await lazToDtm(s.laz.map((f) => join(realLidarDir(), f)), { outDir: join(ROOT, 'tmp/detector-data/real-dtm', s.id) });
  const made = run.tiles.map((t) => basename(t.out!)).sort();
  if (JSON.stringify(made) !== JSON.stringify([...s.files].sort())) throw new Error(`${s.id}: vigie dtm wrote ${made.join(', ')}; the source lists ${s.files.join(', ')}`);
}

/**
 * Real ground for training only, made from ../shared's classified point clouds (the 0.5 m MNT
 * that `vigie dtm` makes of them): IGN LiDAR HD-like open fields with tracks, field edges and small
 * pits (Vienne), and a forested hillside's flight strips (British Columbia). Never calibrated or
 * benched on (their calib and bench parts are empty).
 */
const TRAIN_ONLY: Record<PartName, Rect> = { train: [0, 0, 1, 1], calib: [0, 0, 0, 0], bench: [0, 0, 0, 0] };
export const LAZ_TRAIN_SOURCES: RealSource[] = [
  {
    id: 'fields-vienne',
    laz: ['laz/IGNF+ign-pdal-tools/test/data/las_with_several_extra_byte_bloc.laz'],
    files: ['LHD_FXX_0484500_6633000_MNT_O_0M50_LAMB93_IGN69.tif'],
    crs: '',
    proj4: '',
    licence: 'MIT (IGNF/ign-pdal-tools)',
    terrain: 'IGN LiDAR HD point cloud (Vienne), 5.4 pts/m², MNT by vigie dtm at 0.5 m: open fields, tracks, field edges, small pits',
    parts: TRAIN_ONLY,
  },
  {
    id: 'forest-strips-bc',
    laz: [1, 2, 3, 4].map((k) => `laz/r-lidar+lasR/inst/extdata/bcts/bcts_${k}.laz`),
    files: ['MNT_885000_630000_0M50_EPSG3005.tif', 'MNT_885000_631000_0M50_EPSG3005.tif'],
    crs: '',
    proj4: '',
    licence: 'GPL-3 (r-lidar/lasR), local use only',
    terrain: 'hilly coastal forest, British Columbia, four flight strips, ground 0.6–1.1 pts/m², MNT by vigie dtm at 0.5 m',
    parts: TRAIN_ONLY,
  },
];

/** The extra sources whose files are all present (none when the folder is absent). */
export function extraSourcesPresent(): RealSource[] {
  return EXTRA_SOURCES.filter((s) => s.files.every((f) => existsSync(sourceFile(s, f))));
}

/** Sources for training and calibration: ../shared's, when present (extra terrain is a check only). */
export function trainingSources(): RealSource[] {
  return realDataPresent() ? REAL_SOURCES : [];
}

/** Sources for training: ../shared's DTMs and the MNT of its point clouds (`--with-laz`). */
export function trainOnlySources(): RealSource[] {
  return realDataPresent() ? [...REAL_SOURCES, ...LAZ_TRAIN_SOURCES] : [];
}

/** Sources whose calibration parts fit the reliability levels: ../shared's and the extra ones present. */
export function levelSources(): RealSource[] {
  return [...trainingSources(), ...extraSourcesPresent()];
}

/** A stable index per source for planting seeds: ../shared's 0…, extra ones 10…. */
export function seedIndex(s: RealSource): number {
  const i = REAL_SOURCES.indexOf(s);
  if (i >= 0) return i;
  const j = LAZ_TRAIN_SOURCES.indexOf(s);
  return j >= 0 ? 20 + j : 10 + EXTRA_SOURCES.indexOf(s);
}

/** Registers the sources' CRSs with proj4 when they are not known yet. */
export function registerRealCrs(): void {
  for (const s of [...REAL_SOURCES, ...EXTRA_SOURCES]) if (s.crs && s.proj4 && !isKnownCrs(s.crs)) registerCrs(s.crs, s.proj4);
}

export interface Part {
  source: RealSource;
  part: PartName;
  /** 0.5 m grid in the source CRS */
  grid: Grid;
  /** elevations, NaN where there is no data */
  z: Float32Array;
  /** the source's own pixel size, metres (the part is resampled from it to 0.5 m) */
  sourceRes: number;
}

interface Loaded {
  grid: Grid;
  z: Float32Array;
}

const loaded = new Map<string, Promise<Loaded>>();

/** The source as one array at its own resolution (tiles of a mosaic pasted), NaN for nodata. */
function loadSource(s: RealSource): Promise<Loaded> {
  let p = loaded.get(s.id);
  if (!p) {
    p = (async () => {
      const rs = await Promise.all(s.files.map((f) => openRaster(sourceFile(s, f), s.crs ? { crs: s.crs } : {})));
      const res = rs[0].grid.resX;
      const left = Math.min(...rs.map((r) => r.grid.originX));
      const top = Math.max(...rs.map((r) => r.grid.originY));
      const right = Math.max(...rs.map((r) => r.grid.originX + r.grid.width * res));
      const bottom = Math.min(...rs.map((r) => r.grid.originY - r.grid.height * res));
      const W = Math.round((right - left) / res);
      const H = Math.round((top - bottom) / res);
      const z = new Float32Array(W * H).fill(Number.NaN);
      for (const r of rs) {
        const d = await r.readAll();
        const c0 = Math.round((r.grid.originX - left) / res);
        const r0 = Math.round((top - r.grid.originY) / res);
        for (let row = 0; row < r.grid.height; row++) {
          for (let col = 0; col < r.grid.width; col++) {
            const v = d[row * r.grid.width + col];
            // nodata: the declared value, and the float32 minimum some writers use without declaring it
            if (v === v && v !== r.nodata && v > -1e30) z[(r0 + row) * W + c0 + col] = v;
          }
        }
      }
      const whole = { grid: makeGrid({ originX: left, originY: top, resX: res, resY: res, width: W, height: H, crs: rs[0].grid.crs }), z };
      return s.laz ? trimToData(whole) : whole;
    })();
    loaded.set(s.id, p);
  }
  return p;
}

/** The smallest rectangle holding every pixel with data. */
function trimToData(l: Loaded): Loaded {
  const { width: W, height: H } = l.grid;
  let c0 = W, c1 = -1, r0 = H, r1 = -1;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      if (l.z[r * W + c] !== l.z[r * W + c]) continue;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
      if (r < r0) r0 = r;
      if (r > r1) r1 = r;
    }
  }
  if (c1 < 0) throw new Error('no data in the source');
  const w = c1 - c0 + 1;
  const h = r1 - r0 + 1;
  const z = new Float32Array(w * h);
  for (let r = 0; r < h; r++) z.set(l.z.subarray((r0 + r) * W + c0, (r0 + r) * W + c0 + w), r * w);
  const g = l.grid;
  return { grid: makeGrid({ originX: g.originX + c0 * g.resX, originY: g.originY - r0 * g.resY, resX: g.resX, resY: g.resY, width: w, height: h, crs: g.crs }), z };
}

/** One part of a source at 0.5 m, NaN where there is no data. */
export async function loadPart(s: RealSource, part: PartName): Promise<Part> {
  const src = await loadSource(s);
  const g = src.grid;
  const [fl, ft, fr, fb] = s.parts[part];
  const c0 = Math.round(fl * g.width);
  const c1 = Math.round(fr * g.width);
  const r0 = Math.round(ft * g.height);
  const r1 = Math.round(fb * g.height);
  const k = Math.round(g.resX / WORK_RES); // 1 (0.5 m), 2 (1 m), 4 (2 m)
  const W = (c1 - c0) * k;
  const H = (r1 - r0) * k;
  const z = new Float32Array(W * H);
  const at = (r: number, c: number) => src.z[Math.min(g.height - 1, Math.max(0, r)) * g.width + Math.min(g.width - 1, Math.max(0, c))];
  for (let row = 0; row < H; row++) {
    // centre of the 0.5 m pixel in source pixel units (source centres at integer + 0.5)
    const fy = r0 + (row + 0.5) / k - 0.5;
    const iy = Math.floor(fy);
    const ty = fy - iy;
    for (let col = 0; col < W; col++) {
      const fx = c0 + (col + 0.5) / k - 0.5;
      const ix = Math.floor(fx);
      const tx = fx - ix;
      const v = k === 1
        ? at(iy, ix)
        : (1 - ty) * ((1 - tx) * at(iy, ix) + tx * at(iy, ix + 1)) + ty * ((1 - tx) * at(iy + 1, ix) + tx * at(iy + 1, ix + 1));
      z[row * W + col] = v; // NaN propagates: any nodata neighbour makes the pixel nodata
    }
  }
  const snap = (v: number) => Math.round(v / WORK_RES) * WORK_RES;
  const grid = makeGrid({
    originX: snap(g.originX + c0 * g.resX),
    originY: snap(g.originY - r0 * g.resY),
    resX: WORK_RES,
    resY: WORK_RES,
    width: W,
    height: H,
    crs: g.crs,
  });
  return { source: s, part, grid, z, sourceRes: g.resX };
}

/** Area (km²) where a detection can be kept: pixels with data and no nodata or edge within `ringM` (square). */
export function effectiveAreaKm2(p: { grid: Grid; z: Float32Array }, ringM = 10): number {
  const { width: W, height: H } = p.grid;
  const R = Math.ceil(ringM / WORK_RES);
  // separable "any hole within R" by running counts of holes, outside the raster counting as holes
  const holes = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) holes[i] = p.z[i] === p.z[i] ? 0 : 1;
  const rowNear = new Uint8Array(W * H);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      let any = c - R < 0 || c + R >= W ? 1 : 0;
      for (let k = Math.max(0, c - R); k <= Math.min(W - 1, c + R) && !any; k++) any = holes[r * W + k];
      rowNear[r * W + c] = any;
    }
  }
  let ok = 0;
  for (let c = 0; c < W; c++) {
    for (let r = 0; r < H; r++) {
      let any = r - R < 0 || r + R >= H ? 1 : 0;
      for (let k = Math.max(0, r - R); k <= Math.min(H - 1, r + R) && !any; k++) any = rowNear[k * W + c];
      if (!any) ok++;
    }
  }
  return (ok * WORK_RES * WORK_RES) / 1e6;
}

export type PlantClass = 'mound' | 'kiln' | 'enclosure' | 'pit';

export interface Planted {
  cls: PlantClass;
  x: number;
  y: number;
  diameter: number;
  variant: string;
  /** reach of the object, metres (for keeping hard negatives off it) */
  reach: number;
  /**
   * How far the feature stands out of its ground: the largest relief it adds (|Δz| inside its
   * reach) over the RMS of the ground's own small relief (elevation minus its 20 m mean) on the
   * disc of radius reach + 10 m before planting (at least 1 cm). Below 1 the ground's own bumps
   * are as high as the feature.
   */
  prominence: number;
}

export interface PlantOptions {
  seed: number;
  /** planted features per km² of the part */
  density: number;
  /** share of each class among the draws (kilns fall back to another class where the ground is flat) */
  classShare?: Record<PlantClass, number>;
  /**
   * Features as the source would have recorded them: each feature's relief is averaged over the
   * source's own pixels and resampled to 0.5 m as the terrain around it was (bilinear between
   * pixel centres). Without it a feature planted into a 1 m or 2 m source keeps 0.5 m detail
   * that its real surroundings never had.
   */
  nativeResolution?: boolean;
}

const DEFAULT_SHARE: Record<PlantClass, number> = { mound: 0.35, kiln: 0.2, enclosure: 0.2, pit: 0.25 };

/**
 * Plants generator features into a copy of the part's terrain. Features keep 3 m apart (plus
 * their reach), and their reach plus a 12 m ring stays inside data (the detector drops objects
 * that touch nodata). Returns the new terrain and the truth.
 */
export function plantFeatures(p: Part, o: PlantOptions): { z: Float32Array; truth: Planted[] } {
  const rng = new Rng(o.seed);
  const g = p.grid;
  const W = g.width;
  const H = g.height;
  const z = p.z.slice();
  const geom: TileGeom = { x0: g.originX, y0: g.originY, pixel: WORK_RES, width: W, height: H };
  const zAt = (x: number, y: number) => {
    const c = Math.floor((x - g.originX) / WORK_RES);
    const r = Math.floor((g.originY - y) / WORK_RES);
    return c >= 0 && c < W && r >= 0 && r < H ? p.z[r * W + c] : Number.NaN;
  };
  const areaKm2 = (W * H * WORK_RES * WORK_RES) / 1e6;
  const target = Math.max(1, Math.round(o.density * areaKm2));
  const share = o.classShare ?? DEFAULT_SHARE;
  const classes = Object.keys(share) as PlantClass[];
  const weights = classes.map((c) => share[c]);
  const discs: { x: number; y: number; r: number }[] = [];
  const truth: Planted[] = [];
  const inside = (x: number, y: number, r: number) => {
    // the whole disc of radius r inside the part and on data (sampled every 2 m on rings)
    if (x - r < g.originX || x + r > g.originX + W * WORK_RES || y + r > g.originY || y - r < g.originY - H * WORK_RES) return false;
    for (let rr = 0; rr < r + 2; rr += 2) {
      rr = Math.min(rr, r); // the last ring on the radius itself
      const n = Math.max(1, Math.ceil((2 * Math.PI * rr) / 2));
      for (let a = 0; a < n; a++) {
        const v = zAt(x + rr * Math.cos((2 * Math.PI * a) / n), y + rr * Math.sin((2 * Math.PI * a) / n));
        if (v !== v) return false;
      }
    }
    return true;
  };
  let attempts = 0;
  while (truth.length < target && attempts < target * 60) {
    attempts++;
    const cls = rng.weighted(classes, weights);
    const made = makeFeature(cls, rng, zAt);
    if (!made) continue;
    const { obj, variant, diameter } = made;
    const R = reach(obj);
    const x = g.originX + rng.range(0, W * WORK_RES);
    const y = g.originY - rng.range(0, H * WORK_RES);
    if (!discs.every((d) => Math.hypot(d.x - x, d.y - y) > d.r + R + 3)) continue;
    if (!inside(x, y, R + 12)) continue;
    const placed = place(obj, x, y, zAt);
    if (!placed) continue; // kiln on flat or too steep ground
    composite(z, geom, placed, variant, rng, R, o.nativeResolution ? Math.round(p.sourceRes / WORK_RES) : 1);
    discs.push({ x, y, r: R });
    truth.push({ cls, x: +x.toFixed(2), y: +y.toFixed(2), diameter: +diameter.toFixed(2), variant, reach: +R.toFixed(1), prominence: 0 });
  }
  if (truth.length) {
    const rel = smallRelief(p.z, W, H, Math.round(10 / WORK_RES));
    for (const t of truth) t.prominence = prominence(t, p.z, z, rel, g);
  }
  return { z, truth };
}

/** Elevation minus its box mean of half-width `half` pixels, nodata left out (NaN where there is no data). */
function smallRelief(z: Float32Array, W: number, H: number, half: number): Float32Array {
  const m = meanFilter(z, W, H, half, validMask(z, null));
  const out = new Float32Array(W * H);
  for (let i = 0; i < out.length; i++) out[i] = z[i] - m[i];
  return out;
}

export const PROMINENCE_MIN_CLUTTER = 0.01;

/** See Planted.prominence. */
function prominence(t: { x: number; y: number; reach: number }, before: Float32Array, after: Float32Array, rel: Float32Array, g: Grid): number {
  const R = t.reach + 10;
  const c0 = Math.max(0, Math.floor((t.x - R - g.originX) / WORK_RES));
  const c1 = Math.min(g.width - 1, Math.ceil((t.x + R - g.originX) / WORK_RES));
  const r0 = Math.max(0, Math.floor((g.originY - t.y - R) / WORK_RES));
  const r1 = Math.min(g.height - 1, Math.ceil((g.originY - t.y + R) / WORK_RES));
  let signal = 0;
  let ss = 0;
  let n = 0;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const d = Math.hypot(g.originX + (c + 0.5) * WORK_RES - t.x, g.originY - (r + 0.5) * WORK_RES - t.y);
      if (d > R) continue;
      const i = r * g.width + c;
      const dz = Math.abs(after[i] - before[i]);
      if (d <= t.reach && dz > signal) signal = dz; // (NaN where there is no data: skipped)
      const v = rel[i];
      if (v === v) { ss += v * v; n++; }
    }
  }
  // at least 1 cm, a DTM's vertical resolution (generated ground can be exactly flat)
  const clutter = Math.max(PROMINENCE_MIN_CLUTTER, n ? Math.sqrt(ss / n) : 0);
  return +(signal / clutter).toFixed(2);
}

type ZAt = (x: number, y: number) => number;

/** A feature's shape (centred at 0, 0) and its variant; positions are set by `place`. */
function makeFeature(cls: PlantClass, rng: Rng, _zAt: ZAt): { obj: Obj; variant: string; diameter: number } | null {
  switch (cls) {
    case 'mound': {
      const variant = rng.weighted(['intact', 'ploughed', 'robbed', 'eroded', 'partial'] as const, [0.3, 0.25, 0.15, 0.15, 0.15]);
      const r = rng.range(2.5, 20);
      const shape = variant === 'ploughed' ? 'ploughed' : variant === 'robbed' ? 'robbed' : 'intact';
      const h = shape === 'ploughed' ? rng.range(0.2, 0.5) : rng.range(0.4, Math.min(2, 0.25 + r * 0.12));
      const stretch = shape === 'ploughed' ? rng.range(1.15, 1.6) : rng.range(1, 1.1);
      const obj: Obj = {
        kind: 'mound', x: 0, y: 0, r, h, variant: shape, stretch, theta: rng.range(0, Math.PI),
        pitR: r * rng.range(0.15, 0.35), pitD: shape === 'robbed' ? h * rng.range(0.4, 0.9) : 0,
        pitDx: rng.range(-0.2, 0.2) * r, pitDy: rng.range(-0.2, 0.2) * r,
      };
      return { obj, variant, diameter: 2 * r };
    }
    case 'kiln': {
      const r = rng.range(4, 7.5);
      const obj: Obj = { kind: 'kiln', x: 0, y: 0, r, zc: 0, dx: 0, dy: 0, lipH: rng.range(0.15, 0.5), step: 0 };
      return { obj, variant: rng.chance(0.3) ? 'eroded' : 'platform', diameter: 2 * r };
    }
    case 'enclosure': {
      const shape = rng.chance(0.7) ? 'circular' : 'rectangular';
      const a = rng.range(5, 45);
      const b = shape === 'circular' ? a : a * rng.range(0.6, 1);
      const variant = rng.weighted(['intact', 'ploughed', 'partial'] as const, [0.55, 0.25, 0.2]);
      const obj: Obj = {
        kind: 'enclosure', x: 0, y: 0, shape, a, b, theta: rng.range(0, Math.PI), ditchW: rng.range(1.5, 4),
        ditchD: variant === 'ploughed' ? rng.range(0.15, 0.35) : rng.range(0.15, 0.8),
        bank: rng.weighted(['none', 'inner', 'outer'] as const, [0.6, 0.25, 0.15]), bankH: rng.range(0.1, 0.4),
      };
      return { obj, variant: `${shape}-${variant}`, diameter: 2 * Math.max(a, b) };
    }
    case 'pit': {
      const r = rng.range(1, 6);
      const variant = rng.weighted(['plain', 'rim', 'eroded'] as const, [0.4, 0.35, 0.25]);
      const obj: Obj = { kind: 'pit', x: 0, y: 0, r, d: rng.range(0.3, Math.min(2.5, 0.25 + r * 0.45)), rimH: variant === 'rim' ? rng.range(0.1, 0.4) : 0 };
      return { obj, variant, diameter: 2 * r };
    }
  }
}

/** Moves the object to (x, y); a kiln takes the real ground's level and downslope direction there. */
function place(o: Obj, x: number, y: number, zAt: ZAt): Obj | null {
  if (o.kind !== 'kiln') return { ...o, x, y } as Obj;
  const e = 3;
  const gx = (zAt(x + e, y) - zAt(x - e, y)) / (2 * e);
  const gy = (zAt(x, y + e) - zAt(x, y - e)) / (2 * e);
  const slope = Math.hypot(gx, gy);
  if (!(slope >= Math.tan((4 * Math.PI) / 180) && slope <= Math.tan((35 * Math.PI) / 180))) return null;
  return { ...o, x, y, zc: zAt(x, y), dx: -gx / slope, dy: -gy / slope, step: o.r * slope };
}

/** Stamps `o` into a window copy, degrades the difference by variant, adds it back to `z`. */
function composite(z: Float32Array, g: TileGeom, o: Obj, variant: string, rng: Rng, R: number, native = 1): void {
  const size = o.kind === 'mound' || o.kind === 'pit' || o.kind === 'kiln' ? o.r : 2;
  const M = R + 4 + 0.4 * size; // room for the blur of eroded variants
  const c0 = Math.max(0, Math.floor((o.x - M - g.x0) / g.pixel));
  const c1 = Math.min(g.width, Math.ceil((o.x + M - g.x0) / g.pixel));
  const r0 = Math.max(0, Math.floor((g.y0 - (o.y + M)) / g.pixel));
  const r1 = Math.min(g.height, Math.ceil((g.y0 - (o.y - M)) / g.pixel));
  const w = c1 - c0;
  const h = r1 - r0;
  const before = new Float32Array(w * h);
  for (let r = 0; r < h; r++) before.set(z.subarray((r0 + r) * g.width + c0, (r0 + r) * g.width + c1), r * w);
  const after = before.slice();
  stampObject(after, { x0: g.x0 + c0 * g.pixel, y0: g.y0 - r0 * g.pixel, pixel: g.pixel, width: w, height: h }, o);
  let diff: Float32Array = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) diff[i] = after[i] - before[i];
  if (variant === 'eroded' || variant.endsWith('-ploughed')) {
    // soil creep and ploughing: the form spreads and loses height
    const rad = Math.max(1, Math.round((o.kind === 'enclosure' ? rng.range(0.5, 1.2) : size * rng.range(0.2, 0.35)) / g.pixel));
    diff = boxBlur(boxBlur(diff, w, h, rad), w, h, rad);
    if (o.kind !== 'enclosure') {
      const k = rng.range(0.5, 0.8);
      for (let i = 0; i < diff.length; i++) diff[i] *= k;
    }
  }
  if (variant === 'partial' || variant.endsWith('-partial')) {
    // a straight cut (field edge, track, modern ditch) removes one side of the feature
    const th = rng.range(0, 2 * Math.PI);
    const off = o.kind === 'enclosure' ? rng.range(0.1, 0.5) * (o.a) : rng.range(0.2, 0.6) * size;
    const cx = Math.cos(th);
    const cy = Math.sin(th);
    for (let r = 0; r < h; r++) {
      const dy = g.y0 - (r0 + r + 0.5) * g.pixel - o.y;
      for (let c = 0; c < w; c++) {
        const dx = g.x0 + (c0 + c + 0.5) * g.pixel - o.x;
        const s = dx * cx + dy * cy - off; // > 0 beyond the cut
        if (s > 0) diff[r * w + c] *= Math.max(0, 1 - s / 1.5);
      }
    }
  }
  if (native > 1) diff = atSourceResolution(diff, w, h, c0, r0, native);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = (r0 + r) * g.width + c0 + c;
      if (z[i] === z[i]) z[i] += diff[r * w + c];
    }
  }
}

/**
 * `a` (a w × h window at column c0, row r0 of a part) as a source of k × k coarser pixels would
 * record it: means over the source pixels (aligned on the part's origin, as loadPart cuts), then
 * bilinear between their centres back to 0.5 m, as loadPart resamples. Outside the window counts
 * as 0 (the window holds the whole feature and a margin).
 */
function atSourceResolution(a: Float32Array, w: number, h: number, c0: number, r0: number, k: number): Float32Array {
  const bc0 = Math.floor(c0 / k);
  const br0 = Math.floor(r0 / k);
  const bw = Math.floor((c0 + w - 1) / k) - bc0 + 1;
  const bh = Math.floor((r0 + h - 1) / k) - br0 + 1;
  const mean = new Float64Array(bw * bh);
  for (let r = 0; r < h; r++) {
    const br = Math.floor((r0 + r) / k) - br0;
    for (let c = 0; c < w; c++) mean[br * bw + Math.floor((c0 + c) / k) - bc0] += a[r * w + c];
  }
  for (let i = 0; i < mean.length; i++) mean[i] /= k * k;
  const at = (br: number, bc: number) => (br < 0 || bc < 0 || br >= bh || bc >= bw ? 0 : mean[br * bw + bc]);
  const out = new Float32Array(w * h);
  for (let r = 0; r < h; r++) {
    const fy = (r0 + r + 0.5) / k - 0.5 - br0;
    const iy = Math.floor(fy);
    const ty = fy - iy;
    for (let c = 0; c < w; c++) {
      const fx = (c0 + c + 0.5) / k - 0.5 - bc0;
      const ix = Math.floor(fx);
      const tx = fx - ix;
      out[r * w + c] = (1 - ty) * ((1 - tx) * at(iy, ix) + tx * at(iy, ix + 1)) + ty * ((1 - tx) * at(iy + 1, ix) + tx * at(iy + 1, ix + 1));
    }
  }
  return out;
}

/** Box blur of radius `rad` pixels by running sums, edges averaged over what exists. */
function boxBlur(a: Float32Array, w: number, h: number, rad: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let r = 0; r < h; r++) {
    let s = 0;
    let n = 0;
    for (let c = 0; c < Math.min(rad, w); c++) { s += a[r * w + c]; n++; }
    for (let c = 0; c < w; c++) {
      if (c + rad < w) { s += a[r * w + c + rad]; n++; }
      if (c - rad - 1 >= 0) { s -= a[r * w + c - rad - 1]; n--; }
      tmp[r * w + c] = s / n;
    }
  }
  for (let c = 0; c < w; c++) {
    let s = 0;
    let n = 0;
    for (let r = 0; r < Math.min(rad, h); r++) { s += tmp[r * w + c]; n++; }
    for (let r = 0; r < h; r++) {
      if (r + rad < h) { s += tmp[(r + rad) * w + c]; n++; }
      if (r - rad - 1 >= 0) { s -= tmp[(r - rad - 1) * w + c]; n--; }
      out[r * w + c] = s / n;
    }
  }
  return out;
}
