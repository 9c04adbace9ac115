// Which EHRs hookwise trusts: per issuer (`iss`), where its keys come from (a JWKS URL, allow-listed `jku`
// URLs or patterns, or a static JWKS file), the audiences it may address, and an optional tenant.
// A `jku` that is not allow-listed for its issuer is never fetched (CDS Hooks 2.0, Trusting CDS Clients: a jku must be allow-listed).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

export const SANDBOX_ISSUER = 'https://sandbox.cds-hooks.org';

export class TrustConfigError extends Error {
  override name = 'TrustConfigError';
}

const url = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (
      u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
    );
  } catch {
    return false;
  }
}, 'must be an https URL (http only for localhost)');

const issuerSchema = z
  .object({
    iss: z.string().min(1),
    jwksUrl: url.optional(),
    jku: z.array(z.string().min(1)).min(1).optional(),
    jwksFile: z.string().min(1).optional(),
    audiences: z.array(z.string().url()).min(1).optional(),
    tenant: z.string().min(1).optional(),
  })
  .refine((i) => i.jwksUrl || i.jku || i.jwksFile, { message: 'needs a key source: jwksUrl, jku or jwksFile' });

export type TrustedIssuerConfig = z.infer<typeof issuerSchema>;

export interface TrustedIssuer {
  iss: string;
  /** Base URLs this issuer may address (aud = base + endpoint path). */
  audiences: string[];
  tenant?: string;
  /** Resolves the verification key for a token header, or throws KeySourceError. */
  getKey: JWTVerifyGetKey;
}

export class KeySourceError extends Error {
  override name = 'KeySourceError';
  constructor(readonly reason: 'jku-not-allowed' | 'no-key-source') {
    super(reason);
  }
}

/**
 * jku patterns: an exact URL, or one whose path has `*` standing for a single path segment. Scheme, host and
 * port must match exactly: a `*` in the host is refused when the trust file is loaded. A jku with userinfo, a
 * query or a fragment never matches.
 */
export function jkuMatcher(patterns: string[]): (jku: string) => boolean {
  const compiled = patterns.map((p) => {
    const u = new URL(p.replace(/\*/g, 'WILDCARD-SEGMENT'));
    if (u.host.includes('wildcard-segment') || u.username || u.password || u.search || u.hash) {
      throw new TrustConfigError(
        `jku pattern ${JSON.stringify(p)}: * is allowed only in the path, and no userinfo, query or fragment`,
      );
    }
    const path = u.pathname
      .split('/')
      .map((seg) =>
        seg.includes('WILDCARD-SEGMENT')
          ? seg.split('WILDCARD-SEGMENT').map(escape).join('[A-Za-z0-9._~-]+')
          : escape(seg),
      )
      .join('/');
    return { origin: u.origin, path: new RegExp(`^${path}$`) };
  });
  return (jku) => {
    let u: URL;
    try {
      u = new URL(jku);
    } catch {
      return false;
    }
    if (u.username || u.password || u.search || u.hash || jku.includes('?') || jku.includes('#')) return false;
    return compiled.some((c) => c.origin === u.origin && c.path.test(u.pathname));
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Remote key sets per issuer, at most this many (one per allowed jku), least recently used evicted first. */
const MAX_REMOTE_SETS = 16;

export interface KeySourceOptions {
  cacheMaxAgeMs: number;
  cooldownMs: number;
  /** Resolves a jwksFile path relative to the trust file. */
  baseDir: string;
}

function buildIssuer(cfg: TrustedIssuerConfig, defaults: string[], options: KeySourceOptions): TrustedIssuer {
  const remote = new Map<string, JWTVerifyGetKey>();
  const remoteSet = (u: string): JWTVerifyGetKey => {
    let set = remote.get(u);
    if (set) {
      remote.delete(u); // most recently used last
    } else {
      // jose caches the set, refreshes it on an unknown kid at most once per cooldown, and times out the fetch.
      set = createRemoteJWKSet(new URL(u), {
        cacheMaxAge: options.cacheMaxAgeMs,
        cooldownDuration: options.cooldownMs,
        timeoutDuration: 2000,
      });
    }
    remote.set(u, set);
    while (remote.size > MAX_REMOTE_SETS) remote.delete(remote.keys().next().value as string);
    return set;
  };
  const local = cfg.jwksFile
    ? createLocalJWKSet(JSON.parse(readFileSync(resolve(options.baseDir, cfg.jwksFile), 'utf8')) as { keys: JWK[] })
    : undefined;
  const jkuAllowed = cfg.jku ? jkuMatcher(cfg.jku) : () => false;

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.jku && jkuAllowed(header.jku)) return remoteSet(header.jku)(header, token);
    // A jku that is not allow-listed is never dereferenced; the issuer's configured keys still apply.
    if (cfg.jwksUrl) return remoteSet(cfg.jwksUrl)(header, token);
    if (local) return local(header, token);
    throw new KeySourceError(header.jku ? 'jku-not-allowed' : 'no-key-source');
  };
  return {
    iss: cfg.iss,
    audiences: (cfg.audiences ?? defaults).map((a) => a.replace(/\/+$/, '')),
    ...(cfg.tenant ? { tenant: cfg.tenant } : {}),
    getKey,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
/** The sandbox's public JWKS, shipped because its key is public and the machine may be offline. */
export function sandboxJwksPath(): string {
  let dir = here;
  for (;;) {
    const candidate = resolve(dir, 'config', 'trust', 'cds-hooks-sandbox.jwks.json');
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      const up = dirname(dir);
      if (up === dir) throw new TrustConfigError('config/trust/cds-hooks-sandbox.jwks.json not found');
      dir = up;
    }
  }
}

/**
 * Trusted issuers from the settings. Throws TrustConfigError (naming TRUSTED_ISSUERS_FILE) for an unreadable
 * or invalid file. The sandbox issuer is added when trustSandbox is on.
 */
export function loadTrustedIssuers(
  file: string,
  trustSandbox: boolean,
  publicBaseUrls: string[],
  options: Omit<KeySourceOptions, 'baseDir'>,
): Map<string, TrustedIssuer> {
  const issuers = new Map<string, TrustedIssuer>();
  if (file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new TrustConfigError(
        `TRUSTED_ISSUERS_FILE=${JSON.stringify(file)} cannot be read as JSON (${(error as Error).name})`,
      );
    }
    const parsed = z.array(issuerSchema).safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new TrustConfigError(`TRUSTED_ISSUERS_FILE=${JSON.stringify(file)}: [${i.path.join('.')}] ${i.message}`);
    }
    for (const cfg of parsed.data) {
      if (issuers.has(cfg.iss))
        throw new TrustConfigError(`TRUSTED_ISSUERS_FILE=${JSON.stringify(file)}: issuer ${cfg.iss} is listed twice`);
      try {
        issuers.set(cfg.iss, buildIssuer(cfg, publicBaseUrls, { ...options, baseDir: dirname(resolve(file)) }));
      } catch (error) {
        const why = error instanceof TrustConfigError ? error.message : `issuer ${cfg.iss}: ${(error as Error).name}`;
        throw new TrustConfigError(`TRUSTED_ISSUERS_FILE=${JSON.stringify(file)}: ${why}`);
      }
    }
  }
  if (trustSandbox && !issuers.has(SANDBOX_ISSUER)) {
    const path = sandboxJwksPath();
    issuers.set(
      SANDBOX_ISSUER,
      buildIssuer({ iss: SANDBOX_ISSUER, jwksFile: path }, publicBaseUrls, { ...options, baseDir: dirname(path) }),
    );
  }
  return issuers;
}
