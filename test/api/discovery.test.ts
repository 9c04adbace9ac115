import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { emptyMembers } from '../../src/cds/response-contract.js';
import { buildApp } from '../support/app.js';
import { hookModules } from '../../hooks/index.js';

describe('GET /cds-services', () => {
  it('lists one service per hook with the members an integrator needs', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/cds-services').expect(200).expect('content-type', /json/);
    const services = res.body.services as Array<Record<string, any>>;
    // The registry (hooks/index.ts) is the list: every module, in its order, under its hook.
    expect(services.map((s) => [s.id, s.hook])).toEqual(hookModules.map((m) => [m.id, m.hook]));
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) {
      expect(typeof s.title).toBe('string');
      expect(s.description.length).toBeGreaterThan(20);
      expect(Object.keys(s.prefetch).length).toBeGreaterThan(0);
      for (const template of Object.values<string>(s.prefetch)) expect(template).toMatch(/^[A-Z][A-Za-z]+[/?]/);
      expect(s.usageRequirements).toMatch(/system\/[A-Za-z]+\.read/);
      expect(s.usageRequirements).toMatch(/system\/[A-Za-z]+\.r?s/);
      expect(s.usageRequirements).not.toMatch(/\*\.(read|rs|s)/);
    }
    expect(emptyMembers(res.body)).toEqual([]);
  });

  it('names the exact scopes each hook needs, derived from its templates', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/cds-services').expect(200);
    const byId = Object.fromEntries((res.body.services as Array<Record<string, any>>).map((s) => [s.id, s]));
    expect(byId['patient-view'].usageRequirements).toContain(
      'system/Medication.read system/MedicationAdministration.read system/MedicationDispense.read system/MedicationRequest.read ' +
        'system/MedicationStatement.read system/Observation.read system/Patient.read',
    );
    expect(byId['order-select'].usageRequirements).toContain('system/AllergyIntolerance.read');
    expect(byId['order-select'].usageRequirements).toContain('system/Observation.read system/Patient.read');
    expect(byId['patient-view'].usageRequirements).not.toContain('AllergyIntolerance');
    expect(byId['order-sign'].usageRequirements).toContain('system/MedicationRequest.s');
  });

  it('answers CORS preflight without a token and allows Authorization and Content-Type', async () => {
    const { app } = await buildApp();
    const res = await request(app)
      .options('/cds-services/order-sign')
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/);
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('echoes only configured origins, with credentials when asked, never * with credentials', async () => {
    const { app } = await buildApp({ CORS_ORIGINS: 'https://sandbox.cds-hooks.org', CORS_ALLOW_CREDENTIALS: 'true' });
    const ok = await request(app).get('/cds-services').set('Origin', 'https://sandbox.cds-hooks.org').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://sandbox.cds-hooks.org');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const other = await request(app).get('/cds-services').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 with an OperationOutcome for unknown paths and 405 for a wrong method', async () => {
    const { app } = await buildApp();
    const nf = await request(app).get('/nope').expect(404);
    expect(nf.body.resourceType).toBe('OperationOutcome');
    const wrong = await request(app).get('/cds-services/order-sign').expect(405);
    expect(wrong.headers.allow).toBe('POST, OPTIONS');
    expect(wrong.body.issue[0].code).toBe('not-supported');
    await request(app).delete('/cds-services').expect(405);
  });
});
