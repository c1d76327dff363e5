/**
 * Store.transaction: a transaction has its own connection, so readers outside it never see its
 * uncommitted writes, and a rollback leaves nothing behind; concurrent transactions are serial.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../engine/store/store.ts';

let store: Store;
beforeEach(async () => {
  store = await Store.open(':memory:');
  await store.run('CREATE TABLE t (k INTEGER, v VARCHAR)');
  await store.run(`INSERT INTO t VALUES (1, 'committed')`);
});
afterEach(() => store.close());

/** Resolves after the event loop has had a chance to run other tasks. */
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Store.transaction', () => {
  it('a concurrent reader never sees a write that is later rolled back', async () => {
    const seen: number[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        seen.push(Number(await store.value(`SELECT count(*) FROM t WHERE v = 'uncommitted'`)));
        await tick();
      }
    })();
    await expect(
      store.transaction(async (tx) => {
        for (let i = 0; i < 20; i++) {
          await tx.run(`INSERT INTO t VALUES ($1, 'uncommitted')`, [100 + i]);
          // the write is visible inside the transaction…
          expect(Number(await tx.value(`SELECT count(*) FROM t WHERE v = 'uncommitted'`))).toBe(i + 1);
          await tick();
        }
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(5);
    // …and never outside it, not even while it was open
    expect(seen.every((n) => n === 0)).toBe(true);
    expect(Number(await store.value('SELECT count(*) FROM t'))).toBe(1);
  });

  it('code inside the transaction that uses another reference to the store writes inside it', async () => {
    const outer = store;
    await expect(
      store.transaction(async () => {
        await outer.run(`INSERT INTO t VALUES (2, 'via outer reference')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(Number(await store.value('SELECT count(*) FROM t'))).toBe(1);
  });

  it('runs concurrent transactions one after the other, each atomically', async () => {
    const order: string[] = [];
    const a = store.transaction(async (tx) => {
      order.push('a:start');
      await tx.run(`INSERT INTO t VALUES (10, 'a')`);
      await tick();
      order.push('a:end');
    });
    const b = store.transaction(async (tx) => {
      order.push('b:start');
      await tx.run(`INSERT INTO t VALUES (11, 'b')`);
      order.push('b:end');
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    expect(Number(await store.value('SELECT count(*) FROM t'))).toBe(3);
  });

  it('a nested transaction joins the outer one (rolled back with it)', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.transaction(async (inner) => inner.run(`INSERT INTO t VALUES (3, 'nested')`));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(Number(await store.value('SELECT count(*) FROM t'))).toBe(1);
  });

  it('a failed transaction does not block the next one', async () => {
    await expect(store.transaction(async () => { throw new Error('first'); })).rejects.toThrow('first');
    await store.transaction(async (tx) => tx.run(`INSERT INTO t VALUES (4, 'after')`));
    expect(Number(await store.value('SELECT count(*) FROM t'))).toBe(2);
  });
});

describe('Store.append', () => {
  it('reports the append error itself, not the aborted transaction behind it', async () => {
    await store.run('CREATE TABLE k (id VARCHAR PRIMARY KEY)');
    await store.run(`INSERT INTO k VALUES ('a')`);
    const err = await store
      .transaction((tx) => tx.append('k', [{ id: 'a' }], [{ type: 'varchar', get: (r: { id: string }) => r.id }]))
      .catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/duplicate key|primary key|constraint/i);
    expect(String(err)).not.toMatch(/transaction is aborted/i);
    expect(Number(await store.value('SELECT count(*) FROM k'))).toBe(1);
  });
});
