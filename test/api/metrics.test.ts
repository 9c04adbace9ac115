// GET /metrics: Prometheus text from the app's own registry, counted from real hook calls, and never a patient
// id, a hookInstance or any other value of a request in a label.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';
import { handMade } from '../support/jwt.js';
import { scrape } from './exposition.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

let n = 0;
const instance = () => `7c1d9e2a-4b3f-4a6e-9c8d-${String(++n).padStart(12, '0')}`;
const sign = (): Record<string, any> => ({
  ...fixture('requests/order-sign-simvastatin-clarithromycin.json'),
  hookInstance: instance(),
});

function feedback(
  app: Parameters<typeof request>[0],
  card: string,
  outcome: 'overridden' | 'accepted',
  suggestion?: string,
) {
  const item: Record<string, unknown> = { card, outcome, outcomeTimestamp: '2026-11-23T12:01:00Z' };
  if (outcome === 'overridden')
    item.overrideReason = {
      reason: { system: 'https://hookwise.dev/cds/override-reasons', code: 'benefit-outweighs-risk' },
    };
  else item.acceptedSuggestions = [{ id: suggestion }];
  return request(app)
    .post('/cds-services/order-sign/feedback')
    .set('content-type', 'application/json')
    .send(JSON.stringify({ feedback: [item] }));
}

async function until(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('GET /metrics', () => {
  it('answers Prometheus text (version 0.0.4) with the process metrics and counts the cards sent', async () => {
    const { app } = await buildApp();
    const res = await postHook(app, 'order-sign', sign()).expect(200);
    expect(res.body.cards.map((c: { indicator: string }) => c.indicator)).toEqual(['critical']);

    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.text.split('\n')).toContain(
      'hookwise_cards_total{service="order-sign",rule="ddi",indicator="critical"} 1',
    );
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics.text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    const s = await scrape(app);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: 'ok' })).toBe(1);
    expect(s.value('hookwise_hook_duration_seconds_bucket', { service: 'order-sign', outcome: 'ok', le: '4.5' })).toBe(
      1,
    );
    expect(s.value('hookwise_hook_duration_seconds_bucket', { service: 'order-sign', outcome: 'ok', le: '+Inf' })).toBe(
      1,
    );
    // every key the fixture sends was received; nothing was read
    expect(
      s.value('hookwise_prefetch_keys_total', { service: 'order-sign', key: 'medications', outcome: 'received' }),
    ).toBe(1);
    expect(
      s.value('hookwise_prefetch_keys_total', {
        service: 'order-sign',
        key: 'draftMedications',
        outcome: 'not-applicable',
      }),
    ).toBe(1);
    expect(s.sum('hookwise_prefetch_keys_total', { outcome: 'fetched' })).toBe(0);
    expect(s.sum('hookwise_fhir_read_duration_seconds_count')).toBe(0);
    expect(s.sum('hookwise_deadline_expired_total')).toBe(0);
    expect(s.sum('hookwise_shadow_cards_total')).toBe(0);
  });

  it('each app has its own registry: a second app starts from zero', async () => {
    const first = await buildApp();
    await postHook(first.app, 'order-sign', sign()).expect(200);
    const second = await buildApp();
    const s = await scrape(second.app);
    expect(s.sum('hookwise_cards_total')).toBe(0);
    expect(s.sum('hookwise_hook_duration_seconds_count')).toBe(0);
    expect((await scrape(first.app)).sum('hookwise_cards_total')).toBe(1);
  });

  it('a 412 counts its key, its outcome and the keys that were unavailable', async () => {
    const { app } = await buildApp();
    const body = sign();
    delete body.prefetch.medications; // required, and no fhirServer to read it from
    delete body.fhirServer;
    delete body.fhirAuthorization;
    await postHook(app, 'order-sign', body).expect(412);
    const s = await scrape(app);
    expect(s.value('hookwise_precondition_failed_total', { service: 'order-sign', key: 'medications' })).toBe(1);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: '412' })).toBe(1);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: 'ok' })).toBeUndefined();
    expect(
      s.value('hookwise_prefetch_keys_total', { service: 'order-sign', key: 'medications', outcome: 'unavailable' }),
    ).toBe(1);
    expect(s.sum('hookwise_cards_total')).toBe(0);
  });

  it('a deadline expiry counts as timeout, and the aborted read as a read error of its key', async () => {
    const { app } = await buildApp({ HOOK_DEADLINE_MS: '400' });
    fake = await startFakeFhir(() => ({ hang: true }));
    const body = sign();
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    expect((await postHook(app, 'order-sign', body).expect(200)).body).toEqual({ cards: [] });
    let s = await scrape(app);
    await until(async () => (s = await scrape(app)).sum('hookwise_fhir_read_errors_total') > 0);
    expect(s.value('hookwise_deadline_expired_total', { service: 'order-sign' })).toBe(1);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: 'timeout' })).toBe(1);
    // answered at the deadline: above 0.25 s, within the 0.5 s bucket
    expect(
      s.value('hookwise_hook_duration_seconds_bucket', { service: 'order-sign', outcome: 'timeout', le: '0.25' }),
    ).toBe(0);
    expect(
      s.value('hookwise_hook_duration_seconds_bucket', { service: 'order-sign', outcome: 'timeout', le: '1' }),
    ).toBe(1);
    expect(
      s.value('hookwise_fhir_read_errors_total', { service: 'order-sign', key: 'medications', reason: 'aborted' }),
    ).toBe(1);
    expect(s.value('hookwise_fhir_read_duration_seconds_count', { service: 'order-sign', key: 'medications' })).toBe(1);
  });

  it('FHIR reads: latency per key, fetched keys, and errors by status class', async () => {
    const { app } = await buildApp();
    const meds = sign().prefetch.medications.entry.map((e: { resource: unknown }) => e.resource);
    fake = await startFakeFhir((url) =>
      url.pathname.endsWith('/MedicationRequest') ? { body: searchset(meds), delayMs: 30 } : { status: 503, body: {} },
    );
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    body.fhirServer = fake.base;
    delete body.prefetch.medications; // read: 200
    delete body.prefetch.egfr; // read: 503 (optional key)
    await postHook(app, 'patient-view', body).expect(200);
    const s = await scrape(app);
    expect(
      s.value('hookwise_prefetch_keys_total', { service: 'patient-view', key: 'medications', outcome: 'fetched' }),
    ).toBe(1);
    expect(s.value('hookwise_prefetch_keys_total', { service: 'patient-view', key: 'egfr', outcome: 'failed' })).toBe(
      1,
    );
    expect(s.value('hookwise_fhir_read_duration_seconds_count', { service: 'patient-view', key: 'medications' })).toBe(
      1,
    );
    // 30 ms at the server: not in the 5 ms bucket
    expect(
      s.value('hookwise_fhir_read_duration_seconds_bucket', {
        service: 'patient-view',
        key: 'medications',
        le: '0.005',
      }),
    ).toBe(0);
    expect(
      s.value('hookwise_fhir_read_errors_total', { service: 'patient-view', key: 'egfr', reason: 'http_5xx' }),
    ).toBe(1);
    expect(
      s.value('hookwise_fhir_read_errors_total', { service: 'patient-view', key: 'medications', reason: 'http_5xx' }),
    ).toBeUndefined();
  });

  it('feedback counts once when the same POST is retried; an unknown card is counted apart', async () => {
    const { app } = await buildApp();
    const card = (await postHook(app, 'order-sign', sign()).expect(200)).body.cards[0];
    await feedback(app, card.uuid, 'overridden').expect(200);
    await feedback(app, card.uuid, 'overridden').expect(200);
    await feedback(app, '5b7e1c2d-0000-4000-8000-000000000001', 'overridden').expect(200);
    const s = await scrape(app);
    expect(s.value('hookwise_feedback_total', { service: 'order-sign', rule: 'ddi', outcome: 'overridden' })).toBe(1);
    expect(s.value('hookwise_feedback_duplicate_total', { service: 'order-sign' })).toBe(1);
    expect(s.value('hookwise_feedback_unknown_card_total', { service: 'order-sign' })).toBe(1);
    expect(
      s.value('hookwise_feedback_total', { service: 'order-sign', rule: 'ddi', outcome: 'accepted' }),
    ).toBeUndefined();

    // the override now silences the finding: counted by reason, not as a card sent
    expect((await postHook(app, 'order-sign', sign()).expect(200)).body).toEqual({ cards: [] });
    const after = await scrape(app);
    expect(after.value('hookwise_cards_suppressed_total', { service: 'order-sign', reason: 'overridden' })).toBe(1);
    expect(after.value('hookwise_cards_total', { service: 'order-sign', rule: 'ddi', indicator: 'critical' })).toBe(1);
  });

  it('an invalid request counts as outcome invalid of its service; an unknown id is not a label', async () => {
    const { app } = await buildApp();
    const body = sign();
    body.context.userId = 42;
    await postHook(app, 'order-sign', body).expect(400);
    await postHook(app, 'no-such-service-x1', sign()).expect(404);
    const s = await scrape(app);
    expect(s.value('hookwise_hook_duration_seconds_count', { service: 'order-sign', outcome: 'invalid' })).toBe(1);
    expect(s.labelValues()).not.toContain('no-such-service-x1');
  });

  it('refused JWTs are counted by reason', async () => {
    const { app } = await buildApp();
    await request(app).get('/cds-services').set('Authorization', 'Bearer not-a-jwt').expect(401);
    const none = handMade({ alg: 'none', typ: 'JWT', kid: 'k' }, { iss: 'https://ehr.example.org', jti: 'j1' }, 'c2ln');
    await request(app).get('/cds-services').set('Authorization', `Bearer ${none}`).expect(401);
    await request(app).get('/cds-services').set('Authorization', `Bearer ${none}`).expect(401);
    const s = await scrape(app);
    expect(s.value('hookwise_jwt_failures_total', { reason: 'malformed' })).toBe(1);
    expect(s.value('hookwise_jwt_failures_total', { reason: 'alg-not-allowed' })).toBe(2);
  });

  it('is served without a JWT in production, while /cds-services requires one (and counts the refusal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-trust-'));
    const trustFile = join(dir, 'issuers.json');
    writeFileSync(
      trustFile,
      JSON.stringify([{ iss: 'https://ehr.example.org', jwksUrl: 'https://ehr.example.org/jwks.json' }]),
    );
    const { app } = await buildApp({
      HOOKWISE_PROFILE: 'production',
      PUBLIC_BASE_URLS: 'https://cds.example.org',
      TRUSTED_ISSUERS_FILE: trustFile,
      FHIR_SERVER_ALLOWLIST: 'https://fhir.example.org/R4',
    });
    await request(app).get('/cds-services').expect(401);
    const s = await scrape(app);
    expect(s.value('hookwise_jwt_failures_total', { reason: 'missing' })).toBe(1);
    await request(app).get('/health').expect(200);
    await request(app).get('/ready').expect(200);
  });

  it('no label carries a patient id, a hookInstance or a request id, after every fixture', async () => {
    const { app } = await buildApp();
    fake = await startFakeFhir(() => ({ status: 500, body: {} }));
    const probes = new Set<string>();
    const files = [
      'order-sign-simvastatin-clarithromycin.json',
      'order-select-clarithromycin-simvastatin.json',
      'patient-view-metformin-low-egfr.json',
      'patient-view-beers-older-adult.json',
      'order-sign-duplicate-therapy.json',
      'spec-patient-view.json',
    ];
    for (const file of files) {
      const body = fixture(`requests/${file}`);
      body.fhirServer = fake.base;
      probes.add(body.context.patientId);
      probes.add(body.hookInstance);
      const res = await request(app)
        .post(`/cds-services/${body.hook}`)
        .set('content-type', 'application/json')
        .set('x-request-id', `req-${file}`)
        .send(JSON.stringify(body));
      expect([200, 412]).toContain(res.status);
      probes.add(`req-${file}`);
    }
    const s = await scrape(app);
    expect(s.sum('hookwise_hook_duration_seconds_count')).toBe(files.length);
    expect(s.sum('hookwise_cards_total')).toBeGreaterThan(0);
    for (const probe of probes) {
      expect(probe.length).toBeGreaterThan(3);
      expect(s.text).not.toContain(probe);
    }
    // labels are hookwise's own names only
    for (const value of s.labelValues()) expect(value).toMatch(/^([a-z0-9][a-zA-Z0-9_-]*|\+Inf|[0-9.]+|412)$/);
  });
});
