import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, daysBefore, fixture, knowledge, medRequest } from './helpers.js';
import { expectPlainText } from './plain-text.js';

const egfr = (value: number, daysAgo: number, extra: JsonObject = {}) =>
  fixture('observation-egfr', {
    id: `egfr-${value}-${daysAgo}`,
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit: 'mL/min/{1.73_m2}' },
    ...extra,
  });

function view(meds: JsonObject[] | null | undefined, labs: JsonObject[] | null | undefined): Card[] {
  const d: Record<string, ReturnType<typeof bundle> | null> = {};
  if (meds !== undefined) d.medications = meds === null ? null : bundle(...meds);
  if (labs !== undefined) d.egfr = labs === null ? null : bundle(...labs);
  return decidePatientView({
    context: { userId: 'Practitioner/1', patientId: 'pat-1' },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  });
}

const METFORMIN = () => fixture('medication-request-metformin-er');

describe('patient-view: metformin and eGFR', () => {
  it('fires critical below 30 with the value, unit, date, LOINC, citation and version', () => {
    const cards = view([METFORMIN()], [fixture('observation-egfr')]);
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe('Stop metformin: eGFR 25.4 mL/min/1.73 m² on 1 Oct 2026 is below 30 (contraindicated)');
    expectPlainText(c);
    expect(c.detail).toContain('**Latest eGFR:** 25.4 mL/min/1.73 m² on 1 Oct 2026 (53 days ago)');
    expect(c.finding?.trace?.codes).toContain('http://loinc.org|33914-3');
    expect(c.detail).toContain('FDA Drug Safety Communication, 8 Apr 2016');
    expect(c.links?.[0]?.url).toMatch(/^https:\/\/www\.fda\.gov\/drugs\/drug-safety-and-availability\/.*metformin/);
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.detail).toContain('24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet');
    expect(c.source.topic?.code).toBe('renal-dosing');
    expect(c.suggestions).toBeUndefined();
    expect(c.uuid).toBeUndefined();
  });

  it('gives a warning (reassess) between 30 and 45', () => {
    const cards = view([METFORMIN()], [egfr(40.9, 20)]);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.summary).toMatch(/^Reassess metformin: eGFR 40.9/);
  });

  it('treats exactly 30 as reassess and exactly 45 as no card', () => {
    expect(view([METFORMIN()], [egfr(30, 5)]).map((c) => c.indicator)).toEqual(['warning']);
    expect(view([METFORMIN()], [egfr(45, 5)])).toEqual([]);
  });

  it('uses the latest eGFR, not the lowest', () => {
    expect(view([METFORMIN()], [egfr(20, 100), egfr(60, 3)])).toEqual([]);
    expect(view([METFORMIN()], [egfr(60, 100), egfr(20, 3)]).map((c) => c.indicator)).toEqual(['critical']);
  });

  it('ignores an old eGFR outside the 365-day window', () => {
    expect(view([METFORMIN()], [egfr(20, 366)])).toEqual([]);
  });

  it('does not fire for an inactive metformin or without metformin', () => {
    expect(view([fixture('medication-request-metformin-er', { status: 'stopped' })], [egfr(20, 3)])).toEqual([]);
    expect(view([fixture('medication-request-simvastatin')], [egfr(20, 3)])).toEqual([]);
  });

  it('does not fire without eGFR data (null or not obtained) or medications', () => {
    expect(view([METFORMIN()], null)).toEqual([]);
    expect(view([METFORMIN()], undefined)).toEqual([]);
    expect(view([METFORMIN()], [])).toEqual([]);
    expect(view(null, [egfr(20, 3)])).toEqual([]);
  });

  it('does not trust a censored ">" result to be low', () => {
    expect(
      view([METFORMIN()], [egfr(25, 3, { valueQuantity: { value: 25, comparator: '>', unit: 'mL/min/{1.73_m2}' } })]),
    ).toEqual([]);
  });

  it('downgrades a metformin matched by text only to warning', () => {
    const textOnly = medRequest('m-text', 'x', 'active', { medicationCodeableConcept: { text: 'metformin ER 500' } });
    const cards = view([textOnly], [egfr(20, 3)]);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('matched by name');
  });

  it('accepts an RxNorm ingredient code for metformin as a code match', () => {
    const coded = medRequest('m-code', 'x', 'active', {
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6809', display: 'metformin' }],
      },
    });
    expect(view([coded], [egfr(20, 3)]).map((c) => c.indicator)).toEqual(['critical']);
  });
});
