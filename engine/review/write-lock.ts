/**
 * Serialises writes on a Store. The Store has one DuckDB connection and one transaction flag:
 * two requests opening transactions at the same time would share one, so every write of the
 * review workflow (sessions, users, reviews, audit) queues here and runs in its own transaction.
 */
import type { Store } from '../store/store.ts';

const queues = new WeakMap<Store, Promise<unknown>>();

export function serialWrite<T>(store: Store, fn: (tx: Store) => Promise<T>): Promise<T> {
  const prev = queues.get(store) ?? Promise.resolve();
  const next = prev.then(
    () => store.transaction(fn),
    () => store.transaction(fn),
  );
  queues.set(store, next.catch(() => undefined));
  return next;
}
