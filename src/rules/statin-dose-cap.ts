// A label's daily dose cap for a statin taken with an interacting drug (Zocor label 2.3: simvastatin at most 10 mg
// a day with verapamil, diltiazem or dronedarone, 20 mg with amiodarone, amlodipine or ranolazine; lovastatin label:
// at most 20 mg with danazol, diltiazem, dronedarone or verapamil, 40 mg with amiodarone), compared with the dose
// ordered or taken (ordered-dose.ts: strength from the product name, quantity and frequency from dosageInstruction).
// Pure: (medications, cap) -> a verdict and the card line that states it.
//
// Decisions (hookwise's, documented in docs/clinical-rules.md):
// - above: one dose, or the doses of a day, exceed the cap (one dose over the daily cap is over it whatever the
//   frequency).
// - within: the daily dose is known (dose quantity and timing both structured) and at or below the cap.
// - unknown: anything else (no structured dose, or a dose within the cap without a frequency): the card keeps the
//   label's instruction as it stood.
// - Several records of the statin in one finding: any above makes the finding above; all must be within for within.
import type { ResolvedMedication } from '../knowledge/drugs/medications.js';
import { frequencyText, mgText, orderedDose } from './ordered-dose.js';

export interface DoseCap {
  ingredient: string;
  mgPerDay: number;
}

export type CapVerdict = 'above' | 'within' | 'unknown';

export interface CapCheck {
  verdict: CapVerdict;
  /** What the record deciding the verdict states: "40 mg daily", "20 mg twice daily (40 mg a day)", "40 mg per unit, dose not stated". */
  doseText?: string;
  /** mg a day when known (above or within). */
  dailyMg?: number;
  /** The record deciding the verdict (the highest dose when above). */
  med?: ResolvedMedication;
}

const EPS = 1e-9;

/** One record against the cap. */
export function checkOne(med: ResolvedMedication, cap: DoseCap): CapCheck {
  const o = orderedDose(med, cap.ingredient);
  // A dose of nothing is not a dose: as unstated.
  if (o.perDoseMg !== undefined && !(o.perDoseMg > 0)) return { verdict: 'unknown', med };
  if (o.perDoseMg !== undefined && o.perDay !== undefined && o.perDay > 0) {
    const daily = o.perDoseMg * o.perDay;
    // The cap is per day: one dose over it is over it, however seldom it is given (40 mg every other day is
    // 40 mg on the days it is taken, not 20).
    const dayMg = Math.max(daily, o.perDoseMg);
    const doseText =
      o.perDay === 1
        ? `${mgText(daily)} daily`
        : o.perDay < 1
          ? `${mgText(o.perDoseMg)} a dose, less often than daily`
          : `${mgText(o.perDoseMg)} ${frequencyText(o.perDay)} (${mgText(daily)} a day)`;
    return { verdict: dayMg > cap.mgPerDay + EPS ? 'above' : 'within', doseText, dailyMg: dayMg, med };
  }
  if (o.perDoseMg !== undefined) {
    const doseText = `${mgText(o.perDoseMg)} a dose, frequency not stated`;
    return o.perDoseMg > cap.mgPerDay + EPS
      ? { verdict: 'above', doseText, dailyMg: o.perDoseMg, med }
      : { verdict: 'unknown', doseText, med };
  }
  if (o.strength) return { verdict: 'unknown', doseText: `${mgText(o.strength.mg)} per unit, dose not stated`, med };
  return { verdict: 'unknown', med };
}

/**
 * The records of the statin against the cap: any above decides. Within only when one record holds the statin:
 * two records may be taken together (two 20 mg orders are 40 mg a day), so their sum is not known to be within.
 */
export function checkCap(meds: ResolvedMedication[], cap: DoseCap): CapCheck {
  const checks = meds.filter((m) => m.ingredients.some((i) => i.name === cap.ingredient)).map((m) => checkOne(m, cap));
  const above = checks.filter((c) => c.verdict === 'above').sort((a, b) => (b.dailyMg ?? 0) - (a.dailyMg ?? 0));
  if (above[0]) return above[0];
  if (checks.length === 1 && checks[0]!.verdict === 'within') return checks[0]!;
  if (checks.length > 1 && checks.every((c) => c.verdict === 'within')) {
    const total = checks.reduce((sum, c) => sum + (c.dailyMg ?? 0), 0);
    const doseText = `${checks.length} records, together up to ${mgText(total)} a day`;
    return total > cap.mgPerDay + EPS
      ? { verdict: 'above', doseText, dailyMg: total, med: checks[0]!.med! }
      : { verdict: 'unknown', doseText };
  }
  return checks.find((c) => c.doseText !== undefined) ?? { verdict: 'unknown' };
}

/** "Ordered: simvastatin 40 mg daily; label maximum with amlodipine: 20 mg daily" (role: Ordered / Taking). */
export function capLine(check: CapCheck, cap: DoseCap, partner: string, role: 'Ordered' | 'Taking'): string {
  const max = `label maximum with ${partner}: ${mgText(cap.mgPerDay)} daily`;
  if (!check.doseText) return `${role}: ${cap.ingredient}, dose not stated; ${max}`;
  return `${role}: ${cap.ingredient} ${check.doseText}; ${max}`;
}

/** The summary of a dose above the cap: the action, with the numbers. */
export function aboveSummary(check: CapCheck, cap: DoseCap, partner: string): string {
  const from = check.dailyMg !== undefined ? ` from ${mgText(check.dailyMg)}` : '';
  return `Lower ${cap.ingredient}${from} to ${mgText(cap.mgPerDay)} a day or less with ${partner} (label dose cap), or choose another statin`;
}

/** The summary of a dose within the cap (info). */
export function withinSummary(check: CapCheck, cap: DoseCap, partner: string): string {
  return `${cap.ingredient.charAt(0).toUpperCase()}${cap.ingredient.slice(1)} ${mgText(check.dailyMg ?? 0)} a day is within the ${mgText(cap.mgPerDay)} label cap with ${partner}`;
}
