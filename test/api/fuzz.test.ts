// Property-based fuzzing of every input an outside fuzzer can reach: hook bodies mutated from the fixtures, random
// JSON to each endpoint, mutated feedback and odd FHIR under each declared prefetch key. Whatever arrives, the answer
// is a 2xx with valid cards or a 4xx OperationOutcome, never a 5xx, and no rule throws ('hook failed' in the log):
// a rule reads lenient FHIR and skips what it cannot read. Seeds are fixed so CI runs the same cases every time.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { hookModules } from '../../hooks/index.js';
import { buildApp, postHook, type BuiltApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObj = { [key: string]: Json };
type Path = Array<string | number>;

// FUZZ_SEED explores other cases locally; CI runs the fixed one.
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const runs = (n: number) => n * Number(process.env.FUZZ_RUNS ?? 1);
const ALLOWED = new Set([200, 400, 412, 413, 415, 422]);

const requestsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'requests');
/** Each request fixture, read offline: no fhirServer, so nothing is read over the network. */
const FIXTURES: Array<{ name: string; body: JsonObj }> = readdirSync(requestsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const body = fixture<JsonObj>(`requests/${f}`);
    delete body.fhirServer;
    delete body.fhirAuthorization;
    return { name: f, body };
  });

const clone = <T>(v: T): T => structuredClone(v);
/** A fixture's body by name: the properties draw names, so a counterexample prints short. */
const body = (name: string): JsonObj => FIXTURES.find((f) => f.name === name)!.body;
const NAMES = FIXTURES.map((f) => f.name);

// ---------------------------------------------------------------------------------------------------------------
// What an answer must look like.

function isOperationOutcome(body: unknown): boolean {
  const b = body as { resourceType?: unknown; issue?: unknown };
  return b?.resourceType === 'OperationOutcome' && Array.isArray(b.issue) && b.issue.length > 0;
}

function cardProblem(card: unknown): string | undefined {
  const c = card as { indicator?: unknown; summary?: unknown; source?: { label?: unknown } };
  if (!['info', 'warning', 'critical'].includes(c?.indicator as string)) return `indicator ${String(c?.indicator)}`;
  if (typeof c.summary !== 'string' || c.summary.length > 140) return 'summary';
  if (typeof c.source?.label !== 'string' || !c.source.label) return 'source.label';
  return undefined;
}

/** Throws (with the input) when an answer breaks the contract. */
function checkAnswer(res: request.Response, input: unknown): void {
  const where = () =>
    `status ${res.status} for ${JSON.stringify(input).slice(0, 2000)}\nanswer: ${res.text.slice(0, 500)}`;
  if (!ALLOWED.has(res.status)) throw new Error(`unexpected ${where()}`);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new Error(`answer is not JSON: ${where()}`);
  }
  if (res.status === 200) {
    const cards = (body as { cards?: unknown }).cards;
    if (cards === undefined) return; // feedback answers {}
    if (!Array.isArray(cards)) throw new Error(`cards is not an array: ${where()}`);
    for (const card of cards) {
      const problem = cardProblem(card);
      if (problem) throw new Error(`card breaks the contract (${problem}): ${where()}`);
    }
  } else if (!isOperationOutcome(body)) throw new Error(`no OperationOutcome: ${where()}`);
}

/** Throws when a rule threw since `from` (the log line count before the call). */
function checkNoRuleThrew(built: BuiltApp, from: number, input: unknown): void {
  const failed = built.logs.lines
    .slice(from)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.message === 'hook failed; answering empty cards' || r.message === 'response contract violated');
  if (failed.length) {
    throw new Error(`${JSON.stringify(failed[0])}\nfor ${JSON.stringify(input).slice(0, 3000)}`);
  }
}

async function post(built: BuiltApp, path: string, body: unknown): Promise<void> {
  const from = built.logs.lines.length;
  const res = await request(built.app).post(path).set('content-type', 'application/json').send(JSON.stringify(body));
  checkAnswer(res, body);
  checkNoRuleThrew(built, from, body);
}

/** The app still serves a plain request after the fuzzing. */
async function stillAnswers(built: BuiltApp): Promise<void> {
  const { body } = FIXTURES.find((f) => f.name === 'patient-view-metformin-low-egfr.json')!;
  const res = await postHook(built.app, 'patient-view', body);
  expect(res.status).toBe(200);
  expect(res.body.cards.length).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values and structural mutations.

/** A deep value that a counterexample prints by name: fast-check's own printing would overflow the stack. */
function named<T extends object>(value: T, name: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => name });
}

function deepArray(depth: number): Json {
  let v: Json = [1];
  for (let i = 0; i < depth; i++) v = [v];
  return named(v, `deepArray(${depth})`);
}

function deepExtension(depth: number): Json {
  let v: JsonObj = { url: 'http://x', valueString: 'x' };
  for (let i = 0; i < depth; i++) v = { url: `http://x/${i}`, extension: [v] };
  return named([v], `deepExtension(${depth})`);
}

const oddString = fc.constantFrom(
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '0x10',
  '2026-13-45',
  '2026-02-30T25:61:61Z',
  '0000-00-00',
  '9999-99-99T99:99:99+99:99',
  '\ud800',
  '\udfff\ud800',
  '\u0000',
  '\u202e\u200b',
  '💊'.repeat(200),
  'x'.repeat(20000),
  '__proto__',
  'constructor',
  'toString',
  'Bundle',
  'MedicationRequest',
  'OperationOutcome',
  'active',
  'mg',
  '500',
);

const oddNumber = fc.constantFrom(0, -0, -1, 0.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 1e21);

const hostile: fc.Arbitrary<Json> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: oddNumber },
  { weight: 3, arbitrary: oddString },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant([] as Json) },
  { weight: 1, arbitrary: fc.constant({} as Json) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map(deepArray) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map(deepExtension) },
  { weight: 1, arbitrary: fc.constant({ value: 'abc', unit: 5, system: 7, code: [] } as Json) },
  { weight: 1, arbitrary: fc.constant({ resourceType: 'Bundle' } as Json) },
  { weight: 1, arbitrary: fc.constant({ resourceType: 'Bundle', entry: [null, 1, {}, { resource: null }] } as Json) },
  { weight: 1, arbitrary: fc.constant({ coding: [{ code: 123, system: 5 }, null, 'x'] } as Json) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

/** Every path in a JSON value, the root included. */
function pathsOf(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) pathsOf(v[k]!, [...at, k], out);
  return out;
}

type Mutation =
  | { op: 'replace'; at: number; value: Json }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'wrap'; at: number }
  | { op: 'duplicate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostile }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'extension', 'id')),
      value: hostile,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }) },
);

function get(root: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root);
}

function set(root: Json, path: Path, value: Json | undefined): Json | undefined {
  if (!path.length) return value;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json> & Json[];
  const key = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (key === '__proto__')
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  else parent[key] = value;
  return root;
}

/** Applies mutations to a copy; `within` confines them to the subtree at that path. */
function mutate(value: Json, mutations: Mutation[], within: Path = []): Json {
  let root: Json | undefined = clone(value);
  for (const m of mutations) {
    if (root === undefined) root = null;
    const paths = pathsOf(get(root, within), within);
    const path = paths[m.at % paths.length]!;
    const node = get(root, path);
    switch (m.op) {
      case 'replace':
        root = set(root, path, clone(m.value));
        break;
      case 'delete':
        root = path.length > within.length ? set(root, path, undefined) : root;
        break;
      case 'add':
        if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
          if (m.key === '__proto__') set(root, [...path, m.key], clone(m.value));
          else node[m.key] = clone(m.value);
        }
        break;
      case 'wrap':
        root = set(root, path, [clone(node)]);
        break;
      case 'duplicate': {
        const parent = path.length > within.length ? get(root, path.slice(0, -1)) : undefined;
        if (Array.isArray(parent)) parent.push(clone(node));
        else if (Array.isArray(node) && node.length) node.push(clone(node[0]!));
        break;
      }
    }
  }
  return root ?? null;
}

// ---------------------------------------------------------------------------------------------------------------

describe('fuzzing the hook endpoints', () => {
  it(
    'a fixture request, structurally mutated, is answered with valid cards or a 4xx OperationOutcome',
    async () => {
      const built = await buildApp();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...NAMES),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (name, mutations) => {
            await post(built, `/cds-services/${String(body(name).hook)}`, mutate(body(name), mutations));
          },
        ),
        { seed: SEED, numRuns: runs(600) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );

  it(
    'mutations inside the FHIR a rule reads (draftOrders, prefetch) never make a rule throw',
    async () => {
      const built = await buildApp();
      const targets = FIXTURES.flatMap(({ name, body: b }) => [
        ...((b.context as JsonObj).draftOrders ? [{ name, within: ['context', 'draftOrders'] as Path }] : []),
        ...Object.keys((b.prefetch as JsonObj | undefined) ?? {}).map((k) => ({
          name,
          within: ['prefetch', k] as Path,
        })),
      ]);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...targets),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (t, ms) => {
            await post(built, `/cds-services/${String(body(t.name).hook)}`, mutate(body(t.name), ms, t.within));
          },
        ),
        { seed: SEED, numRuns: runs(800) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );

  it(
    'random JSON bodies to each hook and feedback endpoint are answered 2xx or a 4xx OperationOutcome',
    async () => {
      const built = await buildApp();
      const paths = hookModules.flatMap((m) => [`/cds-services/${m.id}`, `/cds-services/${m.id}/feedback`]);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue() as fc.Arbitrary<Json>, async (path, body) => {
          await post(built, path, body);
        }),
        { seed: SEED, numRuns: runs(300) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );
});

const fhirDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'fhir');
/** The FHIR resource fixtures: real shapes the rules read, to mutate and slip into a request. */
const RESOURCES: Record<string, JsonObj> = Object.fromEntries(
  readdirSync(fhirDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, fixture<JsonObj>(`fhir/${f}`)]),
);

/**
 * The request with `resource` where the hook reads one of its type: appended to draftOrders when it is a draft,
 * else to every declared search key of its type, or as the value of a read key of its type.
 */
function withResource(b: JsonObj, resource: Json): JsonObj {
  const out = clone(b);
  const type = (resource as JsonObj | null)?.resourceType;
  const draftOrders = (out.context as JsonObj).draftOrders as JsonObj | undefined;
  if (draftOrders && (resource as JsonObj | null)?.status === 'draft') {
    draftOrders.entry = [...((draftOrders.entry as Json[] | undefined) ?? []), { resource }];
    return out;
  }
  const prefetch = ((out.prefetch as JsonObj | undefined) ?? {}) as JsonObj;
  const module = hookModules.find((m) => m.hook === out.hook)!;
  for (const [key, spec] of Object.entries(module.prefetch)) {
    if (typeof type !== 'string') continue;
    if (spec.template.startsWith(`${type}/`)) prefetch[key] = resource;
    if (spec.template.startsWith(`${type}?`)) {
      const old = prefetch[key] as JsonObj | undefined;
      const entries = Array.isArray(old?.entry) ? old.entry : [];
      prefetch[key] = { resourceType: 'Bundle', type: 'searchset', entry: [...entries, { resource }] };
    }
  }
  out.prefetch = prefetch;
  return out;
}

describe('fuzzing the FHIR the rules read', () => {
  it(
    'a fixture resource, mutated and slipped into a request where it is read, never makes a rule throw',
    async () => {
      const built = await buildApp();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...NAMES),
          fc.constantFrom(...Object.keys(RESOURCES)),
          fc.array(mutation, { minLength: 1, maxLength: 5 }),
          async (name, resource, ms) => {
            const mutated = mutate(RESOURCES[resource]!, ms);
            const b = withResource(body(name), mutated);
            await post(built, `/cds-services/${String(b.hook)}`, b);
          },
        ),
        { seed: SEED, numRuns: runs(1200) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );
});

describe('fuzzing feedback', () => {
  const valid: JsonObj = {
    feedback: [
      {
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        outcome: 'overridden',
        overrideReason: {
          reason: { system: 'https://hookwise.dev/cds/override-reasons', code: 'benefit-outweighs-risk' },
          userComment: 'known, monitored',
        },
        outcomeTimestamp: '2026-11-23T12:01:00Z',
      },
      {
        card: '0b0e2c4a-1f3d-4c5e-8a7b-000000000001',
        outcome: 'accepted',
        acceptedSuggestions: [{ id: '0b0e2c4a-1f3d-4c5e-8a7b-000000000002' }],
        outcomeTimestamp: '2026-11-23T12:02:00+01:00',
      },
    ],
  };

  it(
    'a valid feedback body, mutated, is answered 200 or a 400 OperationOutcome',
    async () => {
      const built = await buildApp();
      await post(built, '/cds-services/order-sign/feedback', valid);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...hookModules.map((m) => m.id)),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (id, ms) => {
            await post(built, `/cds-services/${id}/feedback`, mutate(valid, ms));
          },
        ),
        { seed: SEED, numRuns: runs(300) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );
});

// ---------------------------------------------------------------------------------------------------------------
// FHIR-ish values under each declared prefetch key.

const code = fc.oneof(
  fc.constantFrom('2160-0', '6301-6', '33914-3', '2823-3', '1191', '36567', '29046'),
  oddNumber,
  oddString,
);
const date = fc.oneof(fc.constantFrom('2026-11-20', '2026-11-23T08:00:00Z', '1940', '1950-06'), oddString, oddNumber);
const coding = fc.record(
  {
    system: fc.oneof(fc.constantFrom('http://loinc.org', 'http://www.nlm.nih.gov/research/umls/rxnorm'), hostile),
    code,
    display: fc.oneof(oddString, hostile),
  },
  { requiredKeys: [] },
);
const concept = fc.oneof(
  fc.record(
    {
      coding: fc.oneof(fc.array(fc.oneof(coding, hostile), { maxLength: 3 }), hostile),
      text: fc.oneof(oddString, hostile),
    },
    { requiredKeys: [] },
  ),
  hostile,
);
const quantity = fc.oneof(
  fc.record(
    {
      value: fc.oneof(fc.double(), oddString, oddNumber, hostile),
      unit: fc.oneof(fc.constantFrom('mmol/L', 'mg/dL', 'mL/min/{1.73_m2}', 'kg', 'umol/L', 'mg'), hostile),
      system: fc.constant('http://unitsofmeasure.org'),
      code: fc.oneof(code, hostile),
    },
    { requiredKeys: [] },
  ),
  hostile,
);
const dosage = fc.record(
  {
    text: oddString,
    timing: fc.oneof(
      fc.record(
        {
          repeat: fc.record(
            {
              frequency: fc.oneof(oddNumber, hostile),
              period: fc.oneof(oddNumber, hostile),
              periodUnit: fc.oneof(fc.constantFrom('d', 'h', 'wk'), hostile),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      hostile,
    ),
    doseAndRate: fc.oneof(
      fc.array(
        fc.oneof(
          fc.record(
            { doseQuantity: quantity, doseRange: fc.record({ low: quantity, high: quantity }, { requiredKeys: [] }) },
            { requiredKeys: [] },
          ),
          hostile,
        ),
        { maxLength: 2 },
      ),
      hostile,
    ),
    doseQuantity: quantity,
    maxDosePerPeriod: fc.oneof(
      fc.record({ numerator: quantity, denominator: quantity }, { requiredKeys: [] }),
      hostile,
    ),
    route: concept,
  },
  { requiredKeys: [] },
);
const resourceType = fc.oneof(
  fc.constantFrom(
    'MedicationRequest',
    'MedicationStatement',
    'MedicationOrder',
    'Medication',
    'Observation',
    'Patient',
    'AllergyIntolerance',
    'Condition',
    'Bundle',
    'OperationOutcome',
    'Basic',
  ),
  hostile,
);
const resource: fc.Arbitrary<Json> = fc.record(
  {
    resourceType,
    id: fc.oneof(fc.constantFrom('a', 'b', 'med-1'), hostile),
    status: fc.oneof(fc.constantFrom('active', 'final', 'completed', 'entered-in-error', 'draft'), concept, hostile),
    clinicalStatus: concept,
    verificationStatus: concept,
    intent: fc.oneof(fc.constantFrom('order', 'plan'), hostile),
    code: concept,
    medicationCodeableConcept: concept,
    medicationReference: fc.oneof(
      fc.record(
        { reference: fc.oneof(fc.constantFrom('Medication/a', '#m', 'Medication/'), hostile) },
        { requiredKeys: [] },
      ),
      hostile,
    ),
    dosageInstruction: fc.oneof(fc.array(fc.oneof(dosage, hostile), { maxLength: 3 }), hostile),
    dosage: fc.oneof(fc.array(fc.oneof(dosage, hostile), { maxLength: 2 }), hostile),
    valueQuantity: quantity,
    valueString: hostile,
    effectiveDateTime: date,
    effectivePeriod: fc.oneof(fc.record({ start: date, end: date }, { requiredKeys: [] }), hostile),
    issued: date,
    authoredOn: date,
    birthDate: date,
    gender: fc.oneof(fc.constantFrom('male', 'female', 'other', 'unknown'), hostile),
    reaction: fc.oneof(
      fc.array(
        fc.oneof(
          fc.record(
            {
              substance: concept,
              manifestation: fc.array(concept, { maxLength: 2 }),
              severity: fc.oneof(fc.constantFrom('mild', 'severe'), hostile),
            },
            { requiredKeys: [] },
          ),
          hostile,
        ),
        { maxLength: 2 },
      ),
      hostile,
    ),
    criticality: fc.oneof(fc.constantFrom('high', 'low', 'unable-to-assess'), hostile),
    category: fc.oneof(fc.array(fc.oneof(concept, fc.constantFrom('medication', 'food')), { maxLength: 2 }), hostile),
    interpretation: fc.oneof(fc.array(concept, { maxLength: 2 }), hostile),
    referenceRange: fc.oneof(
      fc.array(fc.record({ low: quantity, high: quantity }, { requiredKeys: [] }), { maxLength: 2 }),
      hostile,
    ),
    component: fc.oneof(
      fc.array(fc.record({ code: concept, valueQuantity: quantity }, { requiredKeys: [] }), { maxLength: 2 }),
      hostile,
    ),
    extension: fc.integer({ min: 1, max: 200 }).map(deepExtension),
    contained: fc.oneof(
      fc.array(
        fc.record(
          { resourceType: fc.constant('Medication'), id: fc.constant('m'), code: concept },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
      hostile,
    ),
    ingredient: fc.oneof(
      fc.array(
        fc.record(
          {
            itemCodeableConcept: concept,
            strength: fc.record({ numerator: quantity, denominator: quantity }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
      hostile,
    ),
    form: concept,
    dispenseRequest: fc.oneof(
      fc.record(
        {
          validityPeriod: fc.record({ start: date, end: date }, { requiredKeys: [] }),
          expectedSupplyDuration: quantity,
        },
        { requiredKeys: [] },
      ),
      hostile,
    ),
  },
  { requiredKeys: ['resourceType'] },
) as fc.Arbitrary<Json>;

const entry = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      { resource, fullUrl: fc.oneof(fc.constant('urn:uuid:1'), hostile) },
      { requiredKeys: ['resource'] },
    ),
  },
  { weight: 1, arbitrary: hostile },
  { weight: 1, arbitrary: fc.record({ resource: hostile }) },
  {
    weight: 1,
    arbitrary: fc.record({ search: fc.record({ mode: fc.constantFrom('match', 'include', 'outcome') }), resource }),
  },
) as fc.Arbitrary<Json>;

const prefetchValue: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      resourceType: fc.constant('Bundle'),
      type: fc.constant('searchset'),
      entry: fc.array(entry, { maxLength: 5 }),
    }) as fc.Arbitrary<Json>,
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { resourceType: fc.constant('Bundle'), entry: hostile, link: hostile, total: hostile },
      { requiredKeys: ['resourceType'] },
    ) as fc.Arbitrary<Json>,
  },
  { weight: 3, arbitrary: resource },
  { weight: 1, arbitrary: hostile },
);

/** Whether gather takes this value as the key's data (else the key is not obtained: as if it were not sent). */
function usable(value: Json, expected: string | undefined): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof value.resourceType !== 'string')
    return false;
  return value.resourceType !== 'OperationOutcome' && (!expected || value.resourceType === expected);
}

const summaries = (res: request.Response) =>
  (res.body.cards as Array<{ summary: string }> | undefined)?.map((c) => c.summary);

describe('fuzzing prefetch values', () => {
  const targets = FIXTURES.flatMap(({ name, body: b }) => {
    const module = hookModules.find((m) => m.hook === b.hook)!;
    return Object.entries(module.prefetch).map(([key, spec]) => ({ name, key, template: spec.template }));
  });

  it(
    'odd FHIR under any declared key is answered with valid cards, never a rule throwing',
    async () => {
      const built = await buildApp();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), prefetchValue, async (t, value) => {
          const b = clone(body(t.name));
          b.prefetch = { ...((b.prefetch as JsonObj | undefined) ?? {}), [t.key]: value };
          await post(built, `/cds-services/${String(b.hook)}`, b);
        }),
        { seed: SEED, numRuns: runs(1200) },
      );
      await stillAnswers(built);
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );

  it(
    'an unusable value under a key answers as if the key had not been sent',
    async () => {
      const built = await buildApp();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), prefetchValue, async (t, value) => {
          const expected = t.template.includes('?') ? 'Bundle' : t.template.split('/')[0];
          fc.pre(value !== null && !usable(value, expected)); // null is "no data", not unusable
          const sent = clone(body(t.name));
          const without = clone(body(t.name));
          sent.prefetch = { ...((sent.prefetch as JsonObj | undefined) ?? {}), [t.key]: value };
          delete (without.prefetch as JsonObj | undefined)?.[t.key];
          const a = await postHook(built.app, String(sent.hook), sent);
          const b = await postHook(built.app, String(sent.hook), without);
          checkAnswer(a, sent);
          expect({ status: a.status, cards: summaries(a) }).toEqual({ status: b.status, cards: summaries(b) });
        }),
        { seed: SEED, numRuns: runs(150) },
      );
    },
    60_000 * Number(process.env.FUZZ_RUNS ?? 1),
  );
});

describe('fixed examples the fuzzing found', () => {
  it('a long whitespace run in an allergy text or reaction is read in linear time (it took ~20 s per 100k spaces)', async () => {
    const { app } = await buildApp();
    const b = clone(body('order-select-amoxicillin-penicillin-allergy.json')) as Record<string, any>;
    const allergy = b.prefetch.allergies.entry[0].resource;
    allergy.code.text = `penicillin${' '.repeat(100_000)}G`;
    allergy.reaction[0].manifestation[0].coding[0].display = `Anaphylaxis${' '.repeat(100_000)}x`;
    const started = performance.now();
    const res = await postHook(app, 'order-select', b);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });
  it('a medication display with a long run of "[" and no "]" is read in linear time (it took ~10 s per 100k)', async () => {
    const { app } = await buildApp();
    const b = clone(body('order-sign-simvastatin-clarithromycin.json')) as Record<string, any>;
    b.context.draftOrders.entry[0].resource.medicationCodeableConcept.coding[0].display = `clarithromycin ${'['.repeat(100_000)}`;
    const started = performance.now();
    const res = await postHook(app, 'order-sign', b);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });
});
