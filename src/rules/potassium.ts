// patient-view: critical or high potassium (survey of US hospital critical limits: Kost GJ, MLO 2023-24, cited in the knowledge file).
// Pure: (medications, potassium Observations, now, knowledge) -> cards.
import type { Card, Indicator } from '../cds/types.js';
import type { Knowledge, PotassiumRule } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
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

/** True only when the result proves the value is at or above `t`. */
function provesAtLeast(lab: Pick<LabResult, 'value' | 'comparator'>, t: number): boolean {
  const c = lab.comparator;
  if (c === '<' || c === '<=') return false;
  return lab.value >= t;
}

type Kind = 'critical-low' | 'critical-high' | 'high' | 'above-range' | 'low';

/**
 * The drugs that make a low potassium matter: digoxin (toxicity) and the QT-prolonging drugs of the ONC
 * high-priority list (torsade de pointes).
 */
function lowPotassiumDrugs(rule: PotassiumRule, k: Knowledge): Array<{ ingredient: string; rxcui?: string; class: string }> {
  const qt = k.ddi.pairs.find((p) => p.id === rule.lowDrugsQtPair);
  const members = new Map<string, { ingredient: string; rxcui?: string; class: string }>();
  for (const m of [...(qt?.object ?? []), ...(qt?.precipitant ?? [])]) {
    members.set(m.ingredient, { ingredient: m.ingredient, ...(m.rxcui ? { rxcui: m.rxcui } : {}), class: 'QT-prolonging drug' });
  }
  return [...rule.lowDrugs, ...members.values()];
}

/**
 * Critical potassium always; a high one from 5.5 mmol/L; above the 5.0 reference limit only when a drug that
 * raises potassium is active; below 3.5 only when digoxin or a QT-prolonging drug is active (a low potassium
 * alone is common and is left to the laboratory's own flags).
 */
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
    tieBreak: (v) => Math.max(rule.low - v, v - rule.high, 0),
  });
  if (!lab) return [];

  const raising = drugHits(meds, rule.raisingDrugs);
  const lowering = drugHits(meds, lowPotassiumDrugs(rule, k));
  let indicator: Indicator;
  let kind: Kind;
  if (provesBelow(lab, rule.criticalLow)) [indicator, kind] = ['critical', 'critical-low'];
  else if (provesAbove(lab, rule.criticalHigh)) [indicator, kind] = ['critical', 'critical-high'];
  else if (provesAtLeast(lab, rule.warningHigh)) [indicator, kind] = ['warning', 'high'];
  else if (provesAbove(lab, rule.high) && raising.length > 0) [indicator, kind] = ['warning', 'above-range'];
  else if (provesBelow(lab, rule.low) && lowering.length > 0) [indicator, kind] = ['warning', 'low'];
  else return [];

  const named = kind === 'critical-low' || kind === 'low' ? lowering : raising;
  const value = `${lab.comparator ?? ''}${lab.value} ${lab.unit}`;
  const date = formatDate(lab.effective);
  const drugNames = [...new Set(named.map((h) => h.ingredient))];
  const on = drugNames.length > 0 ? `; on ${drugNames.join(', ')}` : '';
  const text = {
    'critical-low': `Critical potassium ${value} (${date}): below ${rule.criticalLow.toFixed(1)}${on}`,
    'critical-high': `Critical potassium ${value} (${date}): above ${rule.criticalHigh.toFixed(1)}${on}`,
    high: `High potassium ${value} (${date}): ${rule.warningHigh.toFixed(1)} or above${on}`,
    'above-range': `Potassium ${value} (${date}) above ${rule.high.toFixed(1)}${on}: review`,
    low: `Low potassium ${value} (${date})${on}: correct it`,
  }[kind];

  const lines: string[] = [];
  lines.push(
    `**Latest potassium (last ${rule.lookbackDays} days):** ${md(value)} on ${md(lab.effectiveText)} ` +
      `(LOINC ${md(lab.code)}${lab.display ? ` ${md(lab.display)}` : ''}${lab.id ? `, Observation/${md(lab.id)}` : ''})`,
  );
  if (named.length > 0) {
    const heading = named === lowering ? 'Active medications a low potassium makes riskier' : 'Active medications that can raise potassium';
    lines.push(
      `**${heading}:** ${named
        .map((h) => `${md(medicationLabel(h.med))} (${md(h.label)}${h.confidence === 'text' ? ', matched by name' : ''})`)
        .join('; ')}`,
    );
  }
  lines.push('');
  if (kind === 'high' || kind === 'above-range') {
    lines.push(
      kind === 'high'
        ? `Potassium is ${rule.warningHigh.toFixed(1)} mmol/L or above, below the critical limit of ${rule.criticalHigh.toFixed(1)}. Confirm the result and review the cause.`
        : `Potassium is above the ${rule.high.toFixed(1)} mmol/L reference limit while a drug that raises it is active.`,
    );
    if (named.length > 0) lines.push('ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.');
  } else if (kind === 'low') {
    lines.push(`Potassium is below ${rule.low.toFixed(1)} mmol/L: low potassium raises the risk of digoxin toxicity and of torsade de pointes with QT-prolonging drugs. Replace it and recheck.`);
  } else {
    lines.push(
      `Potassium is ${kind === 'critical-low' ? `below ${rule.criticalLow}` : `above ${rule.criticalHigh}`} mmol/L, a critical value: ` +
        'confirm the result and act per your critical-result protocol. Your laboratory’s own critical limits take precedence.',
    );
    if (kind === 'critical-high' && named.length > 0) lines.push('ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.');
    if (kind === 'critical-low' && named.length > 0) lines.push('Digoxin and QT-prolonging drugs are more dangerous at this potassium.');
  }
  lines.push('');
  lines.push(
    `Source: critical limits ${rule.criticalLow.toFixed(1)} and ${rule.criticalHigh.toFixed(1)} mmol/L: ${md(rule.criticalSource)}. ` +
      `Verification: ${md(rule.criticalVerification)}; not checked against the original.`,
  );
  if (kind === 'high') lines.push(`${rule.warningHigh.toFixed(1)} mmol/L: ${md(rule.warningHighSource)}.`);
  if (kind === 'above-range') lines.push(`${rule.high.toFixed(1)} mmol/L: ${md(rule.highSource)}; ${md(rule.highRule)}.`);
  if (kind === 'low' || kind === 'critical-low') lines.push(`${rule.low.toFixed(1)} mmol/L: ${md(rule.lowSource)}.`);
  lines.push('mEq/L is read as mmol/L; other units are not converted.');
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
