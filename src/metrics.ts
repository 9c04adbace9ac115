// Prometheus metrics (GET /metrics), on a registry of their own per app: never prom-client's global registry,
// so every test can build its own app in one process. Labels carry only what hookwise itself names: service ids,
// outcomes, prefetch key names, rule ids, tiers and failure reasons — never a patient, an id, a hookInstance or
// any text from a request.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { KeyOutcome, ReadObservation } from './data/gather.js';
import { FhirReadError } from './data/fhir-reader.js';
import type { AuthFailure } from './auth/client-jwt.js';

/** Buckets for a 4.5 s deadline: fine below 100 ms (decisions on prefetch), coarse up to the deadline. */
const HOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 4.5, 5];
const READ_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4.5];

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  readonly hookDuration: Histogram<'service' | 'outcome'>;
  readonly deadlineExpired: Counter<'service'>;
  readonly preconditionFailed: Counter<'service' | 'key'>;
  readonly prefetchKeys: Counter<'service' | 'key' | 'outcome'>;
  readonly fhirReadDuration: Histogram<'service' | 'key'>;
  readonly fhirReadErrors: Counter<'service' | 'key' | 'reason'>;
  readonly cards: Counter<'service' | 'rule' | 'indicator'>;
  readonly shadowCards: Counter<'service' | 'rule' | 'indicator'>;
  readonly cardsSuppressed: Counter<'service' | 'reason'>;
  readonly contractDropped: Counter<'service' | 'part' | 'indicator'>;
  readonly feedback: Counter<'service' | 'rule' | 'outcome'>;
  readonly feedbackDuplicate: Counter<'service'>;
  readonly feedbackUnknownCard: Counter<'service'>;
  readonly jwtFailures: Counter<'reason'>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC) on the same registry. Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    contentType: registry.contentType,
    hookDuration: new Histogram({
      name: 'hookwise_hook_duration_seconds',
      help: 'Time from a hook request arriving to its answer, by service and outcome (ok, timeout, 412, error, invalid).',
      labelNames: ['service', 'outcome'],
      buckets: HOOK_BUCKETS,
      registers,
    }),
    deadlineExpired: new Counter({
      name: 'hookwise_deadline_expired_total',
      help: 'Hook calls answered {"cards": []} because HOOK_DEADLINE_MS passed.',
      labelNames: ['service'],
      registers,
    }),
    preconditionFailed: new Counter({
      name: 'hookwise_precondition_failed_total',
      help: 'Hook calls answered 412, by the required prefetch key that could not be obtained.',
      labelNames: ['service', 'key'],
      registers,
    }),
    prefetchKeys: new Counter({
      name: 'hookwise_prefetch_keys_total',
      help: 'Prefetch keys per hook call by how they were obtained (received, null, fetched, failed, unavailable, not-applicable).',
      labelNames: ['service', 'key', 'outcome'],
      registers,
    }),
    fhirReadDuration: new Histogram({
      name: 'hookwise_fhir_read_duration_seconds',
      help: 'Time to read one prefetch key from the FHIR server (all its pages), successful or not.',
      labelNames: ['service', 'key'],
      buckets: READ_BUCKETS,
      registers,
    }),
    fhirReadErrors: new Counter({
      name: 'hookwise_fhir_read_errors_total',
      help: 'Failed FHIR reads of a prefetch key by reason (aborted at the deadline, http_4xx, http_5xx, redirect (never followed), network, not-fhir, wrong-type, operation-outcome, off-base).',
      labelNames: ['service', 'key', 'reason'],
      registers,
    }),
    cards: new Counter({
      name: 'hookwise_cards_total',
      help: 'Cards sent to the EHR, by service, rule of the main finding and indicator.',
      labelNames: ['service', 'rule', 'indicator'],
      registers,
    }),
    shadowCards: new Counter({
      name: 'hookwise_shadow_cards_total',
      help: 'Cards a service in shadow mode decided and recorded but did not send.',
      labelNames: ['service', 'rule', 'indicator'],
      registers,
    }),
    contractDropped: new Counter({
      name: 'hookwise_contract_dropped_total',
      help: 'Cards (part="card") and suggestions (part="suggestion") taken out of an answer because they break the CDS Hooks response contract, by the tier of their card.',
      labelNames: ['service', 'part', 'indicator'],
      registers,
    }),
    cardsSuppressed: new Counter({
      name: 'hookwise_cards_suppressed_total',
      help: 'Findings not shown again, by reason (overridden, seen-at-order-select).',
      labelNames: ['service', 'reason'],
      registers,
    }),
    feedback: new Counter({
      name: 'hookwise_feedback_total',
      help: 'Feedback stored on issued cards, by service, rule and outcome (accepted, overridden); a retried POST counts once.',
      labelNames: ['service', 'rule', 'outcome'],
      registers,
    }),
    feedbackDuplicate: new Counter({
      name: 'hookwise_feedback_duplicate_total',
      help: 'Feedback items already stored (a retried POST), not counted again.',
      labelNames: ['service'],
      registers,
    }),
    feedbackUnknownCard: new Counter({
      name: 'hookwise_feedback_unknown_card_total',
      help: 'Feedback items naming a card this service did not issue to the client (or that was purged).',
      labelNames: ['service'],
      registers,
    }),
    jwtFailures: new Counter({
      name: 'hookwise_jwt_failures_total',
      help: 'EHR JWTs refused (401), by reason.',
      labelNames: ['reason'],
      registers,
    }),
  };
}

/** The reason label of a failed FHIR read: never the error's message. */
export function readFailureReason(error: unknown): string {
  if (error instanceof FhirReadError) {
    if (error.failure === 'http') return error.status ? `http_${Math.floor(error.status / 100)}xx` : 'http';
    return error.failure;
  }
  return 'other';
}

/** Records one read of a prefetch key (gather's onRead). */
export function observeRead(metrics: Metrics, service: string, o: ReadObservation): void {
  metrics.fhirReadDuration.observe({ service, key: o.key }, o.seconds);
  if (o.error !== undefined) metrics.fhirReadErrors.inc({ service, key: o.key, reason: readFailureReason(o.error) });
}

export function countPrefetch(metrics: Metrics, service: string, outcomes: Record<string, KeyOutcome>): void {
  for (const [key, outcome] of Object.entries(outcomes)) metrics.prefetchKeys.inc({ service, key, outcome });
}

export function countJwtFailure(metrics: Metrics, reason: AuthFailure): void {
  metrics.jwtFailures.inc({ reason });
}
