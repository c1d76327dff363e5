/**
 * Property tests (fast-check, seeded) for the parts of the importers where a generator is
 * natural: CSV rows, coordinates, geometries, and the shared record rules. Each property says
 * what must hold for every input: a valid table reads back exactly; anything else is either read
 * or refused with an InputError — never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { LAMBERT93 } from '../../engine/geo/crs.ts';
import { bboxOf, geometryProblem, parseNumber, placement, reproject } from '../../engine/hazards/common.ts';
import { readCsvTable } from '../../engine/io/csv-table.ts';
import { checkJsonDepth, FIELD_LIMIT_BYTES, JSON_DEPTH_LIMIT, limitField, RecordIds } from '../../engine/io/record-rules.ts';
import { sourceFromBytes } from '../../engine/io/source-file.ts';
import type { Geometry } from '../../engine/io/vector.ts';

const RUNS = { seed: 14, numRuns: 200 };

/** Runs `f`; true when it returned, false when it threw an InputError; any other error fails the property. */
function readsOrRefuses(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof InputError) return false;
    throw err;
  }
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const cellChars = fc.constantFrom('a', 'Z', '7', 'é', 'ç', '€', ' ', ';', ',', '|', '"', '\n', '\r\n', '\t', "'", '«');

describe('CSV rows', () => {
  it('any table of quoted cells reads back cell for cell, on the right lines', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((cols) =>
          fc.tuple(fc.constant(cols), fc.array(fc.array(fc.string({ unit: cellChars, maxLength: 12 }), { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 8 })),
        ),
        fc.constantFrom(';', ',', '|'),
        ([cols, rows], d) => {
          const header = Array.from({ length: cols }, (_, i) => `col${i}`);
          const text = [header.join(d), ...rows.map((r) => r.map(quote).join(d))].join('\n') + '\n';
          const table = readCsvTable(sourceFromBytes('t.csv', Buffer.from(text)), { delimiters: [d], expected: 'a test table' });
          expect(table.header).toEqual(header);
          expect(table.records.map((r) => r.fields)).toEqual(rows);
          let line = 2;
          table.records.forEach((r, i) => {
            expect(r.line).toBe(line);
            line += 1 + rows[i].reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
          });
        },
      ),
      RUNS,
    );
  });

  it('any bytes are read as a table or refused with an InputError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        readsOrRefuses(() => readCsvTable(sourceFromBytes('x.csv', bytes), { delimiters: [';', ',', '|', '\t'], expected: 'a header and rows' }));
      }),
      RUNS,
    );
  });

  it('any text made of CSV punctuation is read as a table or refused with an InputError', () => {
    fc.assert(
      fc.property(fc.string({ unit: cellChars, maxLength: 200 }), (text) => {
        readsOrRefuses(() => readCsvTable(sourceFromBytes('x.csv', Buffer.from(`a;b\n${text}`)), { delimiters: [';'], expected: 'a header and rows' }));
      }),
      RUNS,
    );
  });
});

describe('coordinates', () => {
  const anyDouble = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 180.0001, 90.0001));
  for (const crs of ['EPSG:4326', LAMBERT93]) {
    it(`any pair of doubles is placed in France or refused by name (${crs})`, () => {
      const place = placement('f.geojson', crs);
      fc.assert(
        fc.property(anyDouble, anyDouble, (x, y) => {
          if (readsOrRefuses(() => place.check(x, y, 'f.geojson, feature 0'))) {
            const [X, Y] = place.toL93(x, y);
            expect(Number.isFinite(X) && Number.isFinite(Y)).toBe(true);
          }
        }),
        RUNS,
      );
    });
  }

  it('any string is a finite number, empty, or refused by name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double().map(String), fc.constantFrom('NaN', 'Infinity', '1e999', '1,5', '0x10', ' 12 ', '')), (s) => {
        try {
          const n = parseNumber(s, 'f.csv line 2, x', 'a coordinate');
          expect(n === null || Number.isFinite(n)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          expect((err as Error).message).toMatch(/^f\.csv line 2, x: .* \(expected a coordinate\)$/);
        }
      }),
      RUNS,
    );
  });
});

describe('geometries', () => {
  const num = fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }).map((d) => -1.9 + d), fc.double({ min: -3, max: 3, noNaN: true }).map((d) => 47.5 + d), fc.constantFrom(NaN, Infinity, 1e308, 0));
  const junk = fc.constantFrom<unknown>(null, 'x', {}, true, undefined);
  const position = fc.oneof({ weight: 8, arbitrary: fc.tuple(num, num) }, { weight: 1, arbitrary: fc.array(fc.oneof(num, junk), { maxLength: 3 }) }, { weight: 1, arbitrary: junk });
  const ring = fc.oneof(
    fc.array(position, { maxLength: 7 }),
    fc.array(fc.tuple(num, num), { minLength: 3, maxLength: 6 }).map((r) => [...r, r[0]]), // closed
  );
  const coordinates = fc.oneof(position, ring, fc.array(ring, { maxLength: 3 }), fc.array(fc.array(ring, { maxLength: 2 }), { maxLength: 2 }), junk);
  const geometry = fc.record({
    type: fc.constantFrom('Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection', 'Circle'),
    coordinates,
  });
  const ALL = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

  it('any geometry is judged without throwing; an accepted one placed in France reprojects to finite Lambert-93', () => {
    const place = placement('g.geojson', 'EPSG:4326');
    fc.assert(
      fc.property(geometry, (g) => {
        const problem = geometryProblem(g as Geometry, ALL);
        if (problem !== undefined) {
          expect(typeof problem).toBe('string');
          expect(problem).not.toContain('\n');
          return;
        }
        if (!readsOrRefuses(() => place.checkGeometry(g as Geometry, 'g.geojson, feature 0'))) return;
        const b = bboxOf(reproject(g as Geometry, place.toL93));
        expect([b.minx, b.miny, b.maxx, b.maxy].every(Number.isFinite)).toBe(true);
      }),
      { ...RUNS, numRuns: 500 },
    );
  });
});

describe('record rules', () => {
  it('a field is kept whole up to 64 KiB of UTF-8, else cut to a prefix of at most 64 KiB', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', ' '), minLength: 10_000, maxLength: 40_000 }), (s) => {
        const kept = limitField(s, 'f.csv', 2, 'note');
        if (Buffer.byteLength(s) <= FIELD_LIMIT_BYTES) expect(kept).toBe(s);
        else {
          expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(FIELD_LIMIT_BYTES);
          expect(s.startsWith(kept)).toBe(true);
          expect(Buffer.byteLength(kept)).toBeGreaterThan(FIELD_LIMIT_BYTES - 4);
        }
      }),
      { seed: 14, numRuns: 60 },
    );
  });

  it('JSON up to the depth limit passes the depth check, deeper JSON is refused with the line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.constantFrom('[', '{"a":'), fc.boolean(), (depth, open, pretty) => {
        const close = open === '[' ? ']' : '}';
        const text = (pretty ? '\n' : '') + open.repeat(depth) + '1' + close.repeat(depth);
        JSON.parse(text);
        if (depth <= JSON_DEPTH_LIMIT) checkJsonDepth(text, 'd.geojson');
        else expect(() => checkJsonDepth(text, 'd.geojson')).toThrow(new RegExp(`^d\\.geojson line ${pretty ? 2 : 1}: JSON nested more than ${JSON_DEPTH_LIMIT} levels`));
      }),
      RUNS,
    );
    // brackets inside strings do not count
    checkJsonDepth(JSON.stringify({ s: '['.repeat(1000) }), 'd.geojson');
  });

  it('duplicate ids: the first is kept, every later one is rejected naming both lines', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { maxLength: 30 }), (ids) => {
        const seen = new RecordIds('f.csv', 'id');
        const firstLine = new Map<string, number>();
        ids.forEach((id, i) => {
          const line = i + 2;
          const issue = seen.seen(id, line);
          if (!firstLine.has(id)) {
            expect(issue).toBeUndefined();
            firstLine.set(id, line);
          } else {
            expect(issue).toMatchObject({ line, reason: 'duplicate_id', kept: false, recordId: id });
            expect(issue!.message).toBe(`f.csv line ${line}, id: "${id}" repeats the id of line ${firstLine.get(id)} (expected each id once); the first record is kept, this one is not stored`);
          }
        });
      }),
      RUNS,
    );
  });
});
