// One hook invocation, the request path of design.md:
//   validate → gather data → decide → check response → answer, all under one deadline.
// When the deadline passes the answer is 200 {"cards": []} and every FHIR read still in flight is aborted.
// An exception inside gathering or a handler also ends in empty cards plus an error log line, never a 500.
import { randomUUID } from 'node:crypto';
import { TimeoutError } from 'p-timeout';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Knowledge } from '../knowledge/index.js';
import { errorFields, type Logger } from '../log.js';
import { gather, type KeyOutcome } from '../data/gather.js';
import { normalizeBase } from '../data/fhir-reader.js';
import { resolveFhirAccess } from '../auth/fhir-access.js';
import type { BackendTokenProvider } from '../auth/backend-token.js';
import { ruleOf, type CardLedger, type IssuedCard } from '../store/ledger.js';
import { within } from '../util/within.js';
import { groupByDraft } from './group-cards.js';
import { drugsOf, orderMemory, type OrderMemory } from './order-memory.js';
import { operationOutcome } from './operation-outcome.js';
import type { RegisteredService } from './registry.js';
import { enforceContract, reportContract, ResponseContractError } from './response-contract.js';
import type { Card, CdsResponse, HookRequest, Indicator } from './types.js';
import { countPrefetch, observeRead, type Metrics } from '../metrics.js';

export type InvocationOutcome = 'ok' | 'timeout' | '412' | 'error';

/** How long each phase took, in ms (Server-Timing); a phase the call did not finish is absent. */
export interface PhaseTimings {
  /** FHIR access (hookwise's own token included) and every prefetch key: received, read or followed. */
  gather?: number;
  /** The rules, the suppression check, grouping and the response contract. */
  decide?: number;
  /** Recording the issued cards. */
  ledger?: number;
}

export interface InvocationResult {
  status: number;
  body: unknown;
  outcome: InvocationOutcome;
  timings?: PhaseTimings;
  /** The cards decided (sent, or recorded only in shadow mode): rule and tier, for metrics. */
  decided?: Array<{ rule: string; indicator: Indicator }>;
  /** The ledger rows of the cards to send (internal: recorded once the answer is certain). */
  toRecord?: IssuedCard[];
}

export interface InvokeDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  clock: Clock;
  backend?: BackendTokenProvider;
  ledger: CardLedger;
  metrics?: Metrics;
}

/** Who called: the key that ties a card's feedback to the client that received it. */
export function clientKeyOf(client?: { iss: string; tenant?: string }): string {
  return client ? `${client.iss}|${client.tenant ?? '-'}` : 'unauthenticated';
}

/** The card as sent: without its internal finding. */
function wireCard(card: Card): Card {
  const { finding: _finding, ...wire } = card;
  return wire;
}

/** The most a call spends asking the ledger what to keep quiet. */
const LEDGER_BUDGET_MS = 1000;

/**
 * Drops the cards a clinician has already decided on: a finding overridden for this patient within the window,
 * or, when the call asked to filter repeats (order-memory.ts), one already shown at order-select in the same
 * ordering session for the same drug codes — unless it got worse. If the ledger
 * fails, every card is shown (it is safer to repeat a card than to hide one).
 */
async function withoutSuppressed(
  cards: Card[],
  ledger: CardLedger,
  q: { patient: string; now: number; filter?: OrderMemory['filter'] },
  onError: (error: unknown) => void,
): Promise<{ shown: Card[]; suppressed: Record<string, number> }> {
  const suppressed: Record<string, number> = {};
  const shown: Card[] = [];
  // One budget for all the questions of this call, and after one failure the ledger is not asked again: a
  // hung store costs at most LEDGER_BUDGET_MS, however many cards there are.
  let ledgerFailed = false;
  const budgetEnd = Date.now() + LEDGER_BUDGET_MS;
  for (const card of cards) {
    let why;
    if (card.finding && !ledgerFailed) {
      try {
        const drugs = q.filter ? drugsOf(card.finding.drafts ?? [], q.filter.codes) : undefined;
        const asked = ledger.suppression({
          patient: q.patient,
          now: q.now,
          finding: card.finding.key,
          indicator: card.indicator,
          ...(q.filter && drugs ? { repeatOf: { session: q.filter.session, drugs } } : {}),
        });
        why = await within(asked, Math.max(1, budgetEnd - Date.now()), () => new Error(`the ledger did not answer within ${LEDGER_BUDGET_MS} ms`));
      } catch (error) {
        ledgerFailed = true;
        onError(error);
      }
    }
    if (why) suppressed[why] = (suppressed[why] ?? 0) + 1;
    else shown.push(card);
  }
  return { shown, suppressed };
}

/** Gives every card and suggestion a uuid (cards need one for feedback; spec §2.4). */
export function stampUuids(cards: Card[]): Card[] {
  return cards.map((card) => {
    const stamped: Card = { ...card, uuid: card.uuid ?? randomUUID() };
    if (card.suggestions) stamped.suggestions = card.suggestions.map((s) => ({ ...s, uuid: s.uuid ?? randomUUID() }));
    return stamped;
  });
}

function countByIndicator(cards: Card[]): Record<string, number> {
  const counts: Record<string, number> = { critical: 0, warning: 0, info: 0 };
  for (const c of cards) counts[c.indicator] = (counts[c.indicator] ?? 0) + 1;
  return counts;
}

function keysBy(outcomes: Record<string, KeyOutcome>): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const [key, outcome] of Object.entries(outcomes)) (by[outcome] ??= []).push(key);
  return by;
}

const EMPTY: CdsResponse = { cards: [] };
/** Time kept for writing the answer: 100 ms of a 4.5 s deadline, proportionally less of a short one. */
export function answerMarginMs(deadlineMs: number): number {
  return Math.min(100, Math.round(deadlineMs * 0.05));
}

/** The reason reads still in flight are aborted; one shared value, not a new DOMException per call. */
const ANSWERED = new Error('the hook call was answered');

/**
 * Runs a validated request. `arrivalMs` is the request's arrival (Date.now() at the first middleware), so the
 * time spent receiving and parsing the body counts against the deadline too.
 */
export async function invoke(
  service: RegisteredService,
  request: HookRequest,
  arrivalMs: number,
  deps: InvokeDeps,
  logFields: Record<string, unknown>,
  /** The authenticated client (issuer and tenant), or undefined for an unauthenticated development call. */
  client?: { iss: string; tenant?: string },
): Promise<InvocationResult> {
  const { config, logger, metrics } = deps;
  const serviceId = service.module.id;
  const shadow = service.mode === 'shadow';
  const timings: PhaseTimings = {};
  const since = (start: number) => performance.now() - start;
  const controller = new AbortController();
  const now = deps.clock.now();
  /** When the work must be done: the deadline less the time kept for writing the answer. */
  const dueAt = arrivalMs + config.hookDeadlineMs - answerMarginMs(config.hookDeadlineMs);
  const log: Record<string, unknown> = {
    ...logFields,
    service: service.module.id,
    hook: service.module.hook,
    hookInstance: request.hookInstance,
  };

  const work = async (): Promise<InvocationResult> => {
    const gatherStart = performance.now();
    const access = await resolveFhirAccess(request, service.scopes, {
      allowlist: config.fhirServerAllowlist,
      profile: config.profile,
      signal: controller.signal,
      ...(deps.backend ? { backend: deps.backend } : {}),
    });
    log.fhirAuth = access.source;
    if (access.warning) logger.warn(access.warning, { requestId: log.requestId, service: service.module.id });
    const gathered = await gather(request, service.keys, {
      now,
      signal: controller.signal,
      concurrency: config.fhirConcurrency,
      pageCap: config.fhirPageCap,
      access,
      ...(metrics ? { onRead: (o) => observeRead(metrics, serviceId, o) } : {}),
    });
    timings.gather = since(gatherStart);
    if (metrics) countPrefetch(metrics, serviceId, gathered.outcomes);
    log.prefetch = { ...keysBy(gathered.outcomes), ...(gathered.partial.length ? { partial: gathered.partial } : {}) };
    if (controller.signal.aborted) return { status: 200, body: EMPTY, outcome: 'timeout' };
    if (gathered.missingRequired.length > 0) {
      for (const m of gathered.missingRequired) metrics?.preconditionFailed.inc({ service: serviceId, key: m.key });
      return {
        status: 412,
        outcome: '412',
        body: operationOutcome(
          gathered.missingRequired.map((m) => ({
            code: 'processing',
            diagnostics: `Required prefetch key '${m.key}' could not be obtained: ${m.reason}.`,
            expression: `prefetch.${m.key}`,
          })),
        ),
      };
    }
    if (controller.signal.aborted) return { status: 200, body: EMPTY, outcome: 'timeout' };
    const decideStart = performance.now();
    const input = { context: request.context, data: gathered.data, knowledge: deps.knowledge, now };
    const decided = service.module.decide(input);
    const clientKey = clientKeyOf(client);
    const patient = deps.ledger.patientKey(
      [clientKey, request.fhirServer ? normalizeBase(request.fhirServer).toLowerCase() : '-', request.context.patientId].join('|'),
    );
    // An asynchronous card source (the AI review) gets what is left of the deadline and answers within it.
    if (service.module.propose) {
      const budgetMs = dueAt - Date.now();
      decided.push(...(await service.module.propose(input, { signal: controller.signal, budgetMs, patient, hookInstance: request.hookInstance, shadow })));
    }
    const nowMs = now.getTime();
    const memory = orderMemory(service, request, deps, client, clientKey, Object.values(gathered.data));
    const q = { patient, now: nowMs, ...(memory.filter ? { filter: memory.filter } : {}) };
    const { shown, suppressed } = await withoutSuppressed(decided, deps.ledger, q, (error) =>
      logger.error('card ledger failed; showing every card', { ...log, ...errorFields(error) }),
    );
    if (Object.keys(suppressed).length) {
      log.suppressed = suppressed;
      for (const [reason, n] of Object.entries(suppressed)) metrics?.cardsSuppressed.inc({ service: serviceId, reason }, n);
    }
    const stamped = stampUuids(groupByDraft(shown));
    const checked = enforceContract(stamped.map(wireCard), config.responseContract);
    const sent = new Set(checked.cards.map((c) => c.uuid));
    timings.decide = since(decideStart);
    // Past the deadline the answer was already {"cards": []}: nothing was shown, so nothing is recorded.
    if (controller.signal.aborted) return { status: 200, body: EMPTY, outcome: 'timeout' };
    const toRecord: IssuedCard[] = stamped
      .filter((c) => c.finding && sent.has(c.uuid))
      .map((c) => ({
        uuid: c.uuid!,
        client: clientKey,
        service: service.module.id,
        hook: service.module.hook,
        hookInstance: request.hookInstance,
        rule: ruleOf(c.finding!.key),
        knowledgeVersion: deps.knowledge.version,
        indicator: c.indicator,
        patient,
        findings: [{ key: c.finding!.key, indicator: c.indicator }, ...(c.finding!.also ?? [])],
        drafts: c.finding!.drafts ?? [],
        issuedAt: nowMs,
        // Shadow mode: recorded, never sent; the ledger does not count it as shown.
        shadow,
        ...(memory.remember ? { remember: memory.remember } : {}),
      }));
    reportContract(checked, stamped, { logger, log, service: serviceId, metrics });
    const rules = new Map(stamped.map((c) => [c.uuid, c.finding ? ruleOf(c.finding.key) : 'none']));
    const decidedCards = checked.cards.map((c) => ({ rule: rules.get(c.uuid) ?? 'none', indicator: c.indicator }));
    if (shadow) log.shadowCards = countByIndicator(checked.cards);
    return {
      status: 200,
      body: (shadow ? EMPTY : { cards: checked.cards }) satisfies CdsResponse,
      outcome: 'ok',
      decided: decidedCards,
      toRecord,
    };
  };

  // The answer must be out by the deadline, not merely decided: the work stops a little earlier, leaving the
  // time to write the answer (many calls can reach their deadline together).
  const remaining = Math.max(0, dueAt - Date.now());
  let result: InvocationResult;
  try {
    // Time already spent (the body finished arriving at the deadline): answer as a timeout without starting the
    // work, which would otherwise run (and might reject) after its answer was given.
    if (remaining <= 0) throw new TimeoutError('the deadline passed before the work could start');
    // within(), not pTimeout(): p-timeout builds a TimeoutError (stack trace included) for every call, 4 % of a
    // call's CPU; within() makes it only when the deadline passes.
    result = await within(work(), remaining, () => new TimeoutError());
    // Recorded only once the answer is certain to carry these cards (the deadline can no longer empty it), and
    // given at most LEDGER_BUDGET_MS, never past the answer's due time: a slow ledger barely delays the cards. A write that outlives
    // its bound still lands, which is right: the cards were shown.
    if (result.toRecord?.length) {
      const ledgerStart = performance.now();
      const left = Math.max(1, Math.min(LEDGER_BUDGET_MS, config.hookDeadlineMs - answerMarginMs(config.hookDeadlineMs) - (Date.now() - arrivalMs)));
      try {
        await within(deps.ledger.recordIssued(result.toRecord), left, () => new Error(`the ledger did not record the issued cards before the deadline`));
      } catch (error) {
        logger.error('card ledger failed to record issued cards', { ...log, ...errorFields(error) });
      }
      timings.ledger = since(ledgerStart);
    }
  } catch (error) {
    if (error instanceof TimeoutError) {
      result = { status: 200, body: EMPTY, outcome: 'timeout' };
    } else if (error instanceof ResponseContractError) {
      // Only in `throw` mode (tests): a rule produced a card that breaks the spec. Fail loudly.
      logger.error('response contract violated', { ...log, violations: error.violations });
      result = { status: 500, body: operationOutcome([{ code: 'exception', diagnostics: 'response contract violated' }]), outcome: 'error' };
    } else {
      logger.error('hook failed; answering empty cards', { ...log, ...errorFields(error) });
      result = { status: 200, body: EMPTY, outcome: 'error' };
    }
  }
  // Answer first, cancel after: when many calls pass their deadline together (a hung FHIR server), aborting
  // their reads one by one before answering would make the last answers late.
  setImmediate(() => controller.abort(ANSWERED));
  // What is known now: a read still settling after the deadline does not change the answer's timings.
  result.timings = { ...timings };
  if (metrics) {
    if (result.outcome === 'timeout') metrics.deadlineExpired.inc({ service: serviceId });
    if (result.outcome === 'ok') {
      const counter = shadow ? metrics.shadowCards : metrics.cards;
      for (const c of result.decided ?? []) counter.inc({ service: serviceId, rule: c.rule, indicator: c.indicator });
    }
  }

  const cards = result.status === 200 ? (result.body as CdsResponse).cards : [];
  logger.info('hook invocation', {
    ...log,
    status: result.status,
    outcome: result.outcome,
    latencyMs: Date.now() - arrivalMs,
    deadlineMs: config.hookDeadlineMs,
    cards: countByIndicator(cards),
  });
  return result;
}
