import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/store.ts';

// Store.appendColumns / readColumns carry the risk tables (millions of terms): they must give
// back exactly what the row-wise append() and all() give, across vector (2,048-row) boundaries.
describe('column-wise appends and reads (risk tables)', () => {
  let store: Store;
  const N = 5000;
  const words = ['', 'a', 'église', 'exactly12chr', 'thirteen char', 'un libellé bien plus long que douze octets', null, 'PA00000001', '日本'];
  const text = Array.from({ length: N }, (_, i) => words[(i * 7) % words.length]);
  const ints = Int32Array.from({ length: N }, (_, i) => i - 100);
  const small = Int8Array.from({ length: N }, (_, i) => (i % 5) - 1);
  const dbl = Float64Array.from({ length: N }, (_, i) => (i % 997 === 3 ? NaN : i / 3));

  beforeAll(async () => {
    store = await Store.open(':memory:');
    await store.run(`CREATE TABLE t (k INTEGER, u UTINYINT, v DOUBLE, lv TINYINT, s VARCHAR, c VARCHAR, n INTEGER, b BIGINT, f FLOAT, j JSON, missing VARCHAR)`);
    await store.appendColumns('t', {
      k: ints, u: Int32Array.from(ints, (x) => (x + 100) % 7), v: dbl, lv: { values: small, nullValue: -1 }, s: text,
      c: 'constant', n: null, b: 7, f: new Float32Array(N).fill(1.5), j: '{"a":1}',
    });
  });
  afterAll(() => store.close());

  it('stores every value as append() would, NULLs included', async () => {
    const rows = await store.all<Record<string, unknown>>('SELECT * FROM t ORDER BY k');
    expect(rows.length).toBe(N);
    rows.forEach((r, i) => {
      expect(r).toEqual({
        k: ints[i], u: (ints[i] + 100) % 7, v: Number.isNaN(dbl[i]) ? null : dbl[i], lv: small[i] === -1 ? null : small[i],
        s: text[i], c: 'constant', n: null, b: 7, f: 1.5, j: '{"a":1}', missing: null,
      });
    });
    // Inline strings must be byte-identical to DuckDB's own (grouping and joins hash them).
    expect(Number(await store.value(`SELECT count(DISTINCT s) FROM t`))).toBe(words.filter((w) => w !== null).length);
  });

  it('reads columns back as all() does (numbers as doubles, NaN for NULL)', async () => {
    const { rows, columns } = await store.readColumns('SELECT k, v, lv, s, c, n, b, j FROM t ORDER BY k');
    const all = await store.all<Record<string, unknown>>('SELECT k, v, lv, s, c, n, b, j FROM t ORDER BY k');
    expect(rows).toBe(N);
    expect(columns.k).toBeInstanceOf(Float64Array);
    all.forEach((r, i) => {
      for (const [name, value] of Object.entries(r)) {
        const got = columns[name][i];
        if (value === null && typeof got === 'number') expect(got).toBeNaN();
        else expect(got).toEqual(value);
      }
    });
  });

  it('names the bad column', async () => {
    await expect(store.appendColumns('t', { k: ints, nope: ints })).rejects.toThrow(/no column nope/);
    await expect(store.appendColumns('t', { k: ints, v: new Float64Array(3) })).rejects.toThrow(/column v has 3 values/);
  });
});
