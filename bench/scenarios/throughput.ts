// Scenario 1: each hook with full prefetch (nothing to read from a FHIR server) at a few concurrencies, against a
// bare Express handler that parses the same body and answers {"cards": []}. The ratio of req/s is hookwise's
// share of what the framework alone could serve; the target is ≥ 0.6.
import { post, oneShotAgent, cardCount, parseServerTiming } from '../lib/call.js';
import { percentile } from '../lib/stats.js';
import { HOOKS, missingKeys, type HookId } from '../lib/bodies.js';
import { load, type LoadResult } from '../lib/load.js';
import { threshold, type Table, type Target } from '../lib/report.js';
import type { BenchContext, ScenarioResult } from './context.js';

export const RATIO_TARGET = 0.6;

export interface ThroughputRow {
  hook: HookId;
  connections: number;
  hookwise: LoadResult;
  bare: LoadResult;
  /** hookwise req/s ÷ bare req/s */
  ratio: number;
}

/** Medians over sequential calls (one in flight) of the phases hookwise reports in Server-Timing, in ms. */
export interface PhaseRow {
  hook: HookId;
  calls: number;
  clientMs: number;
  phases: Record<string, number>;
}

export interface ThroughputData {
  bodies: Record<HookId, { fixture: string; bytes: number; cards: number; added: Record<string, string> }>;
  rows: ThroughputRow[];
  phases: PhaseRow[];
}

const PHASES = ['gather', 'decide', 'ledger', 'total'] as const;

/** Where one call's time goes, from the service's own Server-Timing header (absent phases stay absent). */
async function phaseBreakdown(ctx: BenchContext, hook: HookId, body: string, calls: number): Promise<PhaseRow> {
  const agent = oneShotAgent(1);
  const samples: Array<Record<string, number>> = [];
  const clientMs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const res = await post(`${ctx.hookwise.baseUrl}/cds-services/${hook}`, body, agent);
    samples.push(parseServerTiming(res.serverTiming));
    clientMs.push(res.ms);
  }
  agent.destroy();
  const phases: Record<string, number> = {};
  for (const name of PHASES) {
    const values = samples.flatMap((s) => (s[name] === undefined ? [] : [s[name]]));
    if (values.length) phases[name] = percentile(values, 50);
  }
  return { hook, calls, clientMs: percentile(clientMs, 50), phases };
}

/** One call first: the body must answer 200 with cards, or the throughput would measure the wrong path. */
async function probe(ctx: BenchContext, hook: HookId, body: string, failures: string[]): Promise<number> {
  const res = await post(`${ctx.hookwise.baseUrl}/cds-services/${hook}`, body, oneShotAgent(1));
  const cards = cardCount(res.body);
  if (res.status !== 200 || cards === undefined)
    failures.push(`${hook}: probe answered ${res.status} ${res.body.slice(0, 200)}`);
  else if (cards === 0) failures.push(`${hook}: probe answered no cards; the full-prefetch body must fire a rule`);
  return cards ?? 0;
}

function checkRow(row: ThroughputRow, failures: string[]): void {
  for (const [who, r] of [
    ['hookwise', row.hookwise],
    ['bare', row.bare],
  ] as const) {
    if (r.non2xx > 0 || r.errors > 0) {
      failures.push(
        `${row.hook} c=${row.connections} ${who}: ${r.non2xx} non-2xx and ${r.errors} errors (${JSON.stringify(r.statuses)})`,
      );
    }
  }
}

/**
 * Load on both services before anything is measured: V8 takes 10–15 s of load to compile hookwise's hot paths
 * (its first seconds cost up to twice its steady-state CPU per call), and a service runs for days, not seconds.
 */
async function warmUp(ctx: BenchContext): Promise<void> {
  if (ctx.warmupS <= 0) return;
  process.stdout.write(`  scenario 1: warm-up, ${ctx.warmupS} s of load on each service …\n`);
  const perHook = Math.max(1, Math.round(ctx.warmupS / HOOKS.length));
  for (const hook of HOOKS) {
    const body = JSON.stringify(ctx.bodies[hook].body);
    await load({ url: `${ctx.hookwise.baseUrl}/cds-services/${hook}`, body, connections: 8, durationS: perHook });
    await load({ url: `${ctx.bare.baseUrl}/cds-services/${hook}`, body, connections: 8, durationS: perHook });
  }
}

export async function runThroughput(
  ctx: BenchContext,
  concurrencies: number[],
): Promise<ScenarioResult<ThroughputData>> {
  const failures: string[] = [];
  const data: ThroughputData = { bodies: {} as ThroughputData['bodies'], rows: [], phases: [] };
  await warmUp(ctx);
  for (const hook of HOOKS) {
    const bench = ctx.bodies[hook];
    const missing = missingKeys(bench.body, Object.keys(ctx.discovery[hook] ?? {}));
    if (missing.length) failures.push(`${hook}: body lacks prefetch keys ${missing.join(', ')} (not full prefetch)`);
    const body = JSON.stringify(bench.body);
    const cards = await probe(ctx, hook, body, failures);
    data.bodies[hook] = { fixture: bench.fixture, bytes: Buffer.byteLength(body), cards, added: bench.added };
    const path = `/cds-services/${hook}`;
    // Warm-up (JIT, caches, connection set-up) on both servers; not recorded.
    const warmS = Math.max(1, Math.round(ctx.durationS / 3));
    await load({ url: ctx.hookwise.baseUrl + path, body, connections: 8, durationS: warmS });
    await load({ url: ctx.bare.baseUrl + path, body, connections: 8, durationS: warmS });
    data.phases.push(await phaseBreakdown(ctx, hook, body, ctx.quick ? 20 : 100));
    for (const connections of concurrencies) {
      process.stdout.write(`  scenario 1: ${hook} c=${connections} …\n`);
      const hookwise = await load({ url: ctx.hookwise.baseUrl + path, body, connections, durationS: ctx.durationS });
      const bare = await load({ url: ctx.bare.baseUrl + path, body, connections, durationS: ctx.durationS });
      const row: ThroughputRow = { hook, connections, hookwise, bare, ratio: hookwise.rps / bare.rps };
      checkRow(row, failures);
      data.rows.push(row);
    }
  }
  return { data, tables: [table(data), phaseTable(data)], targets: targets(data), failures };
}

function table(data: ThroughputData): Table {
  return {
    title: 'Scenario 1: full prefetch, hookwise vs bare Express (same body)',
    columns: [
      'hook',
      'conns',
      'hw req/s',
      'hw p50 ms',
      'hw p99 ms',
      'hw non2xx',
      'bare req/s',
      'bare p50',
      'bare p99',
      'bare non2xx',
      'ratio',
    ],
    rows: data.rows.map((r) => [
      r.hook,
      r.connections,
      Math.round(r.hookwise.rps),
      r.hookwise.p50Ms,
      r.hookwise.p99Ms,
      r.hookwise.non2xx + r.hookwise.errors,
      Math.round(r.bare.rps),
      r.bare.p50Ms,
      r.bare.p99Ms,
      r.bare.non2xx + r.bare.errors,
      r.ratio,
    ]),
    notes: Object.entries(data.bodies).map(
      ([hook, b]) =>
        `${hook}: ${b.fixture} (${b.bytes} bytes, ${b.cards} card(s))` +
        (Object.keys(b.added).length
          ? `; added ${Object.entries(b.added)
              .map(([k, v]) => `${k} = ${v}`)
              .join('; ')}`
          : ''),
    ),
  };
}

function phaseTable(data: ThroughputData): Table {
  return {
    title: 'Scenario 1b: where one call goes (sequential calls after warm-up; medians, ms; from Server-Timing)',
    columns: ['hook', 'calls', ...PHASES.map((p) => `${p} ms`), 'client ms'],
    rows: data.phases.map((r) => [r.hook, r.calls, ...PHASES.map((p) => r.phases[p] ?? '-'), r.clientMs]),
    notes: [
      "total = the service's own arrival→answer time; client = the same call measured by the bench (adds HTTP and socket set-up).",
    ],
  };
}

function targets(data: ThroughputData): Target[] {
  return data.rows.map((r) =>
    threshold('1 throughput', `${r.hook} c=${r.connections}: hookwise/bare req/s`, r.ratio, RATIO_TARGET),
  );
}
