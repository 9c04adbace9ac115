// The real app, built per test with a pinned clock, strict response contract and a captured log.
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { loadKnowledge, type Knowledge } from '../../src/knowledge/index.js';
import { createLogger, MemoryLogStream } from '../../src/log.js';
import { createSecurity, type Security } from '../../src/auth/security.js';
import { MemoryCardLedger } from '../../src/store/card-ledger.js';
import type { HookModule } from '../../src/cds/hook-module.js';
import { hookModules } from '../../hooks/index.js';

export const TEST_NOW = '2026-11-23T12:00:00Z';

let knowledge: Knowledge | undefined;
export function testKnowledge(): Knowledge {
  knowledge ??= loadKnowledge();
  return knowledge;
}

export function buildApp(
  env: Record<string, string> = {},
  modules: HookModule[] = hookModules,
  now: string = TEST_NOW,
  extra: Partial<Pick<Security, 'backend' | 'signingKeys'>> = {},
) {
  const config = loadConfig({ HOOKWISE_PROFILE: 'test', RESPONSE_CONTRACT: 'throw', ...env });
  const logs = new MemoryLogStream();
  const logger = createLogger({ level: 'debug', stream: logs });
  const clock = fixedClock(now);
  const auth: Security = { ...createSecurity(config, () => clock.now().getTime()), ...extra };
  const ledger = new MemoryCardLedger({ overrideWindowMs: config.overrideSuppressHours * 3_600_000, retentionMs: config.cardMemoryHours * 3_600_000 });
  const app = createApp({ config, logger, knowledge: testKnowledge(), clock, modules, auth, ledger });
  return { app, logs, config, auth, ledger };
}

/** POST a hook request body as JSON to /cds-services/{id}. */
export function postHook(app: Parameters<typeof request>[0], id: string, body: unknown) {
  return request(app).post(`/cds-services/${id}`).set('content-type', 'application/json').send(JSON.stringify(body));
}
