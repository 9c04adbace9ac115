// Renal dosing of orders through the real app: Cockcroft-Gault from the prefetched Patient, creatinine and
// weight; no CrCl card when an input is missing.
import { describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

const bundle = (...resources: unknown[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});

function signDofetilide() {
  const patient = fixture('fhir/renal-patient-female-82.json');
  const body = {
    hook: 'order-sign',
    hookInstance: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
    context: {
      userId: 'Practitioner/example',
      patientId: patient.id,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: fixture('fhir/renal-draft-dofetilide.json') }],
      },
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
    const metformin = {
      resourceType: 'MedicationRequest',
      id: 'draft-met',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${patient.id}` },
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6809', display: 'metformin' }],
      },
    };
    const egfr = {
      resourceType: 'Observation',
      id: 'eg-1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '33914-3' }] },
      effectiveDateTime: '2026-11-10T08:00:00Z',
      valueQuantity: { value: 40, unit: 'mL/min/{1.73_m2}' },
    };
    const body = {
      hook: 'order-select',
      hookInstance: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
      context: {
        userId: 'Practitioner/example',
        patientId: patient.id,
        selections: ['MedicationRequest/draft-met'],
        draftOrders: { resourceType: 'Bundle', entry: [{ resource: metformin }] },
      },
      prefetch: { allergies: bundle(), patient, egfr: bundle(egfr), creatinine: null, weight: null },
    };
    const res = await postHook(app, 'order-select', body).expect(200);
    const card = res.body.cards.find((c: { summary: string }) => /metformin/i.test(c.summary));
    expect(card).toBeDefined();
    expect(card.detail).toContain('If this order continues metformin');
  });

  it('an Eliquis 5 mg order (Epic medicationReference) for an 84-year-old, 58 kg: reduce to 2.5 mg, trace in the extension', async () => {
    const { app } = await buildApp();
    const patient = { resourceType: 'Patient', id: 'pat-apx', gender: 'female', birthDate: '1942-03-01' };
    const med = {
      resourceType: 'Medication',
      id: 'eliquis-5',
      code: {
        coding: [
          { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display: 'apixaban 5 MG Oral Tablet [Eliquis]' },
        ],
        text: 'ELIQUIS 5 MG TABS',
      },
    };
    const order = {
      resourceType: 'MedicationRequest',
      id: 'draft-apx',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/pat-apx' },
      medicationReference: { reference: 'Medication/eliquis-5', display: 'ELIQUIS 5 MG TABS' },
      reasonCode: [{ text: 'Paroxysmal atrial fibrillation' }],
      dosageInstruction: [
        {
          timing: { code: { coding: [{ code: 'BID' }] } },
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        },
      ],
    };
    const weight = {
      ...fixture('fhir/renal-weight-kg.json'),
      valueQuantity: { value: 58, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    };
    const body = {
      hook: 'order-sign',
      hookInstance: 'c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f',
      context: {
        userId: 'Practitioner/example',
        patientId: 'pat-apx',
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
      },
      prefetch: {
        medications: bundle(),
        draftMedications: bundle(med),
        patient,
        creatinine: bundle(fixture('fhir/renal-creatinine-mgdl.json')),
        weight: bundle(weight),
        egfr: null,
      },
    };
    const res = await postHook(app, 'order-sign', body).expect(200);
    const card = res.body.cards.find((c: { summary: string }) => /apixaban/i.test(c.summary));
    expect(card.summary).toBe('Reduce apixaban to 2.5 mg twice daily (age 84, weight 58 kg)');
    expect(card.indicator).toBe('warning');
    expect(card.detail).toContain('**Ordered:** ELIQUIS 5 MG TABS: 5 mg twice daily');
    expect(card.detail).not.toMatch(/Observation\/|LOINC|\d{4}-\d{2}-\d{2}/);
    expect(card.source.url).toBe('https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=Eliquis');
    const trace = card.extension['https://hookwise.dev/cds/extension/trace'];
    expect(trace.resources).toEqual(
      expect.arrayContaining(['MedicationRequest/draft-apx', 'Observation/obs-weight-1', 'Observation/obs-scr-1']),
    );
    expect(trace.codes).toContain('http://www.nlm.nih.gov/research/umls/rxnorm|1364430');
  });

  it('near miss: the same order at 65 kg (one criterion) gives no apixaban card', async () => {
    const { app } = await buildApp();
    const patient = { resourceType: 'Patient', id: 'pat-apx', gender: 'female', birthDate: '1942-03-01' };
    const order = {
      resourceType: 'MedicationRequest',
      id: 'draft-apx',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/pat-apx' },
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1364430' }],
        text: 'Eliquis 5 mg tablet',
      },
      dosageInstruction: [
        { timing: { code: { coding: [{ code: 'BID' }] } }, doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg' } }] },
      ],
    };
    const weight = {
      ...fixture('fhir/renal-weight-kg.json'),
      valueQuantity: { value: 65, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    };
    const body = {
      hook: 'order-sign',
      hookInstance: 'd4e3f2a1-b0c9-4d8e-9f7a-6b5c4d3e2f10',
      context: {
        userId: 'Practitioner/example',
        patientId: 'pat-apx',
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
      },
      prefetch: {
        medications: bundle(),
        patient,
        creatinine: bundle(fixture('fhir/renal-creatinine-mgdl.json')),
        weight: bundle(weight),
        egfr: null,
      },
    };
    const res = await postHook(app, 'order-sign', body).expect(200);
    expect(res.body.cards.filter((c: { summary: string }) => /apixaban/i.test(c.summary))).toEqual([]);
  });
});
