// Adding a service is one module, its templates, its tests and one line in the registry (README "Add a service").
// The test-only service of test/support/example-service/ is registered in a test app by that one line, and
// nothing else: it is offered in discovery, gets its prefetch (one key received, one read from the FHIR server)
// and answers its card.
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { hookModules } from '../../hooks/index.js';
import { buildApp, postHook } from '../support/app.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';
import { PROBLEM_LIST_ID, problemList } from '../support/example-service/module.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The registry with the new service: the one line a new service adds to hooks/index.ts. */
const registry = () => [...hookModules, problemList];

const condition = (id: string, text: string) => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p-add-1' },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { text },
});

function chartOpen(fhirServer: string) {
  return {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    fhirServer,
    fhirAuthorization: {
      access_token: 'opaque-token-for-the-example-service',
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/Condition.read',
      subject: 'hookwise-client',
    },
    context: { userId: 'Practitioner/example', patientId: 'p-add-1' },
    // `patient` is prefetched; `problems` is not, so hookwise reads it from fhirServer.
    prefetch: { patient: { resourceType: 'Patient', id: 'p-add-1', gender: 'female' } },
  };
}

describe('adding a service', () => {
  it('the registered module is offered in discovery, with its prefetch and the scopes its templates need', async () => {
    const { app } = await buildApp({}, registry());
    const res = await request(app).get('/cds-services').expect(200);
    expect(res.body.services.map((s: { id: string }) => s.id)).toEqual([
      ...hookModules.map((m) => m.id),
      PROBLEM_LIST_ID,
    ]);
    const svc = res.body.services.find((s: { id: string }) => s.id === PROBLEM_LIST_ID);
    expect(svc).toMatchObject({
      hook: 'patient-view',
      title: 'Test: active problem count',
      prefetch: {
        patient: 'Patient/{{context.patientId}}',
        problems: 'Condition?patient={{context.patientId}}&clinical-status=active',
      },
    });
    expect(svc.usageRequirements).toContain('Condition.read');
    expect(svc.usageRequirements).toContain('Patient.read');
  });

  it('gets its prefetch, received and read from the FHIR server, and answers its card', async () => {
    const { app, logs } = await buildApp({}, registry());
    fake = await startFakeFhir((url) =>
      url.pathname === '/fhir/Condition'
        ? { body: searchset([condition('c1', 'Asthma'), condition('c2', 'Gout')]) }
        : undefined,
    );
    const res = await postHook(app, PROBLEM_LIST_ID, chartOpen(fake.base)).expect(200);
    expect(fake.seen).toEqual([
      {
        method: 'GET',
        url: '/fhir/Condition?patient=p-add-1&clinical-status=active',
        authorization: 'Bearer opaque-token-for-the-example-service',
      },
    ]);
    expect(res.body.cards).toEqual([
      expect.objectContaining({
        summary: '2 active problems on file',
        detail: 'female: Asthma, Gout.',
        indicator: 'info',
        uuid: expect.any(String),
      }),
    ]);
    const line = logs
      .records()
      .filter((r) => r.message === 'hook invocation')
      .at(-1)!;
    expect(line).toMatchObject({ service: PROBLEM_LIST_ID, hook: 'patient-view', status: 200, outcome: 'ok' });
    expect(line.prefetch).toEqual({ received: ['patient'], fetched: ['problems'] });
  });

  it('is answered by the same request path: a required key that is missing answers 412', async () => {
    const { app } = await buildApp({}, registry());
    const body: Record<string, unknown> = chartOpen('http://127.0.0.1:9/fhir');
    delete body.prefetch;
    delete body.fhirAuthorization;
    delete body.fhirServer;
    const res = await postHook(app, PROBLEM_LIST_ID, body).expect(412);
    expect(res.body.issue).toEqual([expect.objectContaining({ expression: ['prefetch.patient'] })]);
  });

  it('without its registry line it does not exist', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/cds-services').expect(200);
    expect(res.body.services.map((s: { id: string }) => s.id)).not.toContain(PROBLEM_LIST_ID);
    await postHook(app, PROBLEM_LIST_ID, chartOpen('http://127.0.0.1:9/fhir')).expect(404);
  });
});
