// The wall between a hook call and the model: a bulkhead caps the model calls in flight in this process, a
// circuit breaker stops calling a model that keeps failing or timing out (cockatiel), and each call gets only
// the hook's time budget. Past the budget the hook falls back at once while the call goes on in the background
// (bounded by the client's own timeout): its late answer is handed back as a promise, for the cache only.
// No retries. Every way of not having an answer is one typed reason.
import {
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ModelCallError } from './model-client.js';

export type FallbackReason =
  'timeout' | 'rate_limited' | 'service_error' | 'invalid_output' | 'circuit_open' | 'disabled';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

export type GuardOutcome<T> =
  | { kind: 'answer'; value: T }
  /** `late`: the call still running past the budget; it settles within the client's timeout. */
  | { kind: 'fallback'; reason: FallbackReason; late?: Promise<T>; retryAfterMs?: number };

export interface GuardOptions {
  maxConcurrent: number;
  failures: number;
  halfOpenAfterMs: number;
  /** A 429's Retry-After holds the breaker open that long, at most this long. */
  maxRetryAfterMs?: number;
}

class BudgetExpired extends Error {
  override name = 'BudgetExpired';
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export class ModelGuard {
  private readonly bulkhead: BulkheadPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly maxRetryAfterMs: number;
  private holds = new Set<NodeJS.Timeout>();
  private readonly maxConcurrent: number;

  constructor(options: GuardOptions) {
    this.maxConcurrent = options.maxConcurrent;
    this.bulkhead = bulkhead(options.maxConcurrent, 0);
    // A bulkhead refusal says nothing about the model's health: it does not count against the breaker.
    this.breaker = circuitBreaker(
      handleWhen((e) => !(e instanceof BulkheadRejectedError)),
      {
        halfOpenAfter: options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.failures),
      },
    );
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10 * 60_000;
  }

  get state(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  /** Model calls in flight (in time or late). */
  get inFlight(): number {
    return this.maxConcurrent - this.bulkhead.executionSlots;
  }

  onStateChange(listener: (state: BreakerState) => void): void {
    this.breaker.onStateChange((s) => listener(STATE_NAMES[s]));
  }

  /** Holds the breaker open (a 429's Retry-After), then lets it close. */
  private holdOpen(ms: number): void {
    const handle = this.breaker.isolate();
    const timer = setTimeout(
      () => {
        this.holds.delete(timer);
        handle.dispose();
      },
      Math.min(ms, this.maxRetryAfterMs),
    );
    timer.unref();
    this.holds.add(timer);
  }

  /** Runs `call` within `budgetMs` or falls back with a reason; never throws. */
  async run<T>(call: () => Promise<T>, budgetMs: number): Promise<GuardOutcome<T>> {
    if (budgetMs <= 0) return { kind: 'fallback', reason: 'timeout' };
    if (this.bulkhead.executionSlots <= 0) return { kind: 'fallback', reason: 'rate_limited' };
    // Half-open: one probe is on its way; the others answer at once instead of queueing behind it.
    if (this.breaker.state === CircuitState.HalfOpen) return { kind: 'fallback', reason: 'circuit_open' };
    let inner: Promise<T> | undefined;
    try {
      const value = await this.breaker.execute(async () => {
        inner = this.bulkhead.execute(() => call());
        // The late answer is read by whoever takes it; until then its rejection is not unhandled.
        inner.catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new BudgetExpired()), budgetMs);
        });
        try {
          return await Promise.race([inner, expired]);
        } finally {
          clearTimeout(timer);
        }
      });
      return { kind: 'answer', value };
    } catch (error) {
      if (error instanceof BudgetExpired)
        return { kind: 'fallback', reason: 'timeout', ...(inner ? { late: inner } : {}) };
      if (isBrokenCircuitError(error)) return { kind: 'fallback', reason: 'circuit_open' };
      if (error instanceof BulkheadRejectedError) return { kind: 'fallback', reason: 'rate_limited' };
      if (error instanceof ModelCallError) {
        if (error.failure === 'rate_limited') {
          if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) this.holdOpen(error.retryAfterMs);
          return {
            kind: 'fallback',
            reason: 'rate_limited',
            ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
          };
        }
        if (error.failure === 'timeout' || error.failure === 'aborted') return { kind: 'fallback', reason: 'timeout' };
      }
      return { kind: 'fallback', reason: 'service_error' };
    }
  }

  /** Releases the Retry-After holds (process shutdown, tests). */
  close(): void {
    for (const t of this.holds) clearTimeout(t);
    this.holds.clear();
  }
}
