// How long a request may have waited before hookwise saw it. When the event loop is busy (many calls starting
// their FHIR reads at once), a request sits in its socket until the loop comes round, and the EHR's clock is
// already running. A timer that should fire every `intervalMs` measures how late the loop is; the hook deadline
// counts that wait too, so a call still answers within the deadline as the EHR measures it.
import { performance } from 'node:perf_hooks';

export interface LoopLag {
  /** The loop's most recent lateness in ms (0 when it is keeping up, or when the last sample is stale). */
  current(): number;
  stop(): void;
}

export function startLoopLag(intervalMs = 10): LoopLag {
  let expected = performance.now() + intervalMs;
  let lag = 0;
  let sampledAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(0, now - expected);
    sampledAt = now;
    expected = now + intervalMs;
  }, intervalMs);
  timer.unref();
  return {
    current: () => {
      const now = performance.now();
      // Overdue: the loop is busy right now. Recent lag: it was busy just before (a stale sample says nothing).
      const overdue = Math.max(0, now - expected);
      const recent = now - sampledAt < 2 * intervalMs ? lag : 0;
      return Math.max(overdue, recent);
    },
    stop: () => clearInterval(timer),
  };
}
