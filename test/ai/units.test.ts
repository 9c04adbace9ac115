// The AI review's pure parts: settings, answer parsing, grounding, the de-identifier and the report text.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseAnswer } from '../../src/ai/output.js';
import { ground, ruleDrugSets } from '../../src/ai/ground.js';
import { deidentify } from '../../src/ai/deidentify.js';
import { formatAiReport, aiCommand } from '../../src/ai/admin.js';
import { retryAfterMs } from '../../src/ai/model-client.js';
import { loadPrompt } from '../../src/ai/prompt.js';
import { testKnowledge, TEST_NOW } from '../support/app.js';
import { aiRequest, CASCADE } from '../support/ai-app.js';
import type { HookData } from '../../src/cds/types.js';
import type { AiSwitchState } from '../../src/store/ledger.js';

describe('AI settings', () => {
  it('no AI_BASE_URL: no AI at all', () => {
    expect(loadConfig({}).ai).toBeUndefined();
  });

  it('with AI_BASE_URL: validated, with the documented defaults', () => {
    const c = loadConfig({ AI_BASE_URL: 'http://127.0.0.1:11434/v1/', AI_MODEL: 'llama3.1:8b' });
    expect(c.ai).toMatchObject({
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.1:8b',
      apiKey: '',
      minConfidence: 0.7,
      cacheMinutes: 60,
      maxConcurrent: 4,
    });
  });

  it.each([
    [{ AI_BASE_URL: 'ftp://model' }, /^AI_BASE_URL="ftp:\/\/model" must be an http\(s\) base URL/],
    [{ AI_BASE_URL: 'http://u:p@model/v1', AI_MODEL: 'm' }, /^AI_BASE_URL=/],
    [{ AI_BASE_URL: 'http://model/v1' }, /^AI_MODEL="" is required with AI_BASE_URL/],
    [
      { AI_BASE_URL: 'http://model/v1', AI_MODEL: 'm', AI_MIN_CONFIDENCE: '1.5' },
      /^AI_MIN_CONFIDENCE="1.5" must be between 0 and 1$/,
    ],
    [
      { AI_BASE_URL: 'http://model/v1', AI_MODEL: 'm', AI_API_KEY: 'k', AI_API_KEY_FILE: '/x' },
      /^AI_API_KEY_FILE=.* cannot be set together with AI_API_KEY/,
    ],
    [
      { AI_BASE_URL: 'http://model/v1', AI_MODEL: 'm', AI_API_KEY_FILE: '/no/such/key' },
      /^AI_API_KEY_FILE="\/no\/such\/key" cannot be read$/,
    ],
  ])('refuses %j with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the key from AI_API_KEY_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hookwise-ai-')), 'key');
    writeFileSync(file, 'sk-local-123\n');
    expect(loadConfig({ AI_BASE_URL: 'http://model/v1', AI_MODEL: 'm', AI_API_KEY_FILE: file }).ai?.apiKey).toBe(
      'sk-local-123',
    );
  });
});

describe('the prompt', () => {
  it('is a versioned file with a content hash', () => {
    const p = loadPrompt();
    expect(p.ref).toMatch(/^medication-review@v1\+[0-9a-f]{12}$/);
    expect(p.system).toContain('"findings"');
  });
});

describe('parseAnswer', () => {
  it('keeps the findings of the schema and counts the rest', () => {
    const r = parseAnswer(
      JSON.stringify({
        findings: [
          CASCADE,
          { ...CASCADE, confidence: 2 },
          { ...CASCADE, extra: 1 },
          { ...CASCADE, summary: 'x'.repeat(140) },
        ],
      }),
    );
    expect(r).toEqual({ ok: true, findings: [CASCADE], dropped: { schema: 3, excess: 0 } });
  });
  it('a fenced JSON answer is read; prose or another shape is not', () => {
    expect(parseAnswer('```json\n{"findings": []}\n```')).toMatchObject({ ok: true, findings: [] });
    expect(parseAnswer('No problems found.')).toEqual({ ok: false, why: 'not-json' });
    expect(parseAnswer('{"issues": []}')).toEqual({ ok: false, why: 'not-findings' });
  });
  it('a fence without json, with spaces inside, or an unclosed one: read as the regex it replaced read them', () => {
    expect(parseAnswer('```\n {"findings": []} \n```')).toMatchObject({ ok: true, findings: [] });
    expect(parseAnswer('  ```json{"findings": []}```  ')).toMatchObject({ ok: true, findings: [] });
    expect(parseAnswer('```json\n{"findings": []}')).toEqual({ ok: false, why: 'not-json' });
  });
  it('a hostile answer (a fence, then 100 000 spaces, never closed) is refused at once, not after minutes', () => {
    const start = performance.now();
    expect(parseAnswer('```' + ' '.repeat(100_000) + 'x')).toEqual({ ok: false, why: 'not-json' });
    // The regex this replaced took 3.9 s at 2 500 spaces and 188 s at 10 000 (worse than quadratic).
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('Retry-After', () => {
  it('reads seconds, milliseconds and an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '12' }))).toBe(12_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(100_000).toUTCString() }), 40_000)).toBe(60_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('de-identification and grounding', () => {
  const k = testKnowledge();
  const deid = deidentify({
    data: aiRequest().prefetch as HookData,
    patientId: 'pt-ai-4471',
    knowledge: k,
    now: new Date(TEST_NOW),
  });

  it('an age over 89 is sent as 90+ (HIPAA Safe Harbor), never exactly', () => {
    const data = structuredClone(aiRequest().prefetch) as Record<
      string,
      { entry?: Array<{ resource: Record<string, unknown> }> } & Record<string, unknown>
    >;
    const patient =
      (data.patient as Record<string, unknown>).resourceType === 'Patient'
        ? (data.patient as Record<string, unknown>)
        : undefined;
    expect(patient).toBeDefined();
    patient!.birthDate = `${new Date(TEST_NOW).getUTCFullYear() - 97}-01-02`;
    const old = deidentify({
      data: data as unknown as HookData,
      patientId: 'pt-ai-4471',
      knowledge: k,
      now: new Date(TEST_NOW),
    });
    expect(old.facts.patient).toMatchObject({ ageYears: 90, ageBand: '90+' });
    expect(JSON.stringify(old.facts)).not.toContain('97');
  });

  it('production refuses a plain-http model server off this machine, allows localhost', () => {
    const prod = { HOOKWISE_PROFILE: 'production', PUBLIC_BASE_URLS: 'https://cds.example.org', AI_MODEL: 'm' };
    expect(() => loadConfig({ ...prod, AI_BASE_URL: 'http://models.example.org/v1' })).toThrow(
      /AI_BASE_URL.*must be https in production/,
    );
    expect(() => loadConfig({ ...prod, AI_BASE_URL: 'http://127.0.0.1:11434/v1' })).not.toThrow(/AI_BASE_URL/);
  });

  it('keeps coded drugs with structured dose, coded conditions, labs as days ago, coded allergies; no free text', () => {
    expect(deid.facts.medications[0]).toEqual({
      handle: 'M1',
      drug: 'amlodipine 10 MG Oral Tablet',
      ingredients: ['amlodipine'],
      rxnorm: '308135',
      dose: '10 mg, 1 times per 1 d',
    });
    expect(deid.facts.conditions[0]!.condition).toBe('Hypertensive disorder');
    expect(deid.facts.labs.map((l) => l.daysAgo)).toEqual([2, 10]);
    expect(deid.facts.allergies[0]!.ingredients).toEqual(['penicillin g']);
    expect(JSON.stringify(deid.facts)).not.toMatch(/Theodora|Take one tablet|HTN per|headaches/);
  });

  it('a finding needs existing handles, a cited medication, only input drugs in its text, enough confidence, and no rule card of its own', () => {
    const base = { handles: deid.handles, knowledge: k, minConfidence: 0.7, ruleDrugSets: [new Set(['lisinopril'])] };
    const r = ground({
      ...base,
      findings: [
        CASCADE as never,
        { ...CASCADE, evidence: ['C1'] } as never, // cites no medication
        { ...CASCADE, evidence: ['M3'], summary: 'Lisinopril review.' } as never, // the rule's drug
        { ...CASCADE, detail: 'Switch to spironolactone.' } as never, // a drug that is not in the input
      ],
    });
    expect(r.kept.map((f) => f.drugs)).toEqual([['amlodipine', 'furosemide']]);
    expect(r.dropped).toEqual({ 'unknown-drug': 2, 'covered-by-rule': 1 });
  });

  it('the rule cards name their drugs', () => {
    expect(
      ruleDrugSets([{ summary: 'Potassium 5.4 with lisinopril' }, { summary: 'no drug here' }], deid.handles, k),
    ).toEqual([new Set(['lisinopril'])]);
  });
});

describe('admin', () => {
  it('on, off and status write and read the switch', async () => {
    let state: { state: AiSwitchState; changedAt?: number } = { state: 'on' };
    const store = {
      aiSwitch: async () => state,
      setAiSwitch: async (s: AiSwitchState, at: number) => {
        state = { state: s, changedAt: at };
      },
    } as never;
    expect(await aiCommand('status', store, 0)).toBe('AI review is on (never switched).');
    await aiCommand('off', store, Date.parse(TEST_NOW));
    expect(await aiCommand('status', store, 0)).toBe(`AI review is off (since ${new Date(TEST_NOW).toISOString()}).`);
    await expect(aiCommand('maybe', store, 0)).rejects.toThrow("unknown command 'maybe'");
  });

  it('the report prints acceptance and override rates per category', () => {
    const text = formatAiReport(
      {
        since: 0,
        calls: { ok: 3, timeout: 1 },
        lateAnswers: 1,
        meanLatencyMs: 800,
        findingsKept: 4,
        dropped: { 'low-confidence': 2 },
        meanConfidence: 0.8,
        categories: [{ category: 'prescribing-cascade', shown: 4, accepted: 1, overridden: 2 }],
      },
      'ai-medication-review',
    );
    expect(text).toContain('calls: 4, mean latency 800 ms');
    expect(text).toMatch(/prescribing-cascade\s+4\s+1\s+2\s+25 %\s+50 %/);
    expect(text).toMatch(/low-confidence\s+2/);
  });
});
