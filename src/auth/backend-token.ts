// SMART Backend Services: the service's own access tokens for a FHIR server, by client_credentials with a
// private_key_jwt assertion (SMART App Launch 2.2 backend-services; spec notes §5).
// - Discovery: GET {fhirServer}/.well-known/smart-configuration, cached per server for an hour.
// - One signed assertion per token request (RS384/ES384, kid, typ JWT, iss = sub = client_id, aud = token
//   endpoint, exp ≤ now + 300 s, unique jti).
// - Tokens are cached per (server, client, requested scopes) until expiry minus a skew; concurrent callers share
//   one request (single-flight). A failure is never cached. A caller's AbortSignal ends only that caller's wait;
//   the shared request is cancelled only when every caller waiting on it has gone.
// - Redirects are never followed (redirect: 'manual'), for discovery and token requests alike: a 3xx fails.
// Errors carry a reason and an HTTP status, never a token, an assertion or key material.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './keys.js';
import { isObject } from '../json.js';
import { normalizeServer } from '../util/fhir-base.js';

export interface BackendCredential {
  fhirServer: string;
  clientId: string;
  key: SigningKey;
  /** Overrides the token_endpoint found by discovery. */
  tokenEndpoint?: string;
}

export interface BackendToken {
  accessToken: string;
  /** The scope granted (as the server answered it, else the scope requested). */
  scope: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export type BackendTokenFailure = 'discovery' | 'token-endpoint' | 'invalid-response' | 'aborted' | 'no-credential';

export class BackendTokenError extends Error {
  override name = 'BackendTokenError';
  constructor(
    readonly reason: BackendTokenFailure,
    readonly status?: number,
    /** A fixed description, or the OAuth `error` code the server answered: never content from a token or key. */
    readonly detail?: string,
  ) {
    super(`SMART backend token: ${reason}${status !== undefined ? ` ${status}` : ''}${detail ? ` (${detail})` : ''}`);
  }
}

export interface BackendTokenOptions {
  /** ms since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
  /** A cached token is renewed this long before it expires (at most half its lifetime). Default 60. */
  refreshSkewSeconds?: number;
  /** exp − iat of each assertion. Default 300, at most 300. */
  assertionLifetimeSeconds?: number;
  /** How long a smart-configuration is reused. Default 3600. */
  discoveryTtlSeconds?: number;
}

export interface ScopeRequest {
  v1: string[];
  v2: string[];
}

interface Discovery {
  tokenEndpoint: string;
  v2: boolean;
}

interface CachedDiscovery {
  tokenEndpoint?: string;
  capabilities: string[];
  signingAlgs?: string[];
  until: number;
}

interface CachedToken {
  token: BackendToken;
  refreshAt: number;
}

interface Flight {
  promise: Promise<BackendToken>;
  controller: AbortController;
  waiters: number;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEFAULT_EXPIRES_IN = 300;
const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export class BackendTokenProvider {
  private readonly credentials = new Map<string, BackendCredential>();
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly skewMs: number;
  private readonly assertionLifetime: number;
  private readonly discoveryTtlMs: number;
  private readonly discoveries = new Map<string, CachedDiscovery>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly flights = new Map<string, Flight>();

  constructor(credentials: BackendCredential[], options: BackendTokenOptions = {}) {
    for (const credential of credentials) {
      const server = normalizeServer(credential.fhirServer);
      if (this.credentials.has(server)) {
        throw new Error(`two backend credentials are configured for the FHIR server ${server}`);
      }
      if (credential.tokenEndpoint !== undefined && !isHttpUrl(credential.tokenEndpoint)) {
        throw new Error(`the token endpoint configured for the FHIR server ${server} is not an absolute http(s) URL`);
      }
      this.credentials.set(server, credential);
    }
    const lifetime = options.assertionLifetimeSeconds ?? 300;
    if (!(lifetime > 0 && lifetime <= 300))
      throw new RangeError('assertionLifetimeSeconds must be more than 0 and at most 300');
    const skew = options.refreshSkewSeconds ?? 60;
    if (!(skew >= 0)) throw new RangeError('refreshSkewSeconds must be 0 or more');
    this.now = options.now ?? Date.now;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => fetchImpl(input, init);
    this.skewMs = skew * 1000;
    this.assertionLifetime = Math.floor(lifetime);
    this.discoveryTtlMs = (options.discoveryTtlSeconds ?? 3600) * 1000;
  }

  /** The credential configured for this fhirServer (normalized base URLs). */
  has(fhirServer: string): boolean {
    return this.credentials.has(normalizeServer(fhirServer));
  }

  /**
   * A token for exactly these scopes: v2 when the server advertises permission-v2, else v1. Cached until
   * expiresAt − skew; concurrent callers share one request. `signal` ends this caller's wait only.
   */
  getToken(fhirServer: string, scopes: ScopeRequest, signal: AbortSignal): Promise<BackendToken> {
    const server = normalizeServer(fhirServer);
    const credential = this.credentials.get(server);
    if (!credential) return Promise.reject(new BackendTokenError('no-credential'));
    if (signal.aborted) return Promise.reject(new BackendTokenError('aborted'));
    if (scopes.v1.length === 0 && scopes.v2.length === 0) {
      return Promise.reject(new TypeError('getToken needs at least one scope'));
    }
    const key = this.cacheKey(server, credential, scopes);
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.refreshAt) return Promise.resolve(cached.token);

    let flight = this.flights.get(key);
    if (!flight) flight = this.startFlight(key, server, credential, scopes);
    const joined = flight;
    joined.waiters += 1;

    return new Promise<BackendToken>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        joined.waiters -= 1;
        if (joined.waiters === 0 && this.flights.get(key) === joined) {
          // Nobody waits any more: cancel the request so a hanging endpoint does not hold the slot forever.
          this.flights.delete(key);
          joined.controller.abort();
        }
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        leave();
        reject(new BackendTokenError('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          joined.waiters -= 1;
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          joined.waiters -= 1;
          reject(error);
        },
      );
    });
  }

  /**
   * Drops the cached token for these scopes (after a 401 from the FHIR server), so the next getToken fetches
   * a new one. With `accessToken`, drops it only if it is still the cached one (a newer token is kept).
   */
  invalidate(fhirServer: string, scopes: ScopeRequest, accessToken?: string): void {
    const server = normalizeServer(fhirServer);
    const credential = this.credentials.get(server);
    if (!credential) return;
    const key = this.cacheKey(server, credential, scopes);
    const cached = this.tokens.get(key);
    if (cached && (accessToken === undefined || cached.token.accessToken === accessToken)) this.tokens.delete(key);
  }

  private cacheKey(server: string, credential: BackendCredential, scopes: ScopeRequest): string {
    return JSON.stringify([server, credential.clientId, scopes.v1.join(' '), scopes.v2.join(' ')]);
  }

  private startFlight(key: string, server: string, credential: BackendCredential, scopes: ScopeRequest): Flight {
    const controller = new AbortController();
    const promise = this.fetchToken(server, credential, scopes, controller.signal).then(
      (token) => {
        if (this.flights.get(key) === flight) {
          const lifetime = token.expiresAt - this.now();
          this.tokens.set(key, {
            token,
            refreshAt: token.expiresAt - Math.min(this.skewMs, Math.max(0, lifetime / 2)),
          });
          this.flights.delete(key);
        }
        return token;
      },
      (error: unknown) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        throw error;
      },
    );
    // When every waiter has aborted, nobody handles the rejection: keep it from being reported as unhandled.
    promise.catch(() => undefined);
    const flight: Flight = { promise, controller, waiters: 0 };
    this.flights.set(key, flight);
    return flight;
  }

  private async fetchToken(
    server: string,
    credential: BackendCredential,
    scopes: ScopeRequest,
    signal: AbortSignal,
  ): Promise<BackendToken> {
    const discovery = await this.discover(server, credential, signal);
    const useV2 = (discovery.v2 && scopes.v2.length > 0) || scopes.v1.length === 0;
    const scope = (useV2 ? scopes.v2 : scopes.v1).join(' ');
    const assertion = await this.sign(credential, discovery.tokenEndpoint);

    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    });
    const sentAt = this.now();
    let response: Response;
    try {
      response = await this.fetchImpl(discovery.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal,
        cache: 'no-store',
        // Never followed: a 3xx is a failed token request (the assertion goes to the token endpoint only).
        redirect: 'manual',
      });
    } catch {
      if (signal.aborted) throw new BackendTokenError('aborted');
      throw new BackendTokenError('token-endpoint', undefined, 'unreachable');
    }
    let json: unknown;
    try {
      json = JSON.parse(await response.text());
    } catch {
      if (signal.aborted) throw new BackendTokenError('aborted');
      json = undefined;
    }
    if (!response.ok) {
      const code =
        isObject(json) && typeof json.error === 'string' && OAUTH_ERROR_CODE.test(json.error) ? json.error : undefined;
      throw new BackendTokenError('token-endpoint', response.status, code);
    }
    if (!isObject(json)) throw new BackendTokenError('invalid-response', response.status, 'not a JSON object');
    const accessToken = json.access_token;
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw new BackendTokenError('invalid-response', response.status, 'no access_token');
    }
    if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') {
      throw new BackendTokenError('invalid-response', response.status, 'token_type is not bearer');
    }
    let expiresIn = DEFAULT_EXPIRES_IN;
    if (json.expires_in !== undefined && json.expires_in !== null) {
      const value =
        typeof json.expires_in === 'string' && json.expires_in.trim() !== ''
          ? Number(json.expires_in)
          : json.expires_in;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new BackendTokenError('invalid-response', response.status, 'expires_in is not a positive number');
      }
      expiresIn = value;
    }
    let granted = scope;
    if (json.scope !== undefined && json.scope !== null) {
      if (typeof json.scope !== 'string')
        throw new BackendTokenError('invalid-response', response.status, 'scope is not a string');
      granted = json.scope;
    }
    return { accessToken, scope: granted, expiresAt: sentAt + expiresIn * 1000 };
  }

  private async sign(credential: BackendCredential, tokenEndpoint: string): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    try {
      return await new SignJWT({})
        .setProtectedHeader({ alg: credential.key.alg, kid: credential.key.kid, typ: 'JWT' })
        .setIssuer(credential.clientId)
        .setSubject(credential.clientId)
        .setAudience(tokenEndpoint)
        .setIssuedAt(iat)
        .setExpirationTime(iat + this.assertionLifetime)
        .setJti(randomUUID())
        .sign(credential.key.privateKey);
    } catch {
      throw new BackendTokenError('no-credential', undefined, 'the client assertion could not be signed');
    }
  }

  private async discover(server: string, credential: BackendCredential, signal: AbortSignal): Promise<Discovery> {
    const cached = this.discoveries.get(server);
    let config: CachedDiscovery;
    if (cached && this.now() < cached.until) {
      config = cached;
    } else {
      try {
        config = await this.readConfiguration(server, signal);
      } catch (error) {
        if (error instanceof BackendTokenError && error.reason === 'aborted') throw error;
        // A configured token endpoint does without discovery: request v1 scopes (every server takes them).
        if (credential.tokenEndpoint) return { tokenEndpoint: credential.tokenEndpoint, v2: false };
        throw error;
      }
    }
    if (config.signingAlgs && !config.signingAlgs.includes(credential.key.alg)) {
      throw new BackendTokenError(
        'discovery',
        undefined,
        `the server does not accept ${credential.key.alg} assertions`,
      );
    }
    const tokenEndpoint = credential.tokenEndpoint ?? config.tokenEndpoint;
    if (!tokenEndpoint) throw new BackendTokenError('discovery', undefined, 'no token_endpoint');
    // Only a usable configuration is kept: a failure is never cached.
    this.discoveries.set(server, config);
    return { tokenEndpoint, v2: config.capabilities.includes('permission-v2') };
  }

  private async readConfiguration(server: string, signal: AbortSignal): Promise<CachedDiscovery> {
    const base = server.replace(/\/+$/, '');
    let response: Response;
    try {
      response = await this.fetchImpl(`${base}/.well-known/smart-configuration`, {
        headers: { accept: 'application/json' },
        signal,
        // Never followed: a redirected configuration could name any token endpoint. A 3xx is a discovery failure.
        redirect: 'manual',
      });
    } catch {
      if (signal.aborted) throw new BackendTokenError('aborted');
      throw new BackendTokenError('discovery', undefined, 'unreachable');
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new BackendTokenError('discovery', response.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(await response.text());
    } catch {
      if (signal.aborted) throw new BackendTokenError('aborted');
      throw new BackendTokenError('discovery', response.status, 'not JSON');
    }
    if (!isObject(json)) throw new BackendTokenError('discovery', response.status, 'not a JSON object');
    let tokenEndpoint: string | undefined;
    if (typeof json.token_endpoint === 'string' && json.token_endpoint.length > 0) {
      try {
        tokenEndpoint = new URL(json.token_endpoint, `${base}/`).href;
      } catch {
        tokenEndpoint = undefined;
      }
      if (tokenEndpoint && !isHttpUrl(tokenEndpoint)) tokenEndpoint = undefined;
    }
    const config: CachedDiscovery = {
      capabilities: stringArray(json.capabilities) ?? [],
      until: this.now() + this.discoveryTtlMs,
    };
    if (tokenEndpoint) config.tokenEndpoint = tokenEndpoint;
    const algs = stringArray(json.token_endpoint_auth_signing_alg_values_supported);
    if (algs) config.signingAlgs = algs;
    return config;
  }
}
