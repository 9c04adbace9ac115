// The order rules added to order-select and order-sign, through the real app: duplicate therapy, dual RAAS
// blockade, ONC high-priority interactions at selection, and the near misses.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp, postHook, testKnowledge, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

type CardJson = Record<string, any>;
const summaries = (cards: CardJson[]) => cards.map((c) => [c.indicator, c.summary]);

describe('order-sign: duplicate therapy and dual RAAS blockade', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('rivaroxaban with active warfarin, losartan with active lisinopril: two warnings; the simvastatin renewal is quiet', async () => {
    const res = await postHook(app, 'order-sign', fixture('requests/order-sign-duplicate-therapy.json')).expect(200);
    expect(summaries(res.body.cards)).toEqual([
      ['warning', 'Two oral anticoagulants: rivaroxaban + warfarin, serious bleeding risk. Stop one'],
      ['warning', 'Use one RAAS blocker: lisinopril (ACE inhibitor) + losartan (ARB)'],
    ]);
    for (const card of res.body.cards) {
      expect(card.finding).toBeUndefined();
      expect(card.detail).toContain(testKnowledge().version);
      const deletes = card.suggestions.flatMap((s: CardJson) => s.actions);
      expect(deletes).toHaveLength(1);
      expect(deletes[0].type).toBe('delete');
      expect(card.overrideReasons.length).toBeGreaterThan(0);
    }
    expect(res.body.cards[0].suggestions[0].actions[0].resourceId).toBe('MedicationRequest/draft-riva-5102');
  });

  it('near miss: the warfarin stopped and the lisinopril entered in error give no card', async () => {
    const body = fixture('requests/order-sign-duplicate-therapy.json');
    body.prefetch.medications.entry[0].resource.status = 'stopped';
    body.prefetch.medications.entry[1].resource.status = 'entered-in-error';
    expect((await postHook(app, 'order-sign', body).expect(200)).body).toEqual({ cards: [] });
  });

  it('without the renewal link the same simvastatin product is a re-order (info); another strength is a duplicate (warning)', async () => {
    const body = fixture('requests/order-sign-duplicate-therapy.json');
    delete body.context.draftOrders.entry[2].resource.priorPrescription;
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(summaries(res.body.cards)).toContainEqual([
      'info',
      'Simvastatin re-ordered while active: if this renews it, stop the old order',
    ]);
    const stronger = fixture('requests/order-sign-duplicate-therapy.json');
    delete stronger.context.draftOrders.entry[2].resource.priorPrescription;
    stronger.context.draftOrders.entry[2].resource.medicationCodeableConcept = {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'Simvastatin 40 MG Oral Tablet' }],
    };
    const res2 = await postHook(app, 'order-sign', stronger).expect(200);
    expect(summaries(res2.body.cards)).toContainEqual([
      'warning',
      'Duplicate simvastatin: already taken. Keep one order',
    ]);
  });
});

describe('order-select: interactions and duplicates for the selected draft', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('selected clarithromycin with active simvastatin (and the simvastatin draft): one critical card; no duplicate card for the unselected draft', async () => {
    const res = await postHook(
      app,
      'order-select',
      fixture('requests/order-select-clarithromycin-simvastatin.json'),
    ).expect(200);
    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    expect(card.indicator).toBe('critical');
    expect(card.summary).toBe('Hold simvastatin during clarithromycin, or choose azithromycin');
    expect(card.detail).toContain('Selected order');
    // Replace with azithromycin, or remove: both act on the selected draft only.
    expect(card.suggestions.map((s: CardJson) => s.label)).toEqual([
      'Order azithromycin instead of clarithromycin',
      'Remove the clarithromycin order',
    ]);
    expect(card.suggestions.flatMap((s: CardJson) => s.actions).filter((a: CardJson) => a.type === 'delete')).toEqual([
      {
        type: 'delete',
        description: 'Remove the clarithromycin order',
        resourceId: 'MedicationRequest/draft-clari-7302',
      },
      {
        type: 'delete',
        description: 'Remove the clarithromycin order',
        resourceId: 'MedicationRequest/draft-clari-7302',
      },
    ]);
  });

  it('selecting the simvastatin draft instead: the duplicate of the active simvastatin and the interaction with the other draft', async () => {
    const body = fixture('requests/order-select-clarithromycin-simvastatin.json');
    body.context.selections = ['MedicationRequest/draft-simva-7302'];
    const res = await postHook(app, 'order-select', body).expect(200);
    expect(summaries(res.body.cards)).toEqual([
      ['critical', 'Hold simvastatin during clarithromycin, or choose azithromycin'],
      ['warning', 'Duplicate simvastatin: already taken. Keep one order'],
    ]);
  });

  it('discovery lists medications and medicationRefs as optional order-select keys', async () => {
    const res = await request(app).get('/cds-services').expect(200);
    const svc = res.body.services.find((s: CardJson) => s.id === 'order-select');
    expect(Object.keys(svc.prefetch)).toEqual([
      'allergies',
      'draftMedications',
      'medications',
      'medicationRefs',
      'medicationStatements',
      'medicationDispenses',
      'medicationAdministrations',
      'patient',
      'creatinine',
      'weight',
      'egfr',
      'giBleedHistory',
      'orderLabs',
    ]);
    expect(svc.prefetch.medications).toBe('MedicationRequest?patient={{context.patientId}}&status=active');
  });
});
