// Where tokens may go and what may be read: the FHIR server allow-list, scope-aware reads with the EHR's
// grant (v1 and v2, patient/ scopes with fhirAuthorization.patient), and hookwise's own backend token.
import { afterEach, describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function signWithoutPrefetch(server: string) {
  const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
  const meds = body.prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
  delete body.prefetch.medications;
  delete body.prefetch.orderLabs; // the optional lab search is read too (an Observation grant allows it)
  body.fhirServer = server;
  return { body, meds };
}

describe('FHIR server allow-list', () => {
  it('reads nothing from a fhirServer that is not allow-listed: the required key answers 412, the token never leaves', async () => {
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: 'https://fhir.hospital.example.org/R4' });
    const { body } = signWithoutPrefetch(fake.base);
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain('fhirServer is not on the FHIR server allow-list');
    expect(fake.seen).toHaveLength(0);
  });

  it('reads from an allow-listed server (the base matches by path prefix, not by string prefix)', async () => {
    fake = await startFakeFhir((url) => ({ body: searchset(url.pathname.endsWith('MedicationRequest') ? [] : []) }));
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: `${fake.base}` });
    const { body, meds } = signWithoutPrefetch(fake.base);
    await fake.close();
    fake = await startFakeFhir(() => ({ body: searchset(meds) }));
    const allowed = await buildApp({ FHIR_SERVER_ALLOWLIST: fake.base });
    body.fhirServer = fake.base;
    const ok = await postHook(allowed.app, 'order-sign', body);
    expect(ok.status).toBe(200);
    expect(ok.body.cards).toHaveLength(1);
    body.fhirServer = `${fake.base}evil`;
    const evil = await postHook(allowed.app, 'order-sign', body);
    expect(evil.status).toBe(412);
    expect(app).toBeDefined();
  });

  it('development without an allow-list reads any server, with a warning', async () => {
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const { app, logs } = await buildApp();
    const { body } = signWithoutPrefetch(fake.base);
    await postHook(app, 'order-sign', body).expect(200);
    expect(fake.seen).toHaveLength(1);
    expect(
      logs
        .records()
        .some(
          (r) => r.level === 'warn' && r.message === 'fhirServer accepted without an allow-list (development profile)',
        ),
    ).toBe(true);
  });
});

describe('scope-aware reads with the EHR grant', () => {
  it.each([
    ['v1 user scope', 'user/MedicationRequest.read'],
    ['v2 system scope', 'system/MedicationRequest.rs'],
    ['v1 wildcard', 'user/*.read'],
    ['patient scope for this patient', 'patient/MedicationRequest.read'],
  ])('%s allows the search', async (_name, scope) => {
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const { app } = await buildApp();
    const { body } = signWithoutPrefetch(fake.base);
    body.fhirAuthorization.scope = scope;
    await postHook(app, 'order-sign', body).expect(200);
    expect(fake.seen.filter((s) => s.url.includes('/MedicationRequest?'))).toHaveLength(1);
    // Only the wildcard also grants the statement, dispense, administration, condition and lab searches; the
    // others are not tried.
    expect(fake.seen).toHaveLength(scope === 'user/*.read' ? 6 : 1);
  });

  it.each([
    ['no scope for the type', 'user/Observation.read', 'searching MedicationRequest'],
    ['v2 read without search', 'user/MedicationRequest.r', 'searching MedicationRequest'],
    ['a patient scope for another patient', 'patient/MedicationRequest.read', 'searching MedicationRequest'],
  ])('%s: the read is not attempted and the required key answers 412 with the reason', async (name, scope, reason) => {
    fake = await startFakeFhir(() => ({ body: searchset([]) }));
    const { app } = await buildApp();
    const { body } = signWithoutPrefetch(fake.base);
    body.fhirAuthorization.scope = scope;
    if (name.startsWith('a patient scope')) body.fhirAuthorization.patient = 'someone-else';
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain(`the granted scopes do not allow ${reason}`);
    // MedicationRequest is never read; an Observation grant still lets the optional lab search run.
    expect(fake.seen.map((s) => s.url.split('?')[0])).toEqual(
      scope === 'user/Observation.read' ? ['/fhir/Observation'] : [],
    );
  });
});
