/**
 * Generates the synthetic sample region « Mor-Braz » in the real published formats, the same bytes
 * for the same seed. Vector files go to `outDir` (committed under data-samples/region); the hazard
 * rasters go to `cacheDir` (git-ignored, made on first run). Edit the modules, not the outputs:
 * regenerate with `npx tsx pipelines/samples/region/regenerate.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArchaeology } from './archaeology.ts';
import { buildCommunes, DEPARTEMENT, DEPARTEMENT_NAME, REGION_NAME } from './communes.ts';
import { buildDrias, DRIAS_LEVELS } from './drias.ts';
import { buildGeography, LIDAR_BBOX, REGION_BBOX } from './geography.ts';
import { buildErosion, buildRga, buildSeismicCsv, buildTriZones } from './hazards.ts';
import { buildMerimee, type DirtKind } from './merimee.ts';
import { buildMuseums, buildSpr } from './museums.ts';
import { Placer } from './placement.ts';
import { FLOOD_DEPTH_FILE, FLOOD_RASTER_SCENARIO, RASTER_NODATA, WILDFIRE_FILE, writeRegionRasters } from './rasters.ts';
import { buildTerrain } from './terrain.ts';
import { geojsonText, lonLat, writeText } from './writers.ts';

export { regionRastersPresent } from './rasters.ts';

export const DEFAULT_SEED = 42;
export const DEFAULT_CACHE_DIR = 'var/cache/samples/region';

export interface GenerateOptions {
  seed: number;
  outDir: string;
  cacheDir: string;
  /** write the vector and CSV files to outDir (default true) */
  vectors?: boolean;
  /** write the rasters to cacheDir (default true) */
  rasters?: boolean;
  onProgress?: (step: string, done: number, total: number) => void;
}

type BBox4 = [number, number, number, number];

export interface RegionManifest {
  name: string;
  seed: number;
  crs: 'EPSG:2154';
  bbox: BBox4;
  bbox_wgs84: BBox4;
  departement: string;
  departement_nom: string;
  region: string;
  lidar: { bbox: BBox4 };
  /** paths relative to outDir */
  files: Record<string, string>;
  /** file names inside the raster cache directory */
  rasters: Record<string, { file: string; crs: 'EPSG:2154'; resolution_m: number; units: string; nodata: number; note: string }>;
  counts?: Record<string, number>;
  /** references of the Mérimée records carrying each planted irregularity */
  merimee_dirt?: Record<DirtKind, string[]>;
}

const FILES = {
  communes: 'communes.geojson',
  merimee: 'merimee.csv',
  merimee_opendata: 'merimee-opendata.csv',
  musees: 'musees.csv',
  spr: 'spr.csv',
  sites_archeologiques: 'sites-archeologiques.geojson',
  tri_zones: 'hazards/tri_zones.geojson',
  rga: 'hazards/rga.geojson',
  zonage_sismique: 'hazards/zonage_sismique.csv',
  erosion_cotiere: 'hazards/erosion_cotiere.geojson',
  ...Object.fromEntries(DRIAS_LEVELS.map((l) => [`drias_${l.key}`, `hazards/drias/${l.file}`])),
  basemap_land: 'basemap/land.geojson',
  basemap_rivers: 'basemap/rivers.geojson',
} as const;

export async function generateRegion(opts: GenerateOptions): Promise<RegionManifest> {
  const { seed, outDir, cacheDir } = opts;
  const vectors = opts.vectors ?? true;
  const rasters = opts.rasters ?? true;
  const steps = ['géographie', 'relief', ...(vectors ? ['communes', 'mérimée', 'musées', 'archéologie', 'aléas', 'drias', 'fond de carte'] : []), ...(rasters ? ['rasters'] : [])];
  let done = 0;
  const progress = (step: string) => opts.onProgress?.(step, done++, steps.length);

  progress('géographie');
  const geo = buildGeography(seed);
  progress('relief');
  const terrain = buildTerrain(geo);
  const manifest = baseManifest(seed);

  if (vectors) {
    const out = (rel: string) => join(outDir, rel);
    progress('communes');
    const set = buildCommunes(seed, geo, terrain);
    writeText(
      out(FILES.communes),
      geojsonText('communes', set.communes.map((c) => ({ properties: { code_insee: c.code, nom: c.name, departement: DEPARTEMENT }, geometry: c.wgs84 }))),
    );
    const placer = new Placer(geo, terrain, set);

    progress('mérimée');
    const merimee = buildMerimee(seed, geo, set, placer);
    writeText(out(FILES.merimee), merimee.popCsv);
    writeText(out(FILES.merimee_opendata), merimee.openDataCsv);

    progress('musées');
    const museums = buildMuseums(seed, set, placer);
    writeText(out(FILES.musees), museums.csv);
    const spr = buildSpr(seed, set);
    writeText(out(FILES.spr), spr.csv);

    progress('archéologie');
    const arch = buildArchaeology(seed, set, placer);
    writeText(out(FILES.sites_archeologiques), geojsonText('sites_archeologiques', arch.features));

    progress('aléas');
    const tri = buildTriZones(terrain);
    writeText(out(FILES.tri_zones), geojsonText('tri_zones', tri, { lambert93: true }));
    const rga = buildRga(seed, geo, terrain);
    writeText(out(FILES.rga), geojsonText('rga', rga, { lambert93: true }));
    writeText(out(FILES.zonage_sismique), buildSeismicCsv(set));
    const erosion = buildErosion(seed, geo);
    writeText(out(FILES.erosion_cotiere), geojsonText('erosion_cotiere', erosion.features, { lambert93: true }));

    progress('drias');
    const drias = buildDrias(seed, geo);
    for (const f of drias.files) writeText(out(`hazards/drias/${f.file}`), f.text);

    progress('fond de carte');
    writeText(out(FILES.basemap_land), geojsonText('land', [{ properties: { nom: DEPARTEMENT_NAME }, geometry: { type: 'Polygon', coordinates: [geo.landRing.map(lonLat)] } }]));
    writeText(
      out(FILES.basemap_rivers),
      geojsonText('rivers', geo.rivers.map((r) => ({ properties: { nom: r.name }, geometry: { type: 'LineString', coordinates: r.line.map(lonLat) } }))),
    );

    manifest.counts = {
      communes: set.communes.length,
      merimee_rows: merimee.count,
      merimee_opendata_rows: merimee.openDataCsv.split('\n').length - 2,
      musees: museums.count,
      spr: spr.count,
      sites_archeologiques: arch.features.length,
      sites_archeologiques_polygones: arch.polygons,
      tri_zones: tri.length,
      rga: rga.length,
      erosion_troncons: erosion.features.length,
      erosion_placeholders: erosion.placeholders,
      drias_points: drias.points,
    };
    manifest.merimee_dirt = merimee.dirt;
    writeText(out('region.json'), JSON.stringify(manifest, null, 2) + '\n');
  } else {
    const written = join(outDir, 'region.json');
    if (existsSync(written)) {
      const previous = JSON.parse(readFileSync(written, 'utf8')) as RegionManifest;
      if (previous.seed === seed) Object.assign(manifest, { counts: previous.counts, merimee_dirt: previous.merimee_dirt });
    }
  }

  if (rasters) {
    progress('rasters');
    writeRegionRasters(seed, terrain, cacheDir);
  }
  opts.onProgress?.('terminé', steps.length, steps.length);
  return manifest;
}

function baseManifest(seed: number): RegionManifest {
  const b = REGION_BBOX;
  const sw = lonLat([b.minx, b.miny]);
  const ne = lonLat([b.maxx, b.maxy]);
  const nw = lonLat([b.minx, b.maxy]);
  const se = lonLat([b.maxx, b.miny]);
  return {
    name: DEPARTEMENT_NAME,
    seed,
    crs: 'EPSG:2154',
    bbox: [b.minx, b.miny, b.maxx, b.maxy],
    bbox_wgs84: [Math.min(sw[0], nw[0]), Math.min(sw[1], se[1]), Math.max(ne[0], se[0]), Math.max(ne[1], nw[1])],
    departement: DEPARTEMENT,
    departement_nom: DEPARTEMENT_NAME,
    region: REGION_NAME,
    lidar: { bbox: [LIDAR_BBOX.minx, LIDAR_BBOX.miny, LIDAR_BBOX.maxx, LIDAR_BBOX.maxy] },
    files: { ...FILES },
    rasters: {
      flood_depth: { file: FLOOD_DEPTH_FILE, crs: 'EPSG:2154', resolution_m: 25, units: 'm', nodata: RASTER_NODATA, note: `hauteur d'eau, scénario TRI ${FLOOD_RASTER_SCENARIO} (COG)` },
      wildfire: { file: WILDFIRE_FILE, crs: 'EPSG:2154', resolution_m: 100, units: '0-1', nodata: RASTER_NODATA, note: 'sensibilité aux feux de forêt' },
    },
  };
}
