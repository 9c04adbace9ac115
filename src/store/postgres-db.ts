// The shared backend: PostgreSQL through a pg pool, for several instances behind a load balancer. Statements
// are written with `?` and numbered here; BIGINT columns (epoch milliseconds) come back as numbers.
import pg from 'pg';
import type { SqlDb, SqlRunner } from './sql-db.js';

const INT8_OID = 20;
/** An arbitrary constant: the advisory lock that serializes schema creation across instances. */
const SCHEMA_LOCK = 7_342_519_000;

/** `?` → `$1`, `$2`, … (our statements carry no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export interface PostgresOptions {
  connectionString: string;
  /** A schema of its own (created if missing); the default is the user's search_path. */
  schema?: string;
  max?: number;
  onError?: (error: Error) => void;
}

export class PostgresDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schemaReady: Promise<void>;

  constructor(options: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      // No statement of ours takes long; one that does is a sick database, not work to wait for.
      query_timeout: 10_000,
      idleTimeoutMillis: 30_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => options.onError?.(error));
    this.schemaReady = options.schema ? this.createSchema(options.schema) : Promise.resolve();
    this.schemaReady.catch(() => undefined); // reported by the first query that awaits it
  }

  /**
   * CREATE SCHEMA IF NOT EXISTS races with itself, so instances starting together take turns; and it needs
   * CREATE on the database even when the schema exists, so an existing schema (made by a DBA for a role without
   * that right) is looked up first.
   */
  private async createSchema(schema: string): Promise<void> {
    const exists = await this.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount) return;
    await this.inTransaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(?)', [SCHEMA_LOCK]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    });
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    await this.schemaReady;
    const result = await this.pool.query(numberPlaceholders(sql), [...params]);
    return result.rows as T[];
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    await this.schemaReady;
    return this.inTransaction(work, options.durable ?? true);
  }

  private async inTransaction<T>(work: (tx: SqlRunner) => Promise<T>, durable = true): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Not durable: commit without waiting for the WAL flush (a server crash may lose the last moments).
      if (!durable) await client.query('SET LOCAL synchronous_commit TO OFF');
      const result = await work({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(numberPlaceholders(sql), [...params])).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
