// The embedded backend: one SQLite file (better-sqlite3), in WAL mode. A durable transaction commits with
// synchronous=FULL (on disk before it returns: survives a crash of the process or the machine); a non-durable
// one with NORMAL (in the OS's hands before it returns: survives a crash of the process; the next durable
// commit puts it on disk too). It serves one instance; several
// instances share PostgreSQL instead.
// better-sqlite3 is synchronous, and a transaction here spans awaits, so: one connection per file per process
// (two would block each other's BEGIN on the same thread), and every call on it queued, so that statements of
// another request never land inside an open transaction.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDb, SqlRunner } from './sql-db.js';

class Connection {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private tail: Promise<unknown> = Promise.resolve();
  users = 0;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // A 4 MB page cache (better-sqlite3's default is 16 MB): what is read back is small (the suppression tables
    // and their indexes); card rows are only appended. The default cache filling up as the file grew showed as
    // 22 MB of resident memory growth in the bench's sustained run.
    this.db.pragma('cache_size = -4000');
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
  }

  /** Runs `work` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK when it throws). */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.begin.run();
    try {
      const result = await work();
      this.commit.run();
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      throw error;
    }
  }

  private durable = true;
  /** Prepared once: db.exec() would parse the statement again at every group commit. */
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  /** synchronous=FULL or NORMAL for the next commits (a pragma outside any transaction, cheap). */
  setDurable(durable: boolean): void {
    if (durable === this.durable) return;
    this.db.pragma(`synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
    this.durable = durable;
  }

  run<T>(sql: string, params: readonly unknown[]): T[] {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
  }

  /** Runs `work` after everything queued before it. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const connections = new Map<string, Connection>();

export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private connection: Connection | undefined;
  private readonly key: string;

  /** `path` is a file (its folder is created) or `:memory:` (a database of its own every time). */
  constructor(path: string) {
    this.key = path === ':memory:' ? `:memory:${Math.random()}` : resolve(path);
    let connection = connections.get(this.key);
    if (!connection) {
      connection = new Connection(path);
      connections.set(this.key, connection);
    }
    connection.users += 1;
    this.connection = connection;
  }

  private open(): Connection {
    if (!this.connection) throw new Error('the ledger database is closed');
    return this.connection;
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const c = this.open();
    return c.serial(async () => c.run<T>(sql, params));
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    const c = this.open();
    return c.serial(async () => {
      c.setDurable(options.durable ?? true);
      return c.inTransaction(() =>
        work({ query: async <R>(sql: string, params: readonly unknown[] = []) => c.run<R>(sql, params) }),
      );
    });
  }

  async close(): Promise<void> {
    const c = this.connection;
    if (!c) return;
    this.connection = undefined;
    c.users -= 1;
    if (c.users > 0) return;
    connections.delete(this.key);
    await c.serial(async () => c.db.close());
  }
}
