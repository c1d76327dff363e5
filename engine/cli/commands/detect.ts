import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { datumShiftAccuracy, isKnownCrs, LAMBERT93, normaliseCrs, registerCrs } from '../../geo/crs.ts';
import { defaultDbPath, Store } from '../../store/store.ts';

export const detectCommand: Command = {
  summary: 'detect relief anomalies (mounds, kilns, enclosures, pits) in LiDAR terrain tiles',
  usage:
    'vigie detect <tiles or folders…> [--out detections.geojson] [--wgs84 | --out-crs EPSG:NNNN] [--db FILE] [--no-db] [--crs EPSG:NNNN …]\n' +
    '             [--model models/detector.onnx] [--workers N] [--force] [--json]\n' +
    '  Tiles: 0.5 m terrain (MNT) GeoTIFF (or a plain TIFF with its .aux.xml / .tfw + .prj), ESRI ASCII grid\n' +
    '  or gridded XYZ (.xyz: easting northing elevation per cell centre, CRS from its .prj or --crs) in a\n' +
    '  projected CRS, a GDAL virtual mosaic (.vrt: the tiles it lists), or classified point clouds\n' +
    '  (.laz, .copc.laz, .las, or folders of them) turned into MNT first (as `vigie dtm`, kept in var/cache/dtm). A GeoTIFF over\n' +
    '  100 M pixels (an AHN sheet, a merged mosaic) is cut into tiles of about 2,000 × 2,000 first (kept there too). Each file is checked;\n' +
    '  a bad file is reported and skipped. Exit 0 when at least one tile was processed.\n' +
    '  --out: GeoJSON in the tiles\' own CRS when they share one (Lambert-93 for French tiles), else WGS 84;\n' +
    '  --wgs84 or --out-crs name another. The database holds Lambert-93.\n' +
    '  --workers: inference threads, one model session each (default: one per core, at most 2; 0 = main thread).\n' +
    '  --crs CODE or CODE=proj4: the CRS to read the tiles in. Once: every input. Repeated: one per input\n' +
    '  (file or folder) in the order given; `--crs auto` keeps that input\'s own CRS.\n' +
    '  A tile is skipped as already done when the same bytes were processed by the same model with the same\n' +
    '  settings (and no new neighbour); --out always holds the detections of every tile given.',
  options: {
    out: { type: 'string' },
    wgs84: { type: 'boolean' },
    'out-crs': { type: 'string' },
    'no-db': { type: 'boolean' },
    crs: { type: 'string', multiple: true },
    model: { type: 'string' },
    workers: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const { defaultOutputCrs, detectTiles, writeDetectionsGeoJson } = await import('../../detect/detections.ts');
    if (positionals.length === 0) throw new InputError('expected one or more tile files or folders');
    // where the results go is checked before the run, not after it
    if (typeof values.out === 'string') await checkOutFile(values.out);
    if (values.wgs84 && values['out-crs'] !== undefined) throw new InputError('--wgs84 and --out-crs: give one of them');
    const outCrs = typeof values['out-crs'] === 'string' ? checkOutCrs(values['out-crs']) : undefined;
    // one value for every input, or one per input (checked against the inputs by detectTiles)
    const crs = (values.crs as unknown as string[] | undefined)?.map((v) => {
      const [code, def] = v.split(/=(.*)/s);
      if (def) registerCrs(code, def);
      return v;
    });
    const store = await Store.open(values['no-db'] ? ':memory:' : ((values.db as string | undefined) ?? defaultDbPath()));
    try {
      const t0 = performance.now();
      const res = await detectTiles(store, positionals, {
        crs,
        modelPath: values.model as string | undefined,
        workers: workersOption(values.workers),
        force: Boolean(values.force),
        log: (l) => {
          if (!values.json) console.error(`  ${l}`);
        },
        onTile: (r) => {
          if (!values.json) console.error(r.ok ? `  ${r.tile}: ${r.detections} detections${r.resampled ? ` (${r.resampled})` : ''}` : `  ${r.file}: ERROR ${r.error}`);
        },
      });
      const ok = res.reports.filter((r) => r.ok).length;
      const failed = res.reports.filter((r) => !r.ok);
      // positions stored in Lambert-93 (and written in WGS 84) cross a datum shift proj4js may only approximate
      const datumNotes = [...new Set(Object.values(res.tileCrs))]
        .filter((c) => c !== LAMBERT93)
        .map((c) => {
          try {
            return datumShiftAccuracy(c);
          } catch {
            return { metres: null, note: `${c}: datum shift not known` };
          }
        })
        .filter((a) => a.metres === null || a.metres > 5);
      if (!values.json) for (const a of datumNotes) console.error(`  note: ${a.note}; the GeoJSON in the tiles' own CRS is exact (--out without --wgs84)`);
      const written = values.wgs84 || outCrs === 'EPSG:4326' ? { wgs84: true } : outCrs ? { crs: outCrs } : defaultOutputCrs(Object.values(res.tileCrs));
      const writtenIn = written.wgs84 ? 'WGS 84' : written.crs ?? LAMBERT93;
      if (typeof values.out === 'string') await writeDetectionsGeoJson(values.out, res.detections, written);
      const byLevel: Record<string, number> = {};
      for (const d of res.detections) byLevel[d.level] = (byLevel[d.level] ?? 0) + 1;
      const summary = {
        model: res.modelHash,
        tiles_processed: ok,
        tiles_skipped_already_done: res.skipped.length,
        tiles_failed: failed.map((r) => ({ file: r.file, error: r.error })),
        detections: res.detections.length,
        by_level: byLevel,
        connu: res.detections.filter((d) => d.novelty === 'connu').length,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        out: values.out ?? null,
        out_crs: values.out ? writtenIn : null,
        datum_notes: datumNotes.map((a) => a.note),
        db: values['no-db'] ? null : store.path,
      };
      if (values.json) console.log(JSON.stringify(summary, null, 2));
      else {
        console.log(
          `${ok} tile(s) processed, ${res.skipped.length} already done, ${failed.length} failed; ${res.detections.length} detections ` +
            `(${Object.entries(byLevel).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; ${summary.connu} connu) in ${summary.seconds} s — model ${res.modelHash}` +
            (values.out ? `; written to ${values.out} (${writtenIn})` : ''),
        );
      }
      return ok + res.skipped.length > 0 ? 0 : 1;
    } finally {
      store.close();
    }
  },
};

/** `--out` must name a file in an existing folder (checked before a run of many tiles, not after it). */
async function checkOutFile(out: string): Promise<void> {
  const s = await stat(out).catch(() => null);
  if (s?.isDirectory()) throw new InputError(`--out ${out} is a folder; expected a file path such as ${join(out, 'detections.geojson')}`);
  const dir = dirname(resolve(out));
  const d = await stat(dir).catch(() => null);
  if (!d?.isDirectory()) throw new InputError(`--out ${out}: folder ${dir} does not exist; create it first or choose another path`);
}

function checkOutCrs(v: string): string {
  const code = normaliseCrs(v);
  if (!/^EPSG:\d+$/.test(code) || !isKnownCrs(code)) throw new InputError(`--out-crs ${v}: expected an EPSG code of the registry such as EPSG:2154 (or --wgs84)`);
  return code;
}

function workersOption(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--workers ${String(v)} is not a whole number >= 0; try --workers 2`);
  return n;
}
