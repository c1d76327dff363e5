/**
 * The state of a database as one checksum per table (row count + md5 over every row's text,
 * order-free), so a test can say « nothing changed » after a refused import without trusting
 * the code under test.
 */
import type { Store } from '../../engine/store/store.ts';

export async function tableChecksums(store: Store): Promise<Record<string, string>> {
  const tables = (
    await store.all<{ name: string }>(
      `SELECT table_name AS name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' ORDER BY 1`,
    )
  ).map((r) => r.name);
  // One query for every table (DuckDB runs the parts in parallel): ~25 ms on a small store.
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, count(*) AS n, md5(coalesce(string_agg(h, ',' ORDER BY h), '')) AS h
                 FROM (SELECT md5(CAST(x AS VARCHAR)) AS h FROM "${t}" x)`)
    .join(' UNION ALL ');
  const out: Record<string, string> = {};
  for (const r of await store.all<{ t: string; n: number; h: string }>(sql)) out[r.t] = `${r.n}:${r.h}`;
  // Sequences move on a failed import too (DuckDB does not roll nextval back); they are not data.
  return out;
}
