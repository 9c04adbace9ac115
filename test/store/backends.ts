// The two ledger backends as tests open them: SQLite in a fresh temporary file, and PostgreSQL on 127.0.0.1
// (TEST_DATABASE_URL, default the machine's `test` database) in a schema of its own, dropped afterwards.
// PostgreSQL is real, not mocked. Whether its suites run is decided once by test/support/postgres-setup.mjs:
// with TEST_DATABASE_URL set (CI) they run and an unreachable server fails them; with it unset and no server on
// 127.0.0.1:5432 they are skipped, with one line saying how to run them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDb } from '../../src/store/postgres-db.js';
import { SqliteDb } from '../../src/store/sqlite-db.js';
import type { SqlDb } from '../../src/store/sql-db.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new connection to the same database (a restart, or a second instance). */
  connect(): SqlDb;
  /** Settings that point the app at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'hookwise-ledger-'));
  const path = join(dir, 'ledger.sqlite');
  return {
    name: 'sqlite',
    connect: () => new SqliteDb(path),
    env: { LEDGER_PATH: path },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresBackend(): Backend {
  const schema = `hookwise_test_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    connect: () => new PostgresDb({ connectionString: TEST_DATABASE_URL, schema, max: 4 }),
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Whether the PostgreSQL suites run in this `npm test` (set by the jest globalSetup; 'run' when run without it). */
export const POSTGRES_RUNS = process.env.HOOKWISE_TEST_POSTGRES !== 'skip';

export const BACKENDS: Array<[string, () => Backend]> = [
  ['sqlite', sqliteBackend],
  ...(POSTGRES_RUNS ? [['postgres', postgresBackend] as [string, () => Backend]] : []),
];
