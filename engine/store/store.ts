/**
 * The one module that owns the DuckDB connection lifecycle: open (creating the file and
 * applying pending migrations), typed reads, transactions, bulk appends, close.
 *
 * DuckDB allows one writing process per file; a second process gets a lock error, which we
 * turn into a StoreError that says who holds the file and what to do.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DuckDBConnection,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBValue,
} from '@duckdb/node-api';
import { StoreError } from '../errors.ts';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Default database path: `VIGIE_DB` or `var/vigie.duckdb` under the working directory. */
export function defaultDbPath(): string {
  return resolve(process.env.VIGIE_DB ?? 'var/vigie.duckdb');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations are `NNN_name.sql` files applied in numeric order, each in its own transaction. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.slice(4, -4),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

export class Store {
  private inTransaction = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Opens (or creates) the database at `path` and brings its schema up to date. */
  static async open(path: string = defaultDbPath(), options: { readOnly?: boolean } = {}): Promise<Store> {
    const memory = path === ':memory:';
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(
        path,
        options.readOnly ? { access_mode: 'READ_ONLY' } : {},
      );
    } catch (err) {
      throw lockOrOpenError(path, err);
    }
    const conn = await instance.connect();
    const store = new Store(path, instance, conn);
    if (!options.readOnly) await store.migrate();
    return store;
  }

  /** Applies pending migrations; returns the versions applied. */
  async migrate(): Promise<number[]> {
    await this.conn.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await this.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      await this.transaction(async () => {
        await this.conn.run(m.sql);
        await this.conn.run('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      });
      applied.push(m.version);
    }
    return applied;
  }

  async schemaVersion(): Promise<number> {
    const r = await this.one<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return Number(r?.v ?? 0);
  }

  /** Runs a statement for its effect. */
  async run(sql: string, params?: Params): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** Runs a query and returns all rows as plain JS objects (BIGINT → number when safe). */
  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map(normaliseRow) as T[];
  }

  /** Runs a query and returns its first row, or undefined. */
  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs a query and returns the first column of the first row. */
  async value<T = unknown>(sql: string, params?: Params): Promise<T | undefined> {
    const row = await this.one<Row>(sql, params);
    return row ? (Object.values(row)[0] as T) : undefined;
  }

  /**
   * Runs `fn` inside one transaction: everything it writes is committed together, or,
   * if it throws, rolled back so the database is exactly as it was. Nested calls join
   * the outer transaction.
   */
  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    await this.conn.run('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await fn(this);
      await this.conn.run('COMMIT');
      return result;
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * Bulk-appends rows to `table` through DuckDB's appender (orders of magnitude faster than
   * INSERTs). `columns` gives the table's column order and how to append each value.
   */
  async append<R>(table: string, rows: Iterable<R>, columns: readonly AppendColumn<R>[]): Promise<number> {
    const appender = await this.conn.createAppender(table);
    let n = 0;
    try {
      for (const row of rows) {
        for (const col of columns) appendTyped(appender, col.type, col.get(row));
        appender.endRow();
        n++;
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return n;
  }

  /** Counts per table, for health checks and tests. */
  async counts(tables: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number(await this.value(`SELECT count(*) FROM ${quoteIdent(t)}`));
    return out;
  }

  /** Writes everything to the file (used before handing the file to another process). */
  async checkpoint(): Promise<void> {
    await this.conn.run('CHECKPOINT');
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

export type AppendType = 'varchar' | 'double' | 'integer' | 'bigint' | 'boolean' | 'json';
export interface AppendColumn<R> {
  type: AppendType;
  get: (row: R) => unknown;
}

function appendTyped(a: DuckDBAppender, type: AppendType, v: unknown): void {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
    a.appendNull();
    return;
  }
  switch (type) {
    case 'varchar': a.appendVarchar(String(v)); break;
    case 'json': a.appendVarchar(JSON.stringify(v)); break;
    case 'double': a.appendDouble(Number(v)); break;
    case 'integer': a.appendInteger(Number(v)); break;
    case 'bigint': a.appendBigInt(BigInt(v as number)); break;
    case 'boolean': a.appendBoolean(Boolean(v)); break;
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function normaliseRow(row: Record<string, unknown>): Row {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) {
      row[k] = Number(v);
    }
  }
  return row;
}

function lockOrOpenError(path: string, err: unknown): StoreError {
  const msg = err instanceof Error ? err.message : String(err);
  const lock = /Conflicting lock is held in (.*?)(?: \(PID (\d+)\))?(?:\.|$)/m.exec(msg);
  if (lock || /lock/i.test(msg)) {
    const who = lock ? `${lock[1]}${lock[2] ? ` (PID ${lock[2]})` : ''}` : 'another process';
    return new StoreError(
      `${path} is locked by ${who}. Vigie's server owns the database while it runs: stop it, ` +
        `or use --db to work on another file.`,
      { cause: err },
    );
  }
  return new StoreError(`cannot open database ${path}: ${msg}`, { cause: err });
}
