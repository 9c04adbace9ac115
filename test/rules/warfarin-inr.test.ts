import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, daysBefore, fixture, knowledge, medRequest } from './helpers.js';
import { expectPlainText } from './plain-text.js';

const inr = (value: number, daysAgo = 3, extra: JsonObject = {}) =>
  fixture('observation-inr', {
    id: `inr-${value}-${daysAgo}`,
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit: '{INR}' },
    ...extra,
  });

const WARFARIN = () => fixture('medication-request-warfarin');

function view(meds: JsonObject[], labs: JsonObject[] | null | undefined): Card[] {
  const d: Record<string, ReturnType<typeof bundle> | null> = { medications: bundle(...meds) };
  if (labs !== undefined) d.inr = labs === null ? null : bundle(...labs);
  return decidePatientView({
    context: { userId: 'Practitioner/1', patientId: 'pat-1' },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  });
}

describe('patient-view: warfarin and INR', () => {
  it('INR 5 or more, matched by its LOINC code (6301-6): critical, at full tier', () => {
    const cards = view([WARFARIN()], [fixture('observation-inr')]);
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe(
      'Check for bleeding and review warfarin: INR 5.6 on 20 Nov 2026, 5 or above (critical range)',
    );
    expectPlainText(c);
    expect(c.detail).toContain('Warfarin Sodium 5 MG Oral Tablet');
    expect(c.detail).toContain('**Latest INR (last 30 days):** 5.6 on 20 Nov 2026 (3 days ago)');
    expect(c.detail).not.toContain('matched by name');
    expect(c.detail).toContain('CHEST 2012');
    expect(c.links?.[0]?.url).toBe('https://doi.org/10.1378/chest.11-2295');
    expect(c.finding?.trace?.codes).toEqual(['http://loinc.org|6301-6']);
    expect(c.finding?.trace?.resources).toContain('Observation/obs-inr-1');
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.suggestions).toBeUndefined();
  });

  it('an INR recognised only by name (no INR LOINC code) is one tier lower and says so', () => {
    const named = fixture('observation-inr', {
      code: { coding: [{ system: 'http://example.org/lab', code: 'PT-INR', display: 'INR' }] },
    });
    const c = view([WARFARIN()], [named])[0]!;
    expect(c.indicator).toBe('warning');
    expect(c.summary).toContain('5 or above (critical range)');
    expect(c.detail).toContain('Lab matched by name');
    expectPlainText(c);
    expect(c.detail).not.toContain('PT-INR');
    expect(c.finding?.trace?.codes).toEqual(['http://example.org/lab|PT-INR']);
  });

  it('INR above 3.0: warning; below 2.0: info', () => {
    const high = view([WARFARIN()], [inr(3.4)]);
    expect(high.map((c) => c.indicator)).toEqual(['warning']);
    expect(high[0]!.summary).toBe('Review the warfarin dose: INR 3.4 on 20 Nov 2026, above the 2.0–3.0 target');
    expectPlainText(high[0]!);
    const low = view([WARFARIN()], [inr(1.6)]);
    expect(low.map((c) => c.indicator)).toEqual(['info']);
    expect(low[0]!.summary).toContain('below the 2.0–3.0 target');
  });

  it('recognises INR by "International normalized ratio" and "Coagulation tissue factor induced.INR", without a unit', () => {
    const byLongName = inr(3.6, 2, { code: { text: 'International Normalized Ratio' }, valueQuantity: { value: 3.6 } });
    expect(view([WARFARIN()], [byLongName]).map((c) => c.indicator)).toEqual(['info']);
    const byLoincName = inr(5.2, 2, { code: { coding: [{ display: 'Coagulation tissue factor induced.INR' }] } });
    expect(view([WARFARIN()], [byLoincName]).map((c) => c.indicator)).toEqual(['warning']);
  });

  it('within the target (2.0 to 3.0 inclusive): no card', () => {
    expect(view([WARFARIN()], [inr(2.0)])).toEqual([]);
    expect(view([WARFARIN()], [inr(3.0)])).toEqual([]);
    expect(view([WARFARIN()], [inr(2.5)])).toEqual([]);
  });

  it('uses the latest INR in the 30-day window', () => {
    expect(view([WARFARIN()], [inr(6.1, 10), inr(2.4, 1)])).toEqual([]);
    expect(view([WARFARIN()], [inr(6.1, 31)])).toEqual([]);
  });

  it('near miss: an inactive warfarin, or no warfarin', () => {
    expect(view([fixture('medication-request-warfarin', { status: 'stopped' })], [inr(6)])).toEqual([]);
    expect(view([fixture('medication-request-warfarin', { status: 'entered-in-error' })], [inr(6)])).toEqual([]);
    expect(view([fixture('medication-request-lisinopril')], [inr(6)])).toEqual([]);
  });

  it('near miss: unit or name mismatch (a prothrombin time in seconds, an INR goal, another lab)', () => {
    expect(view([WARFARIN()], [inr(14.2, 1, { valueQuantity: { value: 14.2, unit: 's' } })])).toEqual([]);
    expect(
      view(
        [WARFARIN()],
        [inr(6, 1, { code: { text: 'Prothrombin time (PT)' }, valueQuantity: { value: 6, unit: 's' } })],
      ),
    ).toEqual([]);
    expect(view([WARFARIN()], [inr(3.5, 1, { code: { text: 'INR goal' }, valueQuantity: { value: 3.5 } })])).toEqual(
      [],
    );
    expect(
      view([WARFARIN()], [inr(6, 1, { code: { text: 'Potassium' }, valueQuantity: { value: 6, unit: 'mmol/L' } })]),
    ).toEqual([]);
    expect(view([WARFARIN()], [inr(6, 1, { code: { text: 'Interleukin' } })])).toEqual([]);
  });

  it('near miss: an entered-in-error INR is skipped', () => {
    expect(view([WARFARIN()], [inr(7.5, 1, { status: 'entered-in-error' })])).toEqual([]);
    expect(view([WARFARIN()], [inr(7.5, 1, { status: 'entered-in-error' }), inr(2.5, 5)])).toEqual([]);
  });

  it('a warfarin matched by text is said so; the card stays one tier lower, not two', () => {
    const text = medRequest('m-w', 'x', 'active', { medicationCodeableConcept: { text: 'warfarin 3 mg as directed' } });
    const cards = view([text], [inr(5.5)]);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('(matched by name)');
  });

  it('accepts the warfarin ingredient RxCUI 11289 as a code match', () => {
    const coded = medRequest('m-w', 'x', 'active', {
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '11289' }] },
    });
    expect(view([coded], [inr(5.5)]).map((c) => c.indicator)).toEqual(['critical']);
  });

  it('does nothing without INR data', () => {
    expect(view([WARFARIN()], null)).toEqual([]);
    expect(view([WARFARIN()], undefined)).toEqual([]);
    expect(view([WARFARIN()], [])).toEqual([]);
  });
});
