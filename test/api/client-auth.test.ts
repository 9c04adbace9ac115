// The EHR's JWT (CDS Hooks 2.0, Trusting CDS Clients) against the real app: keys generated here, JWKS served on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, createPublicKey } from 'node:crypto';
import request from 'supertest';
import { buildApp, postHook, TEST_NOW } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';
import { handMade, makeKey, mint, type TestKey } from '../support/jwt.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SANDBOX_ISSUER } from '../../src/auth/trusted-issuers.js';

const BASE = 'https://cds.example.org/hookwise';
const EHR = 'https://ehr.example.org';
const EPIC = 'https://fhir.epic.example.org/oauth2';
const NOW_S = Date.parse(TEST_NOW) / 1000;

let jwks: FakeFhir;
let jkuServer: FakeFhir;
let evil: FakeFhir;
let rsa: TestKey;
let ec: TestKey;
let stranger: TestKey;
let env: Record<string, string>;

beforeAll(async () => {
  rsa = await makeKey('RS384', 'ehr-rs-1');
  ec = await makeKey('ES384', 'epic-ec-1');
  stranger = await makeKey('RS384', 'ehr-rs-1'); // same kid, other key
  jwks = await startFakeFhir(() => ({ body: { keys: [rsa.publicJwk] }, contentType: 'application/json' }));
  jkuServer = await startFakeFhir(() => ({ body: { keys: [ec.publicJwk] }, contentType: 'application/json' }));
  evil = await startFakeFhir(() => ({ body: { keys: [stranger.publicJwk] }, contentType: 'application/json' }));
  const dir = mkdtempSync(join(tmpdir(), 'hookwise-trust-'));
  const trustFile = join(dir, 'issuers.json');
  writeFileSync(
    trustFile,
    JSON.stringify([
      { iss: EHR, jwksUrl: `${jwks.base}/jwks.json` },
      { iss: EPIC, jku: [`${jkuServer.base}/tenants/*/jwks.json`], tenant: 'hospital-a' },
    ]),
  );
  env = {
    HOOKWISE_PROFILE: 'production',
    PUBLIC_BASE_URLS: `${BASE},https://cds.internal.example.org`,
    TRUSTED_ISSUERS_FILE: trustFile,
    FHIR_SERVER_ALLOWLIST: 'https://fhir.epic.example.org/api/FHIR/R4',
  };
});

afterAll(async () => {
  await Promise.all([jwks.close(), jkuServer.close(), evil.close()]);
});

const token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: TestKey = rsa) =>
  mint(key, { iss: EHR, aud: `${BASE}/cds-services`, ...claims }, header, NOW_S);

function lastFailure(logs: { records(): Array<Record<string, any>> }) {
  return logs
    .records()
    .filter((r) => r.message === 'client authentication failed')
    .at(-1);
}

async function expect401(
  app: Parameters<typeof request>[0],
  authorization: string | undefined,
  path = '/cds-services',
) {
  const req = request(app).get(path);
  if (authorization !== undefined) req.set('Authorization', authorization);
  const res = await req;
  expect(res.status).toBe(401);
  // RFC 6750 §3.1: no credentials (none, or another scheme) → no error code; a Bearer token that fails → invalid_token.
  const bearer = authorization !== undefined && /^bearer\s+\S/i.test(authorization);
  expect(res.headers['www-authenticate']).toBe(bearer ? 'Bearer error="invalid_token"' : 'Bearer');
  expect(res.body).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
  return res;
}

describe('the EHR JWT', () => {
  it('accepts a valid RS384 token for discovery, under either configured base URL', async () => {
    const { app } = await buildApp(env);
    await request(app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    await request(app)
      .get('/cds-services')
      .set('Authorization', `bearer ${await token()}`)
      .expect(200);
    const other = await token({ aud: 'https://cds.internal.example.org/cds-services' });
    await request(app).get('/cds-services').set('Authorization', `Bearer ${other}`).expect(200);
  });

  it('answers /cds-services/ with a trailing slash, and accepts an aud that names the endpoint with one', async () => {
    const { app } = await buildApp(env);
    await request(app)
      .get('/cds-services/')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    const slashed = await token({ aud: `${BASE}/cds-services/` });
    const res = await request(app).get('/cds-services/').set('Authorization', `Bearer ${slashed}`).expect(200);
    expect(res.body.services.length).toBeGreaterThan(0);
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const hook = await token({ aud: `${BASE}/cds-services/order-sign/` });
    await postHook(app, 'order-sign/', body).set('Authorization', `Bearer ${hook}`).expect(200);
  });

  it('accepts an aud array that contains the endpoint, and a valid ES384 token from an allow-listed jku with its tenant', async () => {
    const { app } = await buildApp(env);
    const t = await token({ aud: ['https://other.example/x', `${BASE}/cds-services`] });
    await request(app).get('/cds-services').set('Authorization', `Bearer ${t}`).expect(200);
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const epic = await mint(
      ec,
      { iss: EPIC, aud: `${BASE}/cds-services/order-sign`, tenant: 'hospital-a' },
      { jku: `${jkuServer.base}/tenants/a/jwks.json` },
      NOW_S,
    );
    const res = await postHook(app, 'order-sign', body).set('Authorization', `Bearer ${epic}`);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
  });

  it('refuses alg none before any key lookup', async () => {
    const { app, logs } = await buildApp(env);
    const before = jwks.seen.length;
    const none = handMade(
      { alg: 'none', typ: 'JWT', kid: 'ehr-rs-1' },
      { iss: EHR, aud: `${BASE}/cds-services`, exp: NOW_S + 60, iat: NOW_S, jti: 'n1' },
      'x',
    );
    await expect401(app, `Bearer ${none}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'alg-not-allowed', iss: EHR, kid: 'ehr-rs-1', jti: 'n1' });
    await expect401(app, `Bearer ${none.slice(0, -1)}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'malformed' });
    expect(jwks.seen.length).toBe(before);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const { app, logs } = await buildApp(env);
    const pem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const header = { alg: 'HS256', typ: 'JWT', kid: 'ehr-rs-1' };
    const payload = { iss: EHR, aud: `${BASE}/cds-services`, exp: NOW_S + 60, iat: NOW_S, jti: 'h1' };
    const unsigned = handMade(header, payload).slice(0, -1);
    const sig = createHmac('sha256', pem).update(unsigned).digest('base64url');
    await expect401(app, `Bearer ${unsigned}.${sig}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'alg-not-allowed' });
  });

  it('refuses a wrong aud, and the aud of another endpoint', async () => {
    const { app, logs } = await buildApp(env);
    await expect401(app, `Bearer ${await token({ aud: 'https://attacker.example/cds-services' })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'aud' });
    const forSelect = await token({ aud: `${BASE}/cds-services/order-select` });
    const res = await postHook(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json')).set(
      'Authorization',
      `Bearer ${forSelect}`,
    );
    expect(res.status).toBe(401);
    expect(lastFailure(logs)).toMatchObject({ reason: 'aud' });
    // The log line names what was received against what is accepted; the 401 body says nothing of it.
    expect(lastFailure(logs)!.detail).toBe(
      `aud "${BASE}/cds-services/order-select" is not this endpoint under an accepted base URL (accepted: ${BASE}/cds-services/order-sign, https://cds.internal.example.org/cds-services/order-sign; ` +
        'the EHR must register hookwise under one of PUBLIC_BASE_URLS)',
    );
    expect(JSON.stringify(res.body)).not.toMatch(/aud|order-select|accepted/);
  });

  it('names an untrusted issuer and the trusted ones in the log line', async () => {
    const { app, logs } = await buildApp(env);
    await expect401(app, `Bearer ${await token({ iss: 'https://unknown.example.org' })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'untrusted-issuer' });
    expect(String(lastFailure(logs)!.detail)).toMatch(
      /^iss "https:\/\/unknown\.example\.org" is not a trusted issuer \(trusted: /,
    );
  });

  it('never derives aud from the Host header', async () => {
    const { app } = await buildApp(env);
    const hostAud = await token({ aud: 'http://evil.example/cds-services' });
    await expect401(app, `Bearer ${hostAud}`).then(() => undefined);
    const res = await request(app)
      .get('/cds-services')
      .set('Host', 'evil.example')
      .set('Authorization', `Bearer ${await token({ aud: 'http://evil.example/cds-services' })}`);
    expect(res.status).toBe(401);
  });

  it('refuses an expired token and one issued in the future (beyond the skew)', async () => {
    const { app, logs } = await buildApp(env);
    await expect401(app, `Bearer ${await token({ iat: NOW_S - 600, exp: NOW_S - 60 })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'expired' });
    await expect401(app, `Bearer ${await token({ iat: NOW_S + 120, exp: NOW_S + 400 })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'iat-future' });
    // within the 30 s skew both pass
    await request(app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${await token({ iat: NOW_S + 20, exp: NOW_S - 20 })}`)
      .expect(200);
  });

  it('refuses a replayed jti', async () => {
    const { app, logs } = await buildApp(env);
    const t = await token({ jti: 'once-only' });
    await request(app).get('/cds-services').set('Authorization', `Bearer ${t}`).expect(200);
    await expect401(app, `Bearer ${t}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'replay', jti: 'once-only' });
  });

  it('refuses an unknown kid after one refresh of the JWKS, and does not refetch again within the cooldown', async () => {
    const { app, logs } = await buildApp(env);
    await request(app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    const before = jwks.seen.length;
    await expect401(app, `Bearer ${await token({}, { kid: 'rotated-away' })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'unknown-kid', kid: 'rotated-away' });
    await expect401(app, `Bearer ${await token({}, { kid: 'rotated-again' })}`);
    expect(jwks.seen.length - before).toBeLessThanOrEqual(1);
  });

  it('refuses a tampered payload and a token signed by another key with the same kid', async () => {
    const { app, logs } = await buildApp(env);
    const [h, , s] = (await token()).split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: EHR, aud: `${BASE}/cds-services`, exp: NOW_S + 3600, iat: NOW_S, jti: 't1', admin: true }),
    ).toString('base64url');
    await expect401(app, `Bearer ${h}.${forged}.${s}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'signature' });
    await expect401(app, `Bearer ${await token({}, {}, stranger)}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'signature' });
  });

  it('refuses an untrusted iss, and a wrong tenant', async () => {
    const { app, logs } = await buildApp(env);
    await expect401(app, `Bearer ${await token({ iss: 'https://unknown.example' })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'untrusted-issuer', iss: 'https://unknown.example' });
    const wrongTenant = await mint(
      ec,
      { iss: EPIC, aud: `${BASE}/cds-services`, tenant: 'hospital-b' },
      { jku: `${jkuServer.base}/tenants/b/jwks.json` },
      NOW_S,
    );
    await expect401(app, `Bearer ${wrongTenant}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'tenant' });
  });

  it('never fetches a jku that is not allow-listed for the issuer', async () => {
    const { app, logs } = await buildApp(env);
    const t = await mint(
      ec,
      { iss: EPIC, aud: `${BASE}/cds-services`, tenant: 'hospital-a' },
      { jku: `${evil.base}/jwks.json` },
      NOW_S,
    );
    await expect401(app, `Bearer ${t}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'jku-not-allowed' });
    const t2 = await token({}, { jku: `${evil.base}/jwks.json` }); // EHR has a jwksUrl: the jku is ignored, not fetched
    await request(app).get('/cds-services').set('Authorization', `Bearer ${t2}`).expect(200);
    expect(evil.seen).toHaveLength(0);
  });

  it('refuses a missing, malformed or oversized Authorization header, and a token without kid or typ', async () => {
    const { app, logs } = await buildApp(env);
    await expect401(app, undefined);
    expect(lastFailure(logs)).toMatchObject({ reason: 'missing' });
    await expect401(app, 'Basic dXNlcjpwYXNz');
    await expect401(app, 'Bearer ');
    await expect401(app, 'Bearer not-a-jwt');
    await expect401(app, `Bearer ${'a'.repeat(6000)}.${'b'.repeat(6000)}.c`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'too-large' });
    await expect401(app, `Bearer ${await token({}, { kid: undefined })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'no-kid' });
    await expect401(app, `Bearer ${await token({}, { typ: 'at+jwt' })}`);
    expect(lastFailure(logs)).toMatchObject({ reason: 'typ' });
  });

  it('guards the hook and feedback endpoints too, but not the CORS preflight', async () => {
    const { app } = await buildApp(env);
    expect(
      (await postHook(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json'))).status,
    ).toBe(401);
    const fb = await request(app)
      .post('/cds-services/order-sign/feedback')
      .set('content-type', 'application/json')
      .send('{}');
    expect(fb.status).toBe(401);
    const pre = await request(app)
      .options('/cds-services/order-sign')
      .set('Origin', 'https://x.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(pre.status).toBe(204);
    const feedbackToken = await token({ aud: `${BASE}/cds-services/order-sign/feedback` });
    const ok = await request(app)
      .post('/cds-services/order-sign/feedback')
      .set('Authorization', `Bearer ${feedbackToken}`)
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          feedback: [
            {
              card: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
              outcome: 'overridden',
              overrideReason: { reason: { code: 'x', system: 'https://example.com' } },
              outcomeTimestamp: '2026-11-23T12:00:00Z',
            },
          ],
        }),
      );
    expect(ok.status).toBe(200);
  });

  it('never logs the token, and never answers with detail', async () => {
    const { app, logs } = await buildApp(env);
    const t = await token({ aud: 'https://wrong.example/cds-services' });
    const res = await expect401(app, `Bearer ${t}`);
    expect(res.text).not.toContain('aud');
    const all = logs.lines.join('\n');
    expect(all).not.toContain(t);
    expect(all).not.toContain(t.split('.')[2]!);
  });
});

describe('profiles', () => {
  it('development: a call without a token is accepted with a warning; a bad token is still refused', async () => {
    const { app, logs } = await buildApp({});
    await request(app).get('/cds-services').expect(200);
    expect(
      logs
        .records()
        .some((r) => r.level === 'warn' && r.message === 'call without a JWT accepted (development profile)'),
    ).toBe(true);
    await expect401(app, 'Bearer a.b.c');
  });

  it('development trusts the CDS Hooks Sandbox with its shipped key: a real sandbox-signed token verifies', async () => {
    const sandboxToken = readFileSync(
      new URL('../../fixtures/tokens/sandbox-2020.jwt', import.meta.url),
      'utf8',
    ).trim();
    const { app, auth } = await buildApp(
      { PUBLIC_BASE_URLS: 'http://127.0.0.1:8000' },
      undefined,
      '2020-07-08T17:51:40Z',
    );
    expect(auth.issuers.has(SANDBOX_ISSUER)).toBe(true);
    await request(app).get('/cds-services').set('Authorization', `Bearer ${sandboxToken}`).expect(200);
    const wrongBase = await buildApp({ PUBLIC_BASE_URLS: 'http://127.0.0.1:9000' }, undefined, '2020-07-08T17:51:40Z');
    await expect401(wrongBase.app, `Bearer ${sandboxToken}`);
  });

  it('production does not trust the sandbox and refuses to start without a trusted issuer', async () => {
    const { auth } = await buildApp(env);
    expect(auth.issuers.has(SANDBOX_ISSUER)).toBe(false);
    expect(() => loadConfig({ ...env, TRUST_SANDBOX: 'true' })).toThrow(
      /^TRUST_SANDBOX="true" cannot be true in production/,
    );
    expect(() => loadConfig({ ...env, TRUSTED_ISSUERS_FILE: '' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, PUBLIC_BASE_URLS: '' })).toThrow(
      /^PUBLIC_BASE_URLS="" is required in production/,
    );
    expect(() => loadConfig({ ...env, FHIR_SERVER_ALLOWLIST: '' })).toThrow(
      /^FHIR_SERVER_ALLOWLIST="" is required in production/,
    );
  });

  it('a trust file that is not valid stops the start with a line naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-trust-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ iss: 'https://x.example' }]));
    await expect(buildApp({ ...env, TRUSTED_ISSUERS_FILE: bad })).rejects.toThrow(
      /^TRUSTED_ISSUERS_FILE=.*needs a key source/,
    );
    writeFileSync(bad, '{nope');
    await expect(buildApp({ ...env, TRUSTED_ISSUERS_FILE: bad })).rejects.toThrow(
      /^TRUSTED_ISSUERS_FILE=.*cannot be read as JSON/,
    );
  });
});
