/**
 * Where a tile job reads its tiles: local paths (a shared file system), or http(s) URLs — an
 * object store's public or presigned URLs, IGN's download service — read by HTTP range requests:
 * a whole tile in 8 MiB ranges (a dropped connection resumes at the last byte received), and a
 * neighbour's margin through geotiff.js's `fromUrl`, which fetches only the blocks the window
 * needs.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../errors.ts';

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** The file name a URL points at (path's last segment, without the query). */
export function urlBaseName(url: string): string {
  const u = new URL(url);
  return decodeURIComponent(basename(u.pathname)) || 'tile';
}

export const RANGE_BYTES = 8 << 20;

/** Counts of what was fetched, for tests and the bench. */
export const fetchStats = { requests: 0, rangeRequests: 0, bytes: 0 };

/**
 * Downloads `url` to `dest` (temp file + rename) with range requests of RANGE_BYTES; a server
 * that ignores ranges (answers 200) is read in one response. Retries a failed range 3 times.
 */
export async function fetchToFile(url: string, dest: string): Promise<number> {
  const tmp = `${dest}.part-${process.pid}`;
  const out = createWriteStream(tmp);
  let offset = 0;
  let total = Infinity;
  try {
    while (offset < total) {
      let res: Response | null = null;
      let lastErr: unknown = null;
      for (let attempt = 0; attempt < 4 && !res; attempt++) {
        try {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
          fetchStats.requests++;
          fetchStats.rangeRequests++;
          const r = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + RANGE_BYTES - 1}` } });
          if (r.status === 416 && offset > 0) return offset; // nothing left
          if (r.status !== 206 && r.status !== 200) throw new InputError(`${url}: HTTP ${r.status} ${r.statusText}`);
          res = r;
        } catch (err) {
          lastErr = err;
        }
      }
      if (!res) throw lastErr instanceof InputError ? lastErr : new InputError(`${url}: cannot fetch (${(lastErr as Error)?.message ?? lastErr})`);
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status === 200) {
        // the server sent the whole file
        await write(out, body);
        fetchStats.bytes += body.length;
        offset = body.length;
        total = offset;
        break;
      }
      const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
      if (m) total = Number(m[1]);
      await write(out, body);
      offset += body.length;
      fetchStats.bytes += body.length;
      if (body.length === 0) break;
    }
    await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
    await rename(tmp, dest);
    return offset;
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

function write(out: NodeJS.WritableStream, buf: Uint8Array): Promise<void> {
  return new Promise((r, j) => out.write(buf, (err) => (err ? j(err) : r())));
}
