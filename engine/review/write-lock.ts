/**
 * Writes of the review workflow (sessions, users, reviews, audit) each run in their own
 * transaction. Store.transaction already queues transactions and gives each its own
 * connection, so this is the one name the review code uses for « a write, atomically ».
 */
import type { Store } from '../store/store.ts';

export function serialWrite<T>(store: Store, fn: (tx: Store) => Promise<T>): Promise<T> {
  return store.transaction(fn);
}
