// Tokens never leave the allow-list (issue 9): a FHIR read, a SMART configuration request or a token request
// that is answered with a redirect is not followed (the read fails, the key is "not obtained"), and fhirServer is
// normalised (WHATWG URL) and compared with the allow-list by origin and path segments, never by string prefix.
import { afterEach, describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';
import { smartConfiguration, startAuthServer, type FakeAuthServer } from '../support/token-endpoint.js';
import { hookModules } from '../../hooks/index.js';
import { TEST_NOW } from '../support/app.js';
import * as reader from '../../src/data/fhir-reader.js';
import { isAllowListed } from '../../src/auth/fhir-access.js';
import { BackendTokenError, BackendTokenProvider } from '../../src/auth/backend-token.js';
import { generateKeyPair } from 'jose';
import type { SigningKey } from '../../src/auth/keys.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const TOKEN = 'epic-opaque-token-SHOULD-NEVER-BE-LOGGED';
const servers: Array<FakeFhir | FakeAuthServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fhir(route: Parameters<typeof startFakeFhir>[0]): Promise<FakeFhir> {
  const s = await startFakeFhir(route);
  servers.push(s);
  return s;
}

function signBody(server: string) {
  const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
  const meds = body.prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
  delete body.prefetch.medications;
  body.fhirServer = server;
  return { body, meds };
}

function lastInvocation(logs: { records(): Array<Record<string, any>> }) {
  return logs
    .records()
    .filter((r) => r.message === 'hook invocation')
    .at(-1)!;
}

describe('FHIR reads never follow a redirect', () => {
  it.each([302, 307, 308])(
    '%i to another server: the token does not follow, the required key answers 412',
    async (status) => {
      const { meds } = signBody('x');
      const elsewhere = await fhir(() => ({ body: searchset(meds) }));
      const ehr = await fhir((url) => ({
        status,
        headers: { location: `${elsewhere.base}${url.pathname.slice('/fhir'.length)}${url.search}` },
      }));
      const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base });
      const { body } = signBody(ehr.base);
      const res = await postHook(app, 'order-sign', body);
      expect(res.status).toBe(412);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].diagnostics).toContain(`answered ${status}`);
      expect(elsewhere.seen).toHaveLength(0);
      expect(ehr.seen).toHaveLength(1);
    },
  );

  it('a redirect to a path outside the allow-listed base on the same server: not followed', async () => {
    const { meds } = signBody('x');
    const ehr = await fhir((url) =>
      url.pathname.startsWith('/private')
        ? { body: searchset(meds) }
        : { status: 307, headers: { location: `/private${url.pathname}${url.search}` } },
    );
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base });
    const { body } = signBody(ehr.base);
    expect((await postHook(app, 'order-sign', body)).status).toBe(412);
    expect(ehr.seen.map((s) => s.url.split('?')[0])).toEqual(['/fhir/MedicationRequest']);
  });

  it('an optional key whose read is redirected is not obtained; the other rules still give their cards', async () => {
    const { meds } = signBody('x');
    const elsewhere = await fhir(() => ({ body: searchset([]) }));
    const ehr = await fhir((url) =>
      url.pathname.endsWith('/MedicationRequest')
        ? { body: searchset(meds) }
        : { status: 302, headers: { location: `${elsewhere.base}/Observation` } },
    );
    const { app, logs } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base });
    const { body } = signBody(ehr.base);
    delete body.prefetch.egfr;
    body.fhirAuthorization.scope += ' patient/Observation.read';
    body.prefetch.orderLabs = null; // the digoxin labs: no data, so only egfr is read
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(lastInvocation(logs).prefetch.failed).toEqual(['egfr']);
    expect(ehr.seen.filter((s) => s.url.startsWith('/fhir/Observation'))).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('a next link that redirects: the page is not followed off the base, the token stays', async () => {
    const { meds } = signBody('x');
    const elsewhere = await fhir(() => ({ body: searchset([]) }));
    const ehr = await fhir((url) =>
      url.searchParams.get('page') === '2'
        ? { status: 307, headers: { location: `${elsewhere.base}/MedicationRequest?page=2` } }
        : { body: searchset(meds) },
    );
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base });
    const { body } = signBody(ehr.base);
    body.prefetch.medications = searchset(meds, `${ehr.base}/MedicationRequest?page=2`);
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });
});

describe("hookwise's own backend token never follows a redirect either", () => {
  it('a redirected read with the SMART backend token: 412, the other server sees no request', async () => {
    const auth = await startAuthServer();
    servers.push(auth);
    const { meds } = signBody('x');
    const elsewhere = await fhir(() => ({ body: searchset(meds) }));
    const ehr = await fhir((url) =>
      url.pathname.endsWith('/.well-known/smart-configuration')
        ? { body: smartConfiguration(auth, {}), contentType: 'application/json' }
        : { status: 307, headers: { location: `${elsewhere.base}/MedicationRequest` } },
    );
    const { privateKey } = await generateKeyPair('RS384');
    const key = { alg: 'RS384', kid: 'k1', privateKey } as unknown as SigningKey;
    const backend = new BackendTokenProvider([{ fhirServer: ehr.base, clientId: 'hookwise', key }]);
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base }, hookModules, TEST_NOW, { backend });
    const { body } = signBody(ehr.base);
    delete body.fhirAuthorization;
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(auth.tokenRequests).toHaveLength(1);
    // The redirected medications read, plus the optional recent-record reads that are answered without a redirect
    expect(
      ehr.seen.filter((s) => s.url.includes('/MedicationRequest?') && s.authorization?.startsWith('Bearer access-')),
    ).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });
});

describe('SMART configuration and token requests never follow a redirect', () => {
  async function provider(fhirBase: string, tokenEndpoint?: string) {
    const { privateKey } = await generateKeyPair('RS384');
    const key = { alg: 'RS384', kid: 'k1', privateKey } as unknown as SigningKey;
    return new BackendTokenProvider([
      { fhirServer: fhirBase, clientId: 'hookwise', key, ...(tokenEndpoint ? { tokenEndpoint } : {}) },
    ]);
  }
  const scopes = { v1: ['system/MedicationRequest.read'], v2: ['system/MedicationRequest.rs'] };

  it('a smart-configuration answered with a redirect is a discovery failure; the target is never asked', async () => {
    const auth = await startAuthServer();
    servers.push(auth);
    const ehr = await fhir(() => ({
      status: 302,
      headers: { location: `${auth.base}/.well-known/smart-configuration` },
    }));
    const p = await provider(ehr.base);
    const error = await p.getToken(ehr.base, scopes, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendTokenError);
    expect(error).toMatchObject({ reason: 'discovery', status: 302 });
    expect(auth.discoveryRequests).toBe(0);
    expect(auth.tokenRequests).toHaveLength(0);
  });

  it('a token endpoint answered with a redirect: the assertion is not sent on', async () => {
    const auth = await startAuthServer();
    servers.push(auth);
    const hop = await fhir(() => ({ status: 307, headers: { location: auth.tokenEndpoint } }));
    const p = await provider(auth.base, `${hop.base}/token`);
    const error = await p.getToken(auth.base, scopes, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'token-endpoint' });
    expect(hop.seen).toHaveLength(1);
    expect(auth.tokenRequests).toHaveLength(0);
  });
});

describe('fhirServer is normalised before the allow-list check', () => {
  const allow = ['https://ehr.example.org/fhir'];
  it.each([
    'https://ehr.example.org/fhir',
    'https://ehr.example.org/fhir/',
    'https://EHR.example.org/fhir',
    'https://ehr.example.org:443/fhir',
    'https://ehr.example.org/fhir/R4',
    'https://ehr.example.org/fhir/./R4',
  ])('%s is under the allow-listed base', (server) => {
    expect(isAllowListed(server, allow)).toBe(true);
  });

  it.each([
    'https://ehr.example.org/fhirx',
    'https://ehr.example.org/fhir/../private',
    'https://ehr.example.org/fhir/%2e%2e/private',
    'https://ehr.example.org/fhir/%2E%2e/private',
    'https://ehr.example.org/fhir/.%2e/private',
    'https://ehr.example.org/fhir/R4%2f..%2f..%2fprivate',
    'https://ehr.example.org/fhir/R4%5c..%5c..%5cprivate',
    'https://ehr.example.org/fhir//evil',
    'https://ehr.example.org//fhir',
    'https://user:pw@ehr.example.org/fhir',
    'https://ehr.example.org@evil.example/fhir',
    'https://ehr.example.org/fhir?x=1',
    'https://ehr.example.org/fhir#frag',
    'https://ehr.example.org.evil.example/fhir',
    'http://ehr.example.org/fhir',
    'https://ehr.example.org:8443/fhir',
    'https://ehr.example.org/FHIR',
    'not a url',
  ])('%s is not', (server) => {
    expect(isAllowListed(server, allow)).toBe(false);
  });

  it('the canonical base is what the reader uses: origin, dot segments resolved, one trailing slash', () => {
    expect(reader.canonicalBase?.('HTTPS://EHR.example.org:443/fhir/R4/')).toBe('https://ehr.example.org/fhir/R4/');
    expect(reader.canonicalBase?.('https://ehr.example.org/fhir/R4/..')).toBe('https://ehr.example.org/fhir/');
    expect(reader.canonicalBase?.('https://ehr.example.org/fhir?x=1')).toBeUndefined();
    expect(reader.isUnderBase('https://ehr.example.org/fhir/../private/x', 'https://ehr.example.org/fhir/')).toBe(
      false,
    );
    expect(reader.isUnderBase('https://ehr.example.org/fhir/%2e%2e/private/x', 'https://ehr.example.org/fhir/')).toBe(
      false,
    );
    expect(reader.isUnderBase('https://ehr.example.org/fhir/Patient/1', 'https://ehr.example.org/fhir/')).toBe(true);
  });

  it.each([
    ['dot-dot', '/../private'],
    ['encoded dot-dot', '/%2e%2e/private'],
    ['an empty segment', '//private'],
    ['a query', '?_format=/../private'],
  ])('a fhirServer with %s under the allow-listed base reads nothing (412)', async (_what, suffix) => {
    const ehr = await fhir(() => ({ body: searchset([]) }));
    const { app } = await buildApp({ FHIR_SERVER_ALLOWLIST: ehr.base });
    const { body } = signBody(`${ehr.base}${suffix}`);
    const res = await postHook(app, 'order-sign', body);
    expect(res.status).toBe(412);
    expect(ehr.seen).toHaveLength(0);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });
});

describe('allow-list entries', () => {
  // Entries that could never match, and dot segments that WHATWG parsing would resolve silently into a wider base
  // (https://ehr/fhir/.. would allow the whole origin).
  it.each([
    'https://ehr.example.org/fhir//R4',
    'https://ehr.example.org/fhir/..',
    'https://ehr.example.org/fhir/%2e%2e',
    'https://ehr.example.org/fhir/./R4',
    'https://ehr.example.org/fhir%2fR4',
    'https://u:p@ehr.example.org/fhir',
    'https://ehr.example.org/fhir?',
  ])('%s stops the start naming the setting', (entry) => {
    expect(() => loadConfig({ FHIR_SERVER_ALLOWLIST: entry })).toThrow(ConfigError);
    expect(() => loadConfig({ FHIR_SERVER_ALLOWLIST: entry })).toThrow(/FHIR_SERVER_ALLOWLIST/);
  });

  it('a plain base is accepted, and compared in its canonical form', () => {
    const config = loadConfig({ FHIR_SERVER_ALLOWLIST: 'https://EHR.example.org:443/fhir/' });
    expect(isAllowListed('https://ehr.example.org/fhir/R4', config.fhirServerAllowlist)).toBe(true);
  });
});
