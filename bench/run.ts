// hookwise benchmark. Starts the real service (and a bare Express baseline) as child processes on 127.0.0.1,
// so the load generator (autocannon, in this process) never shares their event loop, then runs:
//   1. full prefetch, each hook at a few concurrencies: req/s, p50/p99, non-2xx; ratio to bare Express (≥ 0.6)
//   2. fallback: N = 1, 3, 6 keys read from a FHIR server taking 300 ms per read (parallel: ≤ 1.15 × one read)
//   3. a FHIR server that never answers, 200 calls at once: answered by the deadline, no socket left open
//   4. resident memory through a sustained mixed run (flat)
//   5. the AI review with the model at 300 ms / 3 s / 10 s / hanging, 8 concurrent calls: all within the deadline
// Prints a table per scenario and a PASS/MISS line per target; writes bench/results/latest.{json,md}.
//
//   npm run bench [-- --quick] [--duration S] [--database-url URL] [--strict] [--only 1,6] [--built] [--warmup S]
//
// Exit status: 1 when a call was answered wrongly (non-2xx, errors, not the expected body) or the bench broke;
// 2 with --strict when a performance target was missed; 0 otherwise (misses are still printed as MISS).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ChildSet, hookwiseEntry, openSockets, rssMb, type RunningChild } from './lib/child.js';
import { fullPrefetchBodies } from './lib/bodies.js';
import { HungFhir, SlowFhir } from './lib/fhir-stub.js';
import { formatTable, markdownTable, targetLine, type Table, type Target } from './lib/report.js';
import type { BenchContext, Discovery } from './scenarios/context.js';
import { runThroughput } from './scenarios/throughput.js';
import { READ_MS, runFallback } from './scenarios/fallback.js';
import { runHung } from './scenarios/hung.js';
import { runMemory } from './scenarios/memory.js';
import { runAi } from './scenarios/ai.js';
import { runDecide } from './scenarios/decide.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

interface Args {
  quick: boolean;
  durationS: number;
  databaseUrl?: string;
  strict: boolean;
  /** Scenario numbers to run (--only 1,3); all by default. */
  only: Set<string>;
  /** Run the compiled JavaScript `npm start` runs (dist/), not the TypeScript source under tsx. */
  built: boolean;
  /** Seconds of load on each service before scenario 1 measures (JIT warm-up), over and above its per-hook warm-up. */
  warmupS: number;
}

/** How long each part runs. Full: about 5 minutes in all; quick: a smoke run of about a minute. */
interface Plan {
  concurrencies: number[];
  durationS: number;
  fallbackCalls: number;
  hungCalls: number;
  sustainedS: number;
  sampleEveryMs: number;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      'database-url': { type: 'string' },
      strict: { type: 'boolean', default: false },
      only: { type: 'string' },
      built: { type: 'boolean', default: false },
      warmup: { type: 'string' },
    },
  });
  const only = new Set((values.only ?? '1,2,3,4,5,6').split(',').map((v) => v.trim()));
  if ([...only].some((v) => !['1', '2', '3', '4', '5', '6'].includes(v)))
    throw new Error(`--only takes scenario numbers 1-6, comma-separated, not ${values.only}`);
  const durationS = values.duration === undefined ? (values.quick ? 1 : 6) : Number(values.duration);
  if (!Number.isFinite(durationS) || durationS <= 0)
    throw new Error(`--duration must be a positive number of seconds, not ${values.duration}`);
  return {
    quick: values.quick ?? false,
    durationS,
    strict: values.strict ?? false,
    only,
    built: values.built ?? false,
    warmupS: values.warmup === undefined ? (values.quick ? 0 : 12) : Number(values.warmup),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  };
}

function planFor(args: Args): Plan {
  return {
    concurrencies: [1, 8, 32],
    durationS: args.durationS,
    fallbackCalls: args.quick ? 3 : 9,
    hungCalls: 200,
    sustainedS: args.quick ? 8 : 60,
    sampleEveryMs: args.quick ? 1000 : 2000,
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
    date: new Date().toISOString(),
  };
}

/** Prefetch templates per service, from the running service: the bench follows what hookwise declares. */
async function fetchDiscovery(child: RunningChild): Promise<Discovery> {
  const res = await fetch(`${child.baseUrl}/cds-services`);
  const json = (await res.json()) as { services?: Array<{ id: string; prefetch?: Record<string, string> }> };
  const discovery: Discovery = {};
  for (const s of json.services ?? []) discovery[s.id] = s.prefetch ?? {};
  return discovery;
}

/** The service's environment: the real setting names of src/config.ts (and the store settings being added). */
function hookwiseEnv(args: Args, ledgerPath: string, fhirOrigins: string[]): Record<string, string> {
  return {
    HOOKWISE_PROFILE: 'development',
    // The production default: the per-call info line is part of the cost of a call.
    LOG_LEVEL: 'info',
    LEDGER_PATH: ledgerPath,
    // Development reads any fhirServer, but logs a warning per call without an allow-list; the local stubs
    // are allow-listed instead, as production requires.
    FHIR_SERVER_ALLOWLIST: fhirOrigins.map((o) => `${o}/`).join(','),
    ...(args.databaseUrl ? { DATABASE_URL: args.databaseUrl } : {}),
  };
}

function writeResults(report: object, tables: Table[], targets: Target[], header: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  const md = [
    `# hookwise benchmark`,
    '',
    header,
    '',
    ...tables.map((t) => markdownTable(t) + '\n'),
    '### Targets',
    '',
    ...targets.map((t) => `- ${targetLine(t)}`),
    '',
  ];
  writeFileSync(path.join(RESULTS, 'latest.md'), md.join('\n'));
}

async function main(children: ChildSet): Promise<number> {
  const args = parseCli();
  const plan = planFor(args);
  const info = machine();
  const header =
    `node ${info.node}, ${info.cpus} × ${info.cpuModel}, ${info.platform}, ${info.date}` +
    (args.quick ? ' (--quick)' : '') +
    (args.databaseUrl ? ', DATABASE_URL set' : '');
  console.log(`hookwise bench: ${header}`);

  // Scenario 6 runs in this process, before any child starts (it needs no service).
  const s6 = args.only.has('6') ? runDecide(args.quick) : undefined;
  if (!['1', '2', '3', '4', '5'].some((n) => args.only.has(n))) {
    const ran = [s6!];
    for (const t of ran.flatMap((s) => s.tables)) console.log(formatTable(t));
    console.log('\n== Targets');
    for (const t of ran.flatMap((s) => s.targets)) console.log(targetLine(t));
    for (const f of ran.flatMap((s) => s.failures)) console.error(`FAIL  ${f}`);
    writeResults(
      { machine: info, scenarios: { decide: s6!.data }, targets: s6!.targets, failures: s6!.failures },
      s6!.tables,
      s6!.targets,
      header,
    );
    if (s6!.failures.length) return 1;
    return args.strict && s6!.targets.some((t) => !t.pass && !t.skipped) ? 2 : 0;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hookwise-bench-'));
  const slow = new SlowFhir(ROOT, READ_MS);
  const hung = new HungFhir();
  try {
    await slow.start();
    await hung.start();
    const entry = hookwiseEntry(ROOT, args.built);
    const hookwise = await children.start({
      name: 'hookwise',
      entry,
      cwd: ROOT,
      env: hookwiseEnv(args, path.join(tmp, 'ledger.sqlite'), [slow.origin, hung.origin]),
    });
    const rssAtReadyMb = rssMb(hookwise.pid);
    const socketsAtReady = openSockets(hookwise.pid);
    const bare = await children.start({ name: 'bare express', entry: 'bench/bare-server.ts', cwd: ROOT, env: {} });
    const ctx: BenchContext = {
      root: ROOT,
      hookwise,
      bare,
      discovery: await fetchDiscovery(hookwise),
      bodies: fullPrefetchBodies(ROOT),
      durationS: plan.durationS,
      quick: args.quick,
      entry,
      warmupS: args.warmupS,
    };

    const s1 = args.only.has('1') ? await runThroughput(ctx, plan.concurrencies) : undefined;
    const s2 = args.only.has('2') ? await runFallback(ctx, slow, plan.fallbackCalls) : undefined;
    const s3 = args.only.has('3') ? await runHung(ctx, hung, plan.hungCalls) : undefined;
    const s4 = args.only.has('4') ? await runMemory(ctx, rssAtReadyMb, plan.sustainedS, plan.sampleEveryMs) : undefined;
    const s5 = args.only.has('5')
      ? await runAi(ctx, children, (ledgerPath) => hookwiseEnv(args, ledgerPath, [slow.origin, hung.origin]))
      : undefined;
    const ran = [s1, s2, s3, s4, s5, s6].filter((s) => s !== undefined);

    const tables = ran.flatMap((s) => s.tables);
    const targets = ran.flatMap((s) => s.targets);
    const failures = ran.flatMap((s) => s.failures);
    for (const t of tables) console.log(formatTable(t));
    console.log('\n== Targets');
    for (const t of targets) console.log(targetLine(t));
    for (const f of failures) console.error(`FAIL  ${f}`);

    const report = {
      machine: info,
      options: { ...plan, quick: args.quick, databaseUrl: args.databaseUrl ? 'set' : 'unset' },
      hookwise: { pid: hookwise.pid, rssAtReadyMb, socketsAtReady },
      scenarios: {
        throughput: s1?.data,
        fallback: s2?.data,
        hungFhir: s3?.data,
        memory: s4?.data,
        ai: s5?.data,
        decide: s6?.data,
      },
      targets,
      failures,
    };
    writeResults(report, tables, targets, header);
    console.log(
      `\nwritten: ${path.relative(ROOT, path.join(RESULTS, 'latest.json'))}, ${path.relative(ROOT, path.join(RESULTS, 'latest.md'))}`,
    );
    if (failures.length) return 1;
    return args.strict && targets.some((t) => !t.pass && !t.skipped) ? 2 : 0;
  } finally {
    await children.killAll();
    await slow.stop();
    await hung.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const children = new ChildSet();
// Children must not outlive the bench, also when it is interrupted or crashes.
process.on('exit', () => children.killAllNow());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    children.killAllNow();
    process.exit(130);
  });
}
try {
  process.exitCode = await main(children);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
