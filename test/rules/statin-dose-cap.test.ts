// Statin dose caps (Zocor label 2.3; lovastatin label, Dosage): the ordered or taken daily dose against the label's
// cap with the interacting drug. Above: the card states both numbers; at or below: the label card is silent and the
// ONC card drops to info; dose not stated: the card keeps the label's instruction.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, knowledge, medRequest, signOrders } from './helpers.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Structured dosage: `tablets` units per dose, `perDay` doses a day. */
function dosage(tablets: number, perDay = 1, unit = 'tablet'): JsonObject {
  return {
    dosageInstruction: [
      {
        text: `${tablets} ${unit} by mouth ${perDay === 1 ? 'daily' : `${perDay} times a day`}`,
        timing: { repeat: { frequency: perDay, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: tablets, unit } }],
      },
    ],
  };
}

const statin = (id: string, display: string, status: string, tablets?: number, perDay = 1) =>
  medRequest(id, display, status, tablets === undefined ? {} : dosage(tablets, perDay));

/** An Epic-style order: medicationReference to a contained Medication coded with the simvastatin ingredient code. */
function epicSimvastatin(id: string, display: string, status: string, tablets: number): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationReference: { reference: '#med1', display },
    contained: [
      { resourceType: 'Medication', id: 'med1', code: { coding: [{ system: RXNORM, code: '36567' }], text: display } },
    ],
    ...dosage(tablets),
  };
}

const sign = signOrders;

const statinCards = (cards: Card[]) => cards.filter((c) => /statin/.test(c.finding?.key ?? ''));

describe('simvastatin + amlodipine (Zocor label: at most 20 mg a day)', () => {
  it('fires above the cap: a brand order of Zocor 40 MG, 1 tablet daily, states the dose and the cap', () => {
    const cards = statinCards(
      sign(
        [statin('d-zocor', 'Zocor 40 MG Oral Tablet', 'draft', 1)],
        [medRequest('a-amlo', 'amlodipine 10 MG Oral Tablet')],
      ),
    );
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.finding?.key).toBe('label-ddi:simvastatin-dose-cap-20:simvastatin+amlodipine');
    expect(c.indicator).toBe('warning');
    expect(c.summary).toBe(
      'Lower simvastatin from 40 mg to 20 mg a day or less with amlodipine (label dose cap), or choose another statin',
    );
    expect(c.summary.length).toBeLessThan(140);
    expect(c.detail).toContain('- Ordered: simvastatin 40 mg daily; label maximum with amlodipine: 20 mg daily');
    expect(c.detail).not.toMatch(/MedicationRequest\/|label-ddi/);
    expect(c.finding?.trace?.resources).toEqual(['MedicationRequest/d-zocor', 'MedicationRequest/a-amlo']);
    expect(c.overrideReasons?.map((r) => r.code)).toContain('dose-adjusted');
    expect(c.suggestions?.at(-1)?.actions).toEqual([
      { type: 'delete', description: 'Remove the simvastatin order', resourceId: 'MedicationRequest/d-zocor' },
    ]);
  });

  it('twice daily counts the day: 20 mg twice daily is 40 mg a day, above the cap', () => {
    const cards = statinCards(
      sign(
        [statin('d1', 'Simvastatin 20 MG Oral Tablet', 'draft', 1, 2)],
        [medRequest('a-amlo', 'amlodipine 5 MG Oral Tablet')],
      ),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.detail).toContain(
      '- Ordered: simvastatin 20 mg twice daily (40 mg a day); label maximum with amlodipine: 20 mg daily',
    );
  });

  it('near miss: 20 mg once daily, at the cap, gives no card (the label instruction is met)', () => {
    expect(
      statinCards(
        sign(
          [statin('d1', 'Simvastatin 20 MG Oral Tablet', 'draft', 1)],
          [medRequest('a-amlo', 'amlodipine 10 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    // Half of a 40 mg tablet is 20 mg: within the cap too.
    expect(
      statinCards(
        sign(
          [statin('d1', 'Zocor 40 MG Oral Tablet', 'draft', 0.5)],
          [medRequest('a-amlo', 'amlodipine 10 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
  });

  it('amlodipine ordered for a patient taking simvastatin: the statin taken is compared, worded "Taking"', () => {
    const above = statinCards(
      sign(
        [medRequest('d-amlo', 'amlodipine 5 MG Oral Tablet', 'draft')],
        [statin('a-simva', 'Simvastatin 40 MG Oral Tablet', 'active', 1)],
      ),
    );
    expect(above.map((c) => c.indicator)).toEqual(['warning']);
    expect(above[0]!.detail).toContain('- Taking: simvastatin 40 mg daily; label maximum with amlodipine: 20 mg daily');
    expect(above[0]!.suggestions?.at(-1)?.label).toBe('Remove the amlodipine order');
    const within = statinCards(
      sign(
        [medRequest('d-amlo', 'amlodipine 5 MG Oral Tablet', 'draft')],
        [statin('a-simva', 'Simvastatin 10 MG Oral Tablet', 'active', 1)],
      ),
    );
    expect(within).toEqual([]);
  });

  it('dose not stated: the card keeps the cap as today and names the strength ordered', () => {
    const cards = statinCards(
      sign(
        [statin('d1', 'Simvastatin 40 MG Oral Tablet', 'draft')],
        [medRequest('a-amlo', 'amlodipine 10 MG Oral Tablet')],
      ),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.summary).toBe('Keep simvastatin at 20 mg a day or less with amlodipine, or choose another statin');
    expect(cards[0]!.detail).toContain(
      '- Ordered: simvastatin 40 mg per unit, dose not stated; label maximum with amlodipine: 20 mg daily',
    );
    // A 10 mg tablet without a frequency cannot be judged either: the card stays.
    const noTiming = medRequest('d2', 'Simvastatin 10 MG Oral Tablet', 'draft', {
      dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
    });
    expect(
      statinCards(sign([noTiming], [medRequest('a-amlo', 'amlodipine 10 MG Oral Tablet')])).map((c) => c.summary),
    ).toEqual(['Keep simvastatin at 20 mg a day or less with amlodipine, or choose another statin']);
  });
});

describe('simvastatin + verapamil (ONC pair 11, Zocor label: at most 10 mg a day)', () => {
  const verapamil = () => medRequest('a-vera', 'Verapamil Hydrochloride 80 MG Oral Tablet');

  it('fires above the cap at warning tier, with the numbers', () => {
    const cards = statinCards(sign([statin('d-simva', 'Simvastatin 20 MG Oral Tablet', 'draft', 1)], [verapamil()]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.finding?.key).toBe('ddi:simvastatin+verapamil');
    expect(c.indicator).toBe('warning');
    expect(c.summary).toBe(
      'Lower simvastatin from 20 mg to 10 mg a day or less with verapamil (label dose cap), or choose another statin',
    );
    expect(c.detail).toContain('- Ordered: simvastatin 20 mg daily; label maximum with verapamil: 10 mg daily');
    expect(c.suggestions?.[0]?.actions?.[0]).toEqual({
      type: 'delete',
      description: 'Remove the simvastatin order',
      resourceId: 'MedicationRequest/d-simva',
    });
  });

  it('near miss: 10 mg once daily drops to info, says it is within the cap, and offers nothing to remove', () => {
    const cards = statinCards(sign([statin('d-simva', 'Simvastatin 10 MG Oral Tablet', 'draft', 1)], [verapamil()]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('info');
    expect(c.summary).toBe('Simvastatin 10 mg a day is within the 10 mg label cap with verapamil');
    expect(c.detail).toContain('- Ordered: simvastatin 10 mg daily; label maximum with verapamil: 10 mg daily');
    expect(c.detail).toContain('Within the label cap: no dose change needed');
    expect(c.suggestions).toBeUndefined();
  });

  it('an Epic medicationReference coded by ingredient, SIMVASTATIN 40 MG PO TABS, is read for its strength', () => {
    const cards = statinCards(
      sign([epicSimvastatin('d-epic', 'SIMVASTATIN 40 MG PO TABS', 'draft', 1)], [verapamil()]),
    );
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      [
        'warning',
        'Lower simvastatin from 40 mg to 10 mg a day or less with verapamil (label dose cap), or choose another statin',
      ],
    ]);
    expect(cards[0]!.finding?.trace?.codes).toContain(`${RXNORM}|36567`);
  });

  it('dose not stated: warning with the label instruction, as today', () => {
    const cards = statinCards(sign([statin('d-simva', 'Simvastatin 40 MG Oral Tablet', 'draft')], [verapamil()]));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['warning', 'Keep simvastatin at 10 mg a day or less with verapamil (label dose cap)'],
    ]);
  });

  it('a contraindicated precipitant is not dose-checked: clarithromycin with simvastatin 10 mg daily stays critical', () => {
    const cards = statinCards(
      sign(
        [medRequest('d-clari', 'Clarithromycin 500 MG Oral Tablet', 'draft')],
        [statin('a-simva', 'Simvastatin 10 MG Oral Tablet', 'active', 1)],
      ),
    );
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
  });

  it('patient-view: 10 mg daily says it is within the cap; 40 mg daily names the cut (one tier lower: info)', () => {
    const view = (tablets: number) =>
      statinCards(
        decidePatientView({
          context: { userId: 'Practitioner/1', patientId: 'pat-1' },
          data: data({
            medications: bundle(statin('a-simva', 'Simvastatin 10 MG Oral Tablet', 'active', tablets), verapamil()),
          }),
          knowledge: knowledge(),
          now: NOW,
        }),
      );
    expect(view(1).map((c) => [c.indicator, c.summary])).toEqual([
      ['info', 'Simvastatin 10 mg a day is within the 10 mg label cap with verapamil'],
    ]);
    expect(view(4).map((c) => [c.indicator, c.summary])).toEqual([
      [
        'info',
        'Lower simvastatin from 40 mg to 10 mg a day or less with verapamil (label dose cap), or choose another statin',
      ],
    ]);
    expect(view(4)[0]!.detail).toContain(
      '- Taking: simvastatin 40 mg daily; label maximum with verapamil: 10 mg daily',
    );
  });
});

describe('simvastatin + amiodarone (ONC pair 11, at most 20 mg a day) and lovastatin caps', () => {
  it('amiodarone: 40 mg above, 20 mg within', () => {
    const amio = () => medRequest('a-amio', 'Amiodarone Hydrochloride 200 MG Oral Tablet');
    const above = statinCards(sign([statin('d1', 'Simvastatin 40 MG Oral Tablet', 'draft', 1)], [amio()]));
    expect(above.map((c) => [c.indicator, c.summary])).toEqual([
      [
        'warning',
        'Lower simvastatin from 40 mg to 20 mg a day or less with amiodarone (label dose cap), or choose another statin',
      ],
    ]);
    const within = statinCards(sign([statin('d1', 'Simvastatin 20 MG Oral Tablet', 'draft', 1)], [amio()]));
    expect(within.map((c) => c.indicator)).toEqual(['info']);
  });

  it('lovastatin with diltiazem (20 mg a day): 40 mg above, 20 mg within', () => {
    const dilt = () => medRequest('a-dilt', 'Diltiazem Hydrochloride 120 MG Extended Release Oral Capsule');
    const above = statinCards(sign([statin('d1', 'Lovastatin 40 MG Oral Tablet', 'draft', 1)], [dilt()]));
    expect(above.map((c) => [c.indicator, c.summary])).toEqual([
      [
        'warning',
        'Lower lovastatin from 40 mg to 20 mg a day or less with diltiazem (label dose cap), or choose another statin',
      ],
    ]);
    expect(
      statinCards(sign([statin('d1', 'Lovastatin 20 MG Oral Tablet', 'draft', 1)], [dilt()])).map((c) => c.indicator),
    ).toEqual(['info']);
  });

  it('lovastatin with dronedarone (label row, 20 mg a day): 40 mg fires, 20 mg is silent', () => {
    const drone = () => medRequest('a-drone', 'dronedarone 400 MG Oral Tablet');
    const above = statinCards(sign([statin('d1', 'Mevacor 40 MG Oral Tablet', 'draft', 1)], [drone()]));
    expect(above.map((c) => c.finding?.key)).toEqual(['label-ddi:lovastatin-dose-cap-20:lovastatin+dronedarone']);
    expect(above[0]!.detail).toContain(
      '- Ordered: lovastatin 40 mg daily; label maximum with dronedarone: 20 mg daily',
    );
    expect(statinCards(sign([statin('d1', 'Lovastatin 20 MG Oral Tablet', 'draft', 1)], [drone()]))).toEqual([]);
  });
});

describe('what the dose cap never calls within (review)', () => {
  const verapamil = () => medRequest('d-vera', 'verapamil hydrochloride 80 MG Oral Tablet', 'draft');

  it('one dose over the daily cap is over it, however seldom given: 40 mg every other day with amlodipine', () => {
    const qod = medRequest('a-simva', 'simvastatin 40 MG Oral Tablet', 'active', {
      dosageInstruction: [
        {
          timing: { repeat: { frequency: 1, period: 2, periodUnit: 'd' } },
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        },
      ],
    });
    const cards = statinCards(sign([medRequest('d-amlo', 'amlodipine 10 MG Oral Tablet', 'draft')], [qod]));
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('40 mg a dose, less often than daily');
  });

  it('two records of the statin are added up: two 20 mg daily orders with amlodipine are 40 mg a day', () => {
    const cards = statinCards(
      sign(
        [medRequest('d-amlo', 'amlodipine 10 MG Oral Tablet', 'draft')],
        [
          statin('a-s1', 'simvastatin 20 MG Oral Tablet', 'active', 1),
          statin('a-s2', 'simvastatin 20 MG Oral Tablet', 'active', 1),
        ],
      ),
    );
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('2 records, together up to 40 mg a day');
  });

  it('two records within the cap together are not called within: the ONC card keeps its warning with verapamil', () => {
    const cards = sign(
      [verapamil()],
      [
        statin('a-s1', 'simvastatin 5 MG Oral Tablet', 'active', 1),
        statin('a-s2', 'simvastatin 5 MG Oral Tablet', 'active', 1),
      ],
    );
    expect(cards.filter((c) => c.finding?.key.startsWith('ddi:')).map((c) => c.indicator)).toEqual(['warning']);
  });

  it('near miss: a single 20 mg daily order with amlodipine stays within (no card)', () => {
    expect(
      statinCards(
        sign(
          [medRequest('d-amlo', 'amlodipine 10 MG Oral Tablet', 'draft')],
          [statin('a-s1', 'simvastatin 20 MG Oral Tablet', 'active', 1)],
        ),
      ),
    ).toEqual([]);
  });
});
