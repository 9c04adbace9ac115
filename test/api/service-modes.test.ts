// SERVICE_MODES: a service can be turned off (gone from discovery, 404) or run in shadow (decides and records its
// cards, answers none), and a mode naming a service that does not exist stops the start.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import type { IssuedCard } from '../../src/store/ledger.js';
import { buildApp, postHook, rebuildApp, storeLike } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { scrape } from './exposition.js';

let n = 0;
const instance = () => `3e9a4c1b-6d2f-4e8a-b7c5-${String(++n).padStart(12, '0')}`;

/** An app on a real (in-memory) ledger that also keeps every recordIssued argument. */
async function recordingApp(modes: string) {
  const base = await buildApp({ SERVICE_MODES: modes });
  const issued: IssuedCard[] = [];
  const ledger = storeLike(base.ledger, {
    recordIssued: async (cards) => {
      issued.push(...cards);
      await base.ledger.recordIssued(cards);
    },
  });
  return { ...rebuildApp(base, { ledger }), issued };
}

describe('SERVICE_MODES', () => {
  it('a mode naming an unknown service stops the start, naming it and the known ones', async () => {
    await expect(buildApp({ SERVICE_MODES: 'order-sign=shadow,order-sgin=off' })).rejects.toThrow(
      "SERVICE_MODES names unknown service 'order-sgin'; known: patient-view, order-select, order-sign",
    );
  });

  it('off: not in discovery; its hook and feedback answer 404 as an unknown id; the others are served', async () => {
    const { app } = await buildApp({ SERVICE_MODES: 'patient-view=off' });
    const discovery = await request(app).get('/cds-services').expect(200);
    expect(discovery.body.services.map((s: { id: string }) => s.id)).toEqual(['order-select', 'order-sign']);

    const off = await postHook(app, 'patient-view', fixture('requests/patient-view-metformin-low-egfr.json')).expect(
      404,
    );
    const unknown = await postHook(
      app,
      'no-such-service',
      fixture('requests/patient-view-metformin-low-egfr.json'),
    ).expect(404);
    expect(off.body.issue[0].code).toBe(unknown.body.issue[0].code);
    expect(off.body.issue[0].diagnostics).toBe("no CDS service with id 'patient-view'");
    await request(app)
      .post('/cds-services/patient-view/feedback')
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          feedback: [
            {
              card: '9368d37b-283f-44a0-93ea-547cebab93ed',
              outcome: 'overridden',
              outcomeTimestamp: '2026-11-23T12:01:00Z',
              overrideReason: { userComment: 'x' },
            },
          ],
        }),
      )
      .expect(404);

    expect(
      (await postHook(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json')).expect(200))
        .body.cards,
    ).toHaveLength(1);
  });

  it('on is the default, and naming it changes nothing', async () => {
    const { app } = await buildApp({ SERVICE_MODES: 'order-sign=on' });
    expect(
      (await postHook(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json')).expect(200))
        .body.cards,
    ).toHaveLength(1);
  });

  it('shadow: listed in discovery, answers no cards, records them in the ledger as shadow, logs and counts them apart', async () => {
    const { app, logs, issued } = await recordingApp('order-sign=shadow');
    const discovery = await request(app).get('/cds-services').expect(200);
    expect(discovery.body.services.map((s: { id: string }) => s.id)).toContain('order-sign');

    const body = { ...fixture('requests/order-sign-simvastatin-clarithromycin.json'), hookInstance: instance() };
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body).toEqual({ cards: [] });

    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      service: 'order-sign',
      rule: 'ddi',
      indicator: 'critical',
      shadow: true,
      hookInstance: body.hookInstance,
    });

    const line = logs
      .records()
      .filter((r) => r.message === 'hook invocation')
      .at(-1);
    expect(line).toMatchObject({
      outcome: 'ok',
      status: 200,
      cards: { critical: 0, warning: 0, info: 0 },
      shadowCards: { critical: 1, warning: 0, info: 0 },
    });

    const s = await scrape(app);
    expect(s.value('hookwise_shadow_cards_total', { service: 'order-sign', rule: 'ddi', indicator: 'critical' })).toBe(
      1,
    );
    expect(s.sum('hookwise_cards_total', { service: 'order-sign' })).toBe(0);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: 'ok' })).toBe(1);
  });

  it('a service that is on records its cards as not shadow', async () => {
    const { app, issued } = await recordingApp('');
    await postHook(app, 'order-sign', {
      ...fixture<Record<string, any>>('requests/order-sign-simvastatin-clarithromycin.json'),
      hookInstance: instance(),
    }).expect(200);
    expect(issued.map((c) => c.shadow)).toEqual([false]);
  });

  it('a card order-select showed only in shadow does not quiet order-sign for the same draft', async () => {
    const { app, issued } = await recordingApp('order-select=shadow');
    const select = fixture('requests/order-select-clarithromycin-simvastatin.json');
    expect((await postHook(app, 'order-select', select).expect(200)).body).toEqual({ cards: [] });
    expect(issued.filter((c) => c.hook === 'order-select' && c.rule === 'ddi').map((c) => c.shadow)).toEqual([true]);

    const signBody = { ...select, hook: 'order-sign', hookInstance: instance(), context: { ...select.context } };
    delete signBody.context.selections;
    signBody.context.draftOrders = {
      ...select.context.draftOrders,
      entry: select.context.draftOrders.entry.filter(
        (e: { resource: { id: string } }) => e.resource.id === 'draft-clari-7302',
      ),
    };
    const signed = await postHook(app, 'order-sign', signBody).expect(200);
    expect(
      signed.body.cards.filter(
        (c: { summary: string }) => /clarithromycin/i.test(c.summary) && /simvastatin/i.test(c.summary),
      ),
    ).toHaveLength(1);
  });

  it('the setting itself is parsed by config: a malformed list is refused there', () => {
    expect(() => loadConfig({ SERVICE_MODES: 'order-sign=loud' })).toThrow(/SERVICE_MODES/);
  });
});
