// GET /health (the process answers) and GET /ready (the store answers, the knowledge is loaded, not draining):
// cheap, unauthenticated, and telling nothing about the configuration.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { AppDeps } from '../../src/app.js';
import { buildApp, rebuildApp, storeLike, testKnowledge } from '../support/app.js';

/** The real ledger of a test app, with its ping replaced. */
async function appWith(ping: () => Promise<void>, extra: Partial<AppDeps> = {}) {
  const base = await buildApp({ DATABASE_SCHEMA: 'hookwise_secret_schema' });
  return rebuildApp(base, { ledger: storeLike(base.ledger, { ping }), ...extra });
}

/** Nothing of the configuration or the environment in a probe's answer. */
function expectNoConfig(text: string) {
  for (const secret of [
    testKnowledge().version,
    'sqlite',
    'memory',
    'hookwise_secret_schema',
    'postgres',
    'node',
    'version',
    'http',
    'Error',
    'boom',
  ]) {
    expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  }
}

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} and nothing else, without a token', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/health').expect(200).expect('content-type', /json/);
    expect(res.body).toEqual({ status: 'ok' });
    expectNoConfig(res.text);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the old /healthz is gone', async () => {
    const { app } = await buildApp();
    await request(app).get('/healthz').expect(404);
  });

  it('other methods answer 405 with Allow; preflight works', async () => {
    const { app } = await buildApp();
    for (const path of ['/health', '/ready', '/metrics']) {
      const res = await request(app).post(path).set('content-type', 'application/json').send('{}').expect(405);
      expect(res.headers.allow).toBe('GET, OPTIONS');
      expect(res.body.resourceType).toBe('OperationOutcome');
      const pre = await request(app)
        .options(path)
        .set('Origin', 'https://sandbox.cds-hooks.org')
        .set('Access-Control-Request-Method', 'GET');
      expect(pre.status).toBe(204);
    }
  });
});

describe('GET /ready', () => {
  it('answers 200 {"status":"ready"} when the store answers', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/ready').expect(200);
    expect(res.body).toEqual({ status: 'ready' });
    expectNoConfig(res.text);
  });

  it('answers 503 naming the failing check, never the error, when ping rejects', async () => {
    const { app, logs } = await appWith(async () => {
      throw new Error('boom: connect ECONNREFUSED postgres://hookwise@db.internal:5432/hookwise');
    });
    const res = await request(app).get('/ready').expect(503);
    expect(res.body).toEqual({ status: 'not-ready', checks: { process: 'ok', store: 'fail', knowledge: 'ok' } });
    expectNoConfig(res.text);
    expect(logs.records().find((r) => r.message === 'not ready')).toMatchObject({
      level: 'warn',
      checks: { store: 'fail' },
    });
    expect(logs.lines.join('\n')).not.toContain('ECONNREFUSED');
  });

  it('answers 503 when ping throws synchronously', async () => {
    const { app } = await appWith(() => {
      throw new Error('boom');
    });
    expect((await request(app).get('/ready').expect(503)).body.checks.store).toBe('fail');
  });

  it('answers 503 within about a second when the store does not answer', async () => {
    const { app } = await appWith(() => new Promise<void>(() => undefined));
    const started = Date.now();
    const res = await request(app).get('/ready').expect(503);
    const took = Date.now() - started;
    expect(res.body.checks.store).toBe('fail');
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
  });

  it('answers 503 while the process drains, and 200 again when told it is not', async () => {
    let draining = true;
    const { app } = await appWith(async () => undefined, { isDraining: () => draining });
    const res = await request(app).get('/ready').expect(503);
    expect(res.body).toEqual({ status: 'not-ready', checks: { process: 'draining' } });
    draining = false;
    await request(app).get('/ready').expect(200);
    // /health stays 200 while draining: the process is alive
    draining = true;
    await request(app).get('/health').expect(200);
  });

  it('answers 503 when the knowledge is not loaded', async () => {
    const { app } = rebuildApp(await buildApp(), { knowledge: { ...testKnowledge(), version: '' } });
    expect((await request(app).get('/ready').expect(503)).body.checks).toEqual({
      process: 'ok',
      store: 'ok',
      knowledge: 'fail',
    });
  });

  it('probes and scrapes are not logged line by line', async () => {
    const { app, logs } = await buildApp();
    await request(app).get('/health').expect(200);
    await request(app).get('/ready').expect(200);
    await request(app).get('/metrics').expect(200);
    expect(logs.records().filter((r) => r.message === 'request')).toEqual([]);
    await request(app).get('/cds-services').expect(200);
    expect(logs.records().filter((r) => r.message === 'request')).toHaveLength(1);
  });
});
