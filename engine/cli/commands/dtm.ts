import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { registerCrs } from '../../geo/crs.ts';

export const dtmCommand: Command = {
  summary: 'build 0.5 m terrain models (MNT GeoTIFFs) from classified LiDAR point clouds (LAZ, COPC, LAS)',
  usage:
    'vigie dtm <.laz/.copc.laz/.las files or folders…> --out DIR [--crs EPSG:NNNN[=proj4]] [--resolution 0.5]\n' +
    '          [--margin 20] [--max-edge 10] [--classes 2,9,66] [--tile-size M] [--grid centre|corner] [--json]\n' +
    '  Ground points (classes 2 ground, 9 water, 66 virtual points: IGN\'s DTM filter) of each tile and of its\n' +
    '  neighbours within --margin metres are triangulated; every pixel centre takes the TIN-linear value.\n' +
    '  Triangles with an edge longer than --max-edge metres (ground missing: buildings, gaps) give nodata (−9999);\n' +
    '  --max-edge none interpolates across every gap, as IGN\'s published MNT does.\n' +
    '  Grid: pixel centres on the tile corner (IGN LiDAR HD, `centre`), or raster corner on it (`corner`).\n' +
    '  Output: float32 GeoTIFFs named like IGN\'s (LHD_FXX_0770_6278_MNT_O_0M50_LAMB93_IGN69.tif) in DIR.',
  options: {
    out: { type: 'string' },
    crs: { type: 'string' },
    resolution: { type: 'string' },
    margin: { type: 'string' },
    'max-edge': { type: 'string' },
    classes: { type: 'string' },
    'tile-size': { type: 'string' },
    grid: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const { lazToDtm, listPointClouds } = await import('../../lidar/dtm.ts');
    if (positionals.length === 0) throw new InputError('expected one or more point cloud files (.laz, .copc.laz, .las) or folders');
    if (typeof values.out !== 'string') throw new InputError('--out DIR is required: the folder the terrain models are written to');
    let crs: string | undefined;
    if (typeof values.crs === 'string') {
      const [code, def] = values.crs.split(/=(.*)/s);
      crs = def ? registerCrs(code, def) : code;
    }
    const grid = values.grid ?? 'centre';
    if (grid !== 'centre' && grid !== 'corner') throw new InputError(`--grid ${JSON.stringify(grid)}: expected centre or corner`);
    const classes =
      typeof values.classes === 'string'
        ? values.classes.split(',').map((s) => {
            const n = Number(s.trim());
            if (!Number.isInteger(n) || n < 0 || n > 255) throw new InputError(`--classes: ${JSON.stringify(s)} is not a classification value 0–255`);
            return n;
          })
        : undefined;
    const files = await listPointClouds(positionals);
    const t0 = performance.now();
    const run = await lazToDtm(files, {
      outDir: values.out,
      crs,
      classes,
      grid,
      resolution: num(values.resolution, '--resolution'),
      margin: num(values.margin, '--margin'),
      maxEdge: values['max-edge'] === 'none' ? Infinity : num(values['max-edge'], '--max-edge'),
      tileSize: num(values['tile-size'], '--tile-size'),
      log: values.json ? undefined : (l) => console.error(`  ${l}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const summary = {
      tiles: run.tiles.map((t) => ({ source: t.source, out: t.out, ground_points: t.points, margin_points: t.marginPoints, filled: Number(t.valid.toFixed(4)) })),
      points_decoded: run.decoded,
      ground_points: run.kept,
      seconds: Number(seconds.toFixed(2)),
      ms: Object.fromEntries(Object.entries(run.ms).map(([k, v]) => [k, Math.round(v)])),
    };
    console.log(JSON.stringify(summary, null, values.json ? 0 : 2));
    return 0;
  },
};

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new InputError(`${name} ${JSON.stringify(v)}: expected a number`);
  return n;
}
