// One hook invocation (the request was validated by src/routes/hook.ts), as a sequence of named steps:
//   accessAndGather → precondition (412) → decide (+ the module's optional async `propose`) → quiet → check
//   → record, all under one deadline; then reportInvocation (invocation-report.ts) writes the log line and
//   the metrics.
// When the deadline passes the answer is 200 {"cards": []} and every FHIR read still in flight is aborted.
// An exception inside gathering or a handler also ends in empty cards plus an error log line, never a 500.
import { randomUUID } from 'node:crypto';
import { TimeoutError } from 'p-timeout';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Knowledge } from '../knowledge/index.js';
import { errorFields, type Logger } from '../log.js';
import { gather, type GatherResult as Gathered, type KeyOutcome } from '../data/gather.js';
import { normalizeBase } from '../util/fhir-base.js';
import { resolveFhirAccess } from '../auth/fhir-access.js';
import type { BackendTokenProvider } from '../auth/backend-token.js';
import { ruleOf, type CardLedger, type IssuedCard } from '../store/ledger.js';
import { within } from '../util/within.js';
import { groupByDraft } from './group-cards.js';
import { drugsOf, orderMemory, type OrderMemory } from './order-memory.js';
import { operationOutcome } from './operation-outcome.js';
import { countByIndicator, reportInvocation } from './invocation-report.js';
import { LedgerBudget } from './ledger-budget.js';
import type { RegisteredService } from './registry.js';
import { enforceContract, reportContract, ResponseContractError, type ContractResult } from './response-contract.js';
import { UNIDENTIFIED_DRAFT } from './validate-request.js';
import type { DecisionInput } from './hook-module.js';
import type { Card, CardFinding, CdsResponse, HookRequest, Indicator, JsonObject, Suggestion } from './types.js';
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
  /** From arrival to the report, in ms, when the arrival's performance.now() was given (Server-Timing total). */
  totalMs?: number;
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

/** The card extension that carries a finding's trace for integrators (rule, findings, records and codes). */
export const TRACE_EXTENSION_URL = 'https://hookwise.dev/cds/extension/trace';

/**
 * The distinct non-empty strings of `lists`, in order of first appearance (those `keep` accepts), or undefined when
 * there are none. A merged card can list a thousand records: past a handful, a Set keeps it linear.
 */
function distinct(
  lists: ReadonlyArray<readonly string[] | undefined>,
  keep: (v: string) => boolean = () => true,
): string[] | undefined {
  const out: string[] = [];
  let seen: Set<string> | undefined;
  for (const list of lists) {
    if (!list) continue;
    for (const v of list) {
      if (v.length === 0 || !keep(v)) continue;
      if (seen ? seen.has(v) : out.includes(v)) continue;
      out.push(v);
      if (seen) seen.add(v);
      else if (out.length > 16) seen = new Set(out);
    }
  }
  return out.length ? out : undefined;
}

/**
 * What a card rests on, as integrators read it: never in the card's text (clinicians read that). The ids of drafts
 * the EHR sent without one are left out (it does not know them).
 */
function traceOf(finding: CardFinding, knowledgeVersion: string): JsonObject {
  const findings = [finding.key];
  for (const a of finding.also ?? []) findings.push(a.key);
  const trace: JsonObject = { rule: ruleOf(finding.key), findings, knowledgeVersion };
  const resources = distinct([finding.drafts, finding.trace?.resources], (r) => !unidentified(r));
  const codes = distinct([finding.trace?.codes]);
  if (resources) trace.resources = resources;
  if (codes) trace.codes = codes;
  return trace;
}

/** Whether a reference (`Type/id`) names a draft hookwise gave an id to: its id starts with UNIDENTIFIED_DRAFT. */
function unidentified(id: string | undefined): boolean {
  if (typeof id !== 'string') return false;
  const slash = id.indexOf('/');
  return slash >= 0 && id.startsWith(UNIDENTIFIED_DRAFT, slash + 1);
}

const actsOnUnidentified = (s: Suggestion): boolean => s.actions?.some((a) => unidentified(a.resourceId)) ?? false;

/**
 * Without the suggestions that act on a draft the EHR sent without an id (it cannot act on an id hookwise gave;
 * "order X instead" without its removal would leave both orders): with no suggestion left, the selection behaviour
 * goes too. Suggestions that only create (add a PPI, order a lab) stay.
 */
function withoutUnidentifiedDrafts(card: Card): Card {
  if (!card.suggestions?.some(actsOnUnidentified)) return card;
  const suggestions = card.suggestions.filter((s) => !actsOnUnidentified(s));
  const { suggestions: _s, selectionBehavior: _b, ...rest } = card;
  return suggestions.length
    ? { ...rest, suggestions, selectionBehavior: card.selectionBehavior ?? 'at-most-one' }
    : rest;
}

/** The card as sent: its internal finding becomes the trace extension (ids the EHR did not send left out). */
export function wireCard(card: Card, knowledgeVersion: string): Card {
  const { finding, ...wire } = withoutUnidentifiedDrafts(card);
  if (!finding) return wire;
  // Set on the copy, not spread into a new literal: the same members in the same order, without a second copy.
  wire.extension = { ...wire.extension, [TRACE_EXTENSION_URL]: traceOf(finding, knowledgeVersion) };
  return wire;
}

/**
 * Gives every card and suggestion a uuid (cards need one for feedback; spec §2.4). Object.assign, not a spread with
 * a member added: the same copy, which V8 makes several times faster.
 */
export function stampUuids(cards: Card[]): Card[] {
  return cards.map((card) => {
    const stamped: Card = Object.assign({}, card, { uuid: card.uuid ?? randomUUID() });
    if (card.suggestions) {
      stamped.suggestions = card.suggestions.map((s) => Object.assign({}, s, { uuid: s.uuid ?? randomUUID() }));
    }
    return stamped;
  });
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

/** One hook call in flight: what every step reads, and what it adds to the log line and the timings. */
interface Call {
  service: RegisteredService;
  request: HookRequest;
  deps: InvokeDeps;
  client: { iss: string; tenant?: string } | undefined;
  clientKey: string;
  now: Date;
  arrivalMs: number;
  /** When the work must be done: the deadline less the time kept for writing the answer. */
  dueAt: number;
  signal: AbortSignal;
  shadow: boolean;
  log: Record<string, unknown>;
  timings: PhaseTimings;
  ledgerBudget: LedgerBudget;
}

const since = (start: number) => performance.now() - start;
const timedOut = (): InvocationResult => ({ status: 200, body: EMPTY, outcome: 'timeout' });

/** Step 1: FHIR access (hookwise's own token included), then every prefetch key: received, read or followed. */
async function accessAndGather(call: Call): Promise<Gathered> {
  const { config, logger, metrics, backend } = call.deps;
  const serviceId = call.service.module.id;
  const start = performance.now();
  const access = await resolveFhirAccess(call.request, call.service.scopes, {
    allowlist: config.fhirServerAllowlist,
    profile: config.profile,
    signal: call.signal,
    ...(backend ? { backend } : {}),
  });
  call.log.fhirAuth = access.source;
  if (access.warning) logger.warn(access.warning, { requestId: call.log.requestId, service: serviceId });
  const gathered = await gather(call.request, call.service.keys, {
    now: call.now,
    signal: call.signal,
    concurrency: config.fhirConcurrency,
    pageCap: config.fhirPageCap,
    access,
    ...(metrics ? { onRead: (o) => observeRead(metrics, serviceId, o) } : {}),
  });
  call.timings.gather = since(start);
  if (metrics) countPrefetch(metrics, serviceId, gathered.outcomes);
  call.log.prefetch = {
    ...keysBy(gathered.outcomes),
    ...(gathered.partial.length ? { partial: gathered.partial } : {}),
    // Keys filled from prefetch sent under keys hookwise does not declare (names of keys only, never values).
    ...(gathered.adopted.length ? { adopted: gathered.adopted } : {}),
  };
  return gathered;
}

/** Step 2: a required key that could not be obtained answers 412 (spec: the service cannot decide without it). */
function precondition(call: Call, gathered: Gathered): InvocationResult | undefined {
  if (gathered.missingRequired.length === 0) return undefined;
  for (const m of gathered.missingRequired)
    call.deps.metrics?.preconditionFailed.inc({ service: call.service.module.id, key: m.key });
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

/** The patient's keyed hash in the ledger: the calling client, its FHIR server and the patient id, never the id. */
function patientOf(call: Call): string {
  const { request } = call;
  const server = request.fhirServer ? normalizeBase(request.fhirServer).toLowerCase() : '-';
  return call.deps.ledger.patientKey([call.clientKey, server, request.context.patientId].join('|'));
}

/**
 * Step 3: the module's pure `decide`, then its asynchronous card source (the AI review) if it has one, which gets
 * what is left of the deadline and answers within it.
 */
async function decide(call: Call, gathered: Gathered, patient: string): Promise<Card[]> {
  const { module } = call.service;
  const input: DecisionInput = {
    context: call.request.context,
    data: gathered.data,
    knowledge: call.deps.knowledge,
    now: call.now,
  };
  const cards = module.decide(input);
  if (module.propose) {
    const context = {
      signal: call.signal,
      budgetMs: call.dueAt - Date.now(),
      patient,
      hookInstance: call.request.hookInstance,
      shadow: call.shadow,
    };
    cards.push(...(await module.propose(input, context)));
  }
  return cards;
}

/**
 * Step 4: drops the cards a clinician has already decided on: a finding overridden for this patient within the
 * window, or, when the call asked to filter repeats (order-memory.ts), one already shown at order-select in the
 * same ordering session for the same drug codes — unless it got worse. If the ledger fails, every card is shown
 * (it is safer to repeat a card than to hide one).
 */
async function quiet(call: Call, cards: Card[], patient: string, memory: OrderMemory): Promise<Card[]> {
  const { ledger, logger, metrics } = call.deps;
  const filter = memory.filter;
  const suppressed: Record<string, number> = {};
  const shown: Card[] = [];
  for (const card of cards) {
    const finding = card.finding;
    let why;
    try {
      why = finding
        ? await call.ledgerBudget.ask(() => {
            const drugs = filter ? drugsOf(finding.drafts ?? [], filter.codes) : undefined;
            return ledger.suppression({
              patient,
              now: call.now.getTime(),
              finding: finding.key,
              indicator: card.indicator,
              ...(filter && drugs ? { repeatOf: { session: filter.session, drugs } } : {}),
            });
          })
        : undefined;
    } catch (error) {
      logger.error('card ledger failed; showing every card', { ...call.log, ...errorFields(error) });
    }
    if (why) suppressed[why] = (suppressed[why] ?? 0) + 1;
    else shown.push(card);
  }
  if (Object.keys(suppressed).length) {
    call.log.suppressed = suppressed;
    for (const [reason, n] of Object.entries(suppressed))
      metrics?.cardsSuppressed.inc({ service: call.service.module.id, reason }, n);
  }
  return shown;
}

/** Step 5: one card per draft group, uuids, and the response contract (spec §2.4) on the cards as sent. */
function check(call: Call, shown: Card[]): { stamped: Card[]; checked: ContractResult } {
  const stamped = stampUuids(groupByDraft(shown));
  return {
    stamped,
    checked: enforceContract(
      stamped.map((c) => wireCard(c, call.deps.knowledge.version)),
      call.deps.config.responseContract,
    ),
  };
}

/** The answer of a decided call, with the ledger rows of the cards it carries (recorded once it is certain). */
function answer(
  call: Call,
  stamped: Card[],
  checked: ContractResult,
  patient: string,
  memory: OrderMemory,
): InvocationResult {
  const { service, request, deps, shadow } = call;
  const sent = new Set(checked.cards.map((c) => c.uuid));
  const toRecord: IssuedCard[] = stamped
    .filter((c) => c.finding && sent.has(c.uuid))
    .map((c) => ({
      uuid: c.uuid!,
      client: call.clientKey,
      service: service.module.id,
      hook: service.module.hook,
      hookInstance: request.hookInstance,
      rule: ruleOf(c.finding!.key),
      knowledgeVersion: deps.knowledge.version,
      indicator: c.indicator,
      patient,
      findings: [{ key: c.finding!.key, indicator: c.indicator }, ...(c.finding!.also ?? [])],
      drafts: c.finding!.drafts ?? [],
      issuedAt: call.now.getTime(),
      // Shadow mode: recorded, never sent; the ledger does not count it as shown.
      shadow,
      ...(memory.remember ? { remember: memory.remember } : {}),
    }));
  reportContract(checked, stamped, {
    logger: deps.logger,
    log: call.log,
    service: service.module.id,
    metrics: deps.metrics,
  });
  const rules = new Map(stamped.map((c) => [c.uuid, c.finding ? ruleOf(c.finding.key) : 'none']));
  const decided = checked.cards.map((c) => ({ rule: rules.get(c.uuid) ?? 'none', indicator: c.indicator }));
  if (shadow) call.log.shadowCards = countByIndicator(checked.cards);
  return {
    status: 200,
    body: (shadow ? EMPTY : { cards: checked.cards }) satisfies CdsResponse,
    outcome: 'ok',
    decided,
    toRecord,
  };
}

/** Steps 1 to 5, within the deadline. */
async function work(call: Call): Promise<InvocationResult> {
  const gathered = await accessAndGather(call);
  if (call.signal.aborted) return timedOut();
  const failed = precondition(call, gathered);
  if (failed) return failed;
  if (call.signal.aborted) return timedOut();
  const decideStart = performance.now();
  const patient = patientOf(call);
  const cards = await decide(call, gathered, patient);
  const memory = orderMemory(
    call.service,
    call.request,
    call.deps,
    call.client,
    call.clientKey,
    Object.values(gathered.data),
  );
  const shown = await quiet(call, cards, patient, memory);
  const { stamped, checked } = check(call, shown);
  call.timings.decide = since(decideStart);
  // Past the deadline the answer was already {"cards": []}: nothing was shown, so nothing is recorded.
  if (call.signal.aborted) return timedOut();
  return answer(call, stamped, checked, patient, memory);
}

/**
 * Step 6: records the cards of the answer, only once it is certain to carry them (the deadline can no longer empty
 * it), within the ledger budget: a slow ledger barely delays the cards. A write that outlives its bound still lands,
 * which is right: the cards were shown.
 */
async function record(call: Call, rows: IssuedCard[]): Promise<void> {
  const start = performance.now();
  try {
    await call.ledgerBudget.record(call.deps.ledger.recordIssued(rows));
  } catch (error) {
    call.deps.logger.error('card ledger failed to record issued cards', { ...call.log, ...errorFields(error) });
  }
  call.timings.ledger = since(start);
}

/** What a call that threw answers: empty cards, except a broken response contract in `throw` mode (tests). */
function failure(call: Call, error: unknown): InvocationResult {
  if (error instanceof TimeoutError) return timedOut();
  if (error instanceof ResponseContractError) {
    // Only in `throw` mode (tests): a rule produced a card that breaks the spec. Fail loudly.
    call.deps.logger.error('response contract violated', { ...call.log, violations: error.violations });
    return {
      status: 500,
      body: operationOutcome([{ code: 'exception', diagnostics: 'response contract violated' }]),
      outcome: 'error',
    };
  }
  call.deps.logger.error('hook failed; answering empty cards', { ...call.log, ...errorFields(error) });
  return { status: 200, body: EMPTY, outcome: 'error' };
}

/** The state of a call about to start: its clock, due time, log fields and ledger budget. */
function startCall(
  service: RegisteredService,
  request: HookRequest,
  arrivalMs: number,
  deps: InvokeDeps,
  logFields: Record<string, unknown>,
  client: { iss: string; tenant?: string } | undefined,
  signal: AbortSignal,
): Call {
  const dueAt = arrivalMs + deps.config.hookDeadlineMs - answerMarginMs(deps.config.hookDeadlineMs);
  return {
    service,
    request,
    deps,
    client,
    clientKey: clientKeyOf(client),
    now: deps.clock.now(),
    arrivalMs,
    dueAt,
    signal,
    shadow: service.mode === 'shadow',
    log: { ...logFields, service: service.module.id, hook: service.module.hook, hookInstance: request.hookInstance },
    timings: {},
    ledgerBudget: new LedgerBudget(dueAt),
  };
}

/**
 * Runs a validated request. `arrivalMs` is the request's arrival (Date.now() at the first middleware), so the
 * time spent receiving and parsing the body counts against the deadline too; `arrivalPerf`, its performance.now(),
 * times the call for the duration histogram and Server-Timing.
 */
export async function invoke(
  service: RegisteredService,
  request: HookRequest,
  arrivalMs: number,
  deps: InvokeDeps,
  logFields: Record<string, unknown>,
  /** The authenticated client (issuer and tenant), or undefined for an unauthenticated development call. */
  client?: { iss: string; tenant?: string },
  arrivalPerf?: number,
): Promise<InvocationResult> {
  const controller = new AbortController();
  const call = startCall(service, request, arrivalMs, deps, logFields, client, controller.signal);
  const { config } = deps;

  // The answer must be out by the deadline, not merely decided: the work stops a little earlier, leaving the
  // time to write the answer (many calls can reach their deadline together).
  const remaining = Math.max(0, call.dueAt - Date.now());
  let result: InvocationResult;
  try {
    // Time already spent (the body finished arriving at the deadline): answer as a timeout without starting the
    // work, which would otherwise run (and might reject) after its answer was given.
    if (remaining <= 0) throw new TimeoutError('the deadline passed before the work could start');
    // within(), not pTimeout(): p-timeout builds a TimeoutError (stack trace included) for every call, 4 % of a
    // call's CPU; within() makes it only when the deadline passes.
    result = await within(work(call), remaining, () => new TimeoutError());
    if (result.toRecord?.length) await record(call, result.toRecord);
  } catch (error) {
    result = failure(call, error);
  }
  // Answer first, cancel after: when many calls pass their deadline together (a hung FHIR server), aborting
  // their reads one by one before answering would make the last answers late.
  setImmediate(() => controller.abort(ANSWERED));
  // What is known now: a read still settling after the deadline does not change the answer's timings.
  result.timings = { ...call.timings };
  const cards = result.status === 200 ? (result.body as CdsResponse).cards : [];
  const totalMs = reportInvocation(deps, {
    service: service.module.id,
    status: result.status,
    outcome: result.outcome,
    fields: { ...call.log, deadlineMs: config.hookDeadlineMs, cards: countByIndicator(cards) },
    arrivalMs,
    arrivalPerf,
    shadow: call.shadow,
    decided: result.decided,
  });
  if (totalMs !== undefined) result.totalMs = totalMs;
  return result;
}
