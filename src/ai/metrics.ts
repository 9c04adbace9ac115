// The AI review's metrics, on the app's registry. Labels are hookwise's own names only: outcomes, fallback
// reasons, drop reasons, breaker states. Never a model's text or a patient.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BREAKER_STATES, type BreakerState } from './guard.js';

export interface AiMetrics {
  calls: Counter<'outcome'>;
  fallbacks: Counter<'reason'>;
  dropped: Counter<'reason'>;
  findingsKept: Counter;
  lateAnswers: Counter<'result'>;
  modelDuration: Histogram<'result'>;
}

export interface AiState {
  enabled: () => boolean;
  breaker: () => BreakerState;
  inFlight: () => number;
}

export function createAiMetrics(registry: Registry, state: AiState): AiMetrics {
  const registers = [registry];
  new Gauge({
    name: 'hookwise_ai_enabled',
    help: 'The AI review kill switch as this instance last read it from the ledger: 1 on, 0 off.',
    registers,
    collect() {
      this.set(state.enabled() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hookwise_ai_breaker_state',
    help: "The model circuit breaker: 1 for the current state (closed, open, half-open, isolated: held open by a 429's Retry-After).",
    labelNames: ['state'],
    registers,
    collect() {
      const now = state.breaker();
      for (const s of BREAKER_STATES) this.set({ state: s }, s === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hookwise_ai_calls_in_flight',
    help: 'Model calls running now (within a hook call or late in the background), capped by AI_MAX_CONCURRENT.',
    registers,
    collect() {
      this.set(state.inFlight());
    },
  });
  return {
    calls: new Counter({
      name: 'hookwise_ai_calls_total',
      help: 'AI review calls by outcome: ok (model answered in time), cache (a stored answer), or the fallback reason.',
      labelNames: ['outcome'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'hookwise_ai_fallbacks_total',
      help: 'AI review calls answered without the model, by reason (timeout, rate_limited, service_error, invalid_output, circuit_open, disabled).',
      labelNames: ['reason'],
      registers,
    }),
    dropped: new Counter({
      name: 'hookwise_ai_findings_dropped_total',
      help: 'Model findings discarded, by reason (schema, no-evidence, unknown-handle, unknown-drug, low-confidence, covered-by-rule, over-limit, excess).',
      labelNames: ['reason'],
      registers,
    }),
    findingsKept: new Counter({
      name: 'hookwise_ai_findings_kept_total',
      help: 'Model findings that passed validation and grounding and became cards.',
      registers,
    }),
    lateAnswers: new Counter({
      name: 'hookwise_ai_late_answers_total',
      help: 'Model answers that came after the hook was answered: stored (validated, cached), invalid, or failed.',
      labelNames: ['result'],
      registers,
    }),
    modelDuration: new Histogram({
      name: 'hookwise_ai_model_duration_seconds',
      help: 'Time for the model to answer (in time or late), by result (answer, error).',
      labelNames: ['result'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 4.5, 10, 20, 60],
      registers,
    }),
  };
}
