import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp, postHook, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

const post = postHook;

function diagnostics(body: { issue?: Array<{ diagnostics?: string }> }): string {
  return (body.issue ?? []).map((i) => i.diagnostics).join('\n');
}

describe('POST /cds-services/{id}: bad input', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('400 for malformed JSON, as an OperationOutcome without internals', async () => {
    const res = await request(app)
      .post('/cds-services/order-sign')
      .set('content-type', 'application/json')
      .send('{"hook": "order-sign",');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(diagnostics(res.body)).toBe('the request body is not valid JSON');
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+|SyntaxError|node_modules/);
  });

  it('400 for a body that is JSON but not an object', async () => {
    const res = await post(app, 'order-sign', [1, 2]);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toMatch(/must be a JSON object/);
  });

  it.each([
    ['hook', 'hook is required'],
    ['hookInstance', 'hookInstance is required'],
    ['context', 'context is required'],
  ])('400 naming a missing %s', async (member, message) => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body[member];
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain(message);
    expect(res.body.issue[0].code).toBe('required');
    expect(res.body.issue[0].expression).toEqual([member]);
  });

  it.each([
    ['patientId', 'context.patientId is required'],
    ['userId', 'context.userId is required'],
    ['draftOrders', 'context.draftOrders is required'],
  ])('400 naming a missing context.%s', async (member, message) => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.context[member];
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain(message);
  });

  it('the clinician sent beside the context (HL7 PDDI-CDS example requests: top-level userId or user) is read', async () => {
    for (const member of ['userId', 'user']) {
      const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      body[member] = body.context.userId;
      delete body.context.userId;
      const res = await post(app, 'order-sign', body);
      expect(res.status).toBe(200);
      expect(res.body.cards.map((c: { indicator: string }) => c.indicator)).toEqual(['critical']);
    }
    // Not a reference: refused as context.userId would be.
    const bad = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    bad.userId = 'eDrW1';
    delete bad.context.userId;
    expect(diagnostics((await post(app, 'order-sign', bad)).body)).toContain('context.userId must be a reference');
  });

  it('the retired medication-prescribe hook: 400 saying order-select and order-sign replace it', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.hook = 'medication-prescribe';
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain('medication-prescribe was retired from CDS Hooks');
  });

  it('400 when selections is missing on order-select, and for a malformed selection', async () => {
    const body = fixture('requests/order-select-amoxicillin-penicillin-allergy.json');
    delete body.context.selections;
    expect(diagnostics((await post(app, 'order-select', body)).body)).toContain('context.selections is required');
    const bad = fixture('requests/order-select-amoxicillin-penicillin-allergy.json');
    bad.context.selections = ['not a reference'];
    const res = await post(app, 'order-select', bad);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain('context.selections[0] must be Type/id');
  });

  it('400 for a hook this service does not serve', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const res = await post(app, 'patient-view', body);
    expect(res.status).toBe(400);
    expect(res.body.issue[0]).toMatchObject({ code: 'not-supported', expression: ['hook'] });
    expect(diagnostics(res.body)).toContain('hook must be patient-view');
  });

  it('400 for fhirAuthorization without fhirServer (cds-r-1)', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.fhirServer;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain('fhirServer is required when fhirAuthorization is present');
    expect(res.text).not.toContain('SHOULD-NEVER-BE-LOGGED');
  });

  it('400 for an incomplete fhirAuthorization and a fhirServer that is not a URL', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.fhirAuthorization.access_token;
    body.fhirServer = 'ehr.example.org/fhir';
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain('fhirAuthorization.access_token is required');
    expect(diagnostics(res.body)).toContain('fhirServer must be an absolute http(s) URL');
  });

  it("a prefetch value that is neither a resource nor null is that key's problem, not a 400 (issue 9)", async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.fhirServer;
    delete body.fhirAuthorization;
    body.prefetch.medications = 'none';
    const res = await post(app, 'order-sign', body);
    // A required key that cannot be re-read: 412 naming it (test/api/robustness.test.ts covers optional keys).
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toEqual(['prefetch.medications']);
  });

  it('400 for a userId that is not a reference, and a draftOrders that is not a Bundle', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.context.userId = 'eDrW1';
    body.context.draftOrders = { resourceType: 'MedicationRequest' };
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(400);
    expect(diagnostics(res.body)).toContain('context.userId must be a reference Practitioner|PractitionerRole/<id>');
    expect(diagnostics(res.body)).toContain('context.draftOrders must be a FHIR Bundle');
  });

  it('404 for an unknown service id', async () => {
    const res = await post(app, 'no-such-service', fixture('requests/order-sign-simvastatin-clarithromycin.json'));
    expect(res.status).toBe(404);
    expect(diagnostics(res.body)).toBe("no CDS service with id 'no-such-service'");
  });

  it('415 for a body that is not JSON', async () => {
    const res = await request(app)
      .post('/cds-services/order-sign')
      .set('content-type', 'text/plain')
      .send('hook=order-sign');
    expect(res.status).toBe(415);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const none = await request(app).post('/cds-services/order-sign');
    expect(none.status).toBe(415);
  });

  it('413 past the body limit, while several MB of prefetch pass', async () => {
    const small = (await buildApp({ BODY_LIMIT: '64kb' })).app;
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.extension = { 'org.example.padding': 'x'.repeat(100_000) };
    const res = await post(small, 'order-sign', body);
    expect(res.status).toBe(413);
    expect(res.body.resourceType).toBe('OperationOutcome');

    const big = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const med = big.prefetch.medications.entry[0];
    big.prefetch.medications.entry = Array.from({ length: 6000 }, (_, i) => ({
      ...med,
      resource: { ...med.resource, id: `m${i}`, note: [{ text: 'y'.repeat(400) }] },
    }));
    const size = JSON.stringify(big).length;
    expect(size).toBeGreaterThan(3_000_000);
    const ok = await post(app, 'order-sign', big);
    expect(ok.status).toBe(200);
  });
});

describe('POST /cds-services/{id}: what real clients send', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('accepts unknown members and extensions anywhere and ignores them', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.futureMember = { a: 1 };
    body.context.extension = { 'org.example.x': true };
    body.context.somethingNew = 'x';
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.cards)).toBe(true);
  });

  it('accepts the sandbox shape: no encounterId, draftOrders without type, DSTU2 MedicationOrder, a draft with no drug', async () => {
    const res = await post(app, 'order-select', fixture('requests/sandbox-order-select.json'));
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.cards)).toBe(true);
  });

  it('accepts an empty selections array (Tools IG 0..*) and answers no cards', async () => {
    const body = fixture('requests/order-select-amoxicillin-penicillin-allergy.json');
    body.context.selections = [];
    const res = await post(app, 'order-select', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  it('accepts application/fhir+json and a token_type in any case', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirAuthorization.token_type = 'bearer';
    const res = await request(app)
      .post('/cds-services/order-sign')
      .set('content-type', 'application/fhir+json; charset=utf-8')
      .send(JSON.stringify(body));
    expect(res.status).toBe(200);
  });

  it('reads draft resources that are not strictly valid FHIR without failing the call', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.context.draftOrders.entry.push(
      {
        resource: {
          resourceType: 'MedicationRequest',
          id: 'odd1',
          status: 'draft',
          medicationCodeableConcept: { coding: { system: 'x', code: 1 } },
        },
      },
      { resource: { resourceType: 'MedicationRequest', id: 'odd2', medicationCodeableConcept: 'aspirin' } },
      { resource: { resourceType: 'ServiceRequest', id: 'sr1', status: 'draft', code: { text: 'CBC' } } },
      { resource: null },
      { fullUrl: 'urn:uuid:x' },
    );
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });

  it('treats null optional members as absent (fhirAuthorization, fhirServer, encounterId, prefetch, extension)', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const { app: strictProd } = await buildApp();
    body.fhirAuthorization = null;
    body.context.encounterId = null;
    body.extension = null;
    const res = await post(strictProd, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    const noPrefetch = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    noPrefetch.prefetch = null;
    noPrefetch.fhirServer = null;
    noPrefetch.fhirAuthorization = null;
    const r412 = await post(strictProd, 'order-sign', noPrefetch);
    expect(r412.status).toBe(412);
  });
});
