// The ledger and replay store on SQL, the same code for SQLite and PostgreSQL (see sql-db.ts).
//   - Issued cards are written by group commit: the cards of every answer ready in the same turn of the event
//     loop go in one transaction, and each answer waits for that commit before it is sent. That commit is not
//     flushed to disk (it survives a crash of hookwise, not of the machine): nobody was promised anything, and
//     an fsync per answer cost 40 % of a hook call's time.
//   - Feedback is written in its own durable transaction before the 200 (what is acknowledged is on disk, and
//     so is every card committed before it); the same feedback twice is stored once.
//   - The key that hashes patient ids lives in the database, so every instance, and a restarted one, agrees.
//   - Expired rows are purged in the background.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { within } from '../util/within.js';
import type { Indicator } from '../cds/types.js';
import { INDICATOR_RANK } from '../cds-hooks.js';
import { migrate } from './schema.js';
import type { SqlDb, SqlRunner } from './sql-db.js';
import {
  emptyAiReport,
  LEDGER_BUDGET_MS,
  type AiCacheEntry,
  type AiCallRecord,
  type AiReport,
  type AiSwitchState,
  type FeedbackRecord,
  type FeedbackResult,
  type IssuedCard,
  type Store,
  type StoreOptions,
  type Suppression,
  type SuppressionQuery,
} from './ledger.js';

const PURGE_EVERY_MS = 10 * 60_000;

interface Pending {
  cards: IssuedCard[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Rows are kept per tier; a new row for the same tier keeps whichever expiry is later. */
function laterExpiry(table: string): string {
  return `valid_until = CASE WHEN ${table}.valid_until > excluded.valid_until THEN ${table}.valid_until ELSE excluded.valid_until END`;
}

/** Control characters (NUL above all: PostgreSQL refuses it in TEXT) never reach a row. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '');
}

const PURGE_BATCH = 500;

interface SeenRow {
  patient: string;
  finding: string;
  draft: string;
  tier: number;
  validUntil: number;
}

/**
 * One row per (session, finding, drug, tier), latest expiry, in key order: concurrent batches lock rows in the same
 * order. The table's columns predate the session: `patient` holds the ordering session's keyed hash and `draft`
 * the drug code (rows of older versions, keyed by patient and draft id, simply never match again).
 */
function seenRows(cards: IssuedCard[], selectWindowMs: number): SeenRow[] {
  const rows = new Map<string, SeenRow>();
  for (const c of cards) {
    // Only what the call asked to remember, and never a shadow card (it was not seen).
    if (!c.remember || c.shadow) continue;
    for (const f of c.findings) {
      for (const draftKey of c.drafts) {
        const drug = c.remember.drugs[draftKey];
        if (drug === undefined) continue;
        const row = {
          patient: c.remember.session,
          finding: f.key,
          draft: clean(drug),
          tier: INDICATOR_RANK[f.indicator],
          validUntil: c.issuedAt + selectWindowMs,
        };
        const key = [row.patient, row.finding, row.draft, row.tier].join('\u0000');
        const prev = rows.get(key);
        if (!prev || prev.validUntil < row.validUntil) rows.set(key, row);
      }
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

export class SqlStore implements Store {
  readonly backend: 'sqlite' | 'postgres';
  private pending: Pending[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private purgeTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  private constructor(
    private readonly db: SqlDb,
    private readonly options: StoreOptions,
    private readonly secret: Buffer,
  ) {
    this.backend = db.dialect;
    this.now = options.now ?? Date.now;
  }

  /** Migrates the database, loads (or creates) the patient key, and starts the purge. */
  static async open(db: SqlDb, options: StoreOptions): Promise<SqlStore> {
    await migrate(db);
    await db.query(`INSERT INTO hookwise_meta (name, value) VALUES ('patient_key', ?) ON CONFLICT (name) DO NOTHING`, [
      randomBytes(32).toString('base64'),
    ]);
    const [row] = await db.query<{ value: string }>(`SELECT value FROM hookwise_meta WHERE name = 'patient_key'`);
    const store = new SqlStore(db, options, Buffer.from(row!.value, 'base64'));
    await store.purge();
    store.purgeTimer = setInterval(() => void store.purge().catch(() => undefined), PURGE_EVERY_MS).unref();
    return store;
  }

  patientKey(scopedPatient: string): string {
    return createHmac('sha256', this.secret).update(scopedPatient).digest('base64url');
  }

  // ── issued cards (group commit) ──────────────────────────────────────────────────────────────────────────

  /** A hook must not wait on a slow database: past the bound it goes on without the store. */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.options.hookPathTimeoutMs ?? LEDGER_BUDGET_MS;
    return within(work, ms, () => new Error(`the ledger did not ${what} within ${ms} ms`));
  }

  recordIssued(cards: IssuedCard[]): Promise<void> {
    if (cards.length === 0) return Promise.resolve();
    const committed = new Promise<void>((resolve, reject) => {
      this.pending.push({ cards, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flushing = this.flushing.then(() => this.flush());
        });
      }
    });
    return this.bounded(committed, 'record the issued cards');
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.writeCards(batch.flatMap((p) => p.cards));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One answer's bad row must not roll back the others': each answer again, on its own.
      for (const p of batch) {
        try {
          await this.writeCards(p.cards);
          p.resolve();
        } catch (own) {
          p.reject(own);
        }
      }
    }
  }

  private writeCards(cards: IssuedCard[]): Promise<void> {
    return this.db.transaction(
      async (tx) => {
        for (const card of [...cards].sort((a, b) => (a.uuid < b.uuid ? -1 : 1))) await this.insertCard(tx, card);
        for (const row of seenRows(cards, this.options.selectWindowMs)) {
          await tx.query(
            `INSERT INTO hookwise_seen_finding (patient, finding, draft, tier, valid_until) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (patient, finding, draft, tier) DO UPDATE SET ${laterExpiry('hookwise_seen_finding')}`,
            [row.patient, row.finding, row.draft, row.tier, row.validUntil],
          );
        }
      },
      { durable: false },
    );
  }

  private async insertCard(tx: SqlRunner, c: IssuedCard): Promise<void> {
    await tx.query(
      `INSERT INTO hookwise_issued_card
         (uuid, client, service, hook, hook_instance, rule, knowledge_version, indicator, patient, findings, drafts, issued_at, shadow)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (uuid) DO NOTHING`,
      [
        c.uuid,
        clean(c.client),
        c.service,
        c.hook,
        clean(c.hookInstance),
        c.rule,
        c.knowledgeVersion,
        c.indicator,
        c.patient,
        JSON.stringify(c.findings),
        JSON.stringify(c.drafts.map(clean)),
        c.issuedAt,
        c.shadow ? 1 : 0,
      ],
    );
  }

  // ── feedback ─────────────────────────────────────────────────────────────────────────────────────────────

  async recordFeedback(f: FeedbackRecord, client: string, service: string): Promise<FeedbackResult> {
    // Identity of a feedback item: who reported what about which card, when. A retried POST has the same one.
    const id = createHash('sha256')
      .update([client, service, f.card, f.outcome, f.outcomeTimestamp].join('\n'))
      .digest('base64url');
    return this.db.transaction(async (tx) => {
      const [card] = await tx.query<{
        rule: string;
        indicator: Indicator;
        patient: string;
        findings: string;
        shadow: number;
      }>(
        `SELECT rule, indicator, patient, findings, shadow FROM hookwise_issued_card WHERE uuid = ? AND client = ? AND service = ?`,
        [f.card, client, service],
      );
      if (!card) return { status: 'unknown-card' } as const;
      const inserted = await tx.query(
        `INSERT INTO hookwise_feedback
           (id, card_uuid, client, service, outcome, accepted_suggestions, reason_system, reason_code, has_comment, outcome_timestamp, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          id,
          f.card,
          clean(client),
          service,
          f.outcome,
          JSON.stringify(f.acceptedSuggestions),
          f.overrideReason?.system ?? null,
          f.overrideReason?.code ?? null,
          f.hasComment ? 1 : 0,
          f.outcomeTimestamp,
          f.receivedAt,
        ],
      );
      if (inserted.length === 0) return { status: 'duplicate', rule: card.rule, indicator: card.indicator } as const;
      if (f.outcome === 'overridden' && !card.shadow) {
        // In key order, so that two instances' overrides of the same findings lock rows in the same order.
        const findings = (JSON.parse(card.findings) as IssuedCard['findings']).sort((a, b) =>
          a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
        );
        for (const finding of findings) {
          const windowMs = this.overrideWindow(finding.indicator, f);
          if (windowMs <= 0) continue;
          await tx.query(
            `INSERT INTO hookwise_finding_override (patient, finding, tier, valid_until) VALUES (?, ?, ?, ?)
             ON CONFLICT (patient, finding, tier) DO UPDATE SET ${laterExpiry('hookwise_finding_override')}`,
            [card.patient, finding.key, INDICATOR_RANK[finding.indicator], f.receivedAt + windowMs],
          );
        }
      }
      return { status: 'stored', rule: card.rule, indicator: card.indicator } as const;
    });
  }

  /**
   * How long an override silences a finding: OVERRIDE_SUPPRESS_HOURS when the clinician gave a coded reason; a
   * critical finding dismissed without one only for the session (CARD_MEMORY_HOURS), never longer than the
   * override window (0 turns silencing off).
   */
  private overrideWindow(indicator: Indicator, f: FeedbackRecord): number {
    const full = this.options.overrideWindowMs;
    if (indicator !== 'critical' || f.overrideReason) return full;
    return Math.min(full, this.options.dismissalWindowMs ?? this.options.selectWindowMs);
  }

  /** The feedback stored for one card, oldest first (for audits and tests). */
  async feedbackOf(
    cardUuid: string,
  ): Promise<Array<Omit<FeedbackRecord, 'card'> & { client: string; service: string }>> {
    const rows = await this.db.query<{
      client: string;
      service: string;
      outcome: FeedbackRecord['outcome'];
      accepted_suggestions: string;
      reason_system: string | null;
      reason_code: string | null;
      has_comment: number;
      outcome_timestamp: string;
      received_at: number;
    }>(
      `SELECT client, service, outcome, accepted_suggestions, reason_system, reason_code, has_comment, outcome_timestamp, received_at
       FROM hookwise_feedback WHERE card_uuid = ? ORDER BY received_at, id`,
      [cardUuid],
    );
    return rows.map((r) => ({
      client: r.client,
      service: r.service,
      outcome: r.outcome,
      acceptedSuggestions: JSON.parse(r.accepted_suggestions) as string[],
      ...(r.reason_system !== null && r.reason_code !== null
        ? { overrideReason: { system: r.reason_system, code: r.reason_code } }
        : {}),
      hasComment: r.has_comment === 1,
      outcomeTimestamp: r.outcome_timestamp,
      receivedAt: Number(r.received_at),
    }));
  }

  // ── suppression ──────────────────────────────────────────────────────────────────────────────────────────

  suppression(q: SuppressionQuery): Promise<Suppression | undefined> {
    return this.bounded(this.findSuppression(q), 'answer a suppression query');
  }

  private async findSuppression(q: SuppressionQuery): Promise<Suppression | undefined> {
    const repeat = q.repeatOf && q.repeatOf.drugs.length > 0 ? q.repeatOf : undefined;
    const rows = await this.db.query<{ kind: string; draft: string; tier: number; valid_until: number }>(
      `SELECT 'o' AS kind, '' AS draft, tier, valid_until FROM hookwise_finding_override WHERE patient = ? AND finding = ?` +
        (repeat
          ? ` UNION ALL SELECT 's' AS kind, draft, tier, valid_until FROM hookwise_seen_finding WHERE patient = ? AND finding = ?`
          : ''),
      repeat ? [q.patient, q.finding, repeat.session, q.finding] : [q.patient, q.finding],
    );
    const rank = INDICATOR_RANK[q.indicator];
    const live = rows.filter((r) => Number(r.valid_until) > q.now && rank <= r.tier);
    if (live.some((r) => r.kind === 'o')) return 'overridden';
    if (repeat) {
      const seen = new Set(live.filter((r) => r.kind === 's').map((r) => r.draft));
      if (repeat.drugs.every((d) => seen.has(clean(d)))) return 'seen-at-order-select';
    }
    return undefined;
  }

  // ── JWT replay ───────────────────────────────────────────────────────────────────────────────────────────

  async firstSeen(key: string, expiresAtMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO hookwise_jwt_replay (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE hookwise_jwt_replay.expires_at <= ?
       RETURNING key`,
      [key, expiresAtMs, this.now()],
    );
    return rows.length === 1;
  }

  // ── AI review: kill switch, audit, answer cache ─────────────────────────────────────────────────────────

  async aiSwitch(): Promise<{ state: AiSwitchState; changedAt?: number }> {
    const [row] = await this.db.query<{ value: string }>(`SELECT value FROM hookwise_meta WHERE name = 'ai_switch'`);
    if (!row) return { state: 'on' };
    const [state, at] = row.value.split(':');
    return { state: state === 'off' ? 'off' : 'on', ...(at && /^\d+$/.test(at) ? { changedAt: Number(at) } : {}) };
  }

  async setAiSwitch(state: AiSwitchState, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO hookwise_meta (name, value) VALUES ('ai_switch', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [`${state}:${at}`],
    );
  }

  recordAiCall(r: AiCallRecord): Promise<void> {
    return this.bounded(
      this.db
        .query(
          `INSERT INTO hookwise_ai_call
             (id, service, hook_instance, patient, model, prompt_version, started_at, latency_ms, outcome, late, shadow,
              findings_kept, dropped, confidences)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
          [
            r.id,
            r.service,
            clean(r.hookInstance),
            r.patient,
            clean(r.model),
            r.promptVersion,
            r.startedAt,
            Math.round(r.latencyMs),
            r.outcome,
            r.late ? 1 : 0,
            r.shadow ? 1 : 0,
            r.findingsKept,
            JSON.stringify(r.dropped),
            JSON.stringify(r.confidences),
          ],
        )
        .then(() => undefined),
      'record an AI call',
    );
  }

  aiCacheGet(patient: string, inputHash: string, now: number): Promise<AiCacheEntry | undefined> {
    const read = async () => {
      const [row] = await this.db.query<{
        model: string;
        prompt_version: string;
        findings: string;
        stored_at: number;
        expires_at: number;
      }>(
        `SELECT model, prompt_version, findings, stored_at, expires_at FROM hookwise_ai_cache WHERE patient = ? AND input_hash = ? AND expires_at > ?`,
        [patient, inputHash, now],
      );
      if (!row) return undefined;
      return {
        patient,
        inputHash,
        model: row.model,
        promptVersion: row.prompt_version,
        findings: row.findings,
        storedAt: Number(row.stored_at),
        expiresAt: Number(row.expires_at),
      };
    };
    return this.bounded(read(), 'read the AI answer cache');
  }

  async aiCachePut(e: AiCacheEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO hookwise_ai_cache (patient, input_hash, model, prompt_version, findings, stored_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient, input_hash) DO UPDATE SET model = excluded.model, prompt_version = excluded.prompt_version,
         findings = excluded.findings, stored_at = excluded.stored_at, expires_at = excluded.expires_at`,
      [e.patient, e.inputHash, clean(e.model), e.promptVersion, e.findings, e.storedAt, e.expiresAt],
    );
  }

  async aiReport(since: number, service: string): Promise<AiReport> {
    const calls = await this.db.query<{
      outcome: string;
      late: number;
      latency_ms: number;
      findings_kept: number;
      dropped: string;
      confidences: string;
    }>(
      `SELECT outcome, late, latency_ms, findings_kept, dropped, confidences FROM hookwise_ai_call WHERE service = ? AND started_at >= ?`,
      [service, since],
    );
    const report: AiReport = emptyAiReport(since);
    let latency = 0;
    let answered = 0;
    const confidences: number[] = [];
    for (const c of calls) {
      if (Number(c.late) === 1) {
        report.lateAnswers += 1;
        continue;
      }
      report.calls[c.outcome] = (report.calls[c.outcome] ?? 0) + 1;
      latency += Number(c.latency_ms);
      answered += 1;
      report.findingsKept += Number(c.findings_kept);
      for (const [why, n] of Object.entries(JSON.parse(c.dropped) as Record<string, number>))
        report.dropped[why] = (report.dropped[why] ?? 0) + n;
      confidences.push(...(JSON.parse(c.confidences) as number[]));
    }
    report.meanLatencyMs = answered ? Math.round(latency / answered) : 0;
    if (confidences.length)
      report.meanConfidence = Math.round((confidences.reduce((a, b) => a + b, 0) / confidences.length) * 100) / 100;
    const rows = await this.db.query<{ rule: string; shown: number; accepted: number; overridden: number }>(
      `SELECT c.rule AS rule, COUNT(DISTINCT c.uuid) AS shown,
              COUNT(DISTINCT CASE WHEN f.outcome = 'accepted' THEN c.uuid END) AS accepted,
              COUNT(DISTINCT CASE WHEN f.outcome = 'overridden' THEN c.uuid END) AS overridden
       FROM hookwise_issued_card c LEFT JOIN hookwise_feedback f ON f.card_uuid = c.uuid
       WHERE c.service = ? AND c.shadow = 0 AND c.issued_at >= ?
       GROUP BY c.rule ORDER BY c.rule`,
      [service, since],
    );
    report.categories = rows.map((r) => ({
      category: r.rule.replace(/^ai-/, ''),
      shown: Number(r.shown),
      accepted: Number(r.accepted),
      overridden: Number(r.overridden),
    }));
    return report;
  }

  // ── upkeep ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Deletes what no longer counts: expired JWT ids and suppressions, and cards and feedback past retention.
   * In batches, yielding between them: a purge of many rows must not hold the event loop (SQLite is synchronous).
   */
  async purge(): Promise<void> {
    const now = this.now();
    const before = now - this.options.retentionMs;
    await this.deleteInBatches('hookwise_jwt_replay', 'key', 'expires_at <= ?', now);
    await this.deleteInBatches('hookwise_seen_finding', 'patient, finding, draft, tier', 'valid_until <= ?', now);
    await this.deleteInBatches('hookwise_finding_override', 'patient, finding, tier', 'valid_until <= ?', now);
    await this.deleteInBatches('hookwise_feedback', 'id', 'received_at < ?', before);
    await this.deleteInBatches('hookwise_issued_card', 'uuid', 'issued_at < ?', before);
    await this.deleteInBatches('hookwise_ai_cache', 'patient, input_hash', 'expires_at <= ?', now);
    await this.deleteInBatches('hookwise_ai_call', 'id', 'started_at < ?', before);
  }

  private async deleteInBatches(table: string, key: string, condition: string, bound: number): Promise<void> {
    for (;;) {
      const deleted = await this.db.query(
        `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE ${condition} LIMIT ${PURGE_BATCH}) RETURNING 1 AS gone`,
        [bound],
      );
      if (deleted.length < PURGE_BATCH) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1 AS ok');
  }

  private closing: Promise<void> | undefined;

  /** Idempotent: a second close waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.flushScheduled = false;
    await this.flushing;
    await this.flush();
    await this.db.close();
  }
}
