import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { cardViolations } from '../../src/cds/response-contract.js';
import { type KidneyData, kidneyFunction } from '../../src/clinical-calc/crcl.js';
import { resolveMedication } from '../../src/knowledge/drugs/medications.js';
import { RENAL_DOSING_RULE_IDS, type RenalDosingOptions, renalDosingCards } from '../../src/rules/renal-dosing.js';
import { NOW, bundle, daysBefore, fixture, knowledge, medRequest } from './helpers.js';

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
const patient = (gender: string, birthDate: string): JsonObject => ({ resourceType: 'Patient', id: 'pat-1', gender, birthDate });

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
  return { ...male70(scrMgDl, extra), patient: patient('male', '1976-01-01'), weight: bundle(weight(72)), ...Object.fromEntries(Object.entries(extra).map(([key, v]) => [key, v === null ? null : bundle(v)])) };
}

function run(drafts: JsonObject[], d: KidneyData, options: RenalDosingOptions = {}, now: Date = NOW): Card[] {
  const orders = drafts.map((r) => resolveMedication(r, k));
  const cards = renalDosingCards(orders, kidneyFunction(d, now, k, 'pat-1'), k, now, options);
  for (const c of cards) {
    const stamped: Card = { ...c, uuid: randomUUID(), suggestions: c.suggestions?.map((s) => ({ ...s, uuid: randomUUID() })) };
    if (!stamped.suggestions) delete stamped.suggestions;
    expect(cardViolations(stamped)).toEqual([]);
  }
  return cards;
}
const draft = (id: string, display: string): JsonObject => medRequest(id, display, 'draft');
const brief = (cards: Card[]): Array<[string | undefined, string]> => cards.map((c) => [c.finding?.key, c.indicator]);

describe('renal dosing at order time', () => {
  it('applies only VERIFIED table rules (every applied id is in the shipped table)', () => {
    const ids = new Set(k.renal.rules.map((r) => r.id));
    for (const id of RENAL_DOSING_RULE_IDS) expect(ids.has(id)).toBe(true);
    expect(RENAL_DOSING_RULE_IDS).not.toContain('R14');
    expect(RENAL_DOSING_RULE_IDS).not.toContain('R15');
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
      expect(c.summary).toBe('Nitrofurantoin: label contraindication — CrCl 32 mL/min (Cockcroft-Gault) is below 60');
      expect(c.detail).toContain('CrCl 32 mL/min by Cockcroft-Gault from age 82, female, weight 61 kg on 2026-10-01, SCr 1.3 mg/dL on 2026-11-20');
      expect(c.detail).toContain('Observation/obs-scr-1');
      expect(c.detail).toContain('Nitrofurantoin monohydrate/macrocrystals USPI Contraindications');
      expect(c.detail).toContain('hookwise knowledge 2026.12.0');
      expect(c.finding).toEqual({ key: 'renal:nitrofurantoin:R06', drafts: ['MedicationRequest/draft-nitrofurantoin'] });
      expect(c.suggestions).toBeUndefined();
      expect(c.overrideReasons?.map((r) => r.code)).toEqual(['dose-adjusted', 'benefit-outweighs-risk']);
      expect(c.source.topic?.code).toBe('renal-dosing');
    });

    it('critical at CrCl 29 (age 70), removing the draft; R06 named as also applying', () => {
      const cards = run([fixture('renal-draft-nitrofurantoin')], male70(2.3)); // 29.6 → 29
      expect(brief(cards)).toEqual([['renal:nitrofurantoin:R07', 'critical']]);
      expect(cards[0]!.summary).toContain('CrCl 29 mL/min');
      expect(cards[0]!.summary).toContain('age 70');
      expect(cards[0]!.detail).toContain('rule R06');
      expect(cards[0]!.suggestions).toEqual([
        {
          label: 'Remove the nitrofurantoin order',
          actions: [{ type: 'delete', description: 'Remove the nitrofurantoin order', resourceId: 'MedicationRequest/draft-nitrofurantoin' }],
        },
      ]);
      expect(cards[0]!.selectionBehavior).toBe('at-most-one');
    });

    it('near miss: CrCl 30.2 is not below 30 (R06 warning only); CrCl 60.5 gives no card', () => {
      expect(brief(run([fixture('renal-draft-nitrofurantoin')], male70(2.25)))).toEqual([['renal:nitrofurantoin:R06', 'warning']]);
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(68.0556 / 60.5))).toEqual([]);
    });

    it('R07 needs age 65 or over: a 50-year-old at CrCl 25 gets the R06 warning', () => {
      expect(brief(run([fixture('renal-draft-nitrofurantoin')], male50(3.6)))).toEqual([['renal:nitrofurantoin:R06', 'warning']]);
    });
  });

  describe('dabigatran (R08, R09; R10 as note)', () => {
    it('warning at CrCl 20 (75 mg twice daily), with the DVT/PE note', () => {
      const cards = run([fixture('renal-draft-dabigatran')], male50(4.5)); // 20
      expect(brief(cards)).toEqual([['renal:dabigatran:R08', 'warning']]);
      expect(cards[0]!.detail).toContain('75 mg twice daily');
      expect(cards[0]!.detail).toContain('If the indication is DVT/PE');
    });
    it('critical below 15', () => {
      expect(brief(run([fixture('renal-draft-dabigatran')], male50(7.5)))).toEqual([['renal:dabigatran:R09', 'critical']]); // 12
    });
    it('near miss: CrCl 31 gives no card', () => {
      expect(run([fixture('renal-draft-dabigatran')], male50(90 / 31.5))).toEqual([]);
    });
  });

  describe('rivaroxaban (R12, R13)', () => {
    const riva = draft('d-riva', 'Rivaroxaban 20 MG Oral Tablet');
    it('warning at CrCl 50 (inclusive), critical below 15, none at 51', () => {
      expect(brief(run([riva], male50(1.8)))).toEqual([['renal:rivaroxaban:R12', 'warning']]); // 50.0
      expect(brief(run([riva], male50(9)))).toEqual([['renal:rivaroxaban:R13', 'critical']]); // 10
      expect(run([riva], male50(90 / 51.2))).toEqual([]);
    });
  });

  describe('dofetilide (R17, R18, R19)', () => {
    const dof = (): JsonObject => fixture('renal-draft-dofetilide');
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
      expect(brief(run(drafts, male70(2.7)))).toEqual([ // 25
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
      expect(brief(run([draft('d-asa', 'Aspirin 325 MG Oral Tablet')], male70(2.7)))).toEqual([['renal:aspirin:R21', 'warning']]);
      expect(run([draft('d-asa', 'Aspirin 81 MG Delayed Release Oral Tablet')], male70(2.7))).toEqual([]);
      const unknown = run([draft('d-asa', 'Aspirin Oral Tablet')], male70(2.7));
      expect(brief(unknown)).toEqual([['renal:aspirin:R21', 'info']]);
      expect(unknown[0]!.detail).toContain('strength could not be read');
    });

    it('baclofen uses eGFR (R24): below 60 at 65+', () => {
      const bac = draft('d-bac', 'Baclofen 10 MG Oral Tablet');
      expect(brief(run([bac], { patient: patient('male', '1956-01-01'), egfr: bundle(egfr(55)) }))).toEqual([['renal:baclofen:R24', 'warning']]);
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
      expect(r02[0]!.summary).toBe('Metformin: do not start — eGFR 38 mL/min/1.73 m² is in 30–45');
      expect(r02[0]!.detail).toContain('R03');
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
      expect(run([fixture('renal-draft-nitrofurantoin')], male70(2.7, { weight: null, egfr: egfr(25, 120) }))).toEqual([]);
    });
  });

  it('age is computed from birthDate against now: 64 the day before the 65th birthday, 65 on it', () => {
    const d: KidneyData = { patient: patient('male', '1961-11-24'), creatinine: bundle(scr(2.7)), weight: bundle(weight(70)) };
    const nitro = fixture('renal-draft-nitrofurantoin');
    expect(brief(run([nitro], d))).toEqual([['renal:nitrofurantoin:R06', 'warning']]);
    expect(brief(run([nitro], d, {}, new Date('2026-11-24T12:00:00Z')))).toEqual([['renal:nitrofurantoin:R07', 'critical']]);
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
  });

  it('drugs without a renal rule, and drafts with no drug, give no card', () => {
    expect(run([draft('d-amox', 'Amoxicillin 500 MG Oral Capsule'), { resourceType: 'MedicationRequest', id: 'x', status: 'draft' }], male70(5))).toEqual([]);
  });
});
