// What hookwise remembers between calls, behind one interface with two backends (embedded SQLite, shared
// PostgreSQL): every card it sent (no clinical content: ids, rule, tier, patient as a keyed hash, draft keys),
// the clinicians' feedback on them, the JWT ids already used (replay), and from those, which findings to keep quiet.
import type { Indicator } from '../cds/types.js';
import type { ReplayStore } from './replay-store.js';

export interface IssuedCard {
  uuid: string;
  /** The calling client (issuer and tenant): only it may give feedback on the card. */
  client: string;
  service: string;
  hook: string;
  hookInstance: string;
  /** The rule that produced the card's main finding (e.g. `ddi`, `renal`, `beers`): a metrics label, no patient data. */
  rule: string;
  knowledgeVersion: string;
  /** The card's tier as sent. */
  indicator: Indicator;
  /** Keyed hash of the patient in its context (see `patientKey`); never the id itself. */
  patient: string;
  /** The findings the card showed, each with its own tier (more than one when findings about one draft were grouped). */
  findings: Array<{ key: string; indicator: Indicator }>;
  /** Keys of the draft orders the card is about (resource type/id or a hash of the drug). */
  drafts: string[];
  issuedAt: number;
  /** Recorded but not shown: the service runs in shadow mode. Shadow cards never silence a later card. */
  shadow: boolean;
  /**
   * Set when the call asked for its cards to be remembered for a later call's filtering (order-select with the PDDI
   * guide's `cache-for-order-sign-filtering`): the ordering session (a keyed hash of the showing service, client,
   * patient, clinician and encounter) and, per draft key, the drug code it orders.
   */
  remember?: { session: string; drugs: Record<string, string> };
}

export type Suppression = 'overridden' | 'seen-at-order-select';

export interface SuppressionQuery {
  patient: string;
  finding: string;
  indicator: Indicator;
  now: number;
  /**
   * Set when the call asked to filter repeats (order-sign with `filter-out-repeated-alerts`): the ordering session
   * whose remembered findings count, and the drug codes of the finding's drafts. The finding is left out when it
   * was remembered for every one of these drugs, at this tier or higher.
   */
  repeatOf?: { session: string; drugs: string[] };
}

/** One feedback item as stored: no free text (a userComment may name people), only whether there was one. */
export interface FeedbackRecord {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: string[];
  overrideReason?: { system: string; code: string };
  hasComment: boolean;
  outcomeTimestamp: string;
  receivedAt: number;
}

export type FeedbackResult =
  /** Stored and joined to its card; `rule` and `indicator` are the card's. */
  | { status: 'stored'; rule: string; indicator: Indicator }
  /** The same feedback was already stored (idempotent: a retried POST changes nothing). */
  | { status: 'duplicate'; rule: string; indicator: Indicator }
  /** No such card was issued to this client by this service (or it has been purged): not stored. */
  | { status: 'unknown-card' };

export interface CardLedger {
  /**
   * A keyed hash of a patient in its context (the calling client, tenant and FHIR server, and the patient id),
   * so the same id at another EHR is another patient. The ledger never holds the id itself.
   */
  patientKey(scopedPatient: string): string;
  /** Records the cards of one answer, durably, before the answer is sent. */
  recordIssued(cards: IssuedCard[]): Promise<void>;
  /**
   * Stores one feedback item reported by `client` to `service`, joined to its card, once; an `overridden`
   * outcome of a card that was shown silences its findings for this patient (see `suppression`): for the override
   * window, except a critical finding dismissed without a coded reason, which is silenced for the dismissal window.
   */
  recordFeedback(feedback: FeedbackRecord, client: string, service: string): Promise<FeedbackResult>;
  /** Why a finding should not be shown again, or undefined. Never suppresses a finding that got worse. */
  suppression(q: SuppressionQuery): Promise<Suppression | undefined>;
}

/** The AI review's kill switch, shared by every instance through the ledger. */
export type AiSwitchState = 'on' | 'off';

/** One AI review call as audited: what ran, how long, how it ended and what was kept. No finding text. */
export interface AiCallRecord {
  id: string;
  service: string;
  hookInstance: string;
  patient: string;
  model: string;
  promptVersion: string;
  startedAt: number;
  latencyMs: number;
  /** ok (the model answered in time), cache (a stored answer was used), or the fallback reason. */
  outcome: string;
  /** The answer arrived after the hook was answered and only went to the cache. */
  late: boolean;
  shadow: boolean;
  findingsKept: number;
  /** Findings dropped, by reason (schema, unknown-handle, low-confidence, covered-by-rule, ...). */
  dropped: Record<string, number>;
  /** Confidence of each kept finding. */
  confidences: number[];
}

/** A validated model answer kept for reuse: same patient, same de-identified input, same model and prompt. */
export interface AiCacheEntry {
  patient: string;
  inputHash: string;
  model: string;
  promptVersion: string;
  /** The schema-valid findings, as JSON text (grounded again on reuse). */
  findings: string;
  storedAt: number;
  expiresAt: number;
}

export interface AiReport {
  since: number;
  calls: Record<string, number>;
  lateAnswers: number;
  meanLatencyMs: number;
  findingsKept: number;
  dropped: Record<string, number>;
  meanConfidence: number | undefined;
  /** Per category (the card's rule): cards shown, accepted and overridden (feedback joined to the card). */
  categories: Array<{ category: string; shown: number; accepted: number; overridden: number }>;
}

/** The report of a period with no AI call: what a store starts from, and what a stub store answers. */
export function emptyAiReport(since: number): AiReport {
  return {
    since,
    calls: {},
    lateAnswers: 0,
    meanLatencyMs: 0,
    findingsKept: 0,
    dropped: {},
    meanConfidence: undefined,
    categories: [],
  };
}

export interface AiLedger {
  aiSwitch(): Promise<{ state: AiSwitchState; changedAt?: number }>;
  setAiSwitch(state: AiSwitchState, at: number): Promise<void>;
  recordAiCall(record: AiCallRecord): Promise<void>;
  aiCacheGet(patient: string, inputHash: string, now: number): Promise<AiCacheEntry | undefined>;
  aiCachePut(entry: AiCacheEntry): Promise<void>;
  aiReport(since: number, service: string): Promise<AiReport>;
}

export interface Store extends CardLedger, ReplayStore, AiLedger {
  readonly backend: 'sqlite' | 'postgres';
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  /** Flushes pending writes and closes the connection(s). */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** How long an override silences the same finding for the same patient. */
  overrideWindowMs: number;
  /** How long an order-select card counts as seen for order-sign of the same drafts (CARD_MEMORY_HOURS). */
  selectWindowMs: number;
  /**
   * How long an override without a coded reason (a dismissal) silences a critical finding: the current session
   * (CARD_MEMORY_HOURS), not overrideWindowMs. Default: selectWindowMs.
   */
  dismissalWindowMs?: number;
  /** How long issued cards, feedback and overrides are kept before they are purged. */
  retentionMs: number;
  /**
   * On the hook path (suppression, recording issued cards) the store gets this long; past it the call goes on
   * without it (every card shown) instead of spending the hook's deadline waiting for a slow database.
   */
  hookPathTimeoutMs?: number;
  now?: () => number;
}

/**
 * The ledger's time on a hook's path: what a call may spend asking what to keep quiet, and recording its cards
 * (src/cds/invoke.ts, LedgerBudget); the default bound of each store operation on that path (hookPathTimeoutMs).
 */
export const LEDGER_BUDGET_MS = 1000;

/** The rule a finding key belongs to: its first segment (`ddi:a+b` → `ddi`). */
export function ruleOf(findingKey: string): string {
  const i = findingKey.indexOf(':');
  return i < 0 ? findingKey : findingKey.slice(0, i);
}
