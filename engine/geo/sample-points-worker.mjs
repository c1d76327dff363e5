// Block decoder for engine/geo/sample-points.ts. Plain JavaScript on purpose: a worker thread
// must load without a TypeScript loader (plain `node`, tsx, vitest all start it the same way).
// Edit the planning side in sample-points.ts; this file only reads, inflates and picks values.
import { closeSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { isMainThread, parentPort } from 'node:worker_threads';

/**
 * Decodes each block of `job` once and returns the value of every request in it.
 * job: { path, compression (1 none | 8/32946 deflate), bitsPerSample, sampleFormat (1 uint, 2 int, 3 float),
 *        blockWidth, blockHeight, blocks: [{ offset, byteCount, start, end }], offsets: Int32Array
 *        (pixel offset inside its block, one per request, requests of a block contiguous [start, end)) }
 * Returns a Float64Array aligned with `offsets`.
 */
export function sampleBlocks(job) {
  const out = new Float64Array(job.offsets.length);
  const fd = openSync(job.path, 'r');
  try {
    const px = job.blockWidth * job.blockHeight;
    for (const b of job.blocks) {
      let bytes;
      if (b.byteCount === 0) {
        // Sparse block (GDAL writes none for all-nodata tiles): TIFF says it reads as zeros.
        bytes = new Uint8Array(px * (job.bitsPerSample / 8));
      } else {
        const raw = Buffer.allocUnsafe(b.byteCount);
        readSync(fd, raw, 0, b.byteCount, b.offset);
        // One output chunk of the block's size: the default 16 KiB chunks are concatenated
        // afterwards, which doubles the inflate time (~110 vs ~230 ms for 400 blocks of 1 MiB).
        bytes = job.compression === 1 ? raw : inflateSync(raw, { chunkSize: Math.max(px * (job.bitsPerSample / 8), 64) });
      }
      const view = typedView(bytes, job.bitsPerSample, job.sampleFormat);
      for (let i = b.start; i < b.end; i++) out[i] = view[job.offsets[i]];
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function typedView(bytes, bits, format) {
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  const n = bytes.byteLength / (bits / 8);
  // Typed arrays need aligned offsets; copy when the decoder handed back an unaligned slice.
  const aligned = off % (bits / 8) === 0 ? [buf, off] : [bytes.slice().buffer, 0];
  const [b, o] = aligned;
  if (format === 3) return bits === 64 ? new Float64Array(b, o, n) : new Float32Array(b, o, n);
  if (format === 2) return bits === 8 ? new Int8Array(b, o, n) : bits === 16 ? new Int16Array(b, o, n) : new Int32Array(b, o, n);
  return bits === 8 ? new Uint8Array(b, o, n) : bits === 16 ? new Uint16Array(b, o, n) : new Uint32Array(b, o, n);
}

if (!isMainThread && parentPort) {
  parentPort.on('message', (job) => {
    try {
      const values = sampleBlocks(job);
      parentPort.postMessage({ values }, [values.buffer]);
    } catch (err) {
      parentPort.postMessage({ error: String(err && err.message ? err.message : err) });
    }
  });
}
