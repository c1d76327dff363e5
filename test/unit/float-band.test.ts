import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromArrayBuffer } from 'geotiff';
import { readFloat32Band } from '../../engine/geo/float-band.mjs';

// The fast reader against geotiff.js's readRasters (another implementation) on real files and on
// GDAL re-writes of one of them in the layouts a user's DTM may come in.
const REAL = 'test/fixtures/real/lidar';
const IGN = `${REAL}/ign-las-digital-models/DTM-bf687c6/test_data_77055_627760_LA93_IGN69_50CM_TIN.tif`; // none, strips
const DEFLATE = `${REAL}/derived/ftus_2263.tif`; // deflate, strips
const PREDICTOR3 = `${REAL}/giswqs-lidar/dem_rows_0-99.tif`; // deflate, floating-point predictor
const hasGdal = (() => {
  try {
    execFileSync('gdal_translate', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'vigie-float-band-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function both(path: string) {
  const bytes = readFileSync(path);
  const image = await (await fromArrayBuffer(new Uint8Array(bytes).buffer)).getImage(0);
  const fast = await readFloat32Band(image, bytes);
  const reference = (await image.readRasters({ samples: [0], interleave: true })) as Float32Array;
  return { fast, reference, width: image.getWidth(), height: image.getHeight() };
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let differ = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differ++;
  return differ;
}

describe('readFloat32Band', () => {
  it.each([['uncompressed strips (IGN LiDAR HD DTM)', IGN], ['deflate strips', DEFLATE]])('%s: the same bits as geotiff.js', async (_, path) => {
    const { fast, reference } = await both(path);
    expect(fast).not.toBeNull();
    expect(fast!.length).toBe(reference.length);
    expect(sameBits(fast!, reference)).toBe(0);
  });

  it('declines a floating-point predictor (the caller falls back to geotiff.js)', async () => {
    expect((await both(PREDICTOR3)).fast).toBeNull();
  });

  it.skipIf(!hasGdal).each([
    ['deflate tiles 32×32 with partial edge tiles', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32', '-co', 'COMPRESS=DEFLATE']],
    ['uncompressed tiles 16×16', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16']],
    ['deflate, one strip of 7 rows (last strip short)', ['-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKYSIZE=7']],
  ])('%s (GDAL re-write): the same bits as geotiff.js', async (name, options) => {
    const out = join(dir, `${name.replace(/\W+/g, '-')}.tif`);
    execFileSync('gdal_translate', ['-q', '-srcwin', '0', '0', '99', '93', ...options, IGN, out]);
    const { fast, reference, width, height } = await both(out);
    expect([width, height]).toEqual([99, 93]);
    expect(fast).not.toBeNull();
    expect(sameBits(fast!, reference)).toBe(0);
  });

  it.skipIf(!hasGdal)('declines a sparse file (empty blocks) rather than failing on it', async () => {
    const out = join(dir, 'sparse.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'SPARSE_OK=TRUE', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', '-a_nodata', '0', '-scale', '0', '1', '0', '0', IGN, out]);
    const { fast, reference } = await both(out);
    expect(reference.length).toBe(100 * 100);
    expect(fast).toBeNull();
  });

  it.skipIf(!hasGdal)('declines a big-endian file', async () => {
    const out = join(dir, 'big-endian.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'ENDIANNESS=BIG', IGN, out]);
    expect((await both(out)).fast).toBeNull();
  });

  it('refuses a truncated file by name instead of reading past its end', async () => {
    const bytes = readFileSync(DEFLATE);
    const image = await (await fromArrayBuffer(new Uint8Array(bytes).buffer)).getImage(0);
    await expect(readFloat32Band(image, bytes.subarray(0, bytes.length - 200))).rejects.toThrow(/truncated/);
  });
});
