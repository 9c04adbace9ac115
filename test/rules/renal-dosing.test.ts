import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { cardViolations } from '../../src/cds/response-contract.js';
import { type KidneyData, kidneyFunction } from '../../src/clinical-calc/crcl.js';
import { resolveMedication } from '../../src/knowledge/drugs/medications.js';
import { medicationLookup } from '../../src/fhir-read/medication-records.js';
import { RENAL_DOSING_RULE_IDS, type RenalDosingOptions, renalDosingCards } from '../../src/rules/renal-dosing.js';
import { NOW, bundle, daysBefore, fixture, knowledge, medRequest } from './helpers.js';
import { expectPlainText } from './plain-text.js';

const k = knowledge();

function obs(code: string, value: number, unit: string, daysAgo: number): JsonObject {
  return {
    resourceType: 'Observation',
    id: `obs-${code}-${daysAgo}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit, code: unit },
  };
}
const scr = (mgDl: number, daysAgo = 2): JsonObject => obs('2160-0', mgDl, 'mg/dL', daysAgo);
const weight = (kg: number, daysAgo = 10): JsonObject => obs('29463-7', kg, 'kg', daysAgo);
const egfr = (v: number, daysAgo = 5): JsonObject => obs('33914-3', v, 'mL/min/{1.73_m2}', daysAgo);
const patient = (gender: string, birthDate: string): JsonObject => ({
  resourceType: 'Patient',
  id: 'pat-1',
  gender,
  birthDate,
});

/** Male, born 1956-01-01 (70 on NOW), 70 kg: CrCl = 4900 / (72 × SCr) = 68.06 / SCr. */
function male70(scrMgDl: number | null, extra: Partial<Record<keyof KidneyData, JsonObject | null>> = {}): KidneyData {
  return {
    patient: patient('male', '1956-01-01'),
    creatinine: scrMgDl === null ? null : bundle(scr(scrMgDl)),
    weight: bundle(weight(70)),
    ...Object.fromEntries(Object.entries(extra).map(([key, v]) => [key, v === null ? null : bundle(v)])),
  };
}
/** Male, born 1976-01-01 (50 on NOW), 72 kg: CrCl = 90 × 72 / (72 × SCr) = 90 / SCr. */
function male50(scrMgDl: number, extra: Partial<Record<keyof KidneyData, JsonObject | null>> = {}): KidneyData {
  return {
    ...male70(scrMgDl, extra),
    patient: patient('male', '1976-01-01'),
    weight: bundle(weight(72)),
    ...Object.fromEntries(Object.entries(extra).map(([key, v]) => [key, v === null ? null : bundle(v)])),
  };
}

function run(
  drafts: JsonObject[],
  d: KidneyData,
  options: RenalDosingOptions = {},
  now: Date = NOW,
  meds: JsonObject[] = [],
): Card[] {
  const lookup = medicationLookup(bundle(...meds));
  const orders = drafts.map((r) => resolveMedication(r, k, lookup));
  const cards = renalDosingCards(orders, kidneyFunction(d, now, k, 'pat-1'), k, now, options);
  for (const c of cards) {
    const stamped: Card = {
      ...c,
      uuid: randomUUID(),
      suggestions: c.suggestions?.map((s) => ({ ...s, uuid: randomUUID() })),
    };
    if (!stamped.suggestions) delete stamped.suggestions;
    expect(cardViolations(stamped)).toEqual([]);
    expectPlainText(c);
  }
  return cards;
}
const draft = (id: string, display: string, extra: JsonObject = {}): JsonObject =>
  medRequest(id, display, 'draft', extra);
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
/** A structured dose: `mg` per dose, `perDay` times a day (or a timing code such as BID). */
function sig(mg: number, perDay: number | string, unit = 'mg'): JsonObject {
  const timing =
    typeof perDay === 'string'
      ? { code: { coding: [{ code: perDay }] } }
      : { repeat: { frequency: perDay, period: 1, periodUnit: 'd' } };
  return {
    dosageInstruction: [
      { timing, doseAndRate: [{ doseQuantity: { value: mg, unit, system: 'http://unitsofmeasure.org', code: unit } }] },
    ],
  };
}
const reason = (text: string): JsonObject => ({ reasonCode: [{ text }] });
const brief = (cards: Card[]): Array<[string | undefined, string]> => cards.map((c) => [c.finding?.key, c.indicator]);

describe('renal dosing at order time', () => {
  it('applies only VERIFIED table rules (every applied id is in the shipped table)', () => {
    const ids = new Set(k.renal.rules.map((r) => r.id));
    for (const id of RENAL_DOSING_RULE_IDS) expect(ids.has(id)).toBe(true);
    expect(RENAL_DOSING_RULE_IDS).toContain('R14');
    expect(RENAL_DOSING_RULE_IDS).toContain('R15');
    // The Xarelto correction: the avoid-below-15 rule is for DVT/PE, none is for atrial fibrillation.
    expect(k.renal.rules.filter((r) => r.drug === 'rivaroxaban').map((r) => [r.id, r.indication, r.action])).toEqual([
      ['R12', 'af', 'reduce-dose'],
      ['R13', 'vte', 'avoid'],
    ]);
  });

  describe('nitrofurantoin (R06 label CrCl <60, R07 Beers CrCl <30 at 65+)', () => {
    it('warning at CrCl 32 for the 82-year-old fixture patient, with the CrCl inputs in the card', () => {
      const cards = run([fixture('renal-draft-nitrofurantoin')], {
        patient: fixture('renal-patient-female-82'),
        creatinine: bundle(fixture('renal-creatinine-mgdl')),
        weight: bundle(fixture('renal-weight-kg')),
      });
      expect(brief(cards)).toEqual([['renal:nitrofurantoin:R06', 'warning']]);
      const c = cards[0]!;
      expect(c.summary).toBe('Avoid nitrofurantoin: contraindicated in its label at CrCl below 60 (CrCl 32 mL/min)');
      expect(c.detail).toContain(
        '**Kidney function:** CrCl 32 mL/min (Cockcroft-Gault, actual body weight)\n- Age 82, female\n' +
          '- Creatinine 1.3 mg/dL on 20 Nov 2026 (3 days ago)\n- Weight 61 kg on 1 Oct 2026 (53 days ago)',
      );
      expect(c.detail).toContain('Nitrofurantoin monohydrate/macrocrystals USPI Contraindications');
      expect(c.detail).toContain('hookwise knowledge 2026.12.0');
      expect(c.finding).toEqual({
        key: 'renal:nitrofurantoin:R06',
        drafts: ['MedicationRequest/draft-nitrofurantoin'],
        trace: {
          resources: ['Observation/obs-scr-1', 'Observation/obs-weight-1'],
          codes: [`${RXNORM}|7454`, 'http://loinc.org|2160-0', 'http://loinc.org|29463-7'],
        },
      });
      expect(c.suggestions).toBeUndefined();
      // A contraindication: no "dose already adjusted".
      expect(c.overrideReasons?.map((r) => r.code)).toEqual(['result-not-representative', 'benefit-outweighs-risk']);
      expect(c.links?.[0]?.url).toMatch(/^https:\/\/dailymed\.nlm\.nih\.gov\//);
      expect(c.source.topic?.code).toBe('renal-dosing');
    });

    it('critical at CrCl 29 (age 70), removing the draft; R06 named as also applying', () => {
      const cards = run([fixture('renal-draft-nitrofurantoin')], male70(2.3)); // 29.6 → 29
      expect(brief(cards)).toEqual([['renal:nitrofurantoin:R07', 'critical']]);
      expect(cards[0]!.summary).toContain('CrCl 29 mL/min');
      expect(cards[0]!.summary).toContain('age 70');
      expect(cards[0]!.detail).toContain('- Also: all (US label), CrCl below 60');
      expect(cards[0]!.suggestions).toEqual([
        {
          label: 'Remove the nitrofurantoin order',
          actions: [
            {
              type: 'delete',
              description: 'Remove the nitrofurantoin order',
              resourceId: 'MedicationRequest/draft-nitrofurantoin',
            },
          ],
        },
      ]);
      expect(cards[0]!.selectionBehavior).toBe('at-most-one');
    });

    it('near miss: CrCl 30.2 is not below 30 (R06 warning only); CrCl 60.5 gives no card', () => {
      expect(brief(run([fixture('renal-draft-nitrofurantoin')], male70(2.25)))).toEqual([
        ['renal:nitrofurantoin:R06', 'warning'],
      ]);
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(68.0556 / 60.5))).toEqual([]);
    });

    it('R07 needs age 65 or over: a 50-year-old at CrCl 25 gets the R06 warning', () => {
      expect(brief(run([fixture('renal-draft-nitrofurantoin')], male50(3.6)))).toEqual([
        ['renal:nitrofurantoin:R06', 'warning'],
      ]);
    });
  });

  describe('dabigatran (R08, R09 atrial fibrillation; R10 DVT/PE)', () => {
    it('CrCl 20, no indication on the order: warning naming both (75 mg twice daily for AF, avoid for DVT/PE)', () => {
      const cards = run([fixture('renal-draft-dabigatran')], male50(4.5)); // 20
      expect(brief(cards)).toEqual([['renal:dabigatran:R10', 'warning']]);
      expect(cards[0]!.summary).toBe(
        'Dabigatran at CrCl 20 mL/min: reduce to 75 mg twice daily if for atrial fibrillation; avoid if for DVT/PE',
      );
      expect(cards[0]!.detail).toContain('**Indication:** not stated on the order');
    });
    it('CrCl 20 for DVT/PE (reason on the order): critical; for atrial fibrillation at 150 mg: warning with ordered vs labelled', () => {
      expect(
        brief(
          run(
            [draft('d-dab', 'Dabigatran etexilate 150 MG Oral Capsule [Pradaxa]', reason('Pulmonary embolism'))],
            male50(4.5),
          ),
        ),
      ).toEqual([['renal:dabigatran:R10', 'critical']]);
      const af = run(
        [
          draft('d-dab', 'Dabigatran etexilate 150 MG Oral Capsule [Pradaxa]', {
            ...reason('Atrial fibrillation'),
            ...sig(150, 'BID'),
          }),
        ],
        male50(4.5),
      );
      expect(brief(af)).toEqual([['renal:dabigatran:R08', 'warning']]);
      expect(af[0]!.summary).toBe('Reduce dabigatran to 75 mg twice daily (CrCl 20 mL/min)');
      expect(af[0]!.detail).toContain(
        '**Ordered:** Dabigatran etexilate 150 MG Oral Capsule \\[Pradaxa\\]: 150 mg twice daily',
      );
      expect(af[0]!.detail).toContain('**Labelled dose at CrCl 20 mL/min (atrial fibrillation):** 75 mg twice daily');
      expect(af[0]!.overrideReasons?.map((r) => r.code)).toContain('dose-adjusted');
    });
    it('near miss: 75 mg twice daily for atrial fibrillation at CrCl 20 is the labelled dose: no card', () => {
      expect(
        run(
          [draft('d-dab', 'Dabigatran etexilate 75 MG Oral Capsule', { ...reason('AF'), ...sig(1, 2, 'capsule') })],
          male50(4.5),
        ),
      ).toEqual([]);
    });
    it('critical below 15 whatever the indication', () => {
      expect(brief(run([fixture('renal-draft-dabigatran')], male50(7.5)))).toEqual([
        ['renal:dabigatran:R09', 'critical'],
      ]); // 12
    });
    it('near miss: CrCl 31 gives no card', () => {
      expect(run([fixture('renal-draft-dabigatran')], male50(90 / 31.5))).toEqual([]);
    });
  });

  describe('rivaroxaban (R12 atrial fibrillation, R13 DVT/PE)', () => {
    // Epic-style: the order references a Medication that names the brand.
    const xareltoMed = (mg: number): JsonObject => ({
      resourceType: 'Medication',
      id: `med-xarelto-${mg}`,
      code: {
        coding: [{ system: RXNORM, display: `rivaroxaban ${mg} MG Oral Tablet [Xarelto]` }],
        text: `XARELTO ${mg} MG TABS`,
      },
    });
    const xarelto = (mg: number, extra: JsonObject): JsonObject => ({
      resourceType: 'MedicationRequest',
      id: 'd-riva',
      status: 'draft',
      intent: 'order',
      medicationReference: { reference: `Medication/med-xarelto-${mg}`, display: `XARELTO ${mg} MG TABS` },
      ...extra,
    });
    const riva = (mg: number, extra: JsonObject, d: KidneyData): Card[] =>
      run([xarelto(mg, { ...sig(mg, 1), ...extra })], d, {}, NOW, [xareltoMed(mg)]);

    it('doses the order states another way are counted, never read as within the label', () => {
      const af = reason('Atrial fibrillation');
      const dose15 = { doseAndRate: [{ doseQuantity: { value: 15, unit: 'mg' } }] };
      // Two times of day: 30 mg a day.
      const twiceByTime = {
        dosageInstruction: [
          { ...dose15, timing: { repeat: { period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'] } } },
        ],
      };
      expect(brief(riva(15, { ...af, ...twiceByTime }, male50(2.9)))).toEqual([['renal:rivaroxaban:R12', 'warning']]); // CrCl 31
      // Two dosage entries: not summed, so "dose not stated", and the card stays.
      const once = { ...dose15, timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } };
      const split = { dosageInstruction: [once, once] };
      expect(riva(15, { ...af, ...split }, male50(2.9)).length).toBe(1);
      // A suspension's concentration (1 mg/mL) is not a dose.
      const susp = draft('d-riva-susp', 'rivaroxaban 1 MG/ML Oral Suspension', {
        ...af,
        dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
      });
      const cards = run([susp], male50(2.9));
      expect(brief(cards)).toEqual([['renal:rivaroxaban:R12', 'warning']]);
      expect(cards[0]!.detail).toContain('1 mg per mL, dose not stated');
    });

    it('20 mg daily at CrCl 32 for atrial fibrillation: reduce to 15 mg, ordered and labelled dose on the card', () => {
      const cards = riva(20, reason('Atrial fibrillation'), male50(2.8)); // 32
      expect(brief(cards)).toEqual([['renal:rivaroxaban:R12', 'warning']]);
      expect(cards[0]!.summary).toBe('Reduce rivaroxaban to 15 mg once daily with the evening meal (CrCl 32 mL/min)');
      expect(cards[0]!.detail).toContain('**Ordered:** XARELTO 20 MG TABS: 20 mg once daily');
      expect(cards[0]!.detail).toContain('The ordered dose is above the labelled dose.');
      expect(cards[0]!.detail).toContain('**Indication:** atrial fibrillation');
      expect(cards[0]!.links?.[0]).toEqual({
        label: 'Xarelto (rivaroxaban) label on DailyMed',
        url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=Xarelto',
        type: 'absolute',
      });
    });
    it('no indication on the order: the card says which indication its numbers are for', () => {
      const cards = riva(20, {}, male50(2.8));
      expect(cards[0]!.summary).toBe(
        'Reduce rivaroxaban to 15 mg once daily with the evening meal if for atrial fibrillation (CrCl 32 mL/min)',
      );
      expect(cards[0]!.detail).toContain('- If for DVT/PE: no renal change applies at this kidney function');
    });
    it('near miss: 15 mg once daily is already the labelled dose (no card); CrCl 51: no card', () => {
      expect(riva(15, reason('Atrial fibrillation'), male50(2.8))).toEqual([]);
      expect(riva(15, {}, male50(2.8))).toEqual([]);
      expect(riva(20, {}, male50(90 / 51.2))).toEqual([]);
    });
    it('no "avoid below 15" for atrial fibrillation: 15 mg daily at CrCl 10 gives no card, 20 mg a warning (not critical)', () => {
      expect(riva(15, reason('Atrial fibrillation'), male50(9))).toEqual([]);
      expect(brief(riva(20, reason('Nonvalvular atrial fibrillation'), male50(9)))).toEqual([
        ['renal:rivaroxaban:R12', 'warning'],
      ]);
    });
    it('CrCl 10 for DVT/PE: critical, with a suggestion to remove the draft; no indication: warning naming both', () => {
      const dvt = riva(20, reason('Deep vein thrombosis of left leg'), male50(9));
      expect(brief(dvt)).toEqual([['renal:rivaroxaban:R13', 'critical']]);
      expect(dvt[0]!.summary).toBe('Avoid rivaroxaban (CrCl 10 mL/min)');
      expect(dvt[0]!.suggestions?.[0]?.actions?.[0]).toEqual({
        type: 'delete',
        description: 'Remove the rivaroxaban order',
        resourceId: 'MedicationRequest/d-riva',
      });
      expect(dvt[0]!.overrideReasons?.map((r) => r.code)).not.toContain('dose-adjusted');
      const unknown = riva(20, {}, male50(9));
      expect(brief(unknown)).toEqual([['renal:rivaroxaban:R13', 'warning']]);
      expect(unknown[0]!.summary).toBe(
        'Rivaroxaban at CrCl 10 mL/min: reduce to 15 mg once daily with the evening meal if for atrial fibrillation; avoid if for DVT/PE',
      );
      const atDose = riva(15, {}, male50(9));
      expect(atDose[0]!.summary).toBe('Avoid rivaroxaban if for DVT/PE (CrCl 10 mL/min)');
      expect(atDose[0]!.detail).toContain('at or below the labelled dose for atrial fibrillation');
    });
    it('a dose without a frequency yet (order-select): info at most', () => {
      const cards = run(
        [
          draft('d-r', 'rivaroxaban 15 MG Oral Tablet [Xarelto]', {
            dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 15, unit: 'mg' } }] }],
          }),
        ],
        male50(2.8),
      );
      expect(brief(cards)).toEqual([['renal:rivaroxaban:R12', 'info']]);
      expect(cards[0]!.detail).toContain('The frequency is not stated yet');
    });
  });

  describe('apixaban (R14, Eliquis: 2.5 mg twice daily with 2 of age >= 80, weight <= 60 kg, creatinine >= 1.5)', () => {
    // Ingredient code without a display (1364430), brand in the text.
    const eliquis = (mg: number, extra: JsonObject = {}): JsonObject =>
      draft('d-apix', 'x', {
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1364430' }], text: `Eliquis ${mg} mg tablet` },
        ...sig(mg, 'BID'),
        ...extra,
      });
    const woman84 = (kg: number, mgDl: number): KidneyData => ({
      patient: patient('female', '1942-03-01'),
      weight: bundle(weight(kg)),
      creatinine: bundle(scr(mgDl)),
    });

    it('5 mg twice daily at age 84 and 58 kg: reduce to 2.5 mg twice daily, criteria listed', () => {
      const cards = run([eliquis(5)], woman84(58, 1.1));
      expect(brief(cards)).toEqual([['renal:apixaban:R14', 'warning']]);
      expect(cards[0]!.summary).toBe(
        'Reduce apixaban to 2.5 mg twice daily if for atrial fibrillation (age 84, weight 58 kg)',
      );
      expect(cards[0]!.detail).toContain('**Ordered:** Eliquis 5 mg tablet: 5 mg twice daily');
      expect(cards[0]!.detail).toContain(
        '- Creatinine 1.1 mg/dL on 21 Nov 2026 (2 days ago) (1.5 mg/dL or more): not met',
      );
      expect(cards[0]!.detail).toContain(
        '(nonvalvular atrial fibrillation; at least 2 of 3 criteria): 2.5 mg twice daily if ≥ 2 of: age ≥ 80 y',
      );
      expect(cards[0]!.finding?.trace?.codes).toEqual([
        `${RXNORM}|1364430`,
        'http://loinc.org|29463-7',
        'http://loinc.org|2160-0',
      ]);
      const af = run([eliquis(5, reason('Atrial fibrillation'))], woman84(58, 1.6));
      expect(af[0]!.summary).toBe('Reduce apixaban to 2.5 mg twice daily (age 84, weight 58 kg, creatinine 1.6 mg/dL)');
    });
    it('near miss: one criterion (age only) gives no card; 2.5 mg with two criteria gives no card', () => {
      expect(run([eliquis(5)], woman84(65, 1.1))).toEqual([]);
      expect(run([eliquis(2.5)], woman84(58, 1.1))).toEqual([]);
    });
    it('2.5 mg for atrial fibrillation with one criterion: info (possibly below the labelled dose); no indication or DVT/PE: none', () => {
      const low = run([eliquis(2.5, reason('Atrial fibrillation'))], woman84(65, 1.1));
      expect(brief(low)).toEqual([['renal:apixaban:R14', 'info']]);
      expect(low[0]!.summary).toBe(
        'Check the apixaban dose: 5 mg twice daily in atrial fibrillation unless 2 of 3 criteria (1 met)',
      );
      expect(run([eliquis(2.5)], woman84(65, 1.1))).toEqual([]);
      expect(run([eliquis(5, reason('DVT'))], woman84(58, 1.6))).toEqual([]);
    });
    it('a criterion not recorded is not counted as met, and blocks the underdose card', () => {
      const d: KidneyData = { patient: patient('female', '1942-03-01'), weight: null, creatinine: bundle(scr(1.1)) };
      expect(run([eliquis(5)], d)).toEqual([]);
      expect(run([eliquis(2.5, reason('Atrial fibrillation'))], d)).toEqual([]);
    });
  });

  describe('enoxaparin (R15, Lovenox below CrCl 30: 30 mg once daily prophylaxis, 1 mg/kg once daily treatment)', () => {
    const lovenox = (mg: number, perDay: number, extra: JsonObject = {}): JsonObject =>
      draft('d-enox', `${mg / 100} ML enoxaparin sodium 100 MG/ML Prefilled Syringe [Lovenox]`, {
        ...sig(mg, perDay),
        ...extra,
      });
    it('prophylaxis 40 mg daily at CrCl 25: reduce to 30 mg once daily', () => {
      const cards = run([lovenox(40, 1)], male50(3.6)); // 25, 72 kg
      expect(brief(cards)).toEqual([['renal:enoxaparin:R15', 'warning']]);
      expect(cards[0]!.summary).toBe('Reduce enoxaparin to 30 mg once daily (CrCl 25 mL/min)');
      expect(cards[0]!.detail).toContain('read as prophylaxis');
    });
    it('treatment 70 mg every 12 hours at CrCl 25, 72 kg: reduce to 1 mg/kg once daily (72 mg)', () => {
      const cards = run([lovenox(70, 2)], male50(3.6));
      expect(cards[0]!.summary).toBe('Reduce enoxaparin to 1 mg/kg once daily (72 mg for 72 kg) (CrCl 25 mL/min)');
      expect(cards[0]!.detail).toContain('70 mg twice daily');
      expect(brief(run([lovenox(110, 1)], male50(3.6)))).toEqual([['renal:enoxaparin:R15', 'warning']]); // 1.5 mg/kg daily
    });
    it('near miss: 30 mg daily or 70 mg once daily at CrCl 25, and 40 mg twice daily at CrCl 30, give no card', () => {
      expect(run([lovenox(30, 1)], male50(3.6))).toEqual([]);
      expect(run([lovenox(70, 1)], male50(3.6))).toEqual([]);
      expect(run([lovenox(40, 2)], male50(3))).toEqual([]);
    });
    it('"stroke prevention" or a treatment reason that mentions prevention is not prophylaxis: 70 mg daily at CrCl 25 stays quiet', () => {
      expect(run([lovenox(70, 1, reason('Atrial fibrillation, stroke prevention (bridging)'))], male50(3.6))).toEqual(
        [],
      );
      expect(
        run([lovenox(70, 1, reason('Pulmonary embolism - treatment and prevention of extension'))], male50(3.6)),
      ).toEqual([]);
      // The prevention of venous thrombosis, named as such, is prophylaxis.
      expect(run([lovenox(40, 1, reason('Prevention of DVT after hip replacement'))], male50(3.6))[0]!.summary).toBe(
        'Reduce enoxaparin to 30 mg once daily (CrCl 25 mL/min)',
      );
    });
    it('a prophylaxis reason decides the use: 40 mg twice daily for "DVT prophylaxis" is compared with 30 mg once daily', () => {
      const cards = run([lovenox(40, 2, reason('DVT prophylaxis'))], male50(3.6));
      expect(cards[0]!.summary).toBe('Reduce enoxaparin to 30 mg once daily (CrCl 25 mL/min)');
    });
  });

  describe('dofetilide (R17, R18, R19)', () => {
    const dof = (): JsonObject => fixture('renal-draft-dofetilide');
    it('compares the ordered strength: 500 mcg at CrCl 50 is above 250 mcg; 250 mcg twice daily is the labelled dose', () => {
      const cards = run([dof()], male50(1.8));
      expect(cards[0]!.summary).toBe('Reduce dofetilide to 250 mcg twice daily (CrCl 50 mL/min)');
      expect(cards[0]!.detail).toContain('500 mcg per unit, dose and frequency not stated');
      expect(
        run([draft('d-dof', 'Dofetilide 0.25 MG Oral Capsule [Tikosyn]', sig(1, 'BID', 'capsule'))], male50(1.8)),
      ).toEqual([]);
    });
    it('at CrCl 40 exactly, 250 mcg twice daily is the label dose: the 20–40 band (125 mcg) does not fire as well', () => {
      const tikosyn250 = draft('d-dof', 'Dofetilide 0.25 MG Oral Capsule [Tikosyn]', sig(1, 'BID', 'capsule'));
      expect(run([tikosyn250], male50(2.25))).toEqual([]); // 40
      expect(brief(run([tikosyn250], male50(3)))).toEqual([['renal:dofetilide:R18', 'warning']]); // 30: 125 mcg
    });
    it('R17 at 40–60 (40 itself: 250 mcg, as the label), R18 at 20–39, R19 below 20', () => {
      expect(brief(run([dof()], male50(1.8)))).toEqual([['renal:dofetilide:R17', 'warning']]); // 50
      expect(brief(run([dof()], male50(2.25)))).toEqual([['renal:dofetilide:R17', 'warning']]); // 40
      expect(brief(run([dof()], male50(3)))).toEqual([['renal:dofetilide:R18', 'warning']]); // 30
      expect(brief(run([dof()], male50(6)))).toEqual([['renal:dofetilide:R19', 'critical']]); // 15
      expect(run([dof()], male50(1.4))).toEqual([]); // 64
    });
  });

  describe('fondaparinux (R16, no RxCUI: matched by RxNorm name)', () => {
    it('critical below 30, none at 30', () => {
      const f = draft('d-fonda', 'fondaparinux sodium 2.5 MG in 0.5 ML Prefilled Syringe');
      expect(brief(run([f], male50(3.6)))).toEqual([['renal:fondaparinux:R16', 'critical']]); // 25
      expect(run([f], male50(3))).toEqual([]); // 30
    });
  });

  describe('Beers Table 6 (age 65+)', () => {
    it('amiloride, celecoxib, ibuprofen (class R23) warn below 30; cimetidine info below 50; ciprofloxacin info below 30', () => {
      const drafts = [
        draft('d-ami', 'amiloride hydrochloride 5 MG Oral Tablet'),
        draft('d-cel', 'celecoxib 200 MG Oral Capsule'),
        draft('d-ibu', 'Ibuprofen 400 MG Oral Tablet'),
        draft('d-cim', 'Cimetidine 400 MG Oral Tablet'),
        draft('d-cip', 'Ciprofloxacin 500 MG Oral Tablet'),
      ];
      expect(brief(run(drafts, male70(2.7)))).toEqual([
        // 25
        ['renal:amiloride:R20', 'warning'],
        ['renal:celecoxib:R22', 'warning'],
        ['renal:ibuprofen:R23', 'warning'],
        ['renal:cimetidine:R25', 'info'],
        ['renal:ciprofloxacin:R26', 'info'],
      ]);
      expect(brief(run(drafts, male70(1.6)))).toEqual([['renal:cimetidine:R25', 'info']]); // 42
      expect(run(drafts, male50(3.6))).toEqual([]); // under 65
    });

    it('topical NSAIDs give no card', () => {
      expect(run([draft('d-dic', 'diclofenac sodium 10 MG/ML Topical Gel')], male70(2.7))).toEqual([]);
    });

    it('aspirin: 325 mg fires, 81 mg does not, unknown strength one tier lower', () => {
      expect(brief(run([draft('d-asa', 'Aspirin 325 MG Oral Tablet')], male70(2.7)))).toEqual([
        ['renal:aspirin:R21', 'warning'],
      ]);
      expect(run([draft('d-asa', 'Aspirin 81 MG Delayed Release Oral Tablet')], male70(2.7))).toEqual([]);
      const unknown = run([draft('d-asa', 'Aspirin Oral Tablet')], male70(2.7));
      expect(brief(unknown)).toEqual([['renal:aspirin:R21', 'info']]);
      expect(unknown[0]!.detail).toContain('strength could not be read');
    });

    it('baclofen uses eGFR (R24): below 60 at 65+', () => {
      const bac = draft('d-bac', 'Baclofen 10 MG Oral Tablet');
      expect(brief(run([bac], { patient: patient('male', '1956-01-01'), egfr: bundle(egfr(55)) }))).toEqual([
        ['renal:baclofen:R24', 'warning'],
      ]);
      expect(run([bac], { patient: patient('male', '1956-01-01'), egfr: bundle(egfr(60)) })).toEqual([]);
      expect(run([bac], { patient: patient('male', '1976-01-01'), egfr: bundle(egfr(55)) })).toEqual([]);
    });
  });

  describe('metformin at order time (R01, R02)', () => {
    const met = (): JsonObject => draft('d-met', 'metformin hydrochloride 500 MG Oral Tablet');
    it('critical below 30 (R01), warning 30–45 for a new order (R02), none at 46', () => {
      expect(brief(run([met()], { egfr: bundle(egfr(25)) }))).toEqual([['renal:metformin:R01', 'critical']]);
      const r02 = run([met()], { egfr: bundle(egfr(38)) });
      expect(brief(r02)).toEqual([['renal:metformin:R02', 'warning']]);
      expect(r02[0]!.summary).toBe('Do not start metformin (eGFR 38 mL/min/1.73 m²)');
      expect(r02[0]!.detail).toContain('If this order continues metformin');
      expect(run([met()], { egfr: bundle(egfr(46)) })).toEqual([]);
    });
    it('R02 does not fire when the patient already takes metformin; an eGFR older than 365 days gives no card', () => {
      const active = [resolveMedication(fixture('medication-request-metformin-er'), k)];
      expect(run([met()], { egfr: bundle(egfr(38)) }, { activeMedications: active })).toEqual([]);
      expect(run([met()], { egfr: bundle(egfr(25, 366)) })).toEqual([]);
    });
    it('a censored ">60" eGFR never fires', () => {
      const e = { ...egfr(60), valueQuantity: { value: 60, comparator: '>', unit: 'mL/min/{1.73_m2}' } };
      expect(run([met()], { egfr: bundle(e) })).toEqual([]);
    });
  });

  describe('when CrCl cannot be computed', () => {
    it('missing weight and no eGFR: no CrCl card', () => {
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(2.7, { weight: null }))).toEqual([]);
    });

    it('old creatinine (outside 90 days): no CrCl, no card', () => {
      const d = { ...male70(null), creatinine: bundle(scr(3, 91)) };
      expect(run([fixture('renal-draft-nitrofurantoin')], d)).toEqual([]);
    });

    it('missing weight with a recent eGFR: no card (a CrCl rule is skipped silently, never run on eGFR)', () => {
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(2.7, { weight: null, egfr: egfr(25) }))).toEqual([]);
    });

    it('an eGFR older than 90 days does not stand in for CrCl', () => {
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(2.7, { weight: null, egfr: egfr(25, 120) }))).toEqual(
        [],
      );
    });
  });

  it('age is computed from birthDate against now: 64 the day before the 65th birthday, 65 on it', () => {
    const d: KidneyData = {
      patient: patient('male', '1961-11-24'),
      creatinine: bundle(scr(2.7)),
      weight: bundle(weight(70)),
    };
    const nitro = fixture('renal-draft-nitrofurantoin');
    expect(brief(run([nitro], d))).toEqual([['renal:nitrofurantoin:R06', 'warning']]);
    expect(brief(run([nitro], d, {}, new Date('2026-11-24T12:00:00Z')))).toEqual([
      ['renal:nitrofurantoin:R07', 'critical'],
    ]);
  });

  it('a drug matched by name only drops one tier', () => {
    const textOnly: JsonObject = {
      resourceType: 'MedicationRequest',
      id: 'd-riva-text',
      status: 'draft',
      medicationCodeableConcept: { text: 'Xarelto (rivaroxaban) 15 mg' },
    };
    const cards = run([textOnly], male50(9));
    expect(brief(cards)).toEqual([['renal:rivaroxaban:R13', 'warning']]);
    expect(cards[0]!.detail).toContain('matched by name');
    const dvt = run([{ ...textOnly, ...reason('Pulmonary embolism') }], male50(9));
    expect(brief(dvt)).toEqual([['renal:rivaroxaban:R13', 'warning']]); // critical, one tier lower by name
  });

  it('drugs without a renal rule, and drafts with no drug, give no card', () => {
    expect(
      run(
        [
          draft('d-amox', 'Amoxicillin 500 MG Oral Capsule'),
          { resourceType: 'MedicationRequest', id: 'x', status: 'draft' },
        ],
        male70(5),
      ),
    ).toEqual([]);
  });
});
