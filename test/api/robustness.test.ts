// No request can crash the process or wipe the cards (issue 9): a call whose time is already spent answers
// {"cards": []} without starting its work; a malformed prefetch value is that key's problem only; a FHIR read that
// answers another resource type is not obtained; a suggestion that breaks the contract is dropped, not its card.
import { afterEach, describe, expect, it } from '@jest/globals';
import { buildApp, postHook, testKnowledge } from '../support/app.js';
import { createLogger } from '../../src/log.js';
import request from 'supertest';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';
import { hookModules } from '../../hooks/index.js';
import type { HookModule } from '../../src/cds/hook-module.js';
import { invoke } from '../../src/cds/invoke.js';
import { registerServices } from '../../src/cds/registry.js';
import { validateHookRequest } from '../../src/cds/validate-request.js';
import { createMetrics } from '../../src/metrics.js';
import type { Card } from '../../src/cds/types.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const module = (id: string) => hookModules.find((m) => m.id === id)!;

function lastInvocation(logs: { records(): Array<Record<string, any>> }) {
  return logs
    .records()
    .filter((r) => r.message === 'hook invocation')
    .at(-1)!;
}

describe('a call whose time is already spent', () => {
  it.each([0, 50])(
    'answers {"cards": []} as a timeout without starting its work (%i ms past the due time)',
    async (late) => {
      const built = await buildApp();
      let decided = 0;
      const spy: HookModule = {
        ...module('order-sign'),
        decide: (input) => (decided++, module('order-sign').decide(input as never)),
      };
      const service = registerServices([spy], built.config.serviceModes).get('order-sign')!;
      fake = await startFakeFhir(() => ({ body: searchset([]) }));
      const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      body.fhirServer = fake.base;
      delete body.prefetch.medications;
      // The body finished arriving at the deadline: the time left for the work (deadline − margin) is 0 or less.
      const margin = Math.min(100, Math.round(built.config.hookDeadlineMs * 0.05));
      const arrival = Date.now() - (built.config.hookDeadlineMs - margin) - late;
      const { config, clock, ledger } = built;
      const logger = createLogger({ level: 'error', stream: built.logs });
      const deps = {
        config,
        logger,
        clock,
        ledger,
        knowledge: testKnowledge(),
        metrics: createMetrics({ defaultMetrics: false }),
      };
      const result = await invoke(service, validateHookRequest(body, 'order-sign'), arrival, deps, {});
      expect(result).toMatchObject({ status: 200, body: { cards: [] }, outcome: 'timeout' });
      await new Promise((r) => setTimeout(r, 100));
      expect(decided).toBe(0);
      expect(fake.seen).toHaveLength(0);
      expect(built.logs.records().filter((r) => r.level === 'error')).toEqual([]);
    },
  );
});

describe("a malformed prefetch value is that key's problem only", () => {
  const malformed: Array<[string, unknown]> = [
    ['a Bundle with a null entry', { resourceType: 'Bundle', type: 'searchset', entry: [null] }],
    ['an empty object', {}],
    ['a string', 'x'],
    ['true', true],
    ['a number', 7],
    ['an array', [{ resourceType: 'Observation' }]],
    [
      'an entry without resource',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ search: { mode: 'match' } }] },
    ],
    [
      'an entry whose resource is not a resource',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: 'x' }] },
    ],
    ['entry that is not an array', { resourceType: 'Bundle', type: 'searchset', entry: 'x' }],
    ['link that is not an array', { resourceType: 'Bundle', type: 'searchset', link: 'x' }],
    ['a resource of another type (Patient for a search)', { resourceType: 'Patient', id: 'p1' }],
  ];

  it.each(malformed)(
    'optional key as %s: decided without it, the critical potassium card still fires',
    async (_what, value) => {
      const { app, logs } = await buildApp();
      const body = fixture('requests/patient-view-critical-potassium-lisinopril.json');
      delete body.fhirServer;
      body.prefetch.inr = value;
      const res = await postHook(app, 'patient-view', body);
      expect(res.status).toBe(200);
      expect(res.body.cards.map((c: Card) => c.indicator)).toContain('critical');
      // inr is the malformed key; the recent-record keys are simply not sent and there is no fhirServer to read them
      expect(lastInvocation(logs).prefetch.unavailable).toEqual([
        'medicationStatements',
        'medicationDispenses',
        'medicationAdministrations',
        'inr',
      ]);
      expect(logs.records().filter((r) => r.level === 'error')).toEqual([]);
    },
  );

  it('optional key as a Bundle with a null entry, with a fhirServer: re-read, and the other cards still fire', async () => {
    const { app, logs } = await buildApp();
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirServer = fake.base;
    body.fhirAuthorization.scope += ' patient/Observation.read';
    body.prefetch.orderLabs = null; // the digoxin labs: no data, so only egfr is read
    body.prefetch.egfr = { resourceType: 'Bundle', type: 'searchset', entry: [null] };
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(fake.seen.map((s) => s.url.split('?')[0])).toEqual(['/fhir/Observation']);
    expect(lastInvocation(logs).prefetch.fetched).toEqual(['egfr']);
  });

  it('a required key that is malformed and cannot be re-read: 412 naming it', async () => {
    const { app } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.fhirServer;
    delete body.fhirAuthorization;
    body.prefetch.medications = { resourceType: 'Bundle', type: 'searchset', entry: [null] };
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toEqual(['prefetch.medications']);
  });

  it('a required key that is malformed is re-read from fhirServer and decided on', async () => {
    const { app } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const meds = body.prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
    fake = await startFakeFhir(() => ({ body: searchset(meds) }));
    body.fhirServer = fake.base;
    body.prefetch.medications = 'x';
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(fake.seen).toHaveLength(1);
  });
});

describe('a FHIR read that answers another resource type', () => {
  it('a Patient where a searchset Bundle is due: the required key is not obtained (412), not "no data"', async () => {
    const { app } = await buildApp();
    fake = await startFakeFhir(() => ({ body: { resourceType: 'Patient', id: 'p1' } }));
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain('a resource of another type');
  });

  it('a Bundle where a Patient is due (optional key): failed, decided without it', async () => {
    const { app, logs } = await buildApp();
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirServer = fake.base;
    body.fhirAuthorization.scope += ' patient/Patient.read';
    delete body.prefetch.patient;
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(lastInvocation(logs).prefetch.failed).toEqual(['patient']);
  });
});

describe('a FHIR read that answers a malformed Bundle', () => {
  it('a searchset with a null entry for an optional key: failed, the other cards still fire', async () => {
    const { app, logs } = await buildApp();
    fake = await startFakeFhir(() => ({ body: { resourceType: 'Bundle', type: 'searchset', entry: [null] } }));
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirServer = fake.base;
    body.fhirAuthorization.scope += ' patient/Observation.read';
    body.prefetch.orderLabs = null; // the digoxin labs: no data, so only egfr is read
    delete body.prefetch.egfr;
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(lastInvocation(logs).prefetch.failed).toEqual(['egfr']);
  });
});

describe('a suggestion that breaks the contract', () => {
  it.each([
    ['a space', 'eClari 77'],
    ['a lone surrogate', 'eClari\ud800'],
    ['more than 64 characters', 'e'.repeat(65)],
  ])('a draft id with %s: the card is sent without that suggestion, and it is logged', async (_what, id) => {
    for (const mode of ['drop', 'throw']) {
      const { app, logs } = await buildApp({ RESPONSE_CONTRACT: mode });
      const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      body.context.draftOrders.entry[0].resource.id = id;
      const res = await postHook(app, 'order-sign', body);
      expect(res.status).toBe(200);
      expect(res.body.cards).toHaveLength(1);
      expect(res.body.cards[0].suggestions).toBeUndefined();
      expect(res.body.cards[0].selectionBehavior).toBeUndefined();
      // Both suggestions (order azithromycin instead; remove the order) delete the draft by its broken id.
      expect(logs.records().find((r) => r.message === 'card suggestion dropped: response contract')).toMatchObject({
        level: 'error',
        dropped: 2,
      });
      expect(logs.lines.join('\n')).not.toContain(id);
    }
  });

  it('a critical card dropped by the contract is never silent: an error line and a metric', async () => {
    const sloppy: HookModule = {
      ...module('order-sign'),
      decide: () => [
        { summary: 'Fine card', indicator: 'info', source: { label: 'hookwise' } },
        { summary: 'x'.repeat(150), indicator: 'critical', source: { label: 'hookwise' }, finding: { key: 'ddi:a+b' } },
      ],
    };
    const { app, logs } = await buildApp({ RESPONSE_CONTRACT: 'drop' }, [sloppy]);
    const res = await postHook(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json'));
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(logs.records().find((r) => r.message === 'critical card dropped: response contract')).toMatchObject({
      level: 'error',
      dropped: 1,
    });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(
      /hookwise_contract_dropped_total\{service="order-sign",part="card",indicator="critical"\} 1/,
    );
  });
});
