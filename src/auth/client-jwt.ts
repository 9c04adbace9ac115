// Verifies the EHR's JWT on every call to /cds-services… (discovery, hooks, feedback) — CDS Hooks 2.0, Trusting CDS Clients (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients).
// The algorithm is checked against the allow-list before any key lookup (never none, never HMAC); the issuer
// must be trusted; aud must be this endpoint under a configured public base URL; exp, iat (with skew), jti
// (once only) and tenant are checked. Any failure: 401 with no detail (WWW-Authenticate: `Bearer` when no
// credentials were sent, `Bearer error="invalid_token"` for a refused token), and a log line with the reason, iss, kid
// and jti — never the token. A token that is present is always verified, in every profile.
import type { RequestHandler } from 'express';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JwtAlgorithm } from '../config.js';
import { errorFields, type Logger } from '../log.js';
import { within } from '../util/within.js';
import { TRAILING_SLASHES } from '../util/fhir-base.js';
import type { ReplayStore } from '../store/replay-store.js';
import { KeySourceError, type TrustedIssuer } from './trusted-issuers.js';

export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'too-large'
  | 'alg-not-allowed'
  | 'typ'
  | 'no-kid'
  | 'untrusted-issuer'
  | 'jku-not-allowed'
  | 'no-key-source'
  | 'unknown-kid'
  | 'keys-unavailable'
  | 'signature'
  | 'aud'
  | 'expired'
  | 'iat-future'
  | 'claims'
  | 'tenant'
  | 'replay'
  | 'invalid'
  /** Not a refusal: the replay store could not answer, and the token was accepted without that check. */
  | 'replay-unchecked';

export interface ClientAuthOptions {
  issuers: Map<string, TrustedIssuer>;
  algorithms: JwtAlgorithm[];
  skewS: number;
  maxBytes: number;
  replay: ReplayStore;
  /** Production: a call without a token is refused. Development: allowed, with a warning. */
  requireToken: boolean;
  logger: Logger;
  now?: () => number;
  /** Called with the reason of every refused token, and on 'replay-unchecked' (metrics); never with the token or its claims. */
  onFailure?: (reason: AuthFailure) => void;
}

export interface ClientIdentity {
  iss: string;
  tenant?: string;
}

// The auth scheme is case-insensitive (RFC 7235).
const TOKEN = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

class AuthError extends Error {
  constructor(readonly reason: AuthFailure) {
    super(reason);
  }
}

/** The log's explanation of a refusal: what the token carried against what hookwise accepts (no secret in it). */
function explain(
  reason: AuthFailure,
  claims: { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown },
  accepted: { audience?: string[]; issuers: string[]; algorithms: string[] },
): string | undefined {
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');
  switch (reason) {
    case 'missing':
      return 'no Authorization header; production needs a JWT from a trusted issuer';
    case 'malformed':
      return 'the Authorization header is not "Bearer <JWT>"';
    case 'alg-not-allowed':
      return `alg is not on JWT_ALGORITHMS (${list(accepted.algorithms)})`;
    case 'untrusted-issuer':
      return `iss ${JSON.stringify(short(claims.iss) ?? null)} is not a trusted issuer (trusted: ${list(accepted.issuers)})`;
    case 'aud': {
      const aud = Array.isArray(claims.aud) ? claims.aud.map((a) => short(a)).join(', ') : short(claims.aud);
      return (
        `aud ${JSON.stringify(aud ?? null)} is not this endpoint under an accepted base URL (accepted: ${list(accepted.audience ?? [])}; ` +
        'the EHR must register hookwise under one of PUBLIC_BASE_URLS)'
      );
    }
    case 'expired':
      return typeof claims.exp === 'number'
        ? `exp ${new Date(claims.exp * 1000).toISOString()} has passed`
        : 'the token has expired';
    case 'iat-future':
      return typeof claims.iat === 'number'
        ? `iat ${new Date(claims.iat * 1000).toISOString()} is in the future`
        : 'iat is missing or in the future';
    case 'unknown-kid':
      return "kid is not among the issuer's keys";
    case 'signature':
      return "the signature does not verify with the issuer's keys";
    case 'replay':
      return 'this jti was already used';
    default:
      return undefined;
  }
}

function short(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 200) : undefined;
}

function reasonOf(error: unknown): AuthFailure {
  if (error instanceof AuthError || error instanceof KeySourceError) return error.reason;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown-kid';
  if (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID')
  )
    return 'keys-unavailable';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'aud';
    if (error.claim === 'iat') return 'iat-future';
    return 'claims';
  }
  if (error instanceof TypeError || (error as { code?: string }).code === 'ECONNREFUSED') return 'keys-unavailable';
  return 'invalid';
}

/**
 * The WWW-Authenticate challenge (RFC 6750 §3.1): a request without credentials (no Authorization header, another
 * scheme, or an empty Bearer) gets `Bearer` without an error code; a Bearer token that was refused gets
 * `error="invalid_token"`. Never a description: the reason is in the log only.
 */
export function challenge(authorization: string | undefined): string {
  return authorization !== undefined && BEARER_CREDENTIALS.test(authorization)
    ? 'Bearer error="invalid_token"'
    : 'Bearer';
}
const BEARER_CREDENTIALS = /^bearer\s+\S/i;

/** How long the replay check may take before the call goes on without it. */
const REPLAY_CHECK_MS = 1000;

/**
 * Whether this is the token's first use. When the store cannot tell (down, or slower than REPLAY_CHECK_MS), the
 * token, already verified for signature, issuer, audience and expiry, is accepted and an error is logged: a
 * ledger outage must not turn every hook call into a 401 the EHR has to handle. The risk accepted is the
 * replay of a signed, unexpired token (minutes) during the outage.
 */
async function firstUse(
  options: ClientAuthOptions,
  key: string,
  expiresAtMs: number,
  requestId?: string,
): Promise<boolean> {
  try {
    return await within(
      options.replay.firstSeen(key, expiresAtMs),
      REPLAY_CHECK_MS,
      () => new Error(`replay check took over ${REPLAY_CHECK_MS} ms`),
    );
  } catch (error) {
    options.logger.error('JWT replay check unavailable; token accepted without it', {
      requestId,
      ...errorFields(error),
    });
    options.onFailure?.('replay-unchecked');
    return true;
  }
}

export function clientAuth(options: ClientAuthOptions): RequestHandler {
  const now = options.now ?? Date.now;
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const requestId = (res.locals as { requestId?: string }).requestId;
    const header = req.get('authorization');
    let iss: string | undefined;
    let kid: string | undefined;
    let jti: string | undefined;
    let claimsSeen: { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown } = {};
    let audienceAccepted: string[] | undefined;
    try {
      if (header === undefined) {
        if (options.requireToken) throw new AuthError('missing');
        options.logger.warn('call without a JWT accepted (development profile)', {
          requestId,
          route: req.originalUrl.split('?')[0],
        });
        return next();
      }
      if (header.length > options.maxBytes) throw new AuthError('too-large');
      const token = TOKEN.exec(header)?.[1];
      if (!token) throw new AuthError('malformed');
      let protectedHeader;
      let claims;
      try {
        protectedHeader = decodeProtectedHeader(token);
        claims = decodeJwt(token);
      } catch {
        throw new AuthError('malformed');
      }
      claimsSeen = claims;
      kid = short(protectedHeader.kid);
      iss = short(claims.iss);
      jti = short(claims.jti);
      // Before any key lookup: the algorithm (none and HMAC never pass), typ and kid.
      if (!options.algorithms.includes(protectedHeader.alg as JwtAlgorithm)) throw new AuthError('alg-not-allowed');
      if (typeof protectedHeader.typ !== 'string' || protectedHeader.typ.toUpperCase() !== 'JWT')
        throw new AuthError('typ');
      if (!kid) throw new AuthError('no-kid');
      const trust = typeof claims.iss === 'string' ? options.issuers.get(claims.iss) : undefined;
      if (!trust) throw new AuthError('untrusted-issuer');

      // The endpoint invoked, from the original URL (never the Host header): /cds-services[/{id}[/feedback]].
      const path = new URL(req.originalUrl, 'http://local').pathname.replace(TRAILING_SLASHES, '');
      // The same endpoint named with a trailing slash (an EHR registered as …/cds-services/) is the same endpoint.
      audienceAccepted = trust.audiences.map((base) => `${base}${path}`);
      const audience = audienceAccepted.flatMap((endpoint) => [endpoint, `${endpoint}/`]);
      const { payload } = await jwtVerify(token, trust.getKey, {
        algorithms: options.algorithms,
        issuer: trust.iss,
        audience,
        clockTolerance: options.skewS,
        requiredClaims: ['exp', 'iat', 'jti'],
        currentDate: new Date(now()),
      });
      const nowS = now() / 1000;
      if (typeof payload.iat !== 'number' || payload.iat > nowS + options.skewS) throw new AuthError('iat-future');
      if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw new AuthError('claims');
      if (trust.tenant !== undefined && payload.tenant !== trust.tenant) throw new AuthError('tenant');
      const expiresAtMs = ((payload.exp as number) + options.skewS) * 1000;
      if (!(await firstUse(options, `${trust.iss}|${payload.jti}`, expiresAtMs, requestId)))
        throw new AuthError('replay');

      const identity: ClientIdentity = { iss: trust.iss };
      if (typeof payload.tenant === 'string') identity.tenant = payload.tenant;
      (res.locals as { client?: ClientIdentity }).client = identity;
      next();
    } catch (error) {
      const reason = reasonOf(error);
      options.onFailure?.(reason);
      const detail = explain(reason, claimsSeen, {
        issuers: [...options.issuers.keys()],
        algorithms: options.algorithms,
        ...(audienceAccepted ? { audience: audienceAccepted } : {}),
      });
      // The reason and what was received against what is accepted go to the log; the 401 body says nothing.
      options.logger.warn('client authentication failed', {
        requestId,
        route: req.originalUrl.split('?')[0],
        reason,
        iss,
        kid,
        jti,
        ...(detail ? { detail } : {}),
      });
      res
        .status(401)
        .set('WWW-Authenticate', challenge(header))
        .type('application/fhir+json')
        .send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }));
    }
  };
}
