/** FlatGeobuf in the vector registry: features as GeoJSON, CRS from the header's (org, code). */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { HeaderMeta } from 'flatgeobuf';
import { InputError } from '../errors.ts';
import { epsgCode, registerVectorFormat, type Geometry, type VectorFeature } from './vector.ts';

const MAGIC = [0x66, 0x67, 0x62, 0x03]; // "fgb" + major version 3

registerVectorFormat({
  name: 'fgb',
  extensions: ['.fgb'],
  sniff: (head) => MAGIC.every((b, i) => head[i] === b),
  async open(path) {
    const name = basename(path);
    const bytes = new Uint8Array(readFileSync(path));
    if (!MAGIC.every((b, i) => bytes[i] === b)) {
      throw new InputError(`${name}: not a FlatGeobuf file (expected the magic bytes "fgb\\x03" at offset 0)`);
    }
    // The header is read by deserialize; pull the first feature to learn the CRS.
    let header: HeaderMeta | undefined;
    const iter = deserialize(bytes, { headerMetaFn: (h: HeaderMeta) => (header = h) })[Symbol.asyncIterator]();
    let first: IteratorResult<unknown>;
    try {
      first = await iter.next();
    } catch (err) {
      throw new InputError(`${name}: corrupt FlatGeobuf (${(err as Error).message})`, { cause: err });
    }
    const crs = (header as HeaderMeta | undefined)?.crs;
    return {
      declaredCrs: crs ? epsgCode(crs.org ?? 'EPSG', crs.code) : undefined,
      features: async function* (): AsyncGenerator<VectorFeature> {
        let index = 0;
        let next = first;
        while (!next.done) {
          const f = next.value as { id?: string | number; geometry: Geometry | null; properties?: Record<string, unknown> };
          yield { index, id: f.id, geometry: f.geometry ?? null, properties: f.properties ?? {} };
          index++;
          try {
            next = await iter.next();
          } catch (err) {
            throw new InputError(`${name}, feature #${index}: corrupt FlatGeobuf (${(err as Error).message})`, { cause: err });
          }
        }
      },
    };
  },
});
