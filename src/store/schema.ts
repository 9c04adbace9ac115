// The ledger's tables, as numbered migrations applied at start inside one transaction. On PostgreSQL an
// advisory lock makes instances that start together migrate one at a time. A database already migrated by a
// newer hookwise is refused rather than written with an older idea of its tables.
// Column types are chosen to mean the same on both backends: times are epoch milliseconds (BIGINT), flags and
// tiers small integers, lists JSON text.
import type { SqlDb, SqlRunner } from './sql-db.js';

const MIGRATIONS: ReadonlyArray<{ version: number; statements: string[] }> = [
  {
    version: 1,
    statements: [
      `CREATE TABLE hookwise_issued_card (
         uuid TEXT PRIMARY KEY,
         client TEXT NOT NULL,
         service TEXT NOT NULL,
         hook TEXT NOT NULL,
         hook_instance TEXT NOT NULL,
         rule TEXT NOT NULL,
         knowledge_version TEXT NOT NULL,
         indicator TEXT NOT NULL,
         patient TEXT NOT NULL,
         findings TEXT NOT NULL,
         drafts TEXT NOT NULL,
         issued_at BIGINT NOT NULL,
         shadow INTEGER NOT NULL
       )`,
      `CREATE INDEX hookwise_issued_card_issued_at ON hookwise_issued_card (issued_at)`,
      // Findings shown at order-select, per draft and tier: order-sign of the same drafts does not repeat them
      // unless worse. One row per tier, each with its own expiry, so a later lower tier never extends a higher one.
      `CREATE TABLE hookwise_seen_finding (
         patient TEXT NOT NULL,
         finding TEXT NOT NULL,
         draft TEXT NOT NULL,
         tier INTEGER NOT NULL,
         valid_until BIGINT NOT NULL,
         PRIMARY KEY (patient, finding, draft, tier)
       )`,
      // Findings a clinician overrode for a patient, per tier: silent until valid_until unless they get worse.
      `CREATE TABLE hookwise_finding_override (
         patient TEXT NOT NULL,
         finding TEXT NOT NULL,
         tier INTEGER NOT NULL,
         valid_until BIGINT NOT NULL,
         PRIMARY KEY (patient, finding, tier)
       )`,
      `CREATE TABLE hookwise_feedback (
         id TEXT PRIMARY KEY,
         card_uuid TEXT NOT NULL,
         client TEXT NOT NULL,
         service TEXT NOT NULL,
         outcome TEXT NOT NULL,
         accepted_suggestions TEXT NOT NULL,
         reason_system TEXT,
         reason_code TEXT,
         has_comment INTEGER NOT NULL,
         outcome_timestamp TEXT NOT NULL,
         received_at BIGINT NOT NULL
       )`,
      `CREATE INDEX hookwise_feedback_card ON hookwise_feedback (card_uuid)`,
      `CREATE TABLE hookwise_jwt_replay (
         key TEXT PRIMARY KEY,
         expires_at BIGINT NOT NULL
       )`,
      `CREATE INDEX hookwise_jwt_replay_expires ON hookwise_jwt_replay (expires_at)`,
    ],
  },
  {
    version: 2,
    statements: [
      // One row per AI review call: the audit (no finding text; the patient as its keyed hash).
      `CREATE TABLE hookwise_ai_call (
         id TEXT PRIMARY KEY,
         service TEXT NOT NULL,
         hook_instance TEXT NOT NULL,
         patient TEXT NOT NULL,
         model TEXT NOT NULL,
         prompt_version TEXT NOT NULL,
         started_at BIGINT NOT NULL,
         latency_ms INTEGER NOT NULL,
         outcome TEXT NOT NULL,
         late INTEGER NOT NULL,
         shadow INTEGER NOT NULL,
         findings_kept INTEGER NOT NULL,
         dropped TEXT NOT NULL,
         confidences TEXT NOT NULL
       )`,
      `CREATE INDEX hookwise_ai_call_started_at ON hookwise_ai_call (started_at)`,
      `CREATE INDEX hookwise_ai_call_instance ON hookwise_ai_call (hook_instance)`,
      // Validated answers (late ones included) for reuse with the same patient and the same de-identified input.
      `CREATE TABLE hookwise_ai_cache (
         patient TEXT NOT NULL,
         input_hash TEXT NOT NULL,
         model TEXT NOT NULL,
         prompt_version TEXT NOT NULL,
         findings TEXT NOT NULL,
         stored_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL,
         PRIMARY KEY (patient, input_hash)
       )`,
      `CREATE INDEX hookwise_ai_cache_expires ON hookwise_ai_cache (expires_at)`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** An arbitrary constant: the advisory lock that serializes migrations across instances. */
const MIGRATION_LOCK = 7_342_519_001;

async function currentVersion(tx: SqlRunner): Promise<number> {
  const rows = await tx.query<{ value: string }>(`SELECT value FROM hookwise_meta WHERE name = 'schema_version'`);
  return rows.length ? Number(rows[0]!.value) : 0;
}

/** Creates or migrates the tables; returns the version it found. */
export async function migrate(db: SqlDb): Promise<number> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS hookwise_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const found = await currentVersion(tx);
    if (found > SCHEMA_VERSION) {
      throw new Error(`the ledger database has schema version ${found}, newer than this hookwise's ${SCHEMA_VERSION}`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= found) continue;
      for (const statement of m.statements) await tx.query(statement);
    }
    await tx.query(
      `INSERT INTO hookwise_meta (name, value) VALUES ('schema_version', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [String(SCHEMA_VERSION)],
    );
    return found;
  });
}
