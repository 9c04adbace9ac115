// The AI medication review against a real OpenAI-compatible model server on 127.0.0.1, through the real `openai`
// client: what the model sees, what it may answer, and every way it can fail without hurting the EHR.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { postHook } from '../support/app.js';
import { aiRequest, buildAiApp, CASCADE, PHI } from '../support/ai-app.js';
import { findingsAnswer, startModelServer, type ModelServer } from '../support/model-server.js';
import { scrape } from '../api/exposition.js';
import { AI_EXTENSION_URL, AI_GENERATED_EXTENSION_URL, NOTE_TYPE } from '../../src/ai/cards.js';
import type { AiCallRecord, Store } from '../../src/store/ledger.js';
import { storeLike } from '../support/app.js';
import { hookModules } from '../../hooks/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { aiCommand } from '../../src/ai/admin.js';

type App = Awaited<ReturnType<typeof buildAiApp>>;
const ID = 'ai-medication-review';

let model: ModelServer;
beforeAll(async () => {
  model = await startModelServer();
});
afterAll(async () => {
  await model.close();
});

const apps: App[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.ai?.close();
  model.queue.length = 0;
  model.fallback = findingsAnswer([]);
});

/** An app whose store also keeps every audit row, in order. */
async function aiApp(env: Record<string, string> = {}) {
  const rows: AiCallRecord[] = [];
  const base = await buildAiApp(model.url, env);
  const store: Store = storeLike(base.ledger, {
    recordAiCall: async (r) => {
      rows.push(r);
      await base.ledger.recordAiCall(r);
    },
  });
  const built = await buildAiApp(model.url, env, store);
  base.ai?.close();
  apps.push(built);
  return { ...built, rows };
}

async function metric(app: App['app'], name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await scrape(app)).value(name, labels) ?? 0;
}

const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('ai-medication-review: registration', () => {
  it('is in discovery with its prefetch and scopes when AI_BASE_URL is set', async () => {
    const { app } = await aiApp();
    const res = await request(app).get('/cds-services').expect(200);
    const svc = res.body.services.find((s: { id: string }) => s.id === ID);
    expect(svc.hook).toBe('patient-view');
    expect(Object.keys(svc.prefetch)).toEqual([
      'medications',
      'medicationRefs',
      'conditions',
      'labs',
      'allergies',
      'patient',
    ]);
    expect(svc.usageRequirements).toContain('Condition.read');
    expect(res.body.services.map((s: { id: string }) => s.id)).toEqual([...hookModules.map((m) => m.id), ID]);
  });
});

describe('ai-medication-review: a valid, grounded answer', () => {
  it('becomes an AI-labelled card with its evidence, extension, override reasons and a draft-note suggestion', async () => {
    const { app, rows, logs } = await aiApp();
    model.queue.push(findingsAnswer([CASCADE]));
    const res = await postHook(app, ID, aiRequest()).expect(200);
    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    expect(card.summary).toMatch(/^AI review: Furosemide may be treating/);
    expect(card.indicator).toBe('info');
    expect(card.source.label).toBe('hookwise AI medication review (model test-model-7b)');
    expect(card.detail).toContain('AI-generated: verify before acting');
    expect(card.detail).toContain('amlodipine 10 MG Oral Tablet (10 mg, 1 times per 1 d)');
    expect(card.detail).toContain('furosemide 20 MG Oral Tablet');
    expect(card.extension[AI_EXTENSION_URL]).toMatchObject({
      model: 'test-model-7b',
      confidence: 0.86,
      category: 'prescribing-cascade',
    });
    expect(card.extension[AI_EXTENSION_URL].promptVersion).toMatch(/^medication-review@v1\+[0-9a-f]{12}$/);
    expect(card.overrideReasons.map((r: { code: string }) => r.code)).toEqual([
      'ai-incorrect',
      'ai-not-relevant',
      'ai-already-addressed',
    ]);
    expect(card.selectionBehavior).toBe('at-most-one');
    const action = card.suggestions[0].actions[0];
    expect(card.suggestions[0].label).toBe('Save as draft note');
    expect(action.type).toBe('create');
    expect(action.resource).toMatchObject({
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'preliminary',
      type: { coding: [NOTE_TYPE] },
      subject: { reference: `Patient/${PHI.patientId}` },
      extension: [{ url: AI_GENERATED_EXTENSION_URL, valueBoolean: true }],
    });
    const note = Buffer.from(action.resource.content[0].attachment.data, 'base64').toString('utf8');
    expect(note).toContain('AI-generated medication review finding');
    expect(note).toContain('Evidence: amlodipine 10 MG Oral Tablet');
    await until(() => rows.length === 1);
    expect(rows[0]).toMatchObject({
      outcome: 'ok',
      late: false,
      findingsKept: 1,
      confidences: [0.86],
      model: 'test-model-7b',
    });
    // The log says what happened, never what the model wrote or whom it was about.
    const logged = logs.lines.join('\n');
    expect(logs.records().some((r) => r.message === 'ai review' && r.outcome === 'ok' && r.cards === 1)).toBe(true);
    for (const text of ['Furosemide', 'furosemide', 'amlodipine', 'oedema', PHI.family, PHI.patientId])
      expect(logged).not.toContain(text);
    expect(await metric(app, 'hookwise_ai_calls_total', { outcome: 'ok' })).toBe(1);
    expect(
      await metric(app, 'hookwise_cards_total', { service: ID, rule: 'ai-prescribing-cascade', indicator: 'info' }),
    ).toBe(1);
  });

  it('sends temperature 0, a max_tokens cap, a json_schema response format and the versioned prompt', async () => {
    const { app } = await aiApp();
    const before = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200);
    const body = JSON.parse(model.bodies[before]!);
    expect(body.temperature).toBe(0);
    expect(body.max_tokens).toBe(1200);
    expect(body.model).toBe('test-model-7b');
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.name).toBe('medication_review');
    expect(body.messages[0].content).toContain('clinical pharmacist');
  });

  it('a server that refuses json_schema: that call falls back, the next ones use JSON mode', async () => {
    const { app } = await aiApp();
    model.queue.push({
      kind: 'status',
      status: 400,
      body: { error: { message: "response_format 'json_schema' is not supported", type: 'invalid_request_error' } },
    });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'service_error' })).toBe(1);
    model.queue.push(findingsAnswer([CASCADE]));
    const before = model.bodies.length;
    expect((await postHook(app, ID, aiRequest()).expect(200)).body.cards).toHaveLength(1);
    expect(JSON.parse(model.bodies[before]!).response_format).toEqual({ type: 'json_object' });
  });

  it('no name, identifier, resource id, address, free-text note or birth date reaches the model', async () => {
    const { app } = await aiApp();
    const before = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200);
    const sent = model.bodies[before]!;
    for (const secret of [
      PHI.patientId,
      PHI.family,
      PHI.given,
      PHI.mrn,
      PHI.birthDate,
      PHI.address,
      '1947',
      'Springfield',
      ...PHI.ids,
    ]) {
      expect(sent).not.toContain(secret);
    }
    const facts = JSON.parse(JSON.parse(sent).messages[1].content).facts;
    expect(facts.patient).toEqual({ ageYears: 79, sex: 'female' });
    expect(facts.medications.map((m: { handle: string }) => m.handle)).toEqual(['M1', 'M2', 'M3']);
    expect(facts.conditions).toEqual([
      { handle: 'C1', condition: 'Hypertensive disorder', system: 'SNOMED CT', code: '38341003' },
    ]);
    expect(facts.labs[0]).toEqual({
      handle: 'L1',
      test: 'Potassium [Moles/volume] in Serum or Plasma',
      loinc: '2823-3',
      value: 5.4,
      unit: 'mmol/L',
      daysAgo: 2,
    });
    expect(facts.allergies[0].handle).toBe('A1');
  });
});

describe('ai-medication-review: what the answer must pass', () => {
  it('ungrounded, unknown-drug, low-confidence and rule-covered findings are dropped and counted by reason', async () => {
    const { app, rows } = await aiApp();
    model.queue.push(
      findingsAnswer([
        { ...CASCADE, evidence: ['M9'] }, // a handle that is not in the input
        { ...CASCADE, evidence: [] }, // no evidence
        { ...CASCADE, summary: 'Warfarin should be stopped.', evidence: ['M1'] }, // a drug not in the input
        { ...CASCADE, confidence: 0.4 }, // below AI_MIN_CONFIDENCE
        {
          ...CASCADE,
          category: 'reconsider-given-lab',
          summary: 'Lisinopril with a potassium of 5.4.',
          evidence: ['M3', 'L1'],
        }, // the potassium rule's
        { ...CASCADE, category: 'critical-alert' }, // not in the schema
      ]),
    );
    const res = await postHook(app, ID, aiRequest()).expect(200);
    expect(res.body.cards).toEqual([]);
    await until(() => rows.length === 1);
    expect(rows[0]!.outcome).toBe('ok');
    expect(rows[0]!.dropped).toEqual({
      schema: 1,
      'unknown-handle': 1,
      'no-evidence': 1,
      'unknown-drug': 1,
      'low-confidence': 1,
      'covered-by-rule': 1,
    });
    for (const reason of [
      'schema',
      'unknown-handle',
      'no-evidence',
      'unknown-drug',
      'low-confidence',
      'covered-by-rule',
    ]) {
      expect(await metric(app, 'hookwise_ai_findings_dropped_total', { reason })).toBe(1);
    }
  });

  it('the rule services answer as before: patient-view still gives its potassium card', async () => {
    const { app } = await aiApp();
    model.fallback = { kind: 'status', status: 500 };
    const res = await postHook(app, 'patient-view', {
      ...aiRequest(),
      prefetch: { ...aiRequest().prefetch, potassium: aiRequest().prefetch.labs },
    }).expect(200);
    expect(res.body.cards.map((c: { summary: string }) => c.summary).join(' ')).toMatch(/potassium/i);
  });

  it('at most 3 cards, never critical', async () => {
    const { app } = await aiApp();
    const lab = {
      ...CASCADE,
      category: 'reconsider-given-lab',
      summary: 'Amlodipine and furosemide review.',
      confidence: 0.95,
    };
    model.queue.push(
      findingsAnswer([
        CASCADE,
        lab,
        { ...CASCADE, category: 'duplicate-therapy' },
        { ...CASCADE, category: 'drug-without-indication' },
      ]),
    );
    const res = await postHook(app, ID, aiRequest()).expect(200);
    expect(res.body.cards).toHaveLength(3);
    expect(res.body.cards.map((c: { indicator: string }) => c.indicator)).toEqual(['warning', 'info', 'info']);
  });
});

describe('ai-medication-review: failures answer 200 {"cards": []} with a reason', () => {
  const cases: Array<[string, () => void, string]> = [
    [
      'invalid JSON',
      () => model.queue.push({ kind: 'answer', content: 'The patient looks fine to me.' }),
      'invalid_output',
    ],
    [
      'the wrong schema',
      () => model.queue.push({ kind: 'answer', content: JSON.stringify({ issues: [CASCADE] }) }),
      'invalid_output',
    ],
    ['a 500', () => model.queue.push({ kind: 'status', status: 500 }), 'service_error'],
    ['a connection reset', () => model.queue.push({ kind: 'reset' }), 'service_error'],
    ['an answer past the deadline', () => model.queue.push(findingsAnswer([CASCADE], 1500)), 'timeout'],
    ['a model that hangs', () => model.queue.push({ kind: 'hang' }), 'timeout'],
  ];
  it.each(cases)('%s', async (_name, script, reason) => {
    const { app, rows } = await aiApp();
    script();
    const res = await postHook(app, ID, aiRequest()).expect(200);
    expect(res.body).toEqual({ cards: [] });
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason })).toBe(1);
    // The service answered on its own, before the hook's deadline took over.
    expect(await metric(app, 'hookwise_deadline_expired_total', { service: ID })).toBe(0);
    expect(await metric(app, 'hookwise_hook_duration_seconds_count', { service: ID, outcome: 'ok' })).toBe(1);
    await until(() => rows.some((r) => !r.late));
    expect(rows.find((r) => !r.late)!.outcome).toBe(reason);
    expect(await metric(app, 'hookwise_ai_breaker_state', { state: 'closed' })).toBe(1);
  });

  it('a 429 with Retry-After opens the breaker for that long: the next call answers circuit_open without the model', async () => {
    const { app, rows } = await aiApp();
    model.queue.push({
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '30' },
      body: { error: { message: 'slow down', type: 'rate_limit' } },
    });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'rate_limited' })).toBe(1);
    expect(await metric(app, 'hookwise_ai_breaker_state', { state: 'isolated' })).toBe(1);
    const calls = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(model.bodies.length).toBe(calls);
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'circuit_open' })).toBe(1);
    await until(() => rows.length === 2);
    expect(rows.map((r) => r.outcome)).toEqual(['rate_limited', 'circuit_open']);
  });

  it('once the Retry-After has passed, the breaker closes and the model is called again', async () => {
    const { app, ai } = await aiApp();
    model.queue.push({ kind: 'status', status: 429, headers: { 'retry-after-ms': '200' } });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(ai!.breakerState).toBe('isolated');
    await until(() => ai!.breakerState === 'closed', 2000);
    model.queue.push(findingsAnswer([CASCADE]));
    expect((await postHook(app, ID, aiRequest()).expect(200)).body.cards).toHaveLength(1);
  });

  it('repeated failures open the breaker; later calls answer at once without calling the model', async () => {
    const { app, ai } = await aiApp({ AI_BREAKER_FAILURES: '2' });
    model.fallback = { kind: 'status', status: 503 };
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(ai!.breakerState).toBe('open');
    const calls = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(model.bodies.length).toBe(calls);
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'service_error' })).toBe(2);
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'circuit_open' })).toBe(1);
    expect(await metric(app, 'hookwise_ai_breaker_state', { state: 'open' })).toBe(1);
  });

  it('a half-open probe that succeeds closes the breaker again', async () => {
    const { app, ai } = await aiApp({ AI_BREAKER_FAILURES: '1', AI_BREAKER_OPEN_MS: '200' });
    model.queue.push({ kind: 'status', status: 500 });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(ai!.breakerState).toBe('open');
    await new Promise((r) => setTimeout(r, 250));
    model.queue.push(findingsAnswer([CASCADE]));
    const res = await postHook(app, ID, aiRequest()).expect(200);
    expect(res.body.cards).toHaveLength(1);
    expect(ai!.breakerState).toBe('closed');
  });

  it('past the bulkhead a call falls back at once (rate_limited) while the model is busy', async () => {
    const { app } = await aiApp({ AI_MAX_CONCURRENT: '1' });
    model.queue.push({ kind: 'hang' });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] }); // the hung call keeps its slot in the background
    const calls = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    await new Promise((r) => setTimeout(r, 100)); // a request on its way would have arrived by now
    expect(model.bodies.length).toBe(calls);
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'rate_limited' })).toBe(1);
    expect(await metric(app, 'hookwise_ai_calls_in_flight')).toBe(1);
  });
});

describe('ai-medication-review: late answers', () => {
  it('an answer after the deadline is cached and served on the next call with the same input; a changed input never reuses it', async () => {
    const { app, rows } = await aiApp();
    model.queue.push(findingsAnswer([CASCADE], 1300));
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    await until(async () => (await metric(app, 'hookwise_ai_late_answers_total', { result: 'stored' })) === 1);
    const calls = model.bodies.length;
    const again = await postHook(app, ID, aiRequest()).expect(200);
    expect(again.body.cards).toHaveLength(1);
    expect(model.bodies.length).toBe(calls); // from the cache, not the model
    expect(await metric(app, 'hookwise_ai_calls_total', { outcome: 'cache' })).toBe(1);

    model.queue.push(findingsAnswer([]));
    const changed = await postHook(app, ID, aiRequest({ extraLab: true })).expect(200);
    expect(changed.body.cards).toEqual([]);
    expect(model.bodies.length).toBe(calls + 1);
    await until(() => rows.length === 4);
    expect(rows.map((r) => [r.outcome, r.late])).toEqual([
      ['timeout', false],
      ['ok', true],
      ['cache', false],
      ['ok', false],
    ]);
  });
  it('a hung call in the background is aborted at AI_TIMEOUT_MS, freeing its slot, and audited as a late timeout', async () => {
    const { app, rows } = await aiApp({ AI_TIMEOUT_MS: '1500', AI_MAX_CONCURRENT: '1' });
    model.queue.push({ kind: 'hang' });
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(await metric(app, 'hookwise_ai_calls_in_flight')).toBe(1);
    await until(async () => (await metric(app, 'hookwise_ai_late_answers_total', { result: 'failed' })) === 1, 4000);
    expect(await metric(app, 'hookwise_ai_calls_in_flight')).toBe(0);
    await until(() => rows.length === 2);
    expect(rows.map((r) => [r.outcome, r.late])).toEqual([
      ['timeout', false],
      ['timeout', true],
    ]);
    model.queue.push(findingsAnswer([CASCADE]));
    expect((await postHook(app, ID, aiRequest()).expect(200)).body.cards).toHaveLength(1);
  });
});

describe('ai-medication-review: kill switch and shadow', () => {
  it('off in the shared ledger: every call answers disabled without the model, /ready and a metric show it; on again resumes', async () => {
    const { app, ledger } = await aiApp();
    expect((await request(app).get('/ready').expect(200)).body).toEqual({ status: 'ready', ai: 'on' });
    await ledger.setAiSwitch('off', Date.now());
    await until(async () => (await request(app).get('/ready')).body.ai === 'off', 5000);
    expect(await metric(app, 'hookwise_ai_enabled')).toBe(0);
    const calls = model.bodies.length;
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    expect(model.bodies.length).toBe(calls);
    expect(await metric(app, 'hookwise_ai_fallbacks_total', { reason: 'disabled' })).toBe(1);
    await ledger.setAiSwitch('on', Date.now());
    await until(async () => (await metric(app, 'hookwise_ai_enabled')) === 1, 5000);
    model.queue.push(findingsAnswer([CASCADE]));
    expect((await postHook(app, ID, aiRequest()).expect(200)).body.cards).toHaveLength(1);
  });

  it('two instances on one shared ledger: `npm run ai -- off` from a third connection turns both off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-ai-switch-'));
    const env = { LEDGER_PATH: join(dir, 'ledger.sqlite') };
    const config = loadConfig({ ...env, HOOKWISE_PROFILE: 'test' });
    const stores = [await openStore(config), await openStore(config), await openStore(config)];
    try {
      const a = await buildAiApp(model.url, env, stores[0]);
      const b = await buildAiApp(model.url, env, stores[1]);
      apps.push(a, b);
      expect(await aiCommand('off', stores[2]!, Date.now())).toMatch(/switched off/);
      await until(() => !a.ai!.enabled && !b.ai!.enabled, 5000);
      const calls = model.bodies.length;
      await postHook(a.app, ID, aiRequest()).expect(200, { cards: [] });
      await postHook(b.app, ID, aiRequest()).expect(200, { cards: [] });
      expect(model.bodies.length).toBe(calls);
      expect(await metric(b.app, 'hookwise_ai_fallbacks_total', { reason: 'disabled' })).toBe(1);
    } finally {
      for (const a of apps.splice(0)) a.ai?.close();
      await Promise.all(stores.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shadow: the model runs and its findings are recorded, the answer has no cards', async () => {
    const { app, rows } = await aiApp({ SERVICE_MODES: `${ID}=shadow` });
    model.queue.push(findingsAnswer([CASCADE]));
    await postHook(app, ID, aiRequest()).expect(200, { cards: [] });
    await until(() => rows.length === 1);
    expect(rows[0]).toMatchObject({ outcome: 'ok', shadow: true, findingsKept: 1 });
    expect(
      await metric(app, 'hookwise_shadow_cards_total', {
        service: ID,
        rule: 'ai-prescribing-cascade',
        indicator: 'info',
      }),
    ).toBe(1);
  });
});

describe('ai-medication-review: audit report', () => {
  it('feedback on an AI card joins to it: acceptance and override per category', async () => {
    const { app, ledger, rows } = await aiApp();
    model.queue.push(findingsAnswer([CASCADE]));
    const res = await postHook(app, ID, aiRequest()).expect(200);
    const card = res.body.cards[0];
    await request(app)
      .post(`/cds-services/${ID}/feedback`)
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          feedback: [
            {
              card: card.uuid,
              outcome: 'accepted',
              acceptedSuggestions: [{ id: card.suggestions[0].uuid }],
              outcomeTimestamp: new Date().toISOString(),
            },
          ],
        }),
      )
      .expect(200);
    await until(() => rows.length === 1);
    const report = await ledger.aiReport(0, ID);
    expect(report.calls).toEqual({ ok: 1 });
    expect(report.findingsKept).toBe(1);
    expect(report.meanConfidence).toBe(0.86);
    expect(report.categories).toEqual([{ category: 'prescribing-cascade', shown: 1, accepted: 1, overridden: 0 }]);
  });
});
