import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { BackendTokenError, BackendTokenProvider, type BackendCredential } from '../../src/auth/backend-token.js';
import { loadPrivateKey, type SigningKey } from '../../src/auth/keys.js';
import {
  issueToken,
  startAuthServer,
  TOKEN_PATH,
  type FakeAuthOptions,
  type FakeAuthServer,
} from '../support/token-endpoint.js';

const CLIENT_ID = 'hookwise-client';
const SCOPES = {
  v1: ['system/MedicationRequest.read', 'system/Observation.read'],
  v2: ['system/MedicationRequest.s', 'system/Observation.s'],
};
const V1 = SCOPES.v1.join(' ');
const V2 = SCOPES.v2.join(' ');

let dir: string;
let rsaKey: SigningKey;
let ecKey: SigningKey;
/** Everything that must never show in an error: PEMs and private JWK members. */
const secrets: string[] = [];

async function makeKey(alg: 'RS384' | 'ES384'): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const jwk = await exportJWK(privateKey);
  secrets.push(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) if (jwk[member]) secrets.push(jwk[member]);
  const path = join(dir, `${alg}.pem`);
  await writeFile(path, pem);
  return loadPrivateKey(path);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookwise-backend-'));
  rsaKey = await makeKey('RS384');
  ecKey = await makeKey('ES384');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let auth: FakeAuthServer | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

interface Setup {
  auth: FakeAuthServer;
  provider: BackendTokenProvider;
  clock: { t: number };
}

async function setup(
  options: FakeAuthOptions = {},
  credential: Partial<BackendCredential> = {},
  providerOptions: ConstructorParameters<typeof BackendTokenProvider>[1] = {},
): Promise<Setup> {
  auth = await startAuthServer(options);
  const clock = { t: Date.now() };
  const provider = new BackendTokenProvider(
    [{ fhirServer: auth.base, clientId: CLIENT_ID, key: rsaKey, ...credential }],
    {
      now: () => clock.t,
      ...providerOptions,
    },
  );
  return { auth, provider, clock };
}

const live = () => new AbortController().signal;

async function rejection(promise: Promise<unknown>): Promise<BackendTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendTokenError);
  return error as BackendTokenError;
}

/** No secret, token or assertion in the error's message, its String() or its stack. */
function expectClean(error: unknown, extra: string[]): void {
  const e = error as Error;
  const texts = [e.message, String(e), e.stack ?? '', JSON.stringify(e)];
  for (const text of texts) {
    for (const secret of [...secrets, ...extra]) {
      for (let at = 0; at + 16 <= secret.length; at += 16) expect(text).not.toContain(secret.slice(at, at + 16));
      if (secret.length < 16) expect(text).not.toContain(secret);
    }
  }
}

async function verifyAssertion(assertion: string, key: SigningKey, endpoint: string, at: number) {
  return jwtVerify(assertion, await importJWK(key.publicJwk, key.alg), {
    algorithms: [key.alg],
    issuer: CLIENT_ID,
    subject: CLIENT_ID,
    audience: endpoint,
    typ: 'JWT',
    currentDate: new Date(at),
  });
}

describe('the token request', () => {
  it.each([
    ['RS384', () => rsaKey],
    ['ES384', () => ecKey],
  ])(
    '%s: a signed assertion (kid, typ, iss = sub, aud, exp ≤ 300 s, unique jti) and the form fields',
    async (alg, key) => {
      const { auth, provider, clock } = await setup({}, { key: key() });
      const token = await provider.getToken(auth.base, SCOPES, live());
      expect(token.accessToken).toBe('access-1-s3cr3t-token-value');
      expect(token.scope).toBe(V1);
      expect(token.expiresAt).toBe(clock.t + 300_000);

      expect(auth.discoveryRequests).toBe(1);
      expect(auth.discoveryAccept[0]).toBe('application/json');
      expect(auth.tokenRequests).toHaveLength(1);
      const request = auth.tokenRequests[0]!;
      expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect([...request.form.keys()].sort()).toEqual([
        'client_assertion',
        'client_assertion_type',
        'grant_type',
        'scope',
      ]);
      expect(request.form.get('grant_type')).toBe('client_credentials');
      expect(request.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(request.form.get('scope')).toBe(V1);

      const { protectedHeader, payload } = await verifyAssertion(request.assertion, key(), auth.tokenEndpoint, clock.t);
      expect(protectedHeader).toEqual({ alg, kid: key().kid, typ: 'JWT' });
      expect(payload.iss).toBe(CLIENT_ID);
      expect(payload.sub).toBe(CLIENT_ID);
      expect(payload.aud).toBe(auth.tokenEndpoint);
      expect(payload.iat).toBe(Math.floor(clock.t / 1000));
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('a new assertion, with a new jti, for every request', async () => {
    const { auth, provider } = await setup();
    for (let i = 0; i < 4; i += 1) {
      await provider.getToken(auth.base, SCOPES, live());
      provider.invalidate(auth.base, SCOPES);
    }
    expect(auth.tokenRequests).toHaveLength(4);
    const assertions = auth.tokenRequests.map((r) => r.assertion);
    const jtis = auth.tokenRequests.map((r) => r.claims.jti);
    expect(new Set(assertions).size).toBe(4);
    expect(new Set(jtis).size).toBe(4);
  });

  it('assertionLifetimeSeconds sets exp − iat, and more than 300 is refused', async () => {
    const { auth, provider } = await setup({}, {}, { assertionLifetimeSeconds: 120 });
    await provider.getToken(auth.base, SCOPES, live());
    const { claims } = auth.tokenRequests[0]!;
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(() => new BackendTokenProvider([], { assertionLifetimeSeconds: 301 })).toThrow(RangeError);
  });
});

describe('scope syntax from discovery', () => {
  it('v2 scopes when capabilities include permission-v2', async () => {
    const { auth, provider } = await setup({
      capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    });
    const token = await provider.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests[0]!.form.get('scope')).toBe(V2);
    expect(token.scope).toBe(V2);
  });

  it('v1 scopes otherwise', async () => {
    const { auth, provider } = await setup({ capabilities: ['client-confidential-asymmetric', 'permission-v1'] });
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests[0]!.form.get('scope')).toBe(V1);
  });

  it('the granted scope is what the server answers, when it answers one', async () => {
    const { auth, provider } = await setup({ token: issueToken({ scope: 'system/Observation.read' }) });
    expect((await provider.getToken(auth.base, SCOPES, live())).scope).toBe('system/Observation.read');
  });

  it('a relative token_endpoint is resolved against the FHIR base (and is the aud)', async () => {
    const { auth, provider, clock } = await setup({ advertisedTokenEndpoint: `..${TOKEN_PATH}` });
    await provider.getToken(`${auth.base}/`, SCOPES, live());
    expect(auth.tokenRequests).toHaveLength(1);
    await verifyAssertion(auth.tokenRequests[0]!.assertion, rsaKey, auth.tokenEndpoint, clock.t);
  });

  it('token_endpoint_auth_signing_alg_values_supported without our alg: discovery error, no token request', async () => {
    const { auth, provider } = await setup({ signingAlgs: ['ES384'] });
    const error = await rejection(provider.getToken(auth.base, SCOPES, live()));
    expect(error.reason).toBe('discovery');
    expect(error.message).toMatch(/RS384/);
    expect(auth.tokenRequests).toHaveLength(0);
  });

  it('discovery failing: a discovery error with its status, not cached', async () => {
    const { auth, provider } = await setup({ discovery: () => ({ status: 404, body: { error: 'nope' } }) });
    const error = await rejection(provider.getToken(auth.base, SCOPES, live()));
    expect(error).toMatchObject({ reason: 'discovery', status: 404 });
    auth.setDiscovery((a) => ({ body: { token_endpoint: a.tokenEndpoint, capabilities: [] } }));
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.discoveryRequests).toBe(2);
  });

  it('a configured tokenEndpoint overrides discovery but capabilities are still read', async () => {
    const { auth, provider, clock } = await setup(
      { capabilities: ['permission-v2'], advertisedTokenEndpoint: 'https://elsewhere.invalid/token' },
      {},
    );
    const overridden = new BackendTokenProvider(
      [{ fhirServer: auth.base, clientId: CLIENT_ID, key: rsaKey, tokenEndpoint: auth.tokenEndpoint }],
      {
        now: () => clock.t,
      },
    );
    await overridden.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests[0]!.form.get('scope')).toBe(V2);
    expect(auth.tokenRequests[0]!.claims.aud).toBe(auth.tokenEndpoint);
    expect(provider.has(auth.base)).toBe(true);
  });

  it('a configured tokenEndpoint with discovery failing: v1 scopes at that endpoint', async () => {
    const { auth, provider } = await setup({ discovery: () => ({ status: 500 }) }, {});
    const withEndpoint = new BackendTokenProvider([
      { fhirServer: auth.base, clientId: CLIENT_ID, key: rsaKey, tokenEndpoint: auth.tokenEndpoint },
    ]);
    const token = await withEndpoint.getToken(auth.base, SCOPES, live());
    expect(token.scope).toBe(V1);
    expect(auth.tokenRequests[0]!.form.get('scope')).toBe(V1);
    expect(await rejection(provider.getToken(auth.base, SCOPES, live()))).toMatchObject({
      reason: 'discovery',
      status: 500,
    });
  });
});

describe('caching', () => {
  it('reuses the token until expiry minus the skew, then fetches a new one (discovery stays cached)', async () => {
    const { auth, provider, clock } = await setup();
    const first = await provider.getToken(auth.base, SCOPES, live());
    clock.t += 239_000;
    expect(await provider.getToken(auth.base, SCOPES, live())).toEqual(first);
    expect(auth.tokenRequests).toHaveLength(1);
    clock.t += 2_000; // 241 s: within 60 s of expiry
    const second = await provider.getToken(auth.base, SCOPES, live());
    expect(second.accessToken).toBe('access-2-s3cr3t-token-value');
    expect(auth.tokenRequests).toHaveLength(2);
    expect(auth.discoveryRequests).toBe(1);
  });

  it('discovery is read again after an hour', async () => {
    const { auth, provider, clock } = await setup();
    await provider.getToken(auth.base, SCOPES, live());
    clock.t += 3_601_000;
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.discoveryRequests).toBe(2);
  });

  it('other scopes are another token', async () => {
    const { auth, provider } = await setup();
    await provider.getToken(auth.base, SCOPES, live());
    await provider.getToken(auth.base, { v1: ['system/Medication.read'], v2: ['system/Medication.r'] }, live());
    expect(auth.tokenRequests.map((r) => r.form.get('scope'))).toEqual([V1, 'system/Medication.read']);
  });

  it('20 concurrent callers share one token request', async () => {
    const { auth, provider } = await setup({ token: (r, i) => ({ ...issueToken()(r, i), delayMs: 100 }) });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.getToken(auth.base, SCOPES, live())));
    expect(auth.tokenRequests).toHaveLength(1);
    expect(auth.discoveryRequests).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['access-1-s3cr3t-token-value']));
  });

  it('invalidate forces a new request; with a stale token it keeps the newer one', async () => {
    const { auth, provider } = await setup();
    const first = await provider.getToken(auth.base, SCOPES, live());
    provider.invalidate(auth.base, SCOPES);
    const second = await provider.getToken(auth.base, SCOPES, live());
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(auth.tokenRequests).toHaveLength(2);
    provider.invalidate(`${auth.base}/`, SCOPES, first.accessToken); // stale: second stays
    expect(await provider.getToken(auth.base, SCOPES, live())).toEqual(second);
    expect(auth.tokenRequests).toHaveLength(2);
  });

  it('a short-lived token is renewed at half its lifetime when that is less than the skew', async () => {
    const { auth, provider, clock } = await setup({ token: issueToken({ expires_in: 60 }) });
    await provider.getToken(auth.base, SCOPES, live());
    clock.t += 29_000;
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests).toHaveLength(1);
    clock.t += 2_000;
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests).toHaveLength(2);
  });
});

describe('failures', () => {
  it.each([401, 500])(
    'token endpoint %i: BackendTokenError with the status, not cached: the next call tries again',
    async (status) => {
      const { auth, provider } = await setup({
        token: () => ({ status, body: { error: 'invalid_client', error_description: 'bad' } }),
      });
      const errors = await Promise.all(
        Array.from({ length: 5 }, () => rejection(provider.getToken(auth.base, SCOPES, live()))),
      );
      expect(auth.tokenRequests).toHaveLength(1);
      for (const error of errors) {
        expect(error).toMatchObject({ reason: 'token-endpoint', status });
        expect(error.message).toContain('invalid_client');
      }
      auth.setToken(issueToken());
      const token = await provider.getToken(auth.base, SCOPES, live());
      expect(token.accessToken).toBe('access-2-s3cr3t-token-value');
      expect(auth.tokenRequests).toHaveLength(2);
    },
  );

  it('a token endpoint that hangs: the caller aborted after 100 ms gets "aborted" promptly, the request is closed, and the next call is not poisoned', async () => {
    const { auth, provider } = await setup({ token: () => ({ hang: true }) });
    const started = Date.now();
    const error = await rejection(provider.getToken(auth.base, SCOPES, AbortSignal.timeout(100)));
    expect(error.reason).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1000);
    const end = Date.now() + 2000;
    while (auth.closedEarly < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(auth.closedEarly).toBe(1);
    auth.setToken(issueToken());
    const token = await provider.getToken(auth.base, SCOPES, live());
    expect(token.accessToken).toBe('access-2-s3cr3t-token-value');
  });

  it("one caller's abort does not cancel the shared request for the others", async () => {
    const { auth, provider } = await setup({ token: (r, i) => ({ ...issueToken()(r, i), delayMs: 300 }) });
    const impatient = provider.getToken(auth.base, SCOPES, AbortSignal.timeout(50));
    const patient = provider.getToken(auth.base, SCOPES, live());
    expect((await rejection(impatient)).reason).toBe('aborted');
    expect((await patient).accessToken).toBe('access-1-s3cr3t-token-value');
    expect(auth.tokenRequests).toHaveLength(1);
    expect(auth.closedEarly).toBe(0);
    // and the token is cached for later callers
    await provider.getToken(auth.base, SCOPES, live());
    expect(auth.tokenRequests).toHaveLength(1);
  });

  it('an already aborted signal: "aborted" without any request', async () => {
    const { auth, provider } = await setup();
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(provider.getToken(auth.base, SCOPES, controller.signal))).reason).toBe('aborted');
    expect(auth.discoveryRequests + auth.tokenRequests.length).toBe(0);
  });

  it('no credential for the server: "no-credential"; has() compares normalized base URLs', async () => {
    const { auth, provider } = await setup();
    expect((await rejection(provider.getToken('https://other.example/fhir', SCOPES, live()))).reason).toBe(
      'no-credential',
    );
    expect(provider.has(auth.base)).toBe(true);
    expect(provider.has(`${auth.base}//`)).toBe(true);
    expect(provider.has(auth.base.replace('http://', 'HTTP://'))).toBe(true);
    expect(provider.has(auth.base.replace('/fhir', '/FHIR'))).toBe(false);
    expect(provider.has('https://other.example/fhir')).toBe(false);
    const upper = new BackendTokenProvider([
      { fhirServer: 'HTTPS://EHR.Example.org:443/fhir/R4/', clientId: 'c', key: rsaKey },
    ]);
    expect(upper.has('https://ehr.example.org/fhir/R4')).toBe(true);
  });

  it.each([
    ['no access_token', { token_type: 'Bearer', expires_in: 300 }],
    ['token_type not bearer', { access_token: 'leaky-token-value-1234567890', token_type: 'mac', expires_in: 300 }],
    ['no token_type', { access_token: 'leaky-token-value-1234567890', expires_in: 300 }],
    [
      'expires_in not a number',
      { access_token: 'leaky-token-value-1234567890', token_type: 'bearer', expires_in: 'soon' },
    ],
    ['scope not a string', { access_token: 'leaky-token-value-1234567890', token_type: 'bearer', scope: ['x'] }],
    ['not JSON', 'access_token=leaky-token-value-1234567890'],
  ])('an invalid success response (%s): "invalid-response"', async (_name, body) => {
    const { auth, provider } = await setup({ token: () => ({ body }) });
    const error = await rejection(provider.getToken(auth.base, SCOPES, live()));
    expect(error).toMatchObject({ reason: 'invalid-response', status: 200 });
    expectClean(error, ['leaky-token-value-1234567890', auth.tokenRequests[0]!.assertion]);
  });

  it('expires_in absent: 300 s; scope absent: the scope requested; token_type compared case-insensitively', async () => {
    const { auth, provider, clock } = await setup({
      token: () => ({ body: { access_token: 'a-token', token_type: 'BEARER' } }),
    });
    const token = await provider.getToken(auth.base, SCOPES, live());
    expect(token).toEqual({ accessToken: 'a-token', scope: V1, expiresAt: clock.t + 300_000 });
  });
});

describe('no secret in any error', () => {
  it('the access token, the assertion and the private key never appear in a thrown error', async () => {
    const { auth, provider } = await setup();
    const token = await provider.getToken(auth.base, SCOPES, live());
    const assertion = auth.tokenRequests[0]!.assertion;
    const seen: unknown[] = [];
    // Servers that echo what they were sent, in every failing shape.
    const echoes: Array<(r: { assertion: string }) => { status?: number; body?: unknown }> = [
      (r) => ({ status: 400, body: { error: 'invalid_client', error_description: r.assertion } }),
      (r) => ({ status: 401, body: { error: r.assertion } }),
      (r) => ({ status: 500, body: `${r.assertion} ${token.accessToken}` }),
      () => ({ body: { access_token: token.accessToken, token_type: 'mac' } }),
      () => ({ body: { access_token: token.accessToken, token_type: 'bearer', expires_in: token.accessToken } }),
    ];
    for (const echo of echoes) {
      provider.invalidate(auth.base, SCOPES);
      auth.setToken((r) => echo(r));
      seen.push(await rejection(provider.getToken(auth.base, SCOPES, live())));
    }
    auth.setToken(() => ({ hang: true }));
    provider.invalidate(auth.base, SCOPES);
    seen.push(await rejection(provider.getToken(auth.base, SCOPES, AbortSignal.timeout(50))));
    const assertions = auth.tokenRequests.map((r) => r.assertion);
    expect(assertions).toHaveLength(7);
    for (const error of seen) expectClean(error, [token.accessToken, assertion, ...assertions]);
  });
});
