// Server-Timing on hook answers: where the time of a call went (gather, decide, ledger, total; ms, one decimal),
// on 200, 412 and deadline answers alike, readable by a browser client through CORS.
import { answerMarginMs } from '../../src/cds/invoke.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** `a;dur=1.2, b;dur=3.4` → { a: 1.2, b: 3.4 }; fails on anything else. */
function parseServerTiming(header: string | undefined): Record<string, number> {
  expect(header).toEqual(expect.any(String));
  const out: Record<string, number> = {};
  for (const part of header!.split(/,\s*/)) {
    const m = /^([a-z]+);dur=(\d+\.\d)$/.exec(part);
    if (!m) throw new Error(`not a Server-Timing metric: ${part}`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

const sign = () => fixture('requests/order-sign-simvastatin-clarithromycin.json');

describe('Server-Timing', () => {
  it('a 200 carries gather, decide, ledger and total; total covers the phases', async () => {
    const { app } = await buildApp();
    const res = await postHook(app, 'order-sign', sign()).expect(200);
    expect(res.body.cards).toHaveLength(1);
    const t = parseServerTiming(res.headers['server-timing']);
    expect(Object.keys(t)).toEqual(['gather', 'decide', 'ledger', 'total']);
    expect(t.total).toBeGreaterThanOrEqual(t.gather!);
    // one decimal each: the phases can round up by 0.05 each
    expect(t.total).toBeGreaterThanOrEqual(t.gather! + t.decide! + t.ledger! - 0.15);
  });

  it('a read from a slow FHIR server shows in gather', async () => {
    const { app } = await buildApp();
    const body = sign();
    const meds = body.prefetch.medications;
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/MedicationRequest') ? { body: meds, delayMs: 120 } : undefined,
    );
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await postHook(app, 'order-sign', body).expect(200);
    const t = parseServerTiming(res.headers['server-timing']);
    expect(t.gather).toBeGreaterThanOrEqual(110);
    expect(t.total).toBeGreaterThanOrEqual(t.gather!);
  });

  it('a 412 carries what is known: gather and total, no decide', async () => {
    const { app } = await buildApp();
    const body = sign();
    delete body.prefetch.medications;
    delete body.fhirServer;
    delete body.fhirAuthorization;
    const res = await postHook(app, 'order-sign', body).expect(412);
    const t = parseServerTiming(res.headers['server-timing']);
    expect(Object.keys(t)).toEqual(['gather', 'total']);
    expect(t.total).toBeGreaterThanOrEqual(t.gather!);
  });

  it('a deadline answer carries the total, at least the deadline less the answer margin, and no unfinished phase', async () => {
    const { app } = await buildApp({ HOOK_DEADLINE_MS: '300' });
    fake = await startFakeFhir(() => ({ hang: true }));
    const body = sign();
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body).toEqual({ cards: [] });
    const t = parseServerTiming(res.headers['server-timing']);
    expect(Object.keys(t)).toEqual(['total']);
    expect(t.total).toBeGreaterThanOrEqual(300 - answerMarginMs(300) - 1);
  });

  it('is exposed to browser clients through CORS', async () => {
    const { app } = await buildApp();
    const res = await postHook(app, 'order-sign', sign()).set('Origin', 'https://sandbox.cds-hooks.org').expect(200);
    expect(res.headers['access-control-expose-headers']).toMatch(/(^|,\s*)Server-Timing(\s*,|$)/);
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
  });

  it('is not on discovery or feedback answers', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/cds-services').expect(200);
    expect(res.headers['server-timing']).toBeUndefined();
  });
});
