// Inference worker for engine/detect/infer.ts (plain JS so it runs under node, tsx and vitest
// alike): one onnxruntime session per worker thread. onnxruntime-node runs a session on the
// calling JS thread, so a pool of these is what lets inference use more than one core while
// the main thread decodes the next tiles. Protocol: {bytes, threads} once, then
// {id, z, width, height} → {id, maps, dims, ms} (buffers transferred) or {id, error};
// {id, decode: path} → {id, data} (a GeoTIFF's band 1, so decoding also leaves the main thread).
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { parentPort } from 'node:worker_threads';
import { addDecoder, BaseDecoder, fromArrayBuffer } from 'geotiff';
import * as ort from 'onnxruntime-node';
import { applyScaleOffset, readFloat32Band, scaleOffsetOf } from '../geo/float-band.mjs';

// deflate through node:zlib, as engine/geo/raster.ts does (same bytes out)
class ZlibDeflateDecoder extends BaseDecoder {
  decodeBlock(buffer) {
    const out = inflateSync(new Uint8Array(buffer));
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}
addDecoder([8, 32946], async () => ZlibDeflateDecoder, undefined, false);

/** Band 1 of a GeoTIFF as Float32Array, decoded off the main thread. */
async function decodeTiff(path) {
  const bytes = await readFile(path);
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const tiff = await fromArrayBuffer(whole ? bytes.buffer : new Uint8Array(bytes).buffer);
  const image = await tiff.getImage(0);
  const so = await scaleOffsetOf(image);
  const fast = await readFloat32Band(image, bytes);
  if (fast) return applyScaleOffset(fast, so);
  const r = await image.readRasters({ samples: [0], interleave: true });
  return applyScaleOffset(r instanceof Float32Array ? r : Float32Array.from(r), so);
}

let session;
parentPort.on('message', async (msg) => {
  if (msg.bytes) {
    try {
      session = await ort.InferenceSession.create(new Uint8Array(msg.bytes), {
        intraOpNumThreads: msg.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      parentPort.postMessage({ ready: true });
    } catch (err) {
      parentPort.postMessage({ ready: false, error: String(err?.message ?? err) });
    }
    return;
  }
  if (msg.decode) {
    try {
      const t0 = performance.now();
      const data = await decodeTiff(msg.decode);
      parentPort.postMessage({ id: msg.id, data, ms: performance.now() - t0 }, [data.buffer]);
    } catch (err) {
      parentPort.postMessage({ id: msg.id, error: String(err?.message ?? err) });
    }
    return;
  }
  if (msg.close) {
    await session?.release();
    parentPort.close();
    return;
  }
  try {
    const t0 = performance.now();
    const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', msg.z, [1, 1, msg.height, msg.width]) });
    const t = res[session.outputNames[0]];
    // the output tensor may live in native memory, which cannot be transferred: one small copy
    const maps = new Float32Array(t.data);
    parentPort.postMessage({ id: msg.id, maps, dims: t.dims, ms: performance.now() - t0 }, [maps.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String(err?.message ?? err) });
  }
});
