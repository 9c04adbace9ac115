// patient-view: critical or high potassium (survey of US hospital critical limits; README §5 of the research).
// Pure: (medications, potassium Observations, now, knowledge) -> cards.
import type { Card, Indicator } from '../cds/types.js';
import type { Knowledge, PotassiumRule } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/medications.js';
import type { MatchConfidence } from '../knowledge/match.js';
import { type LabResult, latestObservation } from '../knowledge/observations.js';
import { TOPIC_SYSTEM, formatDate, md, summary, patientViewOverrides } from './cards.js';

export const POTASSIUM_TOPIC = { system: TOPIC_SYSTEM, code: 'critical-lab-value', display: 'Critical or abnormal lab value' } as const;

/** True only when the result proves the value is above `t` ("<7" cannot; ">6.2" can for t = 6.2). */
export function provesAbove(lab: Pick<LabResult, 'value' | 'comparator'>, t: number): boolean {
  const c = lab.comparator;
  if (c === '<' || c === '<=') return false;
  if (c === '>') return lab.value >= t;
  return lab.value > t;
}

/** True only when the result proves the value is below `t` (">2" cannot; "<2.8" can for t = 2.8). */
export function provesBelow(lab: Pick<LabResult, 'value' | 'comparator'>, t: number): boolean {
  const c = lab.comparator;
  if (c === '>' || c === '>=') return false;
  if (c === '<') return lab.value <= t;
  return lab.value < t;
}

export interface DrugHit {
  med: ResolvedMedication;
  ingredient: string;
  label: string;
  confidence: MatchConfidence;
}

/** Active medications containing one of `drugs` (by ingredient name or verified RxCUI), one hit per med and drug. */
export function drugHits(meds: ResolvedMedication[], drugs: ReadonlyArray<{ ingredient: string; rxcui?: string; class?: string }>): DrugHit[] {
  const hits: DrugHit[] = [];
  for (const med of meds) {
    for (const d of drugs) {
      const found = med.ingredients.find((i) => i.name === d.ingredient || (d.rxcui !== undefined && i.rxcui === d.rxcui));
      if (!found || hits.some((h) => h.med === med && h.ingredient === d.ingredient)) continue;
      hits.push({ med, ingredient: d.ingredient, label: d.class ?? d.ingredient, confidence: found.confidence });
    }
  }
  return hits;
}

function unitAccepted(unit: string | undefined, rule: PotassiumRule): boolean {
  if (!unit) return false;
  const u = unit.replace(/\s+/g, '').toLowerCase();
  return rule.acceptedUnits.some((a) => a.toLowerCase() === u);
}

export function potassiumCards(meds: ResolvedMedication[], potassiumData: unknown, now: Date, k: Knowledge): Card[] {
  const rule = k.labRules.potassium;
  // mmol/L and mEq/L are the same number for K+; anything else (mg/dL, no unit) is not converted, so such results
  // are not candidates at all (a later mg/dL result must not hide an earlier critical one). Two results at the same
  // time (serum and whole blood of one draw): the more abnormal one decides.
  const lab = latestObservation(potassiumData, {
    codes: labCodes(k, rule.labGroup),
    now,
    lookbackDays: rule.lookbackDays,
    acceptUnit: (unit) => unitAccepted(unit, rule),
    tieBreak: (v) => Math.max(rule.criticalLow - v, v - rule.high, 0),
  });
  if (!lab) return [];

  let indicator: Indicator;
  let kind: 'critical-low' | 'critical-high' | 'high';
  if (provesBelow(lab, rule.criticalLow)) [indicator, kind] = ['critical', 'critical-low'];
  else if (provesAbove(lab, rule.criticalHigh)) [indicator, kind] = ['critical', 'critical-high'];
  else if (provesAbove(lab, rule.high)) [indicator, kind] = ['warning', 'high'];
  else return [];

  const raising = kind === 'critical-low' ? [] : drugHits(meds, rule.raisingDrugs);
  const value = `${lab.comparator ?? ''}${lab.value} ${lab.unit}`;
  const date = formatDate(lab.effective);
  const drugNames = [...new Set(raising.map((h) => h.ingredient))];
  const on = drugNames.length > 0 ? `; on ${drugNames.join(', ')}` : '';
  const text =
    kind === 'critical-low'
      ? `Critical potassium ${value} (${date}): below ${rule.criticalLow.toFixed(1)}`
      : kind === 'critical-high'
        ? `Critical potassium ${value} (${date}): above ${rule.criticalHigh.toFixed(1)}${on}`
        : `High potassium ${value} (${date}): above ${rule.high.toFixed(1)}${on}`;

  const lines: string[] = [];
  lines.push(
    `**Latest potassium (last ${rule.lookbackDays} days):** ${md(value)} on ${md(lab.effectiveText)} ` +
      `(LOINC ${md(lab.code)}${lab.display ? ` ${md(lab.display)}` : ''}${lab.id ? `, Observation/${md(lab.id)}` : ''})`,
  );
  if (raising.length > 0) {
    lines.push(
      `**Active medications that can raise potassium:** ${raising
        .map((h) => `${md(medicationLabel(h.med))} (${md(h.label)}${h.confidence === 'text' ? ', matched by name' : ''})`)
        .join('; ')}`,
    );
  }
  lines.push('');
  if (kind === 'high') {
    lines.push(`Potassium is above ${rule.high.toFixed(1)} mmol/L, not above the critical limit of ${rule.criticalHigh.toFixed(1)}. Confirm the result and review the cause.`);
    if (raising.length > 0) lines.push('ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.');
  } else {
    lines.push(
      `Potassium is ${kind === 'critical-low' ? `below ${rule.criticalLow}` : `above ${rule.criticalHigh}`} mmol/L, a critical value: ` +
        'confirm the result and act per your critical-result protocol. Your laboratory’s own critical limits take precedence.',
    );
    if (raising.length > 0) lines.push('ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.');
  }
  lines.push('');
  lines.push(
    `Source: critical limits ${rule.criticalLow.toFixed(1)} and ${rule.criticalHigh.toFixed(1)} mmol/L: ${md(rule.criticalSource)}. ` +
      `Verification: ${md(rule.criticalVerification)}; not checked against the original.`,
  );
  lines.push(`High limit ${rule.high.toFixed(1)} mmol/L: ${md(rule.highSource)}. mEq/L is read as mmol/L; other units are not converted.`);
  lines.push(`hookwise knowledge ${k.version}.`);

  return [
    {
      // A new result is a new finding: an override of this one does not silence the next.
      finding: { key: `potassium:${kind}:${lab.effective.toISOString()}` },
      summary: summary(text),
      detail: lines.join('\n'),
      indicator,
      source: { label: 'hookwise: critical potassium (US hospital critical-limit survey)', topic: { ...POTASSIUM_TOPIC } },
      overrideReasons: patientViewOverrides(),
    },
  ];
}
