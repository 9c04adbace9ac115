import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('starts on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ profile: 'development', port: 3000, hookDeadlineMs: 4500, corsOrigins: ['*'], corsAllowCredentials: false, responseContract: 'drop' });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT="eighty" must be a whole number$/],
    [{ PORT: '70000' }, /^PORT="70000" must be between 0 and 65535$/],
    [{ HOOK_DEADLINE_MS: '10' }, /^HOOK_DEADLINE_MS="10" must be between 100/],
    [{ HOOKWISE_PROFILE: 'prod' }, /^HOOKWISE_PROFILE="prod" must be development, production or test$/],
    [{ CORS_ORIGINS: 'https://a.org/path' }, /^CORS_ORIGINS=.* no path$/],
    [{ CORS_ALLOW_CREDENTIALS: 'true' }, /^CORS_ALLOW_CREDENTIALS="true" cannot be true while CORS_ORIGINS allows \*/],
    [{ BODY_LIMIT: 'lots' }, /^BODY_LIMIT="lots" must be a size/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL="verbose"/],
  ])('refuses %j with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts an origin list with credentials', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://sandbox.cds-hooks.org, http://localhost:8080', CORS_ALLOW_CREDENTIALS: 'true' });
    expect(c.corsOrigins).toEqual(['https://sandbox.cds-hooks.org', 'http://localhost:8080']);
    expect(c.corsAllowCredentials).toBe(true);
  });
});
