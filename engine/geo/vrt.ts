/**
 * A GDAL virtual mosaic (`.vrt`, QGIS « Construire un raster virtuel », `gdalbuildvrt`) given as
 * terrain: the tiles it lists are read instead, each with its own georeferencing, CRS and
 * nodata — the detector mosaics tiles itself, margins from neighbours included. Only a plain
 * mosaic is taken: band 1 made of the sources' band 1, unscaled; a VRT that transforms its
 * sources (scale, offset, lookup table, filter, warp, pansharpening, pixel functions) is refused
 * by name, as are sources that are not local files (`/vsicurl/`, `/vsizip/`, …).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { unescapeXml } from './sidecars.ts';

const MOSAIC = 'give the tiles (or their folder) instead, or rebuild the VRT as a plain mosaic: gdalbuildvrt mosaic.vrt tiles/*.tif';

/** The local files a plain-mosaic VRT lists for its band 1, resolved, in the VRT's order, each once. */
export async function vrtSources(path: string): Promise<string[]> {
  const name = basename(path);
  let xml: string;
  try {
    xml = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read the VRT (${(err as Error).message})`, { cause: err });
  }
  const root = /<VRTDataset\b([^>]*)>/.exec(xml);
  if (!root) throw new InputError(`${name}: no <VRTDataset> element; expected a GDAL virtual raster (.vrt)`);
  const sub = /\bsubClass="([^"]*)"/.exec(root[1]);
  if (sub) throw new InputError(`${name}: a ${sub[1]} (it transforms its sources); expected a plain mosaic of terrain tiles: ${MOSAIC}`);
  const band = /<VRTRasterBand\b([^>]*\bband="1"[^>]*)>([\s\S]*?)<\/VRTRasterBand>/.exec(xml);
  if (!band) throw new InputError(`${name}: no band 1 (<VRTRasterBand band="1">); expected a mosaic of terrain tiles`);
  const bandSub = /\bsubClass="([^"]*)"/.exec(band[1]);
  if (bandSub) throw new InputError(`${name}: band 1 is a ${bandSub[1]} (computed from its sources); expected a plain mosaic of terrain tiles: ${MOSAIC}`);
  for (const tag of ['Scale', 'Offset']) {
    const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(band[2].replace(/<(Simple|Complex|Averaged)Source\b[\s\S]*?<\/\1Source>/g, ''));
    if (m && Number(m[1]) !== (tag === 'Scale' ? 1 : 0)) {
      throw new InputError(`${name}: band 1 <${tag}> ${m[1].trim()}: the VRT rescales its elevations; expected a plain mosaic of terrain tiles: ${MOSAIC}`);
    }
  }
  const out: string[] = [];
  const sourceRe = /<(\w+Source)\b[^>]*>([\s\S]*?)<\/\1>/g;
  for (let m = sourceRe.exec(band[2]); m; m = sourceRe.exec(band[2])) {
    const [, kind, body] = m;
    const file = /<SourceFilename\b([^>]*)>([^<]*)<\/SourceFilename>/.exec(body);
    const label = file ? JSON.stringify(file[2].trim()) : 'a source';
    if (!['SimpleSource', 'ComplexSource', 'AveragedSource'].includes(kind)) {
      throw new InputError(`${name}: ${label} is a ${kind} (it transforms the tile); expected SimpleSource or ComplexSource: ${MOSAIC}`);
    }
    if (!file) throw new InputError(`${name}: a ${kind} without <SourceFilename>; expected each source to name its tile`);
    const srcBand = /<SourceBand>\s*(\d+)\s*<\/SourceBand>/.exec(body);
    if (srcBand && srcBand[1] !== '1') throw new InputError(`${name}: ${label} takes band ${srcBand[1]}; expected band 1 of each tile (the elevations)`);
    for (const [tag, neutral] of [['ScaleRatio', 1], ['ScaleOffset', 0]] as const) {
      const t = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body);
      if (t && Number(t[1]) !== neutral) throw new InputError(`${name}: ${label} has <${tag}> ${t[1].trim()}: the VRT rescales its elevations; expected a plain mosaic: ${MOSAIC}`);
    }
    for (const tag of ['LUT', 'Exponent', 'ColorTableComponent']) {
      if (new RegExp(`<${tag}>`).test(body)) throw new InputError(`${name}: ${label} has a <${tag}>: the VRT transforms its elevations; expected a plain mosaic: ${MOSAIC}`);
    }
    const text = unescapeXml(file[2].trim());
    if (text.startsWith('/vsi') || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
      throw new InputError(`${name}: ${label} is not a local file; expected the tiles on disk (download them, then give the folder)`);
    }
    const relative = /\brelativeToVRT="1"/.test(file[1]);
    const p = relative && !isAbsolute(text) ? resolve(dirname(path), text) : resolve(text);
    if (!out.includes(p)) out.push(p);
  }
  if (!out.length) throw new InputError(`${name}: band 1 lists no source tile; expected a mosaic of terrain tiles`);
  return out;
}
