// Renal dosing of orders through the real app: Cockcroft-Gault from the prefetched Patient, creatinine and
// weight; no CrCl card when an input is missing.
import { describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });

function signDofetilide() {
  const patient = fixture('fhir/renal-patient-female-82.json');
  const body = {
    hook: 'order-sign',
    hookInstance: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
    context: {
      userId: 'Practitioner/example',
      patientId: patient.id,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: fixture('fhir/renal-draft-dofetilide.json') }] },
    },
    prefetch: {
      medications: bundle(),
      patient,
      creatinine: bundle(fixture('fhir/renal-creatinine-mgdl.json')),
      weight: bundle(fixture('fhir/renal-weight-kg.json')),
      egfr: null,
    } as Record<string, unknown>,
  };
  return body;
}

describe('renal dosing at order-sign', () => {
  it('a dofetilide order for an 82-year-old woman, 61 kg, SCr 1.3: a card citing the computed CrCl', async () => {
    const { app } = await buildApp();
    const res = await postHook(app, 'order-sign', signDofetilide()).expect(200);
    const card = res.body.cards.find((c: { summary: string }) => /dofetilide/i.test(c.summary));
    expect(card).toBeDefined();
    // (140 − 82) × 61 / (72 × 1.3) × 0.85 = 32.1 → 32 mL/min: the 20–<40 band (125 mcg twice daily)
    expect(card.detail).toMatch(/Cockcroft-Gault/);
    expect(card.detail).toMatch(/CrCl 32 mL\/min/);
    expect(card.indicator).not.toBe('info');
  });

  it('without a body weight there is no CrCl, and a CrCl rule does not fire on a guess', async () => {
    const { app } = await buildApp();
    const body = signDofetilide();
    body.prefetch.weight = bundle();
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body.cards.filter((c: { summary: string }) => /dofetilide/i.test(c.summary))).toEqual([]);
  });

  it('order-select without a medication list: metformin R02 says it may be continued therapy, not "not on metformin"', async () => {
    const { app } = await buildApp();
    const patient = fixture('fhir/renal-patient-female-82.json');
    const metformin = { resourceType: 'MedicationRequest', id: 'draft-met', status: 'draft', intent: 'order', subject: { reference: `Patient/${patient.id}` }, medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6809', display: 'metformin' }] } };
    const egfr = { resourceType: 'Observation', id: 'eg-1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '33914-3' }] }, effectiveDateTime: '2026-11-10T08:00:00Z', valueQuantity: { value: 40, unit: 'mL/min/{1.73_m2}' } };
    const body = {
      hook: 'order-select',
      hookInstance: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
      context: { userId: 'Practitioner/example', patientId: patient.id, selections: ['MedicationRequest/draft-met'], draftOrders: { resourceType: 'Bundle', entry: [{ resource: metformin }] } },
      prefetch: { allergies: bundle(), patient, egfr: bundle(egfr), creatinine: null, weight: null },
    };
    const res = await postHook(app, 'order-select', body).expect(200);
    const card = res.body.cards.find((c: { summary: string }) => /metformin/i.test(c.summary));
    expect(card).toBeDefined();
    expect(card.detail).toContain('If this order continues metformin');
  });
});
