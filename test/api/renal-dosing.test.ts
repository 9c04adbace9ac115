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
    const { app } = buildApp();
    const res = await postHook(app, 'order-sign', signDofetilide()).expect(200);
    const card = res.body.cards.find((c: { summary: string }) => /dofetilide/i.test(c.summary));
    expect(card).toBeDefined();
    // (140 − 82) × 61 / (72 × 1.3) × 0.85 = 32.1 → 32 mL/min: the 20–<40 band (125 mcg twice daily)
    expect(card.detail).toMatch(/Cockcroft-Gault/);
    expect(card.detail).toMatch(/CrCl 32 mL\/min/);
    expect(card.indicator).not.toBe('info');
  });

  it('without a body weight there is no CrCl, and a CrCl rule does not fire on a guess', async () => {
    const { app } = buildApp();
    const body = signDofetilide();
    body.prefetch.weight = bundle();
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body.cards.filter((c: { summary: string }) => /dofetilide/i.test(c.summary))).toEqual([]);
  });
});
