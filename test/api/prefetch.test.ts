import { afterEach, describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir, type Route } from '../support/fake-fhir.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const post = postHook;

/** The active medications of the order-sign fixture, served by the fake server. */
function signFixtureServedBy(route?: Route) {
  const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
  const meds = body.prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
  const serve: Route =
    route ?? ((url) => (url.pathname.endsWith('/MedicationRequest') ? { body: searchset(meds) } : undefined));
  return { body, meds, serve };
}

/** Key states with each list sorted: the order keys settle in is not part of the contract. */
function keyStates(states: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(states).map(([k, v]) => [k, [...v].sort()]));
}

/** The recent statement, dispense and administration keys, the GI-bleed history and the digoxin labs: these fixtures' EHR scopes do not grant them. */
const RECORDS = ['medicationStatements', 'medicationDispenses', 'medicationAdministrations', 'giBleedHistory'];

function lastInvocation(logs: { records(): Array<Record<string, any>> }) {
  return logs
    .records()
    .filter((r) => r.message === 'hook invocation')
    .at(-1)!;
}

describe('prefetch states', () => {
  it('absent key: renders the template, reads it from fhirServer with the bearer token, and decides on it', async () => {
    const { app, logs } = await buildApp();
    const { body, serve } = signFixtureServedBy();
    fake = await startFakeFhir(serve);
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(fake.seen).toEqual([
      {
        method: 'GET',
        url: `/fhir/MedicationRequest?patient=${body.context.patientId}&status=active`,
        authorization: 'Bearer epic-opaque-token-SHOULD-NEVER-BE-LOGGED',
      },
    ]);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        fetched: ['medications'],
        'not-applicable': ['draftMedications', 'medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('null: no data, nothing is fetched', async () => {
    const { app, logs } = await buildApp();
    const { body, serve } = signFixtureServedBy();
    fake = await startFakeFhir(serve);
    body.fhirServer = fake.base;
    body.prefetch.medications = null;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
    expect(fake.seen).toHaveLength(0);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        null: ['medications'],
        'not-applicable': ['draftMedications', 'medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('an OperationOutcome as the value is not data: the key is read from fhirServer', async () => {
    const { app } = await buildApp();
    const { body, serve } = signFixtureServedBy();
    fake = await startFakeFhir(serve);
    body.fhirServer = fake.base;
    body.prefetch.medications = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(fake.seen).toHaveLength(1);
  });

  it('an OperationOutcome inside the Bundle is not data either', async () => {
    const { app } = await buildApp();
    const { body, serve } = signFixtureServedBy();
    fake = await startFakeFhir(serve);
    body.fhirServer = fake.base;
    body.prefetch.medications = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] } }],
    };
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(fake.seen).toHaveLength(1);
  });

  it.each([
    ['no issue', {}],
    ['issue not an array', { issue: 'error' }],
    ['issues that are not objects', { issue: [null, 'fatal'] }],
  ])(
    'a search-mode outcome entry with %s reports no error: the Bundle is used, nothing is read (it threw)',
    async (_what, outcome) => {
      const { app, logs } = await buildApp();
      const { body } = signFixtureServedBy();
      body.prefetch.medications.entry.push({
        search: { mode: 'outcome' },
        resource: { resourceType: 'OperationOutcome', ...outcome },
      });
      const res = await post(app, 'order-sign', body);
      expect(res.status).toBe(200);
      expect(res.body.cards).toHaveLength(1);
      expect(logs.records().filter((r) => r.level === 'error')).toEqual([]);
    },
  );

  it('a paginated Bundle: follows next links on fhirServer with the token and decides on every page', async () => {
    const { app, logs } = await buildApp();
    const { body, meds } = signFixtureServedBy();
    const filler = (i: number) => ({
      resourceType: 'MedicationRequest',
      id: `f${i}`,
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'lisinopril 10 MG Oral Tablet' },
    });
    fake = await startFakeFhir((url) => {
      if (url.searchParams.get('page') === '2')
        return { body: searchset([filler(2)], `${fake!.base}/MedicationRequest?page=3`) };
      if (url.searchParams.get('page') === '3') return { body: searchset(meds) };
      return undefined;
    });
    body.fhirServer = fake.base;
    body.prefetch.medications = searchset([filler(1)], `${fake.base}/MedicationRequest?page=2`);
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1); // simvastatin was only on page 3
    expect(fake.seen.map((s) => s.url)).toEqual(['/fhir/MedicationRequest?page=2', '/fhir/MedicationRequest?page=3']);
    expect(fake.seen.every((s) => s.authorization === 'Bearer epic-opaque-token-SHOULD-NEVER-BE-LOGGED')).toBe(true);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'medications', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        'not-applicable': ['draftMedications', 'medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('stops at the page cap and logs the key as partial', async () => {
    const { app, logs } = await buildApp({ FHIR_PAGE_CAP: '2' });
    const { body } = signFixtureServedBy();
    fake = await startFakeFhir((url) => ({
      body: searchset([], `${fake!.base}/MedicationRequest?page=${Number(url.searchParams.get('page')) + 1}`),
    }));
    body.fhirServer = fake.base;
    body.prefetch.medications = searchset([], `${fake.base}/MedicationRequest?page=2`);
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(fake.seen).toHaveLength(1);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'medications', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        'not-applicable': ['draftMedications', 'medicationRefs'],
        partial: ['medications'],
        unavailable: RECORDS,
      }),
    );
  });

  it('never follows a next link to another server: the token stays on fhirServer', async () => {
    const { app } = await buildApp();
    const elsewhere = await startFakeFhir(() => ({ body: searchset([]) }));
    try {
      const { body } = signFixtureServedBy();
      fake = await startFakeFhir(() => ({ body: searchset([]) }));
      body.fhirServer = fake.base;
      body.prefetch.medications = searchset([], `${elsewhere.base}/MedicationRequest?page=2`);
      const res = await post(app, 'order-sign', body);
      expect(res.status).toBe(200);
      expect(elsewhere.seen).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('a required key with no fhirServer: 412 with an OperationOutcome naming the key', async () => {
    const { app, logs } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.prefetch.medications;
    delete body.fhirServer;
    delete body.fhirAuthorization;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'processing',
          diagnostics:
            "Required prefetch key 'medications' could not be obtained: prefetch key 'medications' was not sent and the request has no fhirServer to read it from.",
          expression: ['prefetch.medications'],
        },
      ],
    });
    expect(lastInvocation(logs)).toMatchObject({
      status: 412,
      outcome: '412',
      prefetch: { unavailable: ['medications', ...RECORDS] },
    });
  });

  it.each([500, 401, 404])(
    'a required key whose read answers %i: 412 naming the key and the status',
    async (status) => {
      const { app } = await buildApp();
      const { body } = signFixtureServedBy();
      fake = await startFakeFhir(() => ({
        status,
        body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
      }));
      body.fhirServer = fake.base;
      delete body.prefetch.medications;
      const res = await post(app, 'order-sign', body);
      expect(res.status).toBe(412);
      expect(res.body.issue[0].diagnostics).toContain(`'medications'`);
      expect(res.body.issue[0].diagnostics).toContain(`answered ${status}`);
      expect(res.text).not.toContain('SHOULD-NEVER-BE-LOGGED');
    },
  );

  it('a FHIR server that answers something that is not FHIR counts as a failed read', async () => {
    const { app } = await buildApp();
    const { body } = signFixtureServedBy();
    fake = await startFakeFhir(() => ({ body: '<html>login</html>', contentType: 'text/html' }));
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain('not a FHIR resource');
  });

  it('an optional key that fails: 200, decided without it', async () => {
    const { app, logs } = await buildApp();
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    fake = await startFakeFhir(() => ({ status: 503, body: {} }));
    body.fhirServer = fake.base;
    delete body.prefetch.egfr;
    const res = await post(app, 'patient-view', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
    expect(lastInvocation(logs).prefetch).toEqual({
      received: ['medications', 'patient'],
      failed: ['medicationStatements', 'medicationDispenses', 'medicationAdministrations', 'egfr', 'potassium', 'inr'],
      'not-applicable': ['medicationRefs'],
    });
  });

  it('renders date windows from the injected clock', async () => {
    const { app } = await buildApp();
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    body.fhirServer = fake.base;
    delete body.prefetch.egfr;
    await post(app, 'patient-view', body).expect(200);
    // egfr, and the optional potassium, inr and recent-record keys the fixture does not send
    expect(fake.seen).toHaveLength(6);
    const url = fake.seen
      .map((r) => new URL(r.url, 'http://x'))
      .find((u) => u.searchParams.get('code')?.includes('33914-3'))!;
    expect(url.searchParams.get('date')).toBe('ge2025-11-23');
    expect(url.searchParams.get('code')).toContain('http://loinc.org|33914-3');
    expect(url.searchParams.get('_sort')).toBe('-date');
  });

  it('a draft that references its drug (Epic-style): reads Medication?_id= from the draftOrders token and decides on it', async () => {
    const { app, logs } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const draft = body.context.draftOrders.entry[0].resource;
    delete draft.medicationCodeableConcept;
    draft.medicationReference = { reference: 'Medication/med-clari' };
    body.fhirAuthorization.scope += ' patient/Medication.read';
    const medication = {
      resourceType: 'Medication',
      id: 'med-clari',
      code: {
        coding: [
          { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'clarithromycin 500 MG Oral Tablet' },
        ],
      },
    };
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/Medication') ? { body: searchset([medication]) } : undefined,
    );
    body.fhirServer = fake.base;
    const res = await post(app, 'order-sign', body);
    expect(fake.seen.map((s) => s.url)).toEqual(['/fhir/Medication?_id=med-clari']);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0].indicator).toBe('critical');
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'medications', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        fetched: ['draftMedications'],
        'not-applicable': ['medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('no draft references a Medication: that key is not applicable and nothing is read', async () => {
    const { app, logs } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    fake = await startFakeFhir(() => undefined);
    body.fhirServer = fake.base;
    await post(app, 'order-sign', body).expect(200);
    expect(fake.seen).toHaveLength(0);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'medications', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        'not-applicable': ['draftMedications', 'medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('active medications that only reference their drug: reads Medication?_id= from the prior key, then decides', async () => {
    const { app, logs } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const active = body.prefetch.medications.entry[0].resource;
    delete active.medicationCodeableConcept;
    active.medicationReference = { reference: 'Medication/med-simva' };
    body.fhirAuthorization.scope += ' patient/Medication.read';
    const medication = {
      resourceType: 'Medication',
      id: 'med-simva',
      code: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'simvastatin 20 MG Oral Tablet' }],
      },
    };
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/Medication') ? { body: searchset([medication]) } : undefined,
    );
    body.fhirServer = fake.base;
    const res = await post(app, 'order-sign', body);
    expect(fake.seen.map((s) => s.url)).toEqual(['/fhir/Medication?_id=med-simva']);
    expect(res.body.cards.map((c: { indicator: string }) => c.indicator)).toEqual(['critical']);
    expect(keyStates(lastInvocation(logs).prefetch)).toEqual(
      keyStates({
        received: ['allergies', 'medications', 'patient', 'egfr', 'creatinine', 'weight', 'orderLabs'],
        'not-applicable': ['draftMedications'],
        fetched: ['medicationRefs'],
        unavailable: RECORDS,
      }),
    );
  });

  it('a prior key that was fetched too: the dependent read waits for it and uses what it returned', async () => {
    const { app } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.prefetch.medications;
    body.fhirAuthorization.scope += ' patient/Medication.read';
    const active = {
      resourceType: 'MedicationRequest',
      id: 'a1',
      status: 'active',
      intent: 'order',
      medicationReference: { reference: 'Medication/m-9' },
    };
    const medication = {
      resourceType: 'Medication',
      id: 'm-9',
      code: {
        text: 'Simvastatin 40 MG Oral Tablet',
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'Simvastatin 40 MG Oral Tablet' }],
      },
    };
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/Medication') ? { body: searchset([medication]) } : { body: searchset([active]) },
    );
    body.fhirServer = fake.base;
    const res = await post(app, 'order-sign', body);
    expect(fake.seen.map((s) => s.url.split('?')[0])).toEqual(['/fhir/MedicationRequest', '/fhir/Medication']);
    expect(fake.seen[1]!.url).toBe('/fhir/Medication?_id=m-9');
    expect(res.body.cards).toHaveLength(1);
  });

  it('a DSTU2 MedicationOrder draft that references its Medication: the Medication is read too', async () => {
    const { app } = await buildApp();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.context.draftOrders.entry[0].resource = {
      resourceType: 'MedicationOrder',
      id: 'mo-clari',
      status: 'draft',
      patient: { reference: `Patient/${body.context.patientId}` },
      medicationReference: { reference: 'Medication/med-clari-2', display: 'clarithromycin' },
    };
    body.fhirAuthorization.scope += ' patient/Medication.read';
    const medication = {
      resourceType: 'Medication',
      id: 'med-clari-2',
      code: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '21212', display: 'clarithromycin' }],
      },
    };
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/Medication') ? { body: searchset([medication]) } : undefined,
    );
    body.fhirServer = fake.base;
    const res = await post(app, 'order-sign', body).expect(200);
    expect(fake.seen.map((s) => s.url)).toEqual(['/fhir/Medication?_id=med-clari-2']);
    expect(res.body.cards.map((c: { indicator: string }) => c.indicator)).toEqual(['critical']);
  });
});
