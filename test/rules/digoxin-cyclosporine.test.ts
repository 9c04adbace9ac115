// Digoxin + cyclosporine as the HL7 PDDI-CDS guide specifies: the digoxin-level, labs and new/continued branches
// in one card per ordered drug, with the lab orders the guide suggests. Real-shaped data: product and brand codes
// without display, an ophthalmic cyclosporine, labs by the shipped LOINC codes.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign } from '../../src/rules/index.js';
import { NOW, bundle, daysBefore, data, draftOrders, knowledge, medRequest } from './helpers.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const coded = (id: string, code: string, status: string): JsonObject => ({
  resourceType: 'MedicationRequest',
  id,
  status,
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
  medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
});
const NEORAL = '202817'; // brand concept, sent without display
const DIGOXIN_250 = '197606'; // Digoxin 0.25 MG Oral Tablet

function lab(id: string, loinc: string, value: number, unit: string, daysAgo: number): JsonObject {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

function sign(drafts: JsonObject[], taking: JsonObject[], labs: Record<string, JsonObject[]> = {}): Card[] {
  const d: Record<string, ReturnType<typeof bundle>> = { medications: bundle(...taking) };
  // The digoxin level and the electrolytes arrive in one key.
  const orderLabs = [...(labs.digoxinLevel ?? []), ...(labs.electrolytes ?? [])];
  if (orderLabs.length) d.orderLabs = bundle(...orderLabs);
  if (labs.creatinine) d.creatinine = bundle(...labs.creatinine);
  return decideOrderSign({
    context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...drafts) },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  }).filter((c) => c.finding?.key.includes('digoxin'));
}

const normalLabs = () => ({
  digoxinLevel: [lab('dig-1', '10535-3', 0.6, 'ng/mL', 5)],
  electrolytes: [
    lab('k-1', '2823-3', 4.2, 'mmol/L', 20),
    lab('mg-1', '19123-9', 2.1, 'mg/dL', 20),
    lab('ca-1', '17861-6', 9.2, 'mg/dL', 20),
  ],
  creatinine: [lab('cr-1', '2160-0', 1.0, 'mg/dL', 20)],
});

// The guide's card 1/3 info case: continued cyclosporine, both drugs taken, a normal digoxin level, no diuretic.
const CONTINUED = () => [
  medRequest('a1', 'Digoxin 0.125 MG Oral Tablet'),
  medRequest('a2', 'Cyclosporine 100 MG Oral Capsule'),
];
const infoLabs = (electrolytes: JsonObject[] = []) => ({
  digoxinLevel: [lab('dig-1', '10535-3', 0.7, 'ng/mL', 5)],
  electrolytes: [
    lab('k-1', '2823-3', 4.1, 'mmol/L', 30),
    lab('mg-1', '19123-9', 2.0, 'mg/dL', 30),
    lab('ca-1', '17861-6', 9.4, 'mg/dL', 30),
    ...electrolytes,
  ],
  creatinine: [lab('cr-1', '2160-0', 0.9, 'mg/dL', 30)],
});
const continuedCard = (labs: Record<string, JsonObject[]>, taking = CONTINUED()) =>
  sign([coded('d1', NEORAL, 'draft')], taking, labs)[0]!;

describe('digoxin + cyclosporine (HL7 PDDI-CDS)', () => {
  it("cyclosporine (Neoral, code only) newly ordered, digoxin taken, no digoxin level in 30 days: critical, with the guide's lab orders", () => {
    const cards = sign([coded('d1', NEORAL, 'draft')], [coded('a1', DIGOXIN_250, 'active')], {
      digoxinLevel: [lab('dig-old', '10535-3', 0.7, 'ng/mL', 45)],
    });
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe(
      'Check a digoxin level before starting cyclosporine (none normal in 30 days), and consider a lower digoxin dose',
    );
    expect(c.detail).toContain('- **Digoxin level:** none in the last 30 days');
    expect(c.detail).toContain('- **Magnesium:** none in the last year');
    expect(c.detail).toContain(
      '- **Calcium:** none in the last year (an ionized calcium is not compared with the total-calcium range)',
    );
    expect(c.suggestions!.map((s) => s.label)).toEqual([
      'Order a digoxin trough level within 24 hours',
      'Order potassium, magnesium, calcium and creatinine',
      'Remove the cyclosporine order',
    ]);
    const trough = c.suggestions![0]!.actions![0]!.resource as unknown as JsonObject;
    expect(trough).toMatchObject({
      resourceType: 'ServiceRequest',
      status: 'draft',
      code: { coding: [{ system: 'http://loinc.org', code: '10535-3' }] },
      subject: { reference: 'Patient/pat-1' },
    });
    expect(c.links!.map((l) => l.url)).toEqual([
      'http://hl7.org/fhir/uv/pddi/',
      expect.stringContaining('dailymed.nlm.nih.gov'),
    ]);
    // The old single label row is gone: one card for the pair.
    expect(cards.map((x) => x.finding?.key)).toEqual(['pddi-digoxin-cyclosporine:cyclosporine']);
  });

  it('new cyclosporine with a normal digoxin level and normal labs: warning, each value with its date, ids and codes in the trace', () => {
    const [c] = sign([coded('d1', NEORAL, 'draft')], [medRequest('a1', 'Lanoxin 125 MCG Oral Tablet')], normalLabs());
    expect(c!.indicator).toBe('warning');
    expect(c!.summary).toMatch(/^Cyclosporine raises digoxin levels: recheck digoxin within 24 hours/);
    expect(c!.detail).toContain('- **Digoxin level:** 0.6 ng/mL on 18 Nov 2026 (5 days ago): below 0.9 ng/mL');
    expect(c!.detail).toContain('- **Potassium:** 4.2 mmol/L on 3 Nov 2026 (20 days ago): normal');
    expect(c!.detail).toContain('- **Magnesium:** 2.1 mg/dL (0.86 mmol/L) on 3 Nov 2026 (20 days ago): normal');
    expect(c!.detail).toContain('- **Calcium:** 9.2 mg/dL on 3 Nov 2026 (20 days ago): normal');
    expect(c!.detail).toContain('- **Creatinine:** 1 mg/dL on 3 Nov 2026 (20 days ago): normal');
    expect(c!.detail).not.toMatch(/Observation\/|10535-3|19123-9|17861-6|\d{4}-\d{2}-\d{2}T/);
    expect(c!.finding!.trace!.resources).toEqual(
      expect.arrayContaining([
        'MedicationRequest/a1',
        'Observation/dig-1',
        'Observation/k-1',
        'Observation/mg-1',
        'Observation/ca-1',
        'Observation/cr-1',
      ]),
    );
    expect(c!.finding!.trace!.codes).toEqual(
      expect.arrayContaining([
        'http://loinc.org|10535-3',
        'http://loinc.org|2823-3',
        'http://loinc.org|19123-9',
        'http://loinc.org|17861-6',
      ]),
    );
    expect(c!.suggestions!.map((s) => s.label)).toEqual([
      'Order a digoxin trough level within 24 hours',
      'Remove the cyclosporine order',
    ]);
  });

  it('a digoxin level of 1.4 ng/mL (or 1.5 nmol/L) is not normal: critical', () => {
    const high = { ...normalLabs(), digoxinLevel: [lab('dig-2', '10535-3', 1.4, 'ng/mL', 2)] };
    expect(sign([coded('d1', NEORAL, 'draft')], [coded('a1', DIGOXIN_250, 'active')], high)[0]!.indicator).toBe(
      'critical',
    );
    const si = { ...normalLabs(), digoxinLevel: [lab('dig-3', '10535-3', 1.5, 'nmol/L', 2)] };
    expect(sign([coded('d1', NEORAL, 'draft')], [coded('a1', DIGOXIN_250, 'active')], si)[0]!.detail).toContain(
      '0.9 ng/mL or above',
    );
  });

  it('digoxin 0.25 mg newly ordered for a patient on cyclosporine: warning, a trough within 24 hours and 0.125 mg offered', () => {
    const [c, ...rest] = sign(
      [coded('d1', DIGOXIN_250, 'draft')],
      [medRequest('a1', 'cycloSPORINE 100 MG Oral Capsule [Neoral]')],
    );
    expect(rest).toEqual([]);
    expect(c!.indicator).toBe('warning');
    expect(c!.summary).toBe('Start digoxin low with cyclosporine, and check a digoxin trough within 24 hours');
    expect(c!.suggestions!.map((s) => s.label)).toEqual([
      'Order a digoxin trough level within 24 hours',
      'Order digoxin 0.125 mg instead',
      'Order potassium, magnesium, calcium and creatinine',
      'Remove the digoxin order',
    ]);
    const swap = c!.suggestions![1]!.actions!;
    expect(swap.map((a) => a.type)).toEqual(['delete', 'create']);
    expect(swap[1]!.resource).toMatchObject({ medicationCodeableConcept: { coding: [{ code: '197604' }] } });
  });

  it("continued cyclosporine, digoxin 0.7 ng/mL, K 4.1, Mg 2.0 mg/dL, Ca 9.4 mg/dL, creatinine 0.9, no diuretic: info (the guide's card 1/3)", () => {
    const c = continuedCard(infoLabs());
    expect(c.indicator).toBe('info');
    expect(c.detail).toContain('(already taken)');
    expect(c.summary).toBe('Digoxin with cyclosporine: keep checking the digoxin level, electrolytes and creatinine');
    expect(c.detail).toContain('- **Potassium:** 4.1 mmol/L on 24 Oct 2026 (30 days ago): normal');
    expect(c.detail).toContain('- **Magnesium:** 2 mg/dL (0.82 mmol/L) on 24 Oct 2026 (30 days ago): normal');
    expect(c.detail).toContain('- **Calcium:** 9.4 mg/dL on 24 Oct 2026 (30 days ago): normal');
    expect(c.detail).toContain('- **Loop diuretic or aldosterone antagonist:** none found');
    // Nothing to order: the labs are all there and normal.
    expect(c.suggestions!.map((s) => s.label)).toEqual([
      'Order a digoxin trough level within 24 hours',
      'Remove the cyclosporine order',
    ]);
  });

  it('near misses of the info case: low magnesium, high calcium, no magnesium, a loop diuretic: warning', () => {
    const replace = (id: string, obs: JsonObject) => {
      const labs = infoLabs();
      labs.electrolytes = [...labs.electrolytes.filter((o) => o.id !== id), obs];
      return labs;
    };
    const lowMg = continuedCard(replace('mg-1', lab('mg-2', '19123-9', 1.3, 'mg/dL', 10)));
    expect(lowMg.indicator).toBe('warning');
    expect(lowMg.detail).toContain(
      '- **Magnesium:** 1.3 mg/dL (0.53 mmol/L) on 13 Nov 2026 (10 days ago): outside 0.7–1.1 mmol/L',
    );
    expect(lowMg.suggestions!.map((s) => s.label)).toContain('Order magnesium');

    const highCa = continuedCard(replace('ca-1', lab('ca-2', '17861-6', 10.8, 'mg/dL', 10)));
    expect(highCa.indicator).toBe('warning');
    expect(highCa.detail).toContain('- **Calcium:** 10.8 mg/dL on 13 Nov 2026 (10 days ago): outside 8.5–10.2 mg/dL');

    const labs = infoLabs();
    labs.electrolytes = labs.electrolytes.filter((o) => o.id !== 'mg-1');
    const noMg = continuedCard(labs);
    expect(noMg.indicator).toBe('warning');
    expect(noMg.detail).toContain('- **Magnesium:** none in the last year');

    const loop = continuedCard(infoLabs(), [...CONTINUED(), medRequest('a3', 'Furosemide 40 MG Oral Tablet')]);
    expect(loop.indicator).toBe('warning');
    expect(loop.detail).toContain('- **Loop diuretic or aldosterone antagonist:** furosemide');
  });

  it('units: magnesium 0.85 mmol/L and calcium 2.35 mmol/L (albumin-corrected) are normal; mEq/L magnesium is halved', () => {
    const mmol = infoLabs();
    mmol.electrolytes = [
      lab('k-1', '2823-3', 4.1, 'mmol/L', 30),
      lab('mg-3', '2601-3', 0.85, 'mmol/L', 30),
      lab('ca-3', '29265-6', 2.35, 'mmol/L', 30),
    ];
    const c = continuedCard(mmol);
    expect(c.indicator).toBe('info');
    expect(c.detail).toContain('- **Magnesium:** 0.85 mmol/L on 24 Oct 2026 (30 days ago): normal');
    expect(c.detail).toContain('- **Calcium:** 2.35 mmol/L (9.42 mg/dL) on 24 Oct 2026 (30 days ago): normal');
    // 2.6 mEq/L is 1.3 mmol/L: high.
    const meq = continuedCard(infoLabs([lab('mg-4', '19123-9', 2.6, 'mEq/L', 1)]));
    expect(meq.indicator).toBe('warning');
    expect(meq.detail).toContain('- **Magnesium:** 2.6 mEq/L (1.3 mmol/L)');
  });

  it('an ionized calcium is not compared with the total range; potassium 75940-7 counts only in mmol/L or mEq/L', () => {
    const ionized = infoLabs();
    ionized.electrolytes = [
      ...ionized.electrolytes.filter((o) => o.id !== 'ca-1'),
      lab('ica-1', '1995-0', 1.2, 'mmol/L', 3),
    ];
    const c = continuedCard(ionized);
    expect(c.indicator).toBe('warning');
    expect(c.detail).toContain(
      '- **Calcium:** none in the last year (an ionized calcium is not compared with the total-calcium range)',
    );
    expect(c.finding!.trace!.resources).not.toContain('Observation/ica-1');

    const kLabs = (obs: JsonObject) => {
      const labs = infoLabs();
      labs.electrolytes = [...labs.electrolytes.filter((o) => o.id !== 'k-1'), obs];
      return labs;
    };
    expect(continuedCard(kLabs(lab('k-2', '75940-7', 4.3, 'mEq/L', 2))).indicator).toBe('info');
    const mass = continuedCard(kLabs(lab('k-3', '75940-7', 16, 'mg/dL', 2)));
    expect(mass.indicator).toBe('warning');
    expect(mass.detail).toContain('- **Potassium:** none in the last year');
  });

  it('both drafted together: one card, for cyclosporine', () => {
    const cards = sign([coded('d1', NEORAL, 'draft'), coded('d2', DIGOXIN_250, 'draft')], []);
    expect(cards.map((c) => c.finding?.key)).toEqual(['pddi-digoxin-cyclosporine:cyclosporine']);
  });

  it('near misses: ophthalmic cyclosporine with digoxin, cyclosporine without digoxin, digoxin with tacrolimus', () => {
    expect(
      sign(
        [medRequest('d1', 'cycloSPORINE 0.5 MG/ML Ophthalmic Emulsion', 'draft')],
        [coded('a1', DIGOXIN_250, 'active')],
      ),
    ).toEqual([]);
    expect(sign([coded('d1', NEORAL, 'draft')], [medRequest('a1', 'Prednisone 5 MG Oral Tablet')])).toEqual([]);
    expect(sign([coded('d1', DIGOXIN_250, 'draft')], [medRequest('a1', 'Tacrolimus 1 MG Oral Capsule')])).toEqual([]);
  });

  it('order-select: the selected cyclosporine draft gets the card, an unselected one does not', () => {
    const select = (selections: string[]) =>
      decideOrderSelect({
        context: {
          userId: 'Practitioner/1',
          patientId: 'pat-1',
          draftOrders: draftOrders(
            coded('d1', NEORAL, 'draft'),
            medRequest('d2', 'Prednisone 5 MG Oral Tablet', 'draft'),
          ),
          selections,
        },
        data: data({ medications: bundle(coded('a1', DIGOXIN_250, 'active')) }),
        knowledge: knowledge(),
        now: NOW,
      }).filter((c) => c.finding?.key.includes('digoxin'));
    expect(select(['MedicationRequest/d1']).map((c) => c.indicator)).toEqual(['critical']);
    expect(select(['MedicationRequest/d2'])).toEqual([]);
  });
});
