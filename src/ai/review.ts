// The AI medication review, end to end, for one hook call:
//   kill switch ─▶ de-identify ─▶ cached answer? ─▶ model call (budget, breaker, bulkhead) ─▶ validate ─▶ ground ─▶ cards
// Every way of not having cards is a fallback reason, counted in /metrics and written in the ledger's audit row.
// A model answer that comes after the hook was answered is validated and cached for the next call with the same
// input; it never touches the answer already sent.
import { createHash, randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { DecisionInput, ProposeContext } from '../cds/hook-module.js';
import type { Card, HookData, PatientViewContext } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { errorFields, type Logger } from '../log.js';
import { decidePatientView } from '../rules/index.js';
import type { AiCallRecord, AiLedger, AiSwitchState } from '../store/ledger.js';
import { within } from '../util/within.js';
import { aiCard } from './cards.js';
import type { AiConfig } from './config.js';
import { deidentify, type Deidentified } from './deidentify.js';
import { ground, ruleDrugSets, type DropReason } from './ground.js';
import { ModelGuard, type BreakerState, type FallbackReason } from './guard.js';
import { createAiMetrics, type AiMetrics } from './metrics.js';
import { createModelClient, ModelCallError, type ModelClient } from './model-client.js';
import { FINDINGS_JSON_SCHEMA, parseAnswer, type Finding } from './output.js';
import { loadPrompt, type Prompt } from './prompt.js';

export interface AiReviewDeps {
  config: AiConfig;
  store: AiLedger;
  logger: Logger;
  registry: Registry;
  knowledge: Knowledge;
  serviceId: string;
  now?: () => number;
  prompt?: Prompt;
}

/** Time kept after the model call for validation, grounding and the rest of the hook's answer. */
export function reserveMs(budgetMs: number): number {
  return Math.min(150, Math.max(10, Math.round(budgetMs * 0.1)));
}

/** The longest a cache lookup may take out of the hook's budget. */
const CACHE_READ_MS = 200;

type Outcome = 'ok' | 'cache' | 'no-medications' | FallbackReason;

export class AiReview {
  readonly model: string;
  readonly prompt: Prompt;
  private readonly client: ModelClient;
  private readonly guard: ModelGuard;
  private readonly metrics: AiMetrics;
  private readonly now: () => number;
  private switchState: AiSwitchState | 'unknown' = 'unknown';
  private poll: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly deps: AiReviewDeps) {
    const { config } = deps;
    this.now = deps.now ?? Date.now;
    this.prompt = deps.prompt ?? loadPrompt();
    this.model = config.model;
    this.client = createModelClient({
      baseUrl: config.baseUrl,
      model: config.model,
      apiKey: config.apiKey,
      maxTokens: config.maxTokens,
      onFormatFallback: () =>
        deps.logger.warn('the model server refused json_schema; using JSON mode', { service: deps.serviceId }),
    });
    this.guard = new ModelGuard({
      maxConcurrent: config.maxConcurrent,
      failures: config.breaker.failures,
      halfOpenAfterMs: config.breaker.halfOpenAfterMs,
    });
    this.guard.onStateChange((state) =>
      deps.logger.warn('AI circuit breaker', { service: deps.serviceId, outcome: state }),
    );
    this.metrics = createAiMetrics(deps.registry, {
      enabled: () => this.enabled,
      breaker: () => this.breakerState,
      inFlight: () => this.guard.inFlight,
    });
  }

  /** Reads the shared kill switch now, then every switchPollMs. */
  async start(): Promise<void> {
    await this.readSwitch();
    this.poll = setInterval(() => void this.readSwitch(), this.deps.config.switchPollMs);
    this.poll.unref();
  }

  /** Stops polling, aborts model calls still running, releases the breaker's holds. */
  close(): void {
    if (this.poll) clearInterval(this.poll);
    for (const c of this.inFlight) c.abort();
    this.guard.close();
  }

  /** On only when the ledger says so: a switch that cannot be read counts as off (AI is optional, never required). */
  get enabled(): boolean {
    return this.switchState === 'on';
  }

  /** 'on', 'off', or 'unknown' (the ledger could not be read): /ready shows it. */
  get switchStatus(): AiSwitchState | 'unknown' {
    return this.switchState;
  }

  get breakerState(): BreakerState {
    return this.guard.state;
  }

  async readSwitch(): Promise<void> {
    const before = this.switchState;
    try {
      this.switchState = (
        await within(this.deps.store.aiSwitch(), 1000, () => new Error('the ledger did not answer'))
      ).state;
    } catch (error) {
      this.switchState = 'unknown';
      if (before !== 'unknown')
        this.deps.logger.error('AI kill switch unreadable; AI review off until it is read', {
          service: this.deps.serviceId,
          ...errorFields(error),
        });
    }
    if (before !== this.switchState && before !== 'unknown')
      this.deps.logger.warn('AI kill switch', { service: this.deps.serviceId, outcome: this.switchState });
  }

  /** The hook module's `propose`: settles within ctx.budgetMs and never rejects. */
  async propose(input: DecisionInput<PatientViewContext>, ctx: ProposeContext): Promise<Card[]> {
    const started = this.now();
    const perfStart = performance.now();
    const audit = (outcome: Outcome, extra: Partial<AiCallRecord> = {}, cards: Card[] = []) =>
      this.finish(outcome, ctx, started, perfStart, extra, cards);
    try {
      if (!this.enabled) return audit('disabled');
      const deid = deidentify({
        data: input.data,
        patientId: input.context.patientId,
        knowledge: input.knowledge,
        now: input.now,
      });
      if (deid.facts.medications.length === 0) return audit('no-medications');
      const user = JSON.stringify({ task: 'medication-review', facts: deid.facts });
      const inputHash = createHash('sha256').update(`${this.model}\n${this.prompt.ref}\n${user}`).digest('base64url');
      const cardsFrom = (findings: Finding[], model: string, preDropped: Partial<Record<DropReason, number>>) =>
        this.toCards(findings, deid, input, model, preDropped);

      // A validated answer for the same patient and the same input (a late one, perhaps): used at once.
      const cached = await within(
        this.deps.store.aiCacheGet(ctx.patient, inputHash, started),
        Math.max(1, Math.min(CACHE_READ_MS, ctx.budgetMs / 4)),
        () => new Error('the AI cache did not answer in time'),
      ).catch((error: unknown) => {
        this.deps.logger.warn('AI cache unreadable', { service: this.deps.serviceId, ...errorFields(error) });
        return undefined;
      });
      if (cached && cached.promptVersion === this.prompt.ref) {
        const parsed = parseAnswer(cached.findings);
        if (parsed.ok) {
          const made = cardsFrom(parsed.findings, cached.model, {});
          return audit('cache', { model: cached.model, ...made.audit }, made.cards);
        }
      }

      const budget = ctx.budgetMs - (performance.now() - perfStart) - reserveMs(ctx.budgetMs);
      // Made inside the guard: a call the bulkhead or the breaker refuses never reaches the model.
      const start = () => {
        const controller = new AbortController();
        this.inFlight.add(controller);
        const modelStart = performance.now();
        return this.client
          .complete(
            {
              system: this.prompt.system,
              user,
              jsonSchema: FINDINGS_JSON_SCHEMA as unknown as {
                name: string;
                strict: boolean;
                schema: Record<string, unknown>;
              },
            },
            { signal: controller.signal, timeoutMs: this.deps.config.timeoutMs },
          )
          .then(
            (answer) => {
              this.metrics.modelDuration.observe({ result: 'answer' }, (performance.now() - modelStart) / 1000);
              return answer;
            },
            (error: unknown) => {
              this.metrics.modelDuration.observe({ result: 'error' }, (performance.now() - modelStart) / 1000);
              throw error;
            },
          )
          .finally(() => this.inFlight.delete(controller));
      };
      const outcome = await this.guard.run(start, budget);
      if (outcome.kind === 'fallback') {
        if (outcome.late) this.keepLate(outcome.late, ctx, inputHash, started);
        return audit(outcome.reason);
      }
      const parsed = parseAnswer(outcome.value.text);
      if (!parsed.ok) return audit('invalid_output', { model: outcome.value.model });
      void this.cache(ctx.patient, inputHash, outcome.value.model, parsed.findings, started);
      const made = cardsFrom(parsed.findings, outcome.value.model, parsed.dropped);
      return audit('ok', { model: outcome.value.model, ...made.audit }, made.cards);
    } catch (error) {
      // A bug here must cost the AI cards, never the hook.
      this.deps.logger.error('AI review failed; no AI cards', { service: this.deps.serviceId, ...errorFields(error) });
      return audit('service_error');
    }
  }

  private toCards(
    findings: Finding[],
    deid: Deidentified,
    input: DecisionInput<PatientViewContext>,
    model: string,
    preDropped: Partial<Record<DropReason, number>>,
  ) {
    // The rules' cards on the same data say which drugs they already cover (the rule card wins).
    const ruleCards = decidePatientView({ ...input, data: rulesData(input.data) });
    const grounded = ground({
      findings,
      handles: deid.handles,
      knowledge: input.knowledge,
      minConfidence: this.deps.config.minConfidence,
      ruleDrugSets: ruleDrugSets(ruleCards, deid.handles, input.knowledge),
    });
    const dropped: Record<string, number> = {};
    for (const [why, n] of [...Object.entries(preDropped), ...Object.entries(grounded.dropped)])
      if (n) dropped[why] = (dropped[why] ?? 0) + n;
    // Most urgent first, as the rule services order theirs; within a tier, the model's order.
    const cards = grounded.kept
      .map((f) =>
        aiCard(f, {
          model,
          promptRef: this.prompt.ref,
          handles: deid.handles,
          patientId: input.context.patientId,
          now: input.now,
        }),
      )
      .map((c, i) => ({ c, i }))
      .sort((a, b) => (a.c.indicator === b.c.indicator ? a.i - b.i : a.c.indicator === 'warning' ? -1 : 1))
      .map((x) => x.c);
    return {
      cards,
      audit: { findingsKept: grounded.kept.length, dropped, confidences: grounded.kept.map((f) => f.confidence) },
    };
  }

  private finish(
    outcome: Outcome,
    ctx: ProposeContext,
    started: number,
    perfStart: number,
    extra: Partial<AiCallRecord>,
    cards: Card[] = [],
  ): Card[] {
    const latencyMs = Math.round(performance.now() - perfStart);
    this.metrics.calls.inc({ outcome });
    if (outcome !== 'ok' && outcome !== 'cache' && outcome !== 'no-medications')
      this.metrics.fallbacks.inc({ reason: outcome });
    for (const [why, n] of Object.entries(extra.dropped ?? {})) if (n > 0) this.metrics.dropped.inc({ reason: why }, n);
    if (cards.length) this.metrics.findingsKept.inc(cards.length);
    this.deps.logger.info('ai review', {
      service: this.deps.serviceId,
      hookInstance: ctx.hookInstance,
      outcome,
      latencyMs,
      cards: cards.length,
      ...(extra.dropped && Object.keys(extra.dropped).length ? { dropped: extra.dropped } : {}),
    });
    if (outcome !== 'no-medications') {
      this.record(this.auditRow(ctx, started, { latencyMs, outcome, late: false, ...extra }));
    }
    return cards;
  }

  /** One audit row of a call (in time or late): what it was, never what was sent or answered. */
  private auditRow(
    ctx: ProposeContext,
    started: number,
    fields: Pick<AiCallRecord, 'latencyMs' | 'outcome' | 'late'> & Partial<AiCallRecord>,
  ): AiCallRecord {
    return {
      id: randomUUID(),
      service: this.deps.serviceId,
      hookInstance: ctx.hookInstance,
      patient: ctx.patient,
      model: this.model,
      promptVersion: this.prompt.ref,
      startedAt: started,
      shadow: ctx.shadow,
      findingsKept: 0,
      dropped: {},
      confidences: [],
      ...fields,
    };
  }

  /** The audit row is written in the background: the answer never waits for it. */
  private record(row: AiCallRecord): void {
    this.deps.store
      .recordAiCall(row)
      .catch((error: unknown) =>
        this.deps.logger.error('AI audit row not written', { service: this.deps.serviceId, ...errorFields(error) }),
      );
  }

  private async cache(
    patient: string,
    inputHash: string,
    model: string,
    findings: Finding[],
    at: number,
  ): Promise<void> {
    const minutes = this.deps.config.cacheMinutes;
    if (minutes <= 0) return;
    try {
      await this.deps.store.aiCachePut({
        patient,
        inputHash,
        model,
        promptVersion: this.prompt.ref,
        findings: JSON.stringify({ findings }),
        storedAt: at,
        expiresAt: at + minutes * 60_000,
      });
    } catch (error) {
      this.deps.logger.error('AI answer not cached', { service: this.deps.serviceId, ...errorFields(error) });
    }
  }

  /** A late answer: validated and cached for the next call with the same input, and audited as late. */
  private keepLate(
    late: Promise<{ text: string; model: string }>,
    ctx: ProposeContext,
    inputHash: string,
    started: number,
  ): void {
    const row = (outcome: string, extra: Partial<AiCallRecord> = {}) =>
      this.record(this.auditRow(ctx, started, { latencyMs: this.now() - started, outcome, late: true, ...extra }));
    late.then(
      async (answer) => {
        const parsed = parseAnswer(answer.text);
        if (!parsed.ok) {
          this.metrics.lateAnswers.inc({ result: 'invalid' });
          row('invalid_output', { model: answer.model });
          return;
        }
        await this.cache(ctx.patient, inputHash, answer.model, parsed.findings, this.now());
        this.metrics.lateAnswers.inc({ result: 'stored' });
        row('ok', { model: answer.model, findingsKept: parsed.findings.length });
      },
      (error: unknown) => {
        this.metrics.lateAnswers.inc({ result: 'failed' });
        const timedOut =
          error instanceof ModelCallError && (error.failure === 'timeout' || error.failure === 'aborted');
        row(timedOut ? 'timeout' : 'service_error');
      },
    );
  }
}

/** The patient-view rules read eGFR, potassium and INR from their own keys; here all come from `labs`. */
function rulesData(data: HookData): HookData {
  const labs = data.labs ?? null;
  return {
    medications: data.medications ?? null,
    medicationRefs: data.medicationRefs ?? null,
    patient: data.patient ?? null,
    egfr: labs,
    potassium: labs,
    inr: labs,
  };
}
