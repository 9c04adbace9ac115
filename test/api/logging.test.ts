// A full run of every fixture, then a scan of everything logged: one structured line per invocation, and not
// one name, birth date, identifier, patient id or token of the fixture patients.
import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import request from 'supertest';
import { buildApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { startFakeFhir } from '../support/fake-fhir.js';

/** Every string under keys that carry patient data in the fixtures (names, dates, identifiers, ids, tokens). */
function sensitiveValues(value: unknown, key = '', out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (/^(family|given|display|birthDate|value|patientId|patient|access_token|text)$/.test(key) && value.length >= 4)
      out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => sensitiveValues(v, key, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) sensitiveValues(v, k, out);
  return out;
}

describe('logs', () => {
  it('carry one structured line per invocation and no patient data', async () => {
    const { app, logs } = await buildApp();
    const files = readdirSync(new URL('../../fixtures/requests/', import.meta.url)).filter((f) => f.endsWith('.json'));
    const fake = await startFakeFhir(() => ({ status: 500, body: {} }));
    const secrets = new Set<string>();
    try {
      for (const file of files) {
        const body = fixture(`requests/${file}`);
        sensitiveValues(body, '', secrets);
        body.fhirServer = fake.base; // keep every read on this machine
        await request(app)
          .post(`/cds-services/${body.hook}`)
          .set('content-type', 'application/json')
          .send(JSON.stringify(body));
        // and once more with a malformed context, so the error paths are logged too
        await request(app)
          .post(`/cds-services/${body.hook}`)
          .set('content-type', 'application/json')
          .send(JSON.stringify({ ...body, context: { ...body.context, userId: 42 } }));
      }
    } finally {
      await fake.close();
    }
    const invocations = logs.records().filter((r) => r.message === 'hook invocation');
    expect(invocations).toHaveLength(files.length * 2);
    for (const line of invocations) {
      expect(line).toMatchObject({
        level: 'info',
        requestId: expect.any(String),
        service: expect.any(String),
        latencyMs: expect.any(Number),
        outcome: expect.any(String),
      });
    }
    for (const line of invocations.filter((l) => l.outcome !== 'invalid')) {
      expect(line.hookInstance).toEqual(expect.any(String));
      expect(line.cards).toEqual({
        critical: expect.any(Number),
        warning: expect.any(Number),
        info: expect.any(Number),
      });
    }
    const all = logs.lines.join('\n');
    // the fixtures carry names, birth dates, MRN/SSN-like identifiers, patient ids and tokens
    for (const probe of [
      'Vantongeren',
      'Rosalind',
      '1951-03-14',
      'MRN-55821907',
      '999-41-7302',
      'Ellsworth-Pike',
      'pv-renal-7731',
      'SHOULD-NEVER-BE-LOGGED',
    ]) {
      expect(secrets.has(probe) || [...secrets].some((s) => s.includes(probe))).toBe(true);
    }
    const leaked = [...secrets].filter((s) => all.includes(s));
    expect(leaked).toEqual([]);
  });
});
