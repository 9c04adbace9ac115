// The ordered dose against the labelled renal dose (knowledge/renal-rules.json `labelDoses`), and apixaban's
// dose-reduction criteria. Pure: (order, rule, kidney function) -> a verdict the renal card states.
//
// Decisions (hookwise's, documented in docs/clinical-rules.md):
// - Per dose: the structured dose (dosageInstruction doseQuantity, in mg or in units of the product), else one
//   unit of the product (its strength), as an order without a dose yet is usually one tablet or syringe.
// - Doses a day: the structured timing; when it is not stated, an order whose dose is within the labelled dose
//   cannot be judged: the card says so at info tier.
// - At or below the labelled dose (both per dose and per day): no dose card.
// - Enoxaparin (Lovenox, CrCl < 30 mL/min): prophylaxis 30 mg once daily, treatment 1 mg/kg once daily. The order
//   is prophylaxis when its reason says so, else when the dose is 40 mg or less (Lovenox prophylaxis doses are 30
//   and 40 mg); otherwise treatment. 1 mg/kg is rounded up to the next 10 mg (syringe sizes) before comparing.
import type { KidneyFunction } from '../clinical-calc/crcl.js';
import type { RenalRule } from '../knowledge/index.js';
import type { ResolvedMedication } from '../knowledge/drugs/medications.js';
import { statesProphylaxis } from './indication.js';
import { type OrderedDose, frequencyText, mgText, orderedDose, unitDoseMg } from './ordered-dose.js';

export type LabelDose = NonNullable<RenalRule['labelDoses']>[number];

export type DoseVerdict = 'above' | 'at-or-below' | 'frequency-not-stated' | 'not-stated';

export interface DoseComparison {
  verdict: DoseVerdict;
  /** The labelled dose for this patient: "15 mg once daily with the evening meal", "1 mg/kg once daily (72 mg for 72 kg)". */
  labelText: string;
  /** What was ordered, as far as the order says: "20 mg once daily", "15 mg per unit, dose not stated". */
  orderedText?: string;
  /** Why this labelled dose (enoxaparin): "read as treatment: a dose over 40 mg". */
  useNote?: string;
}

/** Lovenox prophylaxis doses are 30 mg and 40 mg; a larger dose is read as treatment. */
export const PROPHYLAXIS_MAX_MG = 40;

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function pickLabelDose(
  doses: LabelDose[],
  order: ResolvedMedication,
  perDose: number | undefined,
): { dose: LabelDose; useNote?: string } | undefined {
  if (doses.length === 1) return { dose: doses[0]! };
  const prophylaxis = doses.find((d) => d.use === 'prophylaxis');
  const treatment = doses.find((d) => d.use === 'treatment');
  if (!prophylaxis || !treatment) return { dose: doses[0]! };
  if (statesProphylaxis(order.resource))
    return { dose: prophylaxis, useNote: 'prophylaxis, as the order’s reason says' };
  if (perDose === undefined) return undefined;
  return perDose <= PROPHYLAXIS_MAX_MG
    ? { dose: prophylaxis, useNote: `read as prophylaxis: a dose of ${PROPHYLAXIS_MAX_MG} mg or less` }
    : { dose: treatment, useNote: `read as treatment: a dose over ${PROPHYLAXIS_MAX_MG} mg` };
}

export function orderedText(o: OrderedDose): string | undefined {
  if (o.perDoseMg !== undefined)
    return `${mgText(o.perDoseMg)} ${o.perDay !== undefined ? frequencyText(o.perDay) : 'a dose, frequency not stated'}`;
  if (o.strength)
    return o.strength.unit
      ? `${mgText(o.strength.mg)} per unit, dose and frequency not stated`
      : `${mgText(o.strength.mg)} per mL, dose not stated`;
  return undefined;
}

/** The ordered dose of `ingredient` against the rule's labelled dose; undefined when the rule has none. */
export function compareWithLabel(
  order: ResolvedMedication,
  ingredient: string,
  rule: RenalRule,
  kidney: KidneyFunction,
): DoseComparison | undefined {
  const doses = rule.labelDoses;
  if (!doses || doses.length === 0) return undefined;
  const o = orderedDose(order, ingredient);
  const perDose = unitDoseMg(o);
  const ordered = orderedText(o);
  const picked = pickLabelDose(doses, order, perDose);
  if (!picked) {
    return {
      verdict: 'not-stated',
      labelText: doses.map((d) => `${d.text}${d.use ? ` (${d.use})` : ''}`).join(' or '),
      ...(ordered ? { orderedText: ordered } : {}),
    };
  }
  const { dose, useNote } = picked;
  const weight = kidney.weight?.value;
  const labelledMg =
    dose.mg ?? (dose.mgPerKg !== undefined && weight !== undefined ? dose.mgPerKg * weight : undefined);
  const labelText =
    dose.mgPerKg !== undefined && labelledMg !== undefined
      ? `${dose.text} (${mgText(round(labelledMg, 0))} for ${round(weight!)} kg)`
      : dose.text;
  const allowed = dose.mg ?? (labelledMg !== undefined ? Math.ceil(labelledMg / 10 - 1e-9) * 10 : undefined);
  let verdict: DoseVerdict;
  if (perDose === undefined || allowed === undefined) verdict = 'not-stated';
  else if (perDose > allowed + 1e-9 || (o.perDay !== undefined && o.perDay > dose.dosesPerDay + 1e-9))
    verdict = 'above';
  else if (o.perDay === undefined) verdict = 'frequency-not-stated';
  else verdict = 'at-or-below';
  return { verdict, labelText, ...(ordered ? { orderedText: ordered } : {}), ...(useNote ? { useNote } : {}) };
}

/** One of apixaban's three dose-reduction criteria (Eliquis USPI 2.2) as found for this patient. */
export interface Criterion {
  name: 'age' | 'weight' | 'creatinine';
  /** true: met; false: not met; undefined: not recorded. */
  met?: boolean;
  /** "age 84", "weight 58 kg", "creatinine 1.6 mg/dL". */
  value?: string;
  /** When the value was measured (weight, creatinine). */
  date?: Date;
  /** "80 or over", "60 kg or less", "1.5 mg/dL or more". */
  bound: string;
}

export const APIXABAN_AGE = 80;
export const APIXABAN_WEIGHT_KG = 60;
export const APIXABAN_SCR_MG_DL = 1.5;

export function apixabanCriteria(kidney: KidneyFunction): Criterion[] {
  const age: Criterion = { name: 'age', bound: `${APIXABAN_AGE} or over` };
  if (kidney.ageYears !== undefined)
    Object.assign(age, { met: kidney.ageYears >= APIXABAN_AGE, value: `age ${kidney.ageYears}` });
  const weight: Criterion = { name: 'weight', bound: `${APIXABAN_WEIGHT_KG} kg or less` };
  if (kidney.weight)
    Object.assign(weight, {
      met: kidney.weight.value <= APIXABAN_WEIGHT_KG,
      value: `weight ${round(kidney.weight.value)} kg`,
      date: kidney.weight.date,
    });
  const scr: Criterion = { name: 'creatinine', bound: `${APIXABAN_SCR_MG_DL} mg/dL or more` };
  if (kidney.creatinine)
    Object.assign(scr, {
      met: kidney.creatinine.value >= APIXABAN_SCR_MG_DL - 1e-9,
      value: `creatinine ${round(kidney.creatinine.value, 2)} mg/dL`,
      date: kidney.creatinine.date,
    });
  return [age, weight, scr];
}
