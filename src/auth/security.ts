// Builds the security state of the process from the settings, once at start: trusted issuers for the EHR's
// JWT and the replay store. A bad trust file stops the start with one line naming the setting.
import type { Config } from '../config.js';
import type { ReplayStore } from '../store/replay-store.js';
import { loadTrustedIssuers, type TrustedIssuer } from './trusted-issuers.js';
import { loadBackendCredentials } from './backend-credentials.js';
import { BackendTokenProvider } from './backend-token.js';
import type { SigningKey } from './keys.js';

export interface Security {
  issuers: Map<string, TrustedIssuer>;
  replay: ReplayStore;
  /** hookwise's own SMART Backend Services tokens, when credentials are configured. */
  backend?: BackendTokenProvider;
  /** Public halves published at /.well-known/jwks.json. */
  signingKeys: SigningKey[];
}

/** `replay` remembers JWT ids: the ledger's store, so every instance sharing it refuses a replay. */
export function createSecurity(config: Config, replay: ReplayStore): Security {
  const issuers = loadTrustedIssuers(config.trustedIssuersFile, config.trustSandbox, config.publicBaseUrls, {
    cacheMaxAgeMs: config.jwksCacheS * 1000,
    cooldownMs: config.jwksCooldownS * 1000,
  });
  if (config.profile === 'production' && issuers.size === 0) {
    throw new Error('TRUSTED_ISSUERS_FILE lists no issuer: production needs at least one trusted issuer');
  }
  return { issuers, replay, signingKeys: [] };
}

/** The security state including backend credentials (their keys are read asynchronously). */
export async function loadSecurity(config: Config, replay: ReplayStore): Promise<Security> {
  const security = createSecurity(config, replay);
  const { credentials, keys } = await loadBackendCredentials(config.backendCredentialsFile);
  if (credentials.length > 0) security.backend = new BackendTokenProvider(credentials);
  security.signingKeys = keys;
  return security;
}
