// The service's own signing keys for SMART Backend Services (private_key_jwt): loaded from a PEM private key
// (PKCS#8; PKCS#1 and SEC1 are read too) or a private JWK JSON file, and published as a public JWK Set.
// SMART requires RS384 or ES384, so only RSA keys (RS384) and EC P-384 keys (ES384) are accepted.
// Errors name the file and what is wrong with it, never any of its content.
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import { isObject } from '../json.js';

export type SigningAlg = 'RS384' | 'ES384';

export interface SigningKey {
  alg: SigningAlg;
  kid: string;
  /** Not extractable. */
  privateKey: CryptoKey;
  /** kty, kid, alg, use: 'sig', and n/e (RSA) or crv/x/y (EC): never a private member. */
  publicJwk: JWK;
}

export interface LoadKeyOptions {
  alg?: SigningAlg;
  /** Used when the file itself names no kid (a JWK's own kid wins); else the RFC 7638 thumbprint. */
  kid?: string;
}

export class KeyLoadError extends Error {
  override name = 'KeyLoadError';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`signing key ${JSON.stringify(file)}: ${why}`);
  }
}

const MIN_RSA_BITS = 2048;

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The private JWK in a PEM file, or a KeyLoadError saying why there is none. Never echoes the content. */
function jwkFromPem(path: string, text: string): Record<string, unknown> {
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new KeyLoadError(path, 'the PEM private key is encrypted; give an unencrypted PKCS#8 key');
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new KeyLoadError(path, 'the PEM file holds no private key (a public key or certificate is not enough)');
  }
  let exported: unknown;
  try {
    const keyObject = createPrivateKey({ key: text, format: 'pem' });
    const type = keyObject.asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ec') {
      throw new KeyLoadError(path, `key type ${String(type)} is not supported; use RSA (RS384) or EC P-384 (ES384)`);
    }
    exported = keyObject.export({ format: 'jwk' });
  } catch (error) {
    if (error instanceof KeyLoadError) throw error;
    throw new KeyLoadError(path, 'the PEM private key could not be parsed');
  }
  if (!isObject(exported)) throw new KeyLoadError(path, 'the PEM private key could not be converted');
  return exported;
}

/** A single private JWK from a JSON file (a JWK Set holding exactly one key is accepted too). */
function jwkFromJson(path: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the content: never pass it on.
    throw new KeyLoadError(path, 'the file is not valid JSON');
  }
  if (isObject(parsed) && Array.isArray(parsed.keys)) {
    if (parsed.keys.length !== 1) {
      throw new KeyLoadError(
        path,
        `the JWK Set holds ${parsed.keys.length} keys; give a file with exactly one private key`,
      );
    }
    parsed = parsed.keys[0];
  }
  if (!isObject(parsed)) throw new KeyLoadError(path, 'the JSON is not a JWK object');
  return parsed;
}

function inferAlg(path: string, jwk: Record<string, unknown>, wanted: SigningAlg | undefined): SigningAlg {
  const kty = jwk.kty;
  let alg: SigningAlg;
  if (kty === 'RSA') {
    for (const member of ['n', 'e'] as const) {
      if (!nonEmptyString(jwk[member])) throw new KeyLoadError(path, `the RSA JWK has no "${member}" member`);
    }
    alg = 'RS384';
  } else if (kty === 'EC') {
    const crv = jwk.crv;
    if (crv === 'P-256') {
      throw new KeyLoadError(
        path,
        'the key is EC P-256; ES384 (SMART Backend Services) needs an EC P-384 key, or use an RSA key (RS384)',
      );
    }
    if (crv !== 'P-384') {
      throw new KeyLoadError(
        path,
        `EC curve ${typeof crv === 'string' ? crv : '(none)'} is not supported; ES384 needs P-384`,
      );
    }
    for (const member of ['x', 'y'] as const) {
      if (!nonEmptyString(jwk[member])) throw new KeyLoadError(path, `the EC JWK has no "${member}" member`);
    }
    alg = 'ES384';
  } else {
    throw new KeyLoadError(
      path,
      `key type ${typeof kty === 'string' ? kty : '(none)'} is not supported; use RSA (RS384) or EC P-384 (ES384)`,
    );
  }
  if (wanted && wanted !== alg) {
    throw new KeyLoadError(path, `alg ${wanted} was asked for, but the key is ${kty} and signs ${alg}`);
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new KeyLoadError(
      path,
      `the JWK declares alg ${typeof jwk.alg === 'string' ? jwk.alg : '(not a string)'}; only ${alg} fits this key (set it or remove it)`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new KeyLoadError(path, 'the JWK is not a signing key (its "use" is not "sig")');
  }
  return alg;
}

function rsaBits(n: string): number {
  return Buffer.from(n, 'base64url').length * 8;
}

function publicMembers(jwk: Record<string, unknown>): JWK {
  return jwk.kty === 'RSA'
    ? { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }
    : { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string };
}

/**
 * Loads a private signing key from a PEM (PKCS#8) or private-JWK JSON file. alg is inferred from the key type
 * (RSA → RS384, EC P-384 → ES384) when not given; kid is the JWK's own, else options.kid, else the RFC 7638
 * thumbprint (SHA-256) of the public key.
 */
export async function loadPrivateKey(path: string, options: LoadKeyOptions = {}): Promise<SigningKey> {
  if (options.alg !== undefined && options.alg !== 'RS384' && options.alg !== 'ES384') {
    throw new KeyLoadError(path, `alg ${String(options.alg)} is not supported; use RS384 or ES384`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new KeyLoadError(path, `the file cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  const trimmed = text.trim();
  let jwk: Record<string, unknown>;
  if (trimmed.startsWith('-----BEGIN')) jwk = jwkFromPem(path, trimmed);
  else if (trimmed.startsWith('{')) jwk = jwkFromJson(path, trimmed);
  else throw new KeyLoadError(path, 'the file is neither a PEM private key nor a JWK JSON file');

  const alg = inferAlg(path, jwk, options.alg);
  if (!nonEmptyString(jwk.d)) throw new KeyLoadError(path, 'the JWK holds no private key (no "d" member)');
  if (alg === 'RS384' && rsaBits(jwk.n as string) < MIN_RSA_BITS) {
    throw new KeyLoadError(path, `the RSA key is shorter than ${MIN_RSA_BITS} bits`);
  }

  const pub = publicMembers(jwk);
  const kid = nonEmptyString(jwk.kid)
    ? jwk.kid
    : nonEmptyString(options.kid)
      ? options.kid
      : await calculateJwkThumbprint(pub, 'sha256');

  // Import only the key members: WebCrypto checks alg/use/key_ops against the algorithm, and they were checked above.
  const { alg: _alg, use: _use, key_ops: _ops, kid: _kid, ext: _ext, ...material } = jwk;
  let privateKey: CryptoKey;
  try {
    const imported = await importJWK(material as JWK, alg, { extractable: false });
    if (imported instanceof Uint8Array) throw new Error('symmetric');
    privateKey = imported;
  } catch {
    throw new KeyLoadError(
      path,
      `the ${alg} private key could not be imported (inconsistent or incomplete key members)`,
    );
  }

  const publicJwk: JWK = { kty: pub.kty, kid, alg, use: 'sig' };
  if (pub.kty === 'RSA') Object.assign(publicJwk, { n: pub.n, e: pub.e });
  else Object.assign(publicJwk, { crv: pub.crv, x: pub.x, y: pub.y });
  return { alg, kid, privateKey, publicJwk };
}

/** The JWK Set to publish at GET /.well-known/jwks.json: public members only, kids unique. */
export function publicJwks(keys: SigningKey[]): { keys: JWK[] } {
  const seen = new Set<string>();
  const out: JWK[] = [];
  for (const key of keys) {
    if (seen.has(key.kid))
      throw new Error(
        `two signing keys share the kid ${JSON.stringify(key.kid)}; each kid must be unique in the JWK Set`,
      );
    seen.add(key.kid);
    const jwk = key.publicJwk;
    const copy: JWK = { kty: jwk.kty, kid: key.kid, alg: key.alg, use: 'sig' };
    if (jwk.kty === 'RSA') Object.assign(copy, { n: jwk.n, e: jwk.e });
    else Object.assign(copy, { crv: jwk.crv, x: jwk.x, y: jwk.y });
    out.push(copy);
  }
  return { keys: out };
}
