// Two instances of the app on one ledger, as behind a load balancer: feedback, overrides, order-select →
// order-sign and JWT replay hold across instances. Runs on the embedded SQLite file and on real PostgreSQL.
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { BACKENDS, type Backend } from '../store/backends.js';

type Built = Awaited<ReturnType<typeof buildApp>>;

describe.each(BACKENDS)('two instances sharing the %s ledger', (_name, makeBackend) => {
  const backends: Backend[] = [];
  const built: Built[] = [];

  async function instances(now?: string, env: Record<string, string> = {}): Promise<[Built, Built]> {
    const backend = makeBackend();
    backends.push(backend);
    const pair: [Built, Built] = [
      await buildApp({ ...backend.env, ...env }, undefined, now),
      await buildApp({ ...backend.env, ...env }, undefined, now),
    ];
    built.push(...pair);
    return pair;
  }

  afterAll(async () => {
    await Promise.all(built.map((b) => b.ledger.close()));
    await Promise.all(backends.map((b) => b.drop()));
  });

  const signBody = () => fixture('requests/order-sign-simvastatin-clarithromycin.json');

  it('feedback posted twice (to either instance) is stored once, without its free text, and silences the finding on both', async () => {
    const [a, b] = await instances();
    const shown = await postHook(a.app, 'order-sign', signBody()).expect(200);
    expect(shown.body.cards).toHaveLength(1);
    const uuid: string = shown.body.cards[0].uuid;
    const feedback = {
      feedback: [
        {
          card: uuid,
          outcome: 'overridden',
          overrideReason: {
            reason: { system: 'http://example.org/reasons', code: 'aware' },
            userComment: 'Mrs Smith tolerates it',
          },
          outcomeTimestamp: '2026-11-23T12:01:00Z',
        },
      ],
    };
    for (const app of [a.app, b.app]) {
      const res = await request(app)
        .post('/cds-services/order-sign/feedback')
        .set('content-type', 'application/json')
        .send(JSON.stringify(feedback));
      expect(res.status).toBe(200);
    }
    const stored = await a.ledger.feedbackOf(uuid);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      outcome: 'overridden',
      overrideReason: { system: 'http://example.org/reasons', code: 'aware' },
      hasComment: true,
    });
    expect(JSON.stringify(stored)).not.toContain('Smith');
    expect(b.logs.records().find((r) => r.message === 'feedback')).toMatchObject({
      feedback: { overridden: 0, duplicate: 1 },
    });

    const again = await postHook(b.app, 'order-sign', {
      ...signBody(),
      hookInstance: '7d2e4f6a-3b5c-4e7d-8f9a-000000000001',
    }).expect(200);
    expect(again.body).toEqual({ cards: [] });
  });

  it('what one instance showed at order-select, the other does not repeat at order-sign (when the EHR asks)', async () => {
    const [a, b] = await instances();
    const select = fixture('requests/order-select-clarithromycin-simvastatin.json');
    select.extension = { 'pddi-configuration-items': { 'cache-for-order-sign-filtering': true } };
    const shown = await postHook(a.app, 'order-select', select).expect(200);
    const isDdi = (c: { summary: string }) => /clarithromycin/i.test(c.summary) && /simvastatin/i.test(c.summary);
    expect(shown.body.cards.filter(isDdi)).toHaveLength(1);
    const sign: Record<string, any> = {
      ...select,
      hook: 'order-sign',
      hookInstance: '7d2e4f6a-3b5c-4e7d-8f9a-000000000002',
      context: { ...select.context },
    };
    delete sign.context.selections;
    sign.extension = { 'pddi-configuration-items': { 'filter-out-repeated-alerts': true } };
    sign.context.draftOrders = {
      ...select.context.draftOrders,
      entry: select.context.draftOrders.entry.filter(
        (e: { resource: { id: string } }) => e.resource.id === 'draft-clari-7302',
      ),
    };
    const signed = await postHook(b.app, 'order-sign', sign).expect(200);
    expect(signed.body.cards.filter(isDdi)).toEqual([]);
  });

  it('a JWT accepted by one instance is a replay at the other', async () => {
    const sandboxToken = readFileSync(
      new URL('../../fixtures/tokens/sandbox-2020.jwt', import.meta.url),
      'utf8',
    ).trim();
    const [a, b] = await instances('2020-07-08T17:51:40Z', { PUBLIC_BASE_URLS: 'http://127.0.0.1:8000' });
    await request(a.app).get('/cds-services').set('Authorization', `Bearer ${sandboxToken}`).expect(200);
    await request(b.app).get('/cds-services').set('Authorization', `Bearer ${sandboxToken}`).expect(401);
    expect(b.logs.records().find((r) => r.message === 'client authentication failed')).toMatchObject({
      reason: 'replay',
    });
  });

  it('when the ledger cannot answer, a verified token is accepted without the replay check, and it says so', async () => {
    const sandboxToken = readFileSync(
      new URL('../../fixtures/tokens/sandbox-2020.jwt', import.meta.url),
      'utf8',
    ).trim();
    const [a] = await instances('2020-07-08T17:51:40Z', { PUBLIC_BASE_URLS: 'http://127.0.0.1:8000' });
    await a.ledger.close();
    await request(a.app).get('/cds-services').set('Authorization', `Bearer ${sandboxToken}`).expect(200);
    expect(
      a.logs.records().find((r) => r.message === 'JWT replay check unavailable; token accepted without it'),
    ).toMatchObject({ level: 'error' });
    const metrics = await request(a.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/hookwise_jwt_failures_total\{reason="replay-unchecked"\} 1/);
  });
});
