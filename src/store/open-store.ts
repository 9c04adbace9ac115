// Picks the ledger backend from the settings: PostgreSQL when DATABASE_URL is set (several instances share
// it), otherwise the embedded SQLite file at LEDGER_PATH (no server needed; survives a restart).
import type { Config } from '../config.js';
import type { Store } from './ledger.js';
import { PostgresDb } from './postgres-db.js';
import { SqliteDb } from './sqlite-db.js';
import { SqlStore } from './sql-store.js';

export async function openStore(
  config: Pick<
    Config,
    | 'databaseUrl'
    | 'databaseSchema'
    | 'ledgerPath'
    | 'ledgerRetentionDays'
    | 'overrideSuppressHours'
    | 'cardMemoryHours'
  >,
  options: { now?: () => number; onPoolError?: (error: Error) => void } = {},
): Promise<SqlStore> {
  const db = config.databaseUrl
    ? new PostgresDb({
        connectionString: config.databaseUrl,
        ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
        ...(options.onPoolError ? { onError: options.onPoolError } : {}),
      })
    : new SqliteDb(config.ledgerPath);
  try {
    return await SqlStore.open(db, {
      overrideWindowMs: config.overrideSuppressHours * 3_600_000,
      selectWindowMs: config.cardMemoryHours * 3_600_000,
      dismissalWindowMs: config.cardMemoryHours * 3_600_000,
      retentionMs: config.ledgerRetentionDays * 86_400_000,
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

export type { Store };
