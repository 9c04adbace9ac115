// Scenario 3: a FHIR server that accepts connections and never answers. 200 calls at once, every prefetch key
// missing, so every call waits on reads until the deadline (HOOK_DEADLINE_MS, 4.5 s) answers 200 {"cards": []}
// and aborts the reads. Then: did every socket to the hung server close, and did the child keep any?
import { setTimeout as sleep } from 'node:timers/promises';
import { openSockets } from '../lib/child.js';
import { oneShotAgent, post, type CallResult } from '../lib/call.js';
import { withKeysMissing } from '../lib/bodies.js';
import type { HungFhir } from '../lib/fhir-stub.js';
import { check, threshold, type Table, type Target } from '../lib/report.js';
import { max, percentile } from '../lib/stats.js';
import type { BenchContext, ScenarioResult } from './context.js';

export const MAX_LATENCY_TARGET_MS = 4600;
/** Time for the closes of aborted reads to land before counting. */
const SETTLE_MS = 1000;
/** A later second look, reported only: shows whether leftovers drain on their own (keep-alive timeouts). */
const LATE_LOOK_MS = 5000;

export interface HungData {
  calls: number;
  answered200Empty: number;
  otherAnswers: string[];
  p50Ms: number;
  maxMs: number;
  hungAccepted: number;
  hungRequests: number;
  hungOpenAfter1s: number;
  hungOpenAfter5s: number;
  childSocketsBefore: number;
  childSocketsAfter1s: number;
  childSocketsAfter5s: number;
}

function isEmptyCards(res: CallResult): boolean {
  try {
    const parsed = JSON.parse(res.body) as Record<string, unknown>;
    return (
      res.status === 200 && Object.keys(parsed).length === 1 && Array.isArray(parsed.cards) && parsed.cards.length === 0
    );
  } catch {
    return false;
  }
}

export async function runHung(ctx: BenchContext, hung: HungFhir, calls: number): Promise<ScenarioResult<HungData>> {
  const failures: string[] = [];
  const allKeys = Object.keys(ctx.discovery['patient-view'] ?? {});
  const body = JSON.stringify(withKeysMissing(ctx.bodies['patient-view'].body, allKeys, hung.base));
  const url = `${ctx.hookwise.baseUrl}/cds-services/patient-view`;
  const childSocketsBefore = openSockets(ctx.hookwise.pid);
  const agent = oneShotAgent(calls);
  process.stdout.write(`  scenario 3: ${calls} calls at once against a FHIR server that never answers …\n`);
  const settled = await Promise.allSettled(Array.from({ length: calls }, () => post(url, body, agent)));
  agent.destroy();
  const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const otherAnswers = [
    ...settled.flatMap((s) => (s.status === 'rejected' ? [`no answer: ${String(s.reason)}`] : [])),
    ...results.filter((r) => !isEmptyCards(r)).map((r) => `${r.status} ${r.body.slice(0, 120)}`),
  ];
  await sleep(SETTLE_MS);
  const hungOpenAfter1s = hung.openConnections;
  const childSocketsAfter1s = openSockets(ctx.hookwise.pid);
  await sleep(LATE_LOOK_MS - SETTLE_MS);
  const latencies = results.map((r) => r.ms);
  const data: HungData = {
    calls,
    answered200Empty: results.filter(isEmptyCards).length,
    otherAnswers: otherAnswers.slice(0, 5),
    p50Ms: percentile(latencies, 50),
    maxMs: max(latencies),
    hungAccepted: hung.accepted,
    hungRequests: hung.requests,
    hungOpenAfter1s,
    hungOpenAfter5s: hung.openConnections,
    childSocketsBefore,
    childSocketsAfter1s,
    childSocketsAfter5s: openSockets(ctx.hookwise.pid),
  };
  if (data.answered200Empty !== calls)
    failures.push(
      `scenario 3: ${calls - data.answered200Empty} of ${calls} calls not answered 200 {"cards": []}: ${otherAnswers.join(' | ')}`,
    );
  return { data, tables: [table(data)], targets: targets(data), failures };
}

function table(d: HungData): Table {
  return {
    title: 'Scenario 3: FHIR server that never answers, 200 calls at once (patient-view, no prefetch)',
    columns: [
      'calls',
      '200 {"cards":[]}',
      'p50 ms',
      'max ms',
      'reads sent',
      'hung open +1s',
      'hung open +5s',
      'child sockets before',
      'after +1s',
      'after +5s',
    ],
    rows: [
      [
        d.calls,
        d.answered200Empty,
        d.p50Ms,
        d.maxMs,
        d.hungRequests,
        d.hungOpenAfter1s,
        d.hungOpenAfter5s,
        d.childSocketsBefore,
        d.childSocketsAfter1s,
        d.childSocketsAfter5s,
      ],
    ],
    notes: [
      `reads sent = requests the hung server received (connections accepted: ${d.hungAccepted}); open = its connections not yet closed.`,
      'child sockets = symlinks to socket:[…] in /proc/<pid>/fd, the listening socket included; the bench client closes its sockets with each answer.',
    ],
  };
}

function targets(d: HungData): Target[] {
  return [
    threshold('3 hung FHIR', 'max latency', d.maxMs, MAX_LATENCY_TARGET_MS, { atMost: true, unit: ' ms', digits: 0 }),
    check(
      '3 hung FHIR',
      'answered 200 {"cards": []}',
      d.answered200Empty === d.calls,
      `${d.answered200Empty}/${d.calls}`,
      `${d.calls}/${d.calls}`,
    ),
    check(
      '3 hung FHIR',
      'hung server connections still open 1 s after',
      d.hungOpenAfter1s === 0,
      String(d.hungOpenAfter1s),
      '0',
    ),
    check(
      '3 hung FHIR',
      'child sockets 1 s after vs before',
      d.childSocketsAfter1s <= d.childSocketsBefore,
      `${d.childSocketsAfter1s} (before ${d.childSocketsBefore})`,
      `≤ ${d.childSocketsBefore}`,
    ),
  ];
}
