/**
 * Hazard rasters (`raster`): a GeoTIFF / COG of flood depth or wildfire susceptibility in any
 * CRS the engine knows. The import validates the file (header readable, CRS known, first and
 * last blocks decodable so a truncated download is caught now, not at scoring time) and
 * records it in hazard_layers with its absolute path; sampling happens at scoring time.
 */
import { resolve } from 'node:path';
import { CrsError, InputError } from '../errors.ts';
import { isKnownCrs, transformer, LAMBERT93 } from '../geo/crs.ts';
import { gridBounds } from '../geo/grid.ts';
import { openRaster, type Raster } from '../geo/raster.ts';
import type { ImportContext, Importer, PreparedImport } from '../importers.ts';
import { effectiveVintage, hazardOption, inFrance, layerName, upsertHazardLayer, type LayerImportOptions } from './common.ts';

const importer = {
  /** a GeoTIFF is read from source.path, not as UTF-8 text */
  binary: true,
  description: 'hazard raster (GeoTIFF / COG, any known CRS): --hazard flood|wildfire [--crs] [--layer]',
  async prepare({ source, options }: ImportContext): Promise<PreparedImport> {
    const opts = options as LayerImportOptions;
    const file = source.name;
    const hazard = hazardOption(opts, ['flood', 'wildfire'], file);
    if (!hazard) throw new InputError(`${file}: which hazard is this raster? give it with --hazard flood|wildfire`);
    const raster = await openRaster(source.path, { crs: opts.crs });
    const crs = raster.grid.crs;
    if (!isKnownCrs(crs)) {
      throw new CrsError(`${file}: CRS ${crs} is not known to Vigie; give its definition with --crs "${crs}=+proj=…"`);
    }
    await probeBlocks(raster, file);
    const b = gridBounds(raster.grid);
    // The centre must fall in France: catches a wrong --crs or a georeferencing error.
    const [lon, lat] = transformer(crs, 'EPSG:4326')((b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2);
    if (!inFrance(lon, lat)) {
      throw new InputError(`${file}: the raster's centre (lon ${lon.toFixed(3)}, lat ${lat.toFixed(3)} from ${crs}) lies outside France; check its CRS or give the right one with --crs`);
    }
    const toL93 = transformer(crs, LAMBERT93);
    const corners = [toL93(b.minx, b.miny), toL93(b.maxx, b.maxy), toL93(b.minx, b.maxy), toL93(b.maxx, b.miny)];
    const bbox = {
      minx: Math.min(...corners.map((c) => c[0])), miny: Math.min(...corners.map((c) => c[1])),
      maxx: Math.max(...corners.map((c) => c[0])), maxy: Math.max(...corners.map((c) => c[1])),
    };
    const layer = layerName(opts, source.path);
    const path = resolve(source.path);
    return {
      layer,
      rowsRead: 1,
      kept: 1,
      issues: [],
      crs,
      async write(store, catalogueId) {
        await upsertHazardLayer(
          store,
          {
            layer, hazard, kind: 'raster', source_file: source.path, raster_path: path, crs, format: 'geotiff', schema: 'raster',
            feature_count: raster.grid.width * raster.grid.height, nodata: raster.nodata, bbox,
          },
          catalogueId,
          effectiveVintage(opts, undefined, source.modified),
        );
      },
    };
  },
};
export const rasterImporter: Importer = importer;

/** Decodes the first and last blocks; a truncated or corrupt file fails here with its name. */
async function probeBlocks(raster: Raster, file: string): Promise<void> {
  const { width, height } = raster.grid;
  const bw = Math.min(raster.blockWidth, width);
  const bh = Math.min(raster.blockHeight, height);
  const lastCol = Math.floor((width - 1) / bw) * bw;
  const lastRow = Math.floor((height - 1) / bh) * bh;
  for (const [col, row] of [[0, 0], [lastCol, lastRow]]) {
    const win = { col, row, width: Math.min(bw, width - col), height: Math.min(bh, height - row) };
    try {
      await raster.readWindow(win);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${err.message} (block at column ${col}, row ${row}; expected a complete GeoTIFF)`, { cause: err });
      throw new InputError(`${file}: block at column ${col}, row ${row} cannot be decoded (${(err as Error).message}); the file is corrupt or truncated`, { cause: err });
    }
  }
}
