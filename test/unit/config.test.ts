import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('starts on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      profile: 'development',
      port: 3000,
      hookDeadlineMs: 4500,
      corsOrigins: ['*'],
      corsAllowCredentials: false,
      responseContract: 'drop',
    });
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
    const c = loadConfig({
      CORS_ORIGINS: 'https://sandbox.cds-hooks.org, http://localhost:8080',
      CORS_ALLOW_CREDENTIALS: 'true',
    });
    expect(c.corsOrigins).toEqual(['https://sandbox.cds-hooks.org', 'http://localhost:8080']);
    expect(c.corsAllowCredentials).toBe(true);
  });

  it('listens on 127.0.0.1 in development and on HOST (default 0.0.0.0) in production', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    const prod = {
      HOOKWISE_PROFILE: 'production',
      PUBLIC_BASE_URLS: 'https://cds.example.org',
      FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir',
      TRUSTED_ISSUERS_FILE: 'config/trusted-issuers.example.json',
    };
    expect(loadConfig(prod).host).toBe('0.0.0.0');
    expect(loadConfig({ ...prod, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('names every wrong setting at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'verbose', TRUSTED_ISSUERS_FILE: 'no/such/issuers.json' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'PORT="eighty" must be a whole number',
      'LOG_LEVEL="verbose" must be error, warn, info or debug',
      'TRUSTED_ISSUERS_FILE="no/such/issuers.json" not found (no such file)',
    ]);
    expect((caught as ConfigError).listen).toBeUndefined();
  });

  it('NODE_ENV=production selects production and refuses an open profile', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_BASE_URLS="" is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', HOOKWISE_PROFILE: 'test' })).toThrow(
      /^HOOKWISE_PROFILE="test" cannot run with NODE_ENV=production/,
    );
    expect(loadConfig({ NODE_ENV: 'development' }).profile).toBe('development');
  });
});
