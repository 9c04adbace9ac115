// The little a ledger needs from a SQL database, so one ledger serves both backends: queries written once with
// `?` placeholders, run on SQLite (better-sqlite3) or PostgreSQL (pg), and transactions.

export interface SqlRunner {
  /** Runs one statement with `?` placeholders; rows for a SELECT or a RETURNING clause, [] otherwise. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. A durable commit
   * (the default) is on disk when it returns; `durable: false` survives a crash of hookwise but may lose the
   * last moments' commits if the machine or the database server itself goes down.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>, options?: { durable?: boolean }): Promise<T>;
  close(): Promise<void>;
}
