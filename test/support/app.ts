// The real app, built per test with a pinned clock, strict response contract and a captured log.
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { loadKnowledge, type Knowledge } from '../../src/knowledge/index.js';
import { createLogger, MemoryLogStream } from '../../src/log.js';
import { createSecurity, type Security } from '../../src/auth/security.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ledger.js';
import type { HookModule } from '../../src/cds/hook-module.js';
import { hookModules } from '../../hooks/index.js';

export const TEST_NOW = '2026-11-23T12:00:00Z';

let knowledge: Knowledge | undefined;
export function testKnowledge(): Knowledge {
  knowledge ??= loadKnowledge();
  return knowledge;
}

export async function buildApp(
  env: Record<string, string> = {},
  modules: HookModule[] = hookModules,
  now: string = TEST_NOW,
  extra: Partial<Pick<Security, 'backend' | 'signingKeys'>> = {},
) {
  const config = loadConfig({ HOOKWISE_PROFILE: 'test', RESPONSE_CONTRACT: 'throw', ...env });
  const logs = new MemoryLogStream();
  const logger = createLogger({ level: 'debug', stream: logs, strict: true });
  const clock = fixedClock(now);
  // The embedded backend, in memory unless the test names a file or a DATABASE_URL.
  const ledger = await openStore(
    { ...config, ledgerPath: env.LEDGER_PATH ?? ':memory:' },
    { now: () => clock.now().getTime() },
  );
  const auth: Security = { ...createSecurity(config, ledger), ...extra };
  const app = createApp({ config, logger, knowledge: testKnowledge(), clock, modules, auth, ledger });
  return { app, logs, config, auth, ledger, clock, modules };
}

export type TestApp = Awaited<ReturnType<typeof buildApp>>['app'];
export type BuiltApp = Awaited<ReturnType<typeof buildApp>>;

/** The same app rebuilt around other dependencies (a failing store, a draining flag), with a log of its own. */
export function rebuildApp(base: BuiltApp, overrides: Partial<AppDeps> = {}) {
  const logs = new MemoryLogStream();
  const app = createApp({
    config: base.config,
    logger: createLogger({ level: 'debug', stream: logs, strict: true }),
    knowledge: testKnowledge(),
    clock: base.clock,
    modules: base.modules,
    auth: base.auth,
    ledger: base.ledger,
    ...overrides,
  });
  return { app, logs };
}

/** A store that does what `real` does, except for the methods given. */
export function storeLike(real: Store, overrides: Partial<Store>): Store {
  return {
    backend: real.backend,
    patientKey: (p) => real.patientKey(p),
    recordIssued: (c) => real.recordIssued(c),
    recordFeedback: (f, c, s) => real.recordFeedback(f, c, s),
    suppression: (q) => real.suppression(q),
    firstSeen: (k, e) => real.firstSeen(k, e),
    aiSwitch: () => real.aiSwitch(),
    setAiSwitch: (s, at) => real.setAiSwitch(s, at),
    recordAiCall: (r) => real.recordAiCall(r),
    aiCacheGet: (p, h, n) => real.aiCacheGet(p, h, n),
    aiCachePut: (e) => real.aiCachePut(e),
    aiReport: (s, svc) => real.aiReport(s, svc),
    ping: () => real.ping(),
    close: () => real.close(),
    ...overrides,
  };
}

/** POST a hook request body as JSON to /cds-services/{id}. */
export function postHook(app: Parameters<typeof request>[0], id: string, body: unknown) {
  return request(app).post(`/cds-services/${id}`).set('content-type', 'application/json').send(JSON.stringify(body));
}
