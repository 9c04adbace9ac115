// How a hook call is reported: the one place that writes the "hook invocation" log line and the hook metrics,
// for every call (an invalid request from src/routes/hook.ts included, the rest from src/cds/invoke.ts).
import type { InvocationOutcome, InvocationResult, InvokeDeps } from './invoke.js';
import type { Card } from './types.js';

export function countByIndicator(cards: Card[]): Record<string, number> {
  const counts: Record<string, number> = { critical: 0, warning: 0, info: 0 };
  for (const c of cards) counts[c.indicator] = (counts[c.indicator] ?? 0) + 1;
  return counts;
}

/** How one hook call is reported: the metrics and the "hook invocation" log line. */
export interface Report {
  service: string;
  status: number;
  outcome: InvocationOutcome | 'invalid';
  /** The log line's fields besides status, outcome and latency. */
  fields: Record<string, unknown>;
  arrivalMs: number;
  /** performance.now() at arrival: the duration histogram (absent: not observed). */
  arrivalPerf?: number | undefined;
  shadow?: boolean;
  decided?: InvocationResult['decided'];
}

/** The one place that writes the "hook invocation" log line and a hook call's metrics; the total in ms, if known. */
export function reportInvocation(deps: Pick<InvokeDeps, 'logger' | 'metrics'>, r: Report): number | undefined {
  const { logger, metrics } = deps;
  if (metrics) {
    if (r.outcome === 'timeout') metrics.deadlineExpired.inc({ service: r.service });
    if (r.outcome === 'ok') {
      const counter = r.shadow ? metrics.shadowCards : metrics.cards;
      for (const c of r.decided ?? []) counter.inc({ service: r.service, rule: c.rule, indicator: c.indicator });
    }
  }
  logger.info('hook invocation', {
    ...r.fields,
    status: r.status,
    outcome: r.outcome,
    latencyMs: Date.now() - r.arrivalMs,
  });
  if (r.arrivalPerf === undefined) return undefined;
  const totalMs = performance.now() - r.arrivalPerf;
  metrics?.hookDuration.observe({ service: r.service, outcome: r.outcome }, totalMs / 1000);
  return totalMs;
}
