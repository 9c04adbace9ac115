// Fewer, better interruptions: a finding the clinician overrode is not shown again for the same patient within
// the window, unless it got worse; accepted cards and other patients are unaffected.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { IssuedCard, Store } from '../../src/store/ledger.js';
import { emptyAiReport } from '../../src/store/ledger.js';
import { rebuildApp } from '../support/app.js';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { fixedClock } from '../../src/clock.js';

type App = Parameters<typeof request>[0];
let n = 0;
const instance = () => `0b0e2c4a-1f3d-4c5e-8a7b-${String(++n).padStart(12, '0')}`;

function feedback(app: App, id: string, card: string, outcome: 'overridden' | 'accepted', suggestion?: string) {
  const item: Record<string, unknown> = { card, outcome, outcomeTimestamp: '2026-11-23T12:01:00Z' };
  if (outcome === 'overridden')
    item.overrideReason = {
      reason: { system: 'https://hookwise.dev/cds/override-reasons', code: 'benefit-outweighs-risk' },
    };
  else item.acceptedSuggestions = [{ id: suggestion }];
  return request(app)
    .post(`/cds-services/${id}/feedback`)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ feedback: [item] }));
}

/** A store that remembers nothing, for tests that replace one method. */
const inert: Store = {
  backend: 'sqlite',
  patientKey: (p) => p,
  recordIssued: async () => undefined,
  recordFeedback: async () => ({ status: 'unknown-card' }),
  suppression: async () => undefined,
  firstSeen: async () => true,
  aiSwitch: async () => ({ state: 'on' }),
  setAiSwitch: async () => undefined,
  recordAiCall: async () => undefined,
  aiCacheGet: async () => undefined,
  aiCachePut: async () => undefined,
  aiReport: async (since) => emptyAiReport(since),
  ping: async () => undefined,
  close: async () => undefined,
};

const sign = (): Record<string, any> => ({
  ...fixture('requests/order-sign-simvastatin-clarithromycin.json'),
  hookInstance: instance(),
});

describe('suppression after an override', () => {
  it('an overridden interaction is not shown again for the same patient, but still is for another patient', async () => {
    const { app, logs } = await buildApp();
    const first = await postHook(app, 'order-sign', sign()).expect(200);
    expect(first.body.cards).toHaveLength(1);
    expect(first.body.cards[0].finding).toBeUndefined(); // internal, never sent
    await feedback(app, 'order-sign', first.body.cards[0].uuid, 'overridden').expect(200);

    const again = await postHook(app, 'order-sign', sign()).expect(200);
    expect(again.body).toEqual({ cards: [] });
    expect(
      logs
        .records()
        .filter((r) => r.message === 'hook invocation')
        .at(-1),
    ).toMatchObject({ suppressed: { overridden: 1 } });

    const other = sign();
    other.context.patientId = 'another-patient-77';
    expect((await postHook(app, 'order-sign', other).expect(200)).body.cards).toHaveLength(1);

    // the same patient id at another EHR (another FHIR server) is another patient
    const elsewhere = sign();
    elsewhere.fhirServer = 'https://fhir.other-hospital.example.org/R4';
    expect((await postHook(app, 'order-sign', elsewhere).expect(200)).body.cards).toHaveLength(1);
  });

  it('an accepted card does not silence anything', async () => {
    const { app } = await buildApp();
    const first = await postHook(app, 'order-sign', sign()).expect(200);
    const card = first.body.cards[0];
    await feedback(app, 'order-sign', card.uuid, 'accepted', card.suggestions[0].uuid).expect(200);
    expect((await postHook(app, 'order-sign', sign()).expect(200)).body.cards).toHaveLength(1);
  });

  it('a finding that got worse is shown again (metformin: overridden at eGFR 38, shown at 24)', async () => {
    const { app } = await buildApp();
    const pv = (egfr: number) => {
      const body = fixture('requests/patient-view-metformin-low-egfr.json');
      body.hookInstance = instance();
      body.prefetch.egfr.entry[0].resource.valueQuantity.value = egfr;
      return body;
    };
    const warning = await postHook(app, 'patient-view', pv(38)).expect(200);
    const metforminCard = warning.body.cards.find((c: { summary: string }) => /metformin/i.test(c.summary));
    expect(metforminCard.indicator).toBe('warning');
    await feedback(app, 'patient-view', metforminCard.uuid, 'overridden').expect(200);
    const quiet = await postHook(app, 'patient-view', pv(37)).expect(200);
    expect(quiet.body.cards.filter((c: { summary: string }) => /metformin/i.test(c.summary))).toHaveLength(0);
    const worse = await postHook(app, 'patient-view', pv(24)).expect(200);
    expect(
      worse.body.cards
        .filter((c: { summary: string; indicator: string }) => /metformin/i.test(c.summary))
        .map((c: { indicator: string }) => c.indicator),
    ).toEqual(['critical']);
  });

  it('OVERRIDE_SUPPRESS_HOURS=0 turns suppression off', async () => {
    const { app } = await buildApp({ OVERRIDE_SUPPRESS_HOURS: '0' });
    const first = await postHook(app, 'order-sign', sign()).expect(200);
    await feedback(app, 'order-sign', first.body.cards[0].uuid, 'overridden').expect(200);
    expect((await postHook(app, 'order-sign', sign()).expect(200)).body.cards).toHaveLength(1);
  });

  it('feedback for a card hookwise does not know is answered 200, counted and not stored', async () => {
    const { app, logs } = await buildApp();
    await feedback(app, 'order-sign', '9368d37b-283f-44a0-93ea-547cebab93ed', 'overridden').expect(200);
    expect(logs.records().find((r) => r.message === 'feedback')).toMatchObject({
      feedback: { overridden: 0, accepted: 0, duplicate: 0, unknownCard: 1 },
    });
  });

  it('malformed feedback answers 400 naming the problem (cds-fb-2)', async () => {
    const { app } = await buildApp();
    const res = await request(app)
      .post('/cds-services/order-sign/feedback')
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({ feedback: [{ card: 'x', outcome: 'accepted', outcomeTimestamp: '2026-11-23T12:00:00Z' }] }),
      );
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toContain('acceptedSuggestions is required when outcome is accepted');
  });

  it('a failing ledger shows every card (safer than hiding one) and logs an error', async () => {
    const base = await buildApp();
    const broken: Store = {
      ...inert,
      patientKey: () => 'k',
      recordIssued: async () => {
        throw new Error('store down');
      },
      suppression: async () => {
        throw new Error('store down');
      },
    };
    const { app, logs } = rebuildApp(base, { ledger: broken });
    const res = await postHook(app, 'order-sign', sign()).expect(200);
    expect(res.body.cards).toHaveLength(1);
    expect(
      logs
        .records()
        .filter((r) => r.level === 'error')
        .map((r) => r.message),
    ).toEqual(['card ledger failed; showing every card', 'card ledger failed to record issued cards']);
  });

  it('findings about one draft come as one card; overriding it silences each of them', async () => {
    const { app } = await buildApp();
    const body = sign();
    const simva = body.prefetch.medications.entry[0];
    const ergot = JSON.parse(JSON.stringify(simva));
    ergot.resource.id = 'eErgot02';
    ergot.resource.medicationCodeableConcept = {
      text: 'ergotamine tartrate 1 MG Oral Tablet',
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'ergotamine tartrate 1 MG Oral Tablet' },
      ],
    };
    body.prefetch.medications.entry.push(ergot);
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    expect(card.summary).toMatch(/\(\+1 more about this order\)$/);
    expect(card.detail).toMatch(/simvastatin/i);
    expect(card.detail).toMatch(/ergotamine/i);
    // One "remove" for the draft (the same action from both findings), and azithromycin in place of it.
    expect(card.suggestions.map((x: { label: string }) => x.label)).toEqual([
      'Order azithromycin instead of clarithromycin',
      'Remove the clarithromycin order',
    ]);
    await feedback(app, 'order-sign', card.uuid, 'overridden').expect(200);
    const onlyErgot = sign();
    onlyErgot.prefetch.medications.entry = [ergot];
    expect((await postHook(app, 'order-sign', onlyErgot).expect(200)).body).toEqual({ cards: [] });
  });

  // The HL7 PDDI CDS guide's coordination: order-sign leaves out what order-select showed only when the EHR asks.
  const PDDI = 'pddi-configuration-items';
  const isPair = (c: { summary: string }) => /clarithromycin/i.test(c.summary) && /simvastatin/i.test(c.summary);
  function selectThenSign(selectItems?: Record<string, boolean>, signItems?: Record<string, boolean>) {
    const select: Record<string, any> = {
      ...fixture('requests/order-select-clarithromycin-simvastatin.json'),
      hookInstance: instance(),
    };
    if (selectItems) select.extension = { [PDDI]: selectItems };
    const signBody: Record<string, any> = {
      ...select,
      hook: 'order-sign',
      hookInstance: instance(),
      context: { ...select.context },
    };
    delete signBody.extension;
    if (signItems) signBody.extension = { [PDDI]: signItems };
    delete signBody.context.selections;
    // The draft is signed under another id (EHRs may re-key a draft): matched by drug code, not by id.
    const clari = JSON.parse(
      JSON.stringify(
        select.context.draftOrders.entry.find(
          (e: { resource: { id: string } }) => e.resource.id === 'draft-clari-7302',
        ),
      ),
    );
    clari.resource.id = 'signed-clari-1';
    signBody.context.draftOrders = { ...select.context.draftOrders, entry: [clari] };
    return { select, signBody };
  }

  it("by default (no extension) order-sign repeats what order-select showed: the guide's default", async () => {
    const { app } = await buildApp();
    const { select, signBody } = selectThenSign();
    expect((await postHook(app, 'order-select', select).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
    expect((await postHook(app, 'order-sign', signBody).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
  });

  it('with cache-for-order-sign-filtering and filter-out-repeated-alerts, order-sign leaves out the repeat', async () => {
    const { app, logs } = await buildApp();
    const { select, signBody } = selectThenSign(
      { 'cache-for-order-sign-filtering': true },
      { 'filter-out-repeated-alerts': true },
    );
    expect((await postHook(app, 'order-select', select).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
    expect((await postHook(app, 'order-sign', signBody).expect(200)).body.cards.filter(isPair)).toEqual([]);
    expect(
      logs
        .records()
        .filter((r) => r.message === 'hook invocation')
        .at(-1),
    ).toMatchObject({ suppressed: { 'seen-at-order-select': 1 } });

    // another patient, another clinician, another encounter: each is another ordering session, so it is shown
    for (const change of [
      { patientId: 'someone-else-1' },
      { userId: 'Practitioner/attending-2' },
      { encounterId: 'another-encounter' },
    ]) {
      const other = { ...signBody, hookInstance: instance(), context: { ...signBody.context, ...change } };
      expect((await postHook(app, 'order-sign', other).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
    }
    // another drug code for the draft (clarithromycin coded differently): not the same order, shown
    const recoded = JSON.parse(JSON.stringify(signBody));
    recoded.hookInstance = instance();
    const concept = recoded.context.draftOrders.entry[0].resource.medicationCodeableConcept;
    concept.coding = concept.coding.map((c: { code: string }) => ({ ...c, code: '21212' }));
    expect((await postHook(app, 'order-sign', recoded).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
  });

  it('a draft signed without an id (the HL7 PDDI-CDS order-sign examples) is matched by its drug code all the same', async () => {
    const { app } = await buildApp();
    const { select, signBody } = selectThenSign(
      { 'cache-for-order-sign-filtering': true },
      { 'filter-out-repeated-alerts': true },
    );
    delete signBody.context.draftOrders.entry[0].resource.id;
    // Without the filter, the card is sent with no action on the draft: the EHR never sent its id.
    const unfiltered = { ...signBody, hookInstance: instance(), extension: undefined };
    const shown = (await postHook(app, 'order-sign', unfiltered).expect(200)).body.cards.filter(isPair);
    expect(shown).toHaveLength(1);
    expect(JSON.stringify(shown[0])).not.toContain('hookwise-unidentified-draft');
    expect(shown[0].suggestions ?? []).toEqual([]);
    expect(shown[0].selectionBehavior).toBeUndefined();
    await postHook(app, 'order-select', select).expect(200);
    expect((await postHook(app, 'order-sign', signBody).expect(200)).body.cards.filter(isPair)).toEqual([]);
  });

  it('filters only when both calls asked: an order-select that did not cache leaves nothing to filter', async () => {
    const { app } = await buildApp();
    const onlySign = selectThenSign(undefined, { 'filter-out-repeated-alerts': true });
    await postHook(app, 'order-select', onlySign.select).expect(200);
    expect((await postHook(app, 'order-sign', onlySign.signBody).expect(200)).body.cards.filter(isPair)).toHaveLength(
      1,
    );
    const onlySelect = selectThenSign({ 'cache-for-order-sign-filtering': true });
    await postHook(app, 'order-select', onlySelect.select).expect(200);
    expect((await postHook(app, 'order-sign', onlySelect.signBody).expect(200)).body.cards.filter(isPair)).toHaveLength(
      1,
    );
  });

  it('ORDER_SIGN_FILTER_CLIENTS turns filtering on for a client that cannot send the extension', async () => {
    const { app } = await buildApp({ ORDER_SIGN_FILTER_CLIENTS: '*' });
    const { select, signBody } = selectThenSign();
    expect((await postHook(app, 'order-select', select).expect(200)).body.cards.filter(isPair)).toHaveLength(1);
    expect((await postHook(app, 'order-sign', signBody).expect(200)).body.cards.filter(isPair)).toEqual([]);
  });

  it('patient-view cards offer coded override reasons, and an override with one silences the finding', async () => {
    const { app } = await buildApp();
    const pv = () => ({
      ...fixture('requests/patient-view-critical-potassium-lisinopril.json'),
      hookInstance: instance(),
    });
    const first = await postHook(app, 'patient-view', pv()).expect(200);
    expect(first.body.cards.length).toBeGreaterThan(0);
    for (const c of first.body.cards) expect(c.overrideReasons?.length).toBeGreaterThan(0);
    const card = first.body.cards[0];
    await feedback(app, 'patient-view', card.uuid, 'overridden').expect(200);
    const again = await postHook(app, 'patient-view', pv()).expect(200);
    expect(again.body.cards.map((c: { summary: string }) => c.summary)).not.toContain(card.summary);
  });

  it('a critical card dismissed without a coded reason stays quiet for the session only (CARD_MEMORY_HOURS)', async () => {
    const base = await buildApp({ CARD_MEMORY_HOURS: '2' });
    const { app } = base;
    const first = await postHook(app, 'order-sign', sign()).expect(200);
    const card = first.body.cards[0];
    expect(card.indicator).toBe('critical');
    const item = {
      card: card.uuid,
      outcome: 'overridden',
      overrideReason: { userComment: 'discussed with pharmacy' },
      outcomeTimestamp: '2026-11-23T12:01:00Z',
    };
    await request(app)
      .post('/cds-services/order-sign/feedback')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ feedback: [item] }))
      .expect(200);
    expect((await postHook(app, 'order-sign', sign()).expect(200)).body).toEqual({ cards: [] });
    // The same app an hour later: still quiet; three hours later (past CARD_MEMORY_HOURS): shown again.
    const later = (iso: string) => rebuildApp(base, { clock: fixedClock(iso) }).app;
    expect((await postHook(later('2026-11-23T13:00:00Z'), 'order-sign', sign()).expect(200)).body).toEqual({
      cards: [],
    });
    expect((await postHook(later('2026-11-23T15:00:00Z'), 'order-sign', sign()).expect(200)).body.cards).toHaveLength(
      1,
    );
  });

  it('a call answered empty at the deadline records nothing as shown', async () => {
    const base = await buildApp({ HOOK_DEADLINE_MS: '150' });
    const recorded: unknown[] = [];
    const slow: Store = {
      ...inert,
      patientKey: (p) => p,
      recordIssued: async (cards) => {
        recorded.push(...cards);
      },
      suppression: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 300)),
    };
    const { app } = rebuildApp(base, { ledger: slow });
    const res = await postHook(app, 'order-sign', sign()).expect(200);
    expect(res.body).toEqual({ cards: [] });
    await new Promise((r) => setTimeout(r, 400));
    expect(recorded).toEqual([]);
  });

  it('a hung ledger costs one bound, not one per card: every card is still shown before the deadline', async () => {
    const base = await buildApp({ HOOK_DEADLINE_MS: '2500' });
    const hung: Store = {
      ...inert,
      suppression: () => new Promise(() => undefined),
      recordIssued: () => new Promise(() => undefined),
    };
    const { app, logs } = rebuildApp(base, { ledger: hung });
    const body = fixture('requests/order-sign-duplicate-therapy.json');
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body.cards.length).toBeGreaterThanOrEqual(2);
    const line = logs.records().find((r) => r.message === 'hook invocation');
    expect(line).toMatchObject({ outcome: 'ok' });
    expect(logs.records().filter((r) => r.message === 'card ledger failed; showing every card')).toHaveLength(1);
  });

  it('cards are recorded only once the answer will carry them; a slow record does not empty the answer', async () => {
    const base = await buildApp({ HOOK_DEADLINE_MS: '300' });
    const recorded: IssuedCard[] = [];
    const slowRecord: Store = {
      ...inert,
      recordIssued: (cards) =>
        new Promise((resolve) =>
          setTimeout(() => {
            recorded.push(...cards);
            resolve();
          }, 400),
        ),
    };
    const { app } = rebuildApp(base, { ledger: slowRecord });
    const res = await postHook(app, 'order-sign', sign()).expect(200);
    expect(res.body.cards).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(recorded.map((c) => c.uuid)).toEqual([res.body.cards[0].uuid]);
  });
});
