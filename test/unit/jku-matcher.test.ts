import { describe, expect, it } from '@jest/globals';
import { jkuMatcher, TrustConfigError } from '../../src/auth/trusted-issuers.js';

describe('jku allow-list patterns', () => {
  const allowed = jkuMatcher(['https://fhir.epic.example.org/api/epic/*/jwks', 'https://keys.example.org/exact.json']);

  it.each([
    'https://fhir.epic.example.org/api/epic/2019/jwks',
    'https://fhir.epic.example.org/api/epic/tenant-a.1/jwks',
    'https://keys.example.org/exact.json',
  ])('matches %s', (jku) => expect(allowed(jku)).toBe(true));

  it.each([
    ['another host', 'https://evil.example/api/epic/2019/jwks'],
    ['a host that only ends like it', 'https://evil.com?.fhir.epic.example.org/api/epic/1/jwks'],
    ['userinfo', 'https://fhir.epic.example.org@evil.example/api/epic/1/jwks'],
    ['two segments for one *', 'https://fhir.epic.example.org/api/epic/a/b/jwks'],
    ['a query', 'https://fhir.epic.example.org/api/epic/1/jwks?x=1'],
    ['a fragment', 'https://keys.example.org/exact.json#k'],
    ['http instead of https', 'http://keys.example.org/exact.json'],
    ['another port', 'https://keys.example.org:8443/exact.json'],
    ['a path traversal segment', 'https://fhir.epic.example.org/api/epic/../jwks'],
    ['not a URL', 'keys.example.org/exact.json'],
  ])('refuses %s', (_why, jku) => expect(allowed(jku)).toBe(false));

  it('refuses a * in the host when the trust file is loaded', () => {
    expect(() => jkuMatcher(['https://*.epic.example.org/jwks'])).toThrow(TrustConfigError);
    expect(() => jkuMatcher(['https://keys.example.org/jwks?tenant=*'])).toThrow(/only in the path/);
  });
});
