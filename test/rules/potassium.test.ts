import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decidePatientView } from '../../src/rules/index.js';
import { POTASSIUM_LOINC } from '../../prefetch/patient-view.js';
import { NOW, bundle, data, daysBefore, fixture, knowledge, medRequest } from './helpers.js';
import { expectPlainText } from './plain-text.js';

const k = (value: number, daysAgo = 2, extra: JsonObject = {}) =>
  fixture('observation-potassium', {
    id: `k-${value}-${daysAgo}`,
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    ...extra,
  });

function view(labs: JsonObject[] | null | undefined, meds: JsonObject[] = []): Card[] {
  const d: Record<string, ReturnType<typeof bundle> | null> = { medications: bundle(...meds) };
  if (labs !== undefined) d.potassium = labs === null ? null : bundle(...labs);
  return decidePatientView({
    context: { userId: 'Practitioner/1', patientId: 'pat-1' },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  });
}

describe('patient-view: critical and high potassium', () => {
  it('fires critical above 6.2 with value, unit, date, the source and the knowledge version; codes and ids in the trace', () => {
    const cards = view([fixture('observation-potassium')]);
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe('Critical potassium 6.8 mmol/L on 21 Nov 2026: above 6.2. Confirm and treat');
    expectPlainText(c);
    expect(c.detail).toContain('6.8 mmol/L on 21 Nov 2026 (2 days ago)');
    expect(c.finding?.trace).toEqual({
      resources: ['Observation/obs-potassium-1'],
      codes: ['http://loinc.org|6298-4'],
    });
    expect(c.detail).toContain('Table of Critical Limits');
    expect(c.links?.map((l) => l.url)).toEqual([
      'https://pubmed.ncbi.nlm.nih.gov/?term=Wagar+critical+values+Q-Probes+2007',
      'https://doi.org/10.1016/j.resuscitation.2021.02.011',
    ]);
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.source.topic?.code).toBe('critical-lab-value');
    expect(c.suggestions).toBeUndefined();
  });

  it('two results at the same time (serum and whole blood of one draw): the more abnormal decides, whatever the order', () => {
    const same = daysBefore(1);
    for (const [a, b] of [
      [6.6, 4.1],
      [4.1, 6.6],
    ] as const) {
      const cards = view([
        k(a, 1, { id: `a-${a}`, effectiveDateTime: same }),
        k(b, 1, { id: `b-${b}`, effectiveDateTime: same }),
      ]);
      expect(cards.map((c) => [c.indicator, c.summary.includes('6.6')])).toEqual([['critical', true]]);
    }
  });

  it('a later result in an unconverted unit does not hide an earlier critical one', () => {
    const mgdl = k(27, 1, {
      id: 'k-mgdl',
      valueQuantity: { value: 27, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    });
    const cards = view([mgdl, k(6.9, 2)]);
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(cards[0]!.summary).toContain('6.9');
  });

  it('fires critical below 2.8', () => {
    const cards = view([k(2.5)]);
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(cards[0]!.summary).toBe('Critical potassium 2.5 mmol/L on 21 Nov 2026: below 2.8. Confirm and replace');
    expectPlainText(cards[0]!);
  });

  it('gives a warning from 5.5 and names an active ACE inhibitor, ARB, spironolactone or trimethoprim', () => {
    const meds = [
      fixture('medication-request-lisinopril'),
      medRequest('m-spiro', 'spironolactone 25 MG Oral Tablet'),
      medRequest('m-simva', 'Simvastatin 20 MG Oral Tablet'),
    ];
    const cards = view([k(5.6)], meds);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.summary).toBe(
      'High potassium 5.6 mmol/L on 21 Nov 2026: 5.5 or above. Review lisinopril, spironolactone',
    );
    expectPlainText(cards[0]!);
    expect(cards[0]!.detail).toContain('\n- lisinopril 10 MG Oral Tablet (ACE inhibitor)\n- spironolactone');
    expect(cards[0]!.detail).toContain('European Resuscitation Council');
    expect(cards[0]!.detail).toContain('lisinopril 10 MG Oral Tablet (ACE inhibitor)');
    expect(cards[0]!.detail).toContain('spironolactone 25 MG Oral Tablet (potassium-sparing diuretic)');
    expect(cards[0]!.detail).not.toContain('Simvastatin');
  });

  it('finds trimethoprim inside sulfamethoxazole/trimethoprim by its verified combination code, and an ARB by name', () => {
    const smx = medRequest('m-smx', 'x', 'active', {
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '10831' }] },
    });
    const losartan = medRequest('m-los', 'x', 'active', {
      medicationCodeableConcept: { text: 'losartan 50 mg daily' },
    });
    const cards = view([k(6.5)], [smx, losartan]);
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(cards[0]!.summary).toContain('review trimethoprim, losartan');
    expect(cards[0]!.detail).toContain('(ARB, matched by name)');
  });

  it('reads mEq/L as mmol/L', () => {
    expect(
      view([k(6.5, 1, { valueQuantity: { value: 6.5, unit: 'mEq/L', code: 'meq/L' } })]).map((c) => c.indicator),
    ).toEqual(['critical']);
  });

  it('near miss: exactly 5.0, exactly 6.2 (warning only) and exactly 2.8', () => {
    expect(view([k(5.0)])).toEqual([]);
    expect(view([k(6.2)]).map((c) => c.indicator)).toEqual(['warning']);
    expect(view([k(2.8)])).toEqual([]);
    expect(view([k(4.1)])).toEqual([]);
  });

  it('between 5.0 and 5.5: a card only when a potassium-raising drug is active', () => {
    expect(view([k(5.3)])).toEqual([]);
    expect(view([k(5.3)], [medRequest('m-simva', 'Simvastatin 20 MG Oral Tablet')])).toEqual([]);
    const cards = view([k(5.3)], [fixture('medication-request-lisinopril')]);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.summary).toBe('Potassium 5.3 mmol/L on 21 Nov 2026, above 5.0: review lisinopril');
    expect(view([k(5.5)]).map((c) => c.indicator)).toEqual(['warning']);
  });

  it('below 3.5: a warning only on digoxin or a QT-prolonging drug, naming it', () => {
    expect(view([k(3.1)])).toEqual([]);
    expect(view([k(3.1)], [fixture('medication-request-lisinopril')])).toEqual([]);
    const onDigoxin = view([k(3.1)], [medRequest('m-dig', 'Digoxin 0.125 MG Oral Tablet')]);
    expect(onDigoxin.map((c) => c.indicator)).toEqual(['warning']);
    expect(onDigoxin[0]!.summary).toBe('Low potassium 3.1 mmol/L on 21 Nov 2026 with digoxin: replace it');
    expectPlainText(onDigoxin[0]!);
    expect(onDigoxin[0]!.links?.map((l) => l.url)).toContain('https://doi.org/10.1161/CIRCULATIONAHA.109.192704');
    expect(onDigoxin[0]!.detail).toContain('digoxin toxicity');
    // A digoxin product sent by code only (PDDI-CDS product table) counts too.
    const coded = medRequest('m-dig2', 'x', 'active', {
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197604' }],
      },
    });
    expect(view([k(3.2)], [coded]).map((c) => c.indicator)).toEqual(['warning']);
    const onQt = view([k(3.0)], [medRequest('m-dof', 'Dofetilide 0.25 MG Oral Capsule')]);
    expect(onQt[0]!.summary).toContain('with dofetilide');
    expect(view([k(3.5)], [medRequest('m-dig', 'Digoxin 0.125 MG Oral Tablet')])).toEqual([]);
  });

  it('near miss: a potassium older than the 7-day window', () => {
    expect(view([k(6.9, 8)])).toEqual([]);
    expect(view([k(6.9, 6.9)]).map((c) => c.indicator)).toEqual(['critical']);
  });

  it('near miss: an entered-in-error result is skipped, and the latest valid one is used', () => {
    expect(view([k(7.1, 1, { status: 'entered-in-error' })])).toEqual([]);
    expect(view([k(7.1, 1, { status: 'entered-in-error' }), k(4.2, 3)])).toEqual([]);
    expect(view([k(7.1, 4), k(4.2, 1)])).toEqual([]);
  });

  it('near miss: a unit other than mmol/L or mEq/L (or none) is not converted: no card', () => {
    const massCode = {
      coding: [{ system: 'http://loinc.org', code: '22760-3', display: 'Potassium [Mass/volume] in Serum or Plasma' }],
    };
    expect(view([k(27, 1, { code: massCode, valueQuantity: { value: 27, unit: 'mg/dL', code: 'mg/dL' } })])).toEqual(
      [],
    );
    expect(view([k(6.9, 1, { valueQuantity: { value: 6.9 } })])).toEqual([]);
  });

  it('near miss: a potassium under a code that is not a verified potassium LOINC', () => {
    expect(
      view([
        k(6.9, 1, {
          code: { coding: [{ system: 'http://loinc.org', code: '2951-2', display: 'Sodium' }], text: 'Potassium' },
        }),
      ]),
    ).toEqual([]);
  });

  it('does not trust censored values beyond what they prove', () => {
    expect(view([k(6.0, 1, { valueQuantity: { value: 6.0, comparator: '<', unit: 'mmol/L' } })])).toEqual([]);
    expect(
      view([k(7.0, 1, { valueQuantity: { value: 7.0, comparator: '>', unit: 'mmol/L' } })]).map((c) => c.indicator),
    ).toEqual(['critical']);
  });

  it('does nothing without potassium data (null, absent or empty)', () => {
    expect(view(null)).toEqual([]);
    expect(view(undefined)).toEqual([]);
    expect(view([])).toEqual([]);
  });

  it('the prefetch searches exactly the verified potassium codes of the knowledge', () => {
    expect([...POTASSIUM_LOINC].sort()).toEqual((knowledge().labs.groups.potassium ?? []).map((c) => c.code).sort());
  });
});
