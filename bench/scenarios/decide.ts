// Scenario 6: the synchronous work of one big call, in this process (no HTTP): order-sign with N draft orders and
// N active medications (bench/lib/big-request.ts), N = 10, 100, 1 000, 5 000. Measured: the rules, the grouping by
// draft, the uuids and the response contract, i.e. the decide phase without the ledger. Nothing else runs while this work
// runs (the deadline only stops asynchronous work), so it must stay small and grow linearly with N.
import { loadKnowledge } from '../../src/knowledge/index.js';
import { decideOrderSign } from '../../src/rules/index.js';
import { groupByDraft } from '../../src/cds/group-cards.js';
import { enforceContract } from '../../src/cds/response-contract.js';
import { stampUuids, wireCard } from '../../src/cds/invoke.js';
import type { OrderSignContext, HookData } from '../../src/cds/types.js';
import { bigOrderSign } from '../lib/big-request.js';
import { check, threshold, type Table, type Target } from '../lib/report.js';
import type { ScenarioResult } from './context.js';

export const SIZES = [10, 100, 1000, 5000];
export const AT_1000_TARGET_MS = 50;
/** Linear: the cost per resource at 5 000 is at most this many times the cost per resource at 1 000. */
export const LINEAR_SLACK = 2;

export interface DecideRow {
  n: number;
  runs: number;
  minMs: number;
  medianMs: number;
  /** CPU time of the process per run (user + system, GC threads included): steadier than wall time on a shared machine. */
  cpuMedianMs: number;
  cards: number;
  critical: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function runDecide(quick: boolean): ScenarioResult<{ rows: DecideRow[] }> {
  const knowledge = loadKnowledge();
  const rows: DecideRow[] = [];
  const failures: string[] = [];
  for (const n of SIZES) {
    const { context, prefetch } = bigOrderSign(n);
    const decide = () => {
      const cards = stampUuids(
        groupByDraft(
          decideOrderSign({
            context: context as unknown as OrderSignContext,
            data: prefetch as unknown as HookData,
            knowledge,
            now: new Date(),
          }),
        ),
      );
      // As the pipeline sends them: the internal finding becomes the trace extension, then the contract check.
      return enforceContract(
        cards.map((c) => wireCard(c, knowledge.version)),
        'throw',
      ).cards;
    };
    const runs = quick ? 3 : n >= 5000 ? 7 : 15;
    for (let w = 0; w < 2; w++) decide(); // warm-up: compile, caches
    const times: number[] = [];
    const cpu: number[] = [];
    let cards = decide();
    for (let r = 0; r < runs; r++) {
      const c = process.cpuUsage();
      const t = performance.now();
      cards = decide();
      times.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
    }
    const critical = cards.filter((c) => c.indicator === 'critical').length;
    if (!cards.some((c) => c.indicator === 'critical' && /simvastatin\b.*\bclarithromycin/i.test(c.summary))) {
      failures.push(`decide N=${n}: the simvastatin + clarithromycin card is missing`);
    }
    rows.push({
      n,
      runs,
      minMs: Math.min(...times),
      medianMs: median(times),
      cpuMedianMs: median(cpu),
      cards: cards.length,
      critical,
    });
  }
  const at = (n: number) => rows.find((r) => r.n === n)!;
  const perResource = (n: number) => at(n).minMs / n;
  const growth = perResource(5000) / perResource(1000);
  const table: Table = {
    title: 'Scenario 6: decide time of one order-sign call with N drafts and N active medications (in process)',
    columns: ['N', 'runs', 'min ms', 'median ms', 'CPU median ms', 'µs per resource (min)', 'cards', 'critical'],
    rows: rows.map((r) => [
      r.n,
      r.runs,
      r.minMs,
      r.medianMs,
      r.cpuMedianMs,
      (r.minMs / (2 * r.n)) * 1000,
      r.cards,
      r.critical,
    ]),
    notes: [
      'rules + grouping by draft + uuids + response contract, synchronous; the ledger and HTTP are not included',
      'min is the figure to compare (other processes on the machine only ever add time); median shows the noise',
      'CPU: user + system time of the process per run (GC threads included), less moved by other processes than wall time',
    ],
  };
  const targets: Target[] = [
    threshold('6', 'decide N=1000 median', at(1000).medianMs, AT_1000_TARGET_MS, {
      atMost: true,
      unit: ' ms',
      digits: 1,
    }),
    check(
      '6',
      'linear: per-resource time at N=5000 ÷ at N=1000',
      growth <= LINEAR_SLACK,
      growth.toFixed(2),
      `≤ ${LINEAR_SLACK.toFixed(2)}`,
    ),
  ];
  return { data: { rows }, tables: [table], targets, failures };
}
