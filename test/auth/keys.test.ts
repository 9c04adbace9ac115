import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
} from 'jose';
import { KeyLoadError, loadPrivateKey, publicJwks } from '../../src/auth/keys.js';

let dir: string;
const secrets: string[] = [];

async function write(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function keyFiles(alg: 'RS384' | 'ES384' | 'ES256', name: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const jwk = await exportJWK(privateKey);
  secrets.push(pem, jwk.d!);
  return {
    pem: await write(`${name}.pem`, pem),
    jwk: await write(`${name}.jwk.json`, JSON.stringify(jwk)),
    jwkValue: jwk,
    publicKey,
    spki: await exportSPKI(publicKey),
  };
}

/** The load fails with a KeyLoadError naming the file, and without any of the key's secrets in it. */
async function failure(path: string, options?: Parameters<typeof loadPrivateKey>[1]): Promise<KeyLoadError> {
  const error = await loadPrivateKey(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyLoadError);
  const e = error as KeyLoadError;
  expect(e.message).toContain(path);
  expect(e.file).toBe(path);
  for (const secret of secrets) {
    const material = secret.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    for (let at = 0; at + 16 <= material.length; at += 16) expect(String(e)).not.toContain(material.slice(at, at + 16));
  }
  return e;
}

let rsa: Awaited<ReturnType<typeof keyFiles>>;
let ec: Awaited<ReturnType<typeof keyFiles>>;
let p256: Awaited<ReturnType<typeof keyFiles>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookwise-keys-'));
  rsa = await keyFiles('RS384', 'rsa');
  ec = await keyFiles('ES384', 'ec');
  p256 = await keyFiles('ES256', 'p256');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function signsVerifiably(key: Awaited<ReturnType<typeof loadPrivateKey>>): Promise<void> {
  const jwt = await new SignJWT({ x: 1 }).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
  const verified = await compactVerify(jwt, await importJWK(key.publicJwk, key.alg));
  expect(verified.protectedHeader).toMatchObject({ alg: key.alg, kid: key.kid });
}

describe('loadPrivateKey', () => {
  it('reads an RSA PKCS#8 PEM: RS384, kid = RFC 7638 thumbprint, public JWK with n/e only', async () => {
    const key = await loadPrivateKey(rsa.pem);
    expect(key.alg).toBe('RS384');
    expect(key.kid).toBe(await calculateJwkThumbprint(await exportJWK(rsa.publicKey)));
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS384', use: 'sig', kid: key.kid });
    expect(key.privateKey.extractable).toBe(false);
    await signsVerifiably(key);
  });

  it('reads an EC P-384 PKCS#8 PEM: ES384, public JWK with crv/x/y only', async () => {
    const key = await loadPrivateKey(ec.pem, { kid: 'hookwise-2026' });
    expect(key.alg).toBe('ES384');
    expect(key.kid).toBe('hookwise-2026');
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig', kid: 'hookwise-2026' });
    await signsVerifiably(key);
  });

  it('reads private JWK files (RSA and EC), the same key as the PEM', async () => {
    const fromJwk = await loadPrivateKey(rsa.jwk);
    const fromPem = await loadPrivateKey(rsa.pem);
    expect(fromJwk.alg).toBe('RS384');
    expect(fromJwk.publicJwk).toEqual(fromPem.publicJwk);
    await signsVerifiably(fromJwk);
    const ecKey = await loadPrivateKey(ec.jwk, { alg: 'ES384' });
    expect(ecKey.alg).toBe('ES384');
    await signsVerifiably(ecKey);
  });

  it("takes the JWK's own kid (over options.kid), and accepts its alg and use when they fit", async () => {
    const path = await write(
      'kid.jwk.json',
      JSON.stringify({ ...ec.jwkValue, kid: 'from-file', alg: 'ES384', use: 'sig' }),
    );
    const key = await loadPrivateKey(path, { kid: 'from-options' });
    expect(key.kid).toBe('from-file');
    expect(key.publicJwk.kid).toBe('from-file');
  });

  it('accepts a JWK Set file holding exactly one key', async () => {
    const path = await write('set.json', JSON.stringify({ keys: [ec.jwkValue] }));
    expect((await loadPrivateKey(path)).alg).toBe('ES384');
  });

  it('an EC P-256 key is refused, naming the file and why (PEM and JWK)', async () => {
    expect((await failure(p256.pem)).message).toMatch(/P-256.*P-384/);
    expect((await failure(p256.jwk)).message).toMatch(/P-256/);
  });

  it('an alg that does not fit the key is refused', async () => {
    expect((await failure(rsa.pem, { alg: 'ES384' })).message).toMatch(/ES384/);
    expect((await failure(ec.jwk, { alg: 'RS384' })).message).toMatch(/RS384/);
    const path = await write('rs256.jwk.json', JSON.stringify({ ...rsa.jwkValue, alg: 'RS256' }));
    expect((await failure(path)).message).toMatch(/RS256/);
  });

  it('bad files: missing, not a key, public only, garbled JSON, public JWK, encrypted, other key types', async () => {
    expect((await failure(join(dir, 'missing.pem'))).message).toMatch(/cannot be read \(ENOENT\)/);
    expect((await failure(await write('text.txt', 'hello world'))).message).toMatch(/neither a PEM/);
    expect((await failure(await write('public.pem', rsa.spki))).message).toMatch(/no private key/);
    const garbled = await write('garbled.json', `{"kty":"RSA","d":"${rsa.jwkValue.d}"`);
    const e = await failure(garbled);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).not.toContain(rsa.jwkValue.d!);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = rsa.jwkValue;
    expect((await failure(await write('pub.jwk.json', JSON.stringify(pub)))).message).toMatch(/no "d"/);
    expect(
      (
        await failure(
          await write('enc.pem', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n'),
        )
      ).message,
    ).toMatch(/encrypted/);
    expect(
      (await failure(await write('bad.pem', '-----BEGIN PRIVATE KEY-----\nnotbase64!!\n-----END PRIVATE KEY-----\n')))
        .message,
    ).toMatch(/could not be parsed/);
    expect((await failure(await write('oct.json', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' })))).message).toMatch(
      /oct is not supported/,
    );
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    expect((await failure(await write('ed.pem', await exportPKCS8(ed.privateKey)))).message).toMatch(/not supported/);
    expect(
      (await failure(await write('two.json', JSON.stringify({ keys: [ec.jwkValue, ec.jwkValue] })))).message,
    ).toMatch(/2 keys/);
  });
});

describe('publicJwks', () => {
  it('publishes public members only (no d, p, q, dp, dq, qi), one per key', async () => {
    const keys = [await loadPrivateKey(rsa.pem), await loadPrivateKey(ec.jwk, { kid: 'ec-1' })];
    const set = publicJwks(keys);
    expect(set.keys).toHaveLength(2);
    for (const jwk of set.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) expect(jwk).not.toHaveProperty(member);
      expect(jwk.use).toBe('sig');
    }
    expect(set.keys.map((k) => k.kid)).toEqual([keys[0]!.kid, 'ec-1']);
    const text = JSON.stringify(set);
    expect(text).not.toContain(rsa.jwkValue.d!);
    expect(text).not.toContain(ec.jwkValue.d!);
    // Each published key verifies what its private key signs.
    for (const key of keys) await signsVerifiably({ ...key, publicJwk: set.keys.find((k) => k.kid === key.kid)! });
  });

  it('refuses two keys with the same kid', async () => {
    const a = await loadPrivateKey(ec.pem, { kid: 'same' });
    const b = await loadPrivateKey(rsa.pem, { kid: 'same' });
    expect(() => publicJwks([a, b])).toThrow(/same/);
  });
});
