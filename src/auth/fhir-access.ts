// How one invocation may read from fhirServer: whether the server is allowed at all (tokens go only to
// allow-listed FHIR servers), which bearer token to send (the EHR's fhirAuthorization, else hookwise's own
// SMART Backend Services token when credentials exist for that server, else none), and what the granted
// scopes allow. Reads the grant does not allow are not attempted.
import type { ScopeSet } from '../cds/scopes.js';
import type { HookRequest } from '../cds/types.js';
import { canonicalBase, isUnderBase } from '../data/fhir-reader.js';
import { BackendTokenError, type BackendTokenProvider } from './backend-token.js';
import { allows, parseScopes, type Grant } from './granted-scopes.js';

export interface FhirAccess {
  source: 'ehr' | 'backend' | 'none' | 'blocked';
  /** Why nothing may be read from fhirServer (not allow-listed, no backend token). */
  blocked?: string;
  accessToken?: string;
  /** What the token allows; undefined when no scope is known (no token: the server decides). */
  grant?: Grant;
  /** For hookwise's own token: after a 401, drop it and get a fresh one (retried once). */
  renew?: () => Promise<string | undefined>;
  /** Something worth a warning line (development only). */
  warning?: string;
}

export interface FhirAccessOptions {
  allowlist: string[];
  profile: 'development' | 'production' | 'test';
  backend?: BackendTokenProvider;
  signal: AbortSignal;
}

/**
 * True when fhirServer, normalised (WHATWG URL: see canonicalBase), is on the origin of an allow-listed base and
 * its path segments start with that base's: `https://ehr/fhir/../private` and `https://ehr/fhirx` are not under
 * `https://ehr/fhir`. A fhirServer with userinfo, a query, a fragment, an empty or encoded-dot/slash segment is
 * never allow-listed. Paths compare case-sensitively; scheme and host do not.
 */
export function isAllowListed(fhirServer: string, allowlist: string[]): boolean {
  const target = canonicalBase(fhirServer);
  if (!target) return false;
  return allowlist.some((entry) => {
    const base = canonicalBase(entry);
    return base !== undefined && isUnderBase(target, base);
  });
}

export async function resolveFhirAccess(
  request: HookRequest,
  scopes: ScopeSet,
  options: FhirAccessOptions,
): Promise<FhirAccess> {
  const server = request.fhirServer;
  if (!server) return { source: 'none' };
  let warning: string | undefined;
  if (!canonicalBase(server)) {
    // Never read, in any profile: the token would be sent to a URL the allow-list check did not see.
    return {
      source: 'blocked',
      blocked:
        'fhirServer is not a plain FHIR base URL (userinfo, query, fragment, or an empty or encoded path segment)',
    };
  }
  if (options.allowlist.length > 0) {
    if (!isAllowListed(server, options.allowlist)) {
      return { source: 'blocked', blocked: 'fhirServer is not on the FHIR server allow-list' };
    }
  } else if (options.profile === 'production') {
    return { source: 'blocked', blocked: 'no FHIR server is allow-listed' };
  } else {
    warning = 'fhirServer accepted without an allow-list (development profile)';
  }

  const auth = request.fhirAuthorization;
  if (auth) {
    const grant = parseScopes(auth.scope, auth.patient);
    return { source: 'ehr', accessToken: auth.access_token, grant, ...(warning ? { warning } : {}) };
  }

  const backend = options.backend;
  if (backend?.has(server)) {
    try {
      const token = await backend.getToken(server, scopes, options.signal);
      return {
        source: 'backend',
        accessToken: token.accessToken,
        grant: parseScopes(token.scope),
        renew: async () => {
          backend.invalidate(server, scopes, token.accessToken);
          try {
            return (await backend.getToken(server, scopes, options.signal)).accessToken;
          } catch {
            return undefined;
          }
        },
        ...(warning ? { warning } : {}),
      };
    } catch (error) {
      const reason = error instanceof BackendTokenError ? error.reason : 'error';
      return { source: 'blocked', blocked: `hookwise could not get its SMART backend token (${reason})` };
    }
  }
  return { source: 'none', ...(warning ? { warning } : {}) };
}

/** Why the grant does not allow this read, or undefined when it does (or no grant is known). */
export function grantRefusal(
  access: FhirAccess,
  resourceType: string | undefined,
  interaction: 'read' | 'search',
  url: string,
  patientId: string,
): string | undefined {
  if (!access.grant || !resourceType) return undefined;
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  if (allows(access.grant, resourceType, interaction, { patientId }, query)) return undefined;
  return `the granted scopes do not allow ${interaction === 'read' ? 'reading' : 'searching'} ${resourceType}`;
}
