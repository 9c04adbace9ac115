// hookwise's own SMART Backend Services token through the real app: a call with fhirServer but no
// fhirAuthorization reads with a token obtained by private_key_jwt, reused, renewed once after a 401, and the
// deadline holds when the token endpoint fails or hangs. Tokens and assertions never reach a log or a body.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair, jwtVerify, importJWK } from 'jose';
import request from 'supertest';
import { BackendTokenProvider } from '../../src/auth/backend-token.js';
import { loadPrivateKey, type SigningKey } from '../../src/auth/keys.js';
import { buildApp, postHook, TEST_NOW } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir, type Route } from '../support/fake-fhir.js';
import { smartConfiguration, startAuthServer, type FakeAuthServer } from '../support/token-endpoint.js';
import { hookModules } from '../../hooks/index.js';

let key: SigningKey;
let fhir: FakeFhir | undefined;
let auth: FakeAuthServer | undefined;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('RS384', { extractable: true });
  const dir = mkdtempSync(join(tmpdir(), 'hookwise-key-'));
  const file = join(dir, 'backend.pem');
  writeFileSync(file, await exportPKCS8(privateKey));
  key = await loadPrivateKey(file, { kid: 'hookwise-test-1' });
});

afterEach(async () => {
  await fhir?.close();
  await auth?.close();
  fhir = auth = undefined;
});

/** A FHIR server that advertises the fake auth server and answers searches with `meds` (or per route). */
async function setup(route?: Route, capabilities?: string[]) {
  auth = await startAuthServer(capabilities ? { capabilities } : {});
  const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
  const meds = body.prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
  fhir = await startFakeFhir((url, req) => {
    if (url.pathname.endsWith('/.well-known/smart-configuration')) {
      return { body: smartConfiguration(auth!, capabilities ? { capabilities } : {}), contentType: 'application/json' };
    }
    return route?.(url, req) ?? { body: searchset(meds) };
  });
  delete body.prefetch.medications;
  delete body.fhirAuthorization;
  body.fhirServer = fhir.base;
  const provider = new BackendTokenProvider([{ fhirServer: fhir.base, clientId: 'hookwise-test', key }]);
  return { body, provider };
}

describe('SMART Backend Services through the app', () => {
  it('reads with its own token: the assertion is signed and addressed right, the exact hook scopes are requested, and the token is reused', async () => {
    const { body, provider } = await setup();
    const { app } = await buildApp({}, hookModules, TEST_NOW, { backend: provider, signingKeys: [key] });
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(auth!.tokenRequests).toHaveLength(1);
    const t = auth!.tokenRequests[0]!;
    expect(t.form.get('grant_type')).toBe('client_credentials');
    expect(t.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(t.form.get('scope')).toBe(
      'system/AllergyIntolerance.read system/Condition.read system/Medication.read system/MedicationAdministration.read system/MedicationDispense.read system/MedicationRequest.read ' +
        'system/MedicationStatement.read system/Observation.read system/Patient.read',
    );
    const verified = await jwtVerify(t.assertion, await importJWK(key.publicJwk, 'RS384'), {
      audience: auth!.tokenEndpoint,
      issuer: 'hookwise-test',
      subject: 'hookwise-test',
    });
    expect(verified.protectedHeader).toMatchObject({ alg: 'RS384', kid: 'hookwise-test-1', typ: 'JWT' });
    expect(fhir!.seen.filter((s) => s.url.includes('MedicationRequest')).map((s) => s.authorization)).toEqual([
      'Bearer access-1-s3cr3t-token-value',
    ]);

    await postHook(app, 'order-sign', { ...body, hookInstance: 'b6a3e1c0-0000-4000-8000-000000000002' }).expect(200);
    expect(auth!.tokenRequests).toHaveLength(1);
  });

  it('asks for SMART v2 scopes when the server advertises permission-v2', async () => {
    const { body, provider } = await setup(undefined, ['client-confidential-asymmetric', 'permission-v2']);
    const { app } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    await postHook(app, 'order-sign', body).expect(200);
    expect(auth!.tokenRequests[0]!.form.get('scope')).toBe(
      'system/AllergyIntolerance.s system/Condition.s system/Medication.s system/MedicationAdministration.s system/MedicationDispense.s system/MedicationRequest.s ' +
        'system/MedicationStatement.s system/Observation.s system/Patient.r',
    );
  });

  it('many concurrent hook calls share one token request', async () => {
    const { body, provider } = await setup();
    auth!.setToken((req, index) => ({
      delayMs: 100,
      body: {
        access_token: `access-${index}-s3cr3t-token-value`,
        token_type: 'bearer',
        expires_in: 300,
        scope: req.form.get('scope'),
      },
    }));
    const { app } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    const calls = Array.from({ length: 10 }, (_, i) =>
      postHook(app, 'order-sign', { ...body, hookInstance: `c0ffee00-0000-4000-8000-00000000000${i}` }),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(auth!.tokenRequests).toHaveLength(1);
  });

  it('honours a grant narrower than requested: what the token does not allow is not read', async () => {
    const { body, provider } = await setup();
    auth!.setToken((_req, index) => ({
      body: {
        access_token: `access-${index}-s3cr3t-token-value`,
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'system/Medication.read',
      },
    }));
    const { app } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain('the granted scopes do not allow searching MedicationRequest');
    expect(fhir!.seen.filter((s) => s.url.includes('MedicationRequest'))).toHaveLength(0);
  });

  it('on a 401 from the FHIR server: drops the token, gets a new one once, and reads again', async () => {
    const meds = fixture('requests/order-sign-simvastatin-clarithromycin.json').prefetch.medications.entry.map(
      (e: { resource: unknown }) => e.resource,
    );
    const { body, provider } = await setup((_url, req) =>
      req.headers.authorization === 'Bearer access-1-s3cr3t-token-value'
        ? { status: 401, body: { resourceType: 'OperationOutcome', issue: [] } }
        : { body: searchset(meds) },
    );
    const { app } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(auth!.tokenRequests).toHaveLength(2);
    expect(fhir!.seen.filter((s) => s.url.includes('MedicationRequest')).map((s) => s.authorization)).toEqual([
      'Bearer access-1-s3cr3t-token-value',
      'Bearer access-2-s3cr3t-token-value',
    ]);
  });

  it('a token endpoint that fails: the required key answers 412 naming why, at once', async () => {
    const { body, provider } = await setup();
    auth!.setToken(() => ({ status: 500, body: { error: 'server_error' } }));
    const { app, logs } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(res.body.issue[0].diagnostics).toContain('could not get its SMART backend token (token-endpoint)');
    expect(fhir!.seen.filter((s) => s.url.includes('MedicationRequest'))).toHaveLength(0);
    expect(logs.records().find((r) => r.message === 'hook invocation')).toMatchObject({
      fhirAuth: 'blocked',
      status: 412,
    });
  });

  it('a token endpoint that hangs: the deadline still answers with empty cards, and the token request is abandoned', async () => {
    const { body, provider } = await setup();
    auth!.setToken(() => ({ hang: true }));
    const { app, logs } = await buildApp({ HOOK_DEADLINE_MS: '400' }, hookModules, TEST_NOW, { backend: provider });
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
    expect(logs.records().find((r) => r.message === 'hook invocation')).toMatchObject({ outcome: 'timeout' });
    const end = Date.now() + 2000;
    while (auth!.closedEarly === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(auth!.closedEarly).toBe(1);
  });

  it('never logs or returns the access token, the assertion or the EHR token', async () => {
    const { body, provider } = await setup();
    const { app, logs } = await buildApp({}, hookModules, TEST_NOW, { backend: provider });
    const res = await postHook(app, 'order-sign', body);
    const ehr = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const res2 = await postHook(app, 'order-sign', { ...ehr, fhirServer: 'http://127.0.0.1:9/fhir', prefetch: {} });
    const secrets = [
      'access-1-s3cr3t-token-value',
      auth!.tokenRequests[0]!.assertion,
      ehr.fhirAuthorization.access_token,
    ];
    const everything = [logs.lines.join('\n'), res.text, res2.text].join('\n');
    for (const s of secrets) expect(everything).not.toContain(s);
  });

  it('publishes its public keys at /.well-known/jwks.json, never the private parts', async () => {
    const { app } = await buildApp({}, hookModules, TEST_NOW, { signingKeys: [key] });
    const res = await request(app).get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'RSA', kid: 'hookwise-test-1', alg: 'RS384', use: 'sig' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(res.body.keys[0][member]).toBeUndefined();
    expect(res.headers['cache-control']).toMatch(/max-age/);
  });
});
