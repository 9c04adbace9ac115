import { afterEach, describe, expect, it } from '@jest/globals';
import type { HookModule } from '../../src/cds/hook-module.js';
import { hookModules } from '../../hooks/index.js';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const post = postHook;

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe('the deadline', () => {
  it('a FHIR server that hangs: 200 with empty cards, and the read is aborted (the server sees the connection close)', async () => {
    const { app, logs } = await buildApp({ HOOK_DEADLINE_MS: '400' });
    fake = await startFakeFhir(() => ({ hang: true }));
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    const res = await post(app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
    expect(fake.seen).toHaveLength(1);
    await until(() => fake!.closedEarly === 1);
    expect(fake.closedEarly).toBe(1);
    const line = logs.records().find((r) => r.message === 'hook invocation');
    expect(line).toMatchObject({ outcome: 'timeout', status: 200, service: 'order-sign', deadlineMs: 400 });
  });

  it('a slow FHIR server: every missing key is read at once (the server sees them overlap)', async () => {
    const { app } = await buildApp();
    fake = await startFakeFhir(() => ({ body: searchset([]), delayMs: 150 }));
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    delete body.prefetch.egfr;
    const res = await post(app, 'patient-view', body);
    expect(res.status).toBe(200);
    // medications and egfr, plus potassium, inr and the three recent-record keys, which the fixture does not send
    // (patient it does): all seven at once, within the default FHIR_CONCURRENCY of 8
    expect(fake.seen).toHaveLength(7);
    expect(fake.maxInFlight).toBe(7);
  });

  it('FHIR_CONCURRENCY bounds the reads in flight', async () => {
    const { app } = await buildApp({ FHIR_CONCURRENCY: '1' });
    fake = await startFakeFhir(() => ({ body: searchset([]), delayMs: 50 }));
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    body.fhirServer = fake.base;
    delete body.prefetch.medications;
    delete body.prefetch.egfr;
    await post(app, 'patient-view', body).expect(200);
    expect(fake.seen).toHaveLength(7);
    expect(fake.maxInFlight).toBe(1);
  });

  it('a card source that throws: 200 with empty cards and an error log line, never a 500', async () => {
    const throwing: HookModule = {
      ...hookModules.find((m) => m.id === 'order-sign')!,
      decide: () => {
        throw new TypeError('Cannot read properties of undefined (reading Marguerite Ellsworth-Pike)');
      },
    };
    const { app, logs } = await buildApp({}, [throwing]);
    const res = await post(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
    const error = logs.records().find((r) => r.level === 'error');
    expect(error).toMatchObject({
      message: 'hook failed; answering empty cards',
      errorType: 'TypeError',
      service: 'order-sign',
    });
    expect(logs.lines.join('\n')).not.toContain('Marguerite');
    expect(logs.records().find((r) => r.message === 'hook invocation')).toMatchObject({
      outcome: 'error',
      status: 200,
    });
  });

  it('a card that breaks the spec is dropped and logged in production, and fails loudly in tests', async () => {
    const sloppy: HookModule = {
      ...hookModules.find((m) => m.id === 'order-sign')!,
      decide: () => [
        { summary: 'Fine card', indicator: 'info', source: { label: 'hookwise' } },
        { summary: 'x'.repeat(150), indicator: 'warning', source: { label: 'hookwise' } },
      ],
    };
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const prod = await buildApp({ RESPONSE_CONTRACT: 'drop' }, [sloppy]);
    const res = await post(prod.app, 'order-sign', body);
    expect(res.status).toBe(200);
    expect(res.body.cards.map((c: { summary: string }) => c.summary)).toEqual(['Fine card']);
    expect(res.body.cards[0].uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(prod.logs.records().find((r) => r.level === 'error')).toMatchObject({
      message: 'card dropped: response contract',
      dropped: 1,
      violations: ['summary must be under 140 characters'],
    });
    const strict = await buildApp({ RESPONSE_CONTRACT: 'throw' }, [sloppy]);
    expect((await post(strict.app, 'order-sign', body)).status).toBe(500);
  });
});
