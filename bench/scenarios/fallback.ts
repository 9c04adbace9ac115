// Scenario 2: the fallback path. Requests with N prefetch keys missing, whose fhirServer is a local FHIR server
// taking 300 ms per read. If the N reads run in parallel a call takes about one read (ratio ≈ 1.0); in series,
// N reads. Target: ≤ 1.15 at N = 6. Calls are sequential (one in flight), so only the reads of one call overlap.
import { cardCount, oneShotAgent, post } from '../lib/call.js';
import { withKeysMissing, type HookId } from '../lib/bodies.js';
import { SlowFhir } from '../lib/fhir-stub.js';
import { check, threshold, type Table, type Target } from '../lib/report.js';
import { max, percentile } from '../lib/stats.js';
import { isChained, type BenchContext, type ScenarioResult } from './context.js';

export const READ_MS = 300;
export const PARALLEL_TARGET = 1.15;

export interface FallbackCase {
  label: string;
  hook: HookId;
  missing: string[];
  /** Read levels the missing keys need: 1 when all are independent, 2 with a {{%key}} chain. */
  levels: number;
  /** Whether the case counts for the target (independent keys only). */
  judged: boolean;
  base: 'inline' | 'byref';
}

export interface FallbackRow extends FallbackCase {
  n: number;
  latenciesMs: number[];
  p50Ms: number;
  minMs: number;
  maxMs: number;
  /** FHIR reads the stub served per call (should equal n, or n + chained reads). */
  readsPerCall: number;
  /** p50 ÷ 300 ms */
  ratioToRead: number;
  /** p50 ÷ the measured N = 1 p50 */
  ratioToN1: number;
}

export interface FallbackData {
  readMs: number;
  independentKeys: Record<string, string[]>;
  rows: FallbackRow[];
  note: string;
}

/** Keys a hook can read in one level: no {{%key}} in the template. draftMedications needs a referencing draft. */
function independentKeys(templates: Record<string, string>): string[] {
  return Object.entries(templates)
    .filter(([key, t]) => !isChained(t) && key !== 'draftMedications')
    .map(([key]) => key);
}

/**
 * order-select has six keys read in one level (allergies, medications, patient, creatinine, weight, egfr), so
 * it carries the N = 1, 3, 6 cases. patient-view has only five (medicationRefs is read after medications), so
 * its six-missing case is run too, with medications that reference a Medication: two levels, shown, not judged.
 */
function cases(independent: Record<string, string[]>): FallbackCase[] {
  const os = independent['order-select'] ?? [];
  const six = ['allergies', 'medications', 'patient', 'creatinine', 'weight', 'egfr'].filter((k) => os.includes(k));
  const list: FallbackCase[] = [
    { label: 'order-select N=1', hook: 'order-select', missing: ['egfr'], levels: 1, judged: true, base: 'inline' },
    {
      label: 'order-select N=3',
      hook: 'order-select',
      missing: ['egfr', 'creatinine', 'weight'],
      levels: 1,
      judged: true,
      base: 'inline',
    },
    {
      label: `order-select N=${six.length}`,
      hook: 'order-select',
      missing: six,
      levels: 1,
      judged: true,
      base: 'inline',
    },
  ];
  const pv = independent['patient-view'] ?? [];
  list.push({
    label: `patient-view N=${pv.length + 1} (chain)`,
    hook: 'patient-view',
    missing: [...pv, 'medicationRefs'],
    levels: 2,
    judged: false,
    base: 'byref',
  });
  return list;
}

async function measureCase(
  ctx: BenchContext,
  fhir: SlowFhir,
  c: FallbackCase,
  calls: number,
  failures: string[],
): Promise<Omit<FallbackRow, 'ratioToN1'>> {
  const base = c.base === 'inline' ? fhir.inlineBase : fhir.referenceBase;
  const body = JSON.stringify(withKeysMissing(ctx.bodies[c.hook].body, c.missing, base));
  const url = `${ctx.hookwise.baseUrl}/cds-services/${c.hook}`;
  const agent = oneShotAgent(1);
  await post(url, body, agent); // warm-up: the first read to a new origin also opens its connections
  const readsBefore = fhir.reads.length;
  const latenciesMs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const res = await post(url, body, agent);
    if (res.status !== 200 || !cardCount(res.body))
      failures.push(`${c.label}: answered ${res.status} ${res.body.slice(0, 160)} (expected 200 with cards)`);
    latenciesMs.push(res.ms);
  }
  agent.destroy();
  const p50Ms = percentile(latenciesMs, 50);
  return {
    ...c,
    n: c.missing.length,
    latenciesMs,
    p50Ms,
    minMs: Math.min(...latenciesMs),
    maxMs: max(latenciesMs),
    readsPerCall: (fhir.reads.length - readsBefore) / calls,
    ratioToRead: p50Ms / READ_MS,
  };
}

export async function runFallback(
  ctx: BenchContext,
  fhir: SlowFhir,
  calls: number,
): Promise<ScenarioResult<FallbackData>> {
  const failures: string[] = [];
  const independent: Record<string, string[]> = {};
  for (const [id, templates] of Object.entries(ctx.discovery)) independent[id] = independentKeys(templates);
  const measured: Array<Omit<FallbackRow, 'ratioToN1'>> = [];
  for (const c of cases(independent)) {
    process.stdout.write(`  scenario 2: ${c.label} …\n`);
    measured.push(await measureCase(ctx, fhir, c, calls, failures));
  }
  const n1 = measured.find((r) => r.judged && r.n === 1)?.p50Ms ?? Number.NaN;
  const rows: FallbackRow[] = measured.map((r) => ({ ...r, ratioToN1: r.p50Ms / n1 }));
  for (const r of rows) {
    const expected = r.n; // one read per missing key; medicationRefs is the chained one in the chain case
    if (r.readsPerCall !== expected)
      failures.push(`${r.label}: the FHIR stub served ${r.readsPerCall} reads per call, expected ${expected}`);
  }
  const maxIndependent = Math.max(...Object.values(independent).map((k) => k.length));
  const note =
    `Independent keys per hook (one read level): ${Object.entries(independent)
      .map(([h, k]) => `${h} ${k.length} (${k.join(', ')})`)
      .join('; ')}. ` +
    `patient-view has ${independent['patient-view']?.length ?? 0} < 6, so N=6 is run on order-select (max independent: ${maxIndependent}); ` +
    `patient-view's 6-missing case includes medicationRefs, read after medications (2 levels ≈ 2 reads), shown but not judged.`;
  const data: FallbackData = { readMs: READ_MS, independentKeys: independent, rows, note };
  return { data, tables: [table(data)], targets: targets(data), failures };
}

function table(data: FallbackData): Table {
  return {
    title: `Scenario 2: fallback reads from a FHIR server taking ${data.readMs} ms per read (sequential calls)`,
    columns: ['case', 'N', 'levels', 'calls', 'reads/call', 'p50 ms', 'min ms', 'max ms', '÷ 300 ms', '÷ N=1 p50'],
    rows: data.rows.map((r) => [
      r.label,
      r.n,
      r.levels,
      r.latenciesMs.length,
      r.readsPerCall,
      r.p50Ms,
      r.minMs,
      r.maxMs,
      r.ratioToRead,
      r.ratioToN1,
    ]),
    notes: [data.note],
  };
}

function targets(data: FallbackData): Target[] {
  const judged = data.rows.filter((r) => r.judged);
  const top = judged.reduce<FallbackRow | undefined>((a, r) => (!a || r.n > a.n ? r : a), undefined);
  if (!top) return [check('2 fallback', 'N=6 case', false, 'not run', 'run')];
  return [
    threshold('2 fallback', `${top.label}: p50 ÷ measured N=1 p50`, top.ratioToN1, PARALLEL_TARGET, { atMost: true }),
    threshold('2 fallback', `${top.label}: p50 ÷ one read (${data.readMs} ms)`, top.ratioToRead, PARALLEL_TARGET, {
      atMost: true,
    }),
    check('2 fallback', 'N=6 independent keys available', top.n >= 6, `N=${top.n}`, 'N=6'),
  ];
}
