/**
 * The audit trail: who changed what, when, with the state before and after. Rows are written by
 * the caller inside its own transaction, so a change and its audit row commit together.
 */
import type { Store } from '../store/store.ts';

export type AuditEntity = 'site' | 'detection' | 'user' | 'condition_match';

export interface AuditInput {
  username: string;
  entity: AuditEntity;
  entity_id: string;
  action: string;
  before: unknown;
  after: unknown;
  /** epoch ms; default now */
  at?: number;
}

export interface AuditItem { at: string; username: string; action: string; before: unknown; after: unknown }

export async function writeAudit(tx: Store, a: AuditInput): Promise<void> {
  await tx.run(
    'INSERT INTO audit ("at", username, entity, entity_id, action, before, after) VALUES (epoch_ms($7::BIGINT), $1, $2, $3, $4, $5::JSON, $6::JSON)',
    [a.username, a.entity, a.entity_id, a.action, a.before === null ? null : JSON.stringify(a.before), a.after === null ? null : JSON.stringify(a.after), a.at ?? Date.now()],
  );
}

export async function listAudit(store: Store, entity: AuditEntity, id: string): Promise<AuditItem[]> {
  const rows = await store.all<{ at: Date; username: string; action: string; before: string | null; after: string | null }>(
    'SELECT "at", username, action, before::VARCHAR AS before, after::VARCHAR AS after FROM audit WHERE entity = $1 AND entity_id = $2 ORDER BY id',
    [entity, id],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(), username: r.username, action: r.action,
    before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
  }));
}
