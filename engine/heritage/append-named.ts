/**
 * Bulk-appends rows into named columns of a table, whatever the table's column order or extra
 * columns (later migrations add columns at the end): the rows go through DuckDB's appender
 * into a temporary table of exactly these columns, then one INSERT … SELECT by name.
 */
import type { AppendColumn, AppendType, Store } from '../store/store.ts';

export interface NamedColumn<R> extends AppendColumn<R> {
  name: string;
}

const SQL_TYPE: Record<AppendType, string> = {
  varchar: 'VARCHAR',
  double: 'DOUBLE',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  json: 'JSON',
};

let serial = 0;

export async function appendNamed<R>(store: Store, table: string, rows: Iterable<R>, columns: readonly NamedColumn<R>[]): Promise<number> {
  const stage = `stage_${table}_${++serial}`;
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  await store.run(`CREATE OR REPLACE TEMP TABLE ${stage} (${columns.map((c) => `"${c.name}" ${SQL_TYPE[c.type]}`).join(', ')})`);
  try {
    const n = await store.append(stage, rows, columns);
    await store.run(`INSERT INTO ${table} (${names}) SELECT ${names} FROM ${stage}`);
    return n;
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}
