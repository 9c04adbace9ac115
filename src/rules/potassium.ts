// patient-view: critical or high potassium (survey of US hospital critical limits: Kost GJ, MLO 2023-24, cited in the knowledge file).
// Pure: (medications, potassium Observations, now, knowledge) -> cards.
// Text per §4 of issue 12: dates as "21 Nov 2026 (2 days ago)", no LOINC code or Observation id (in the trace).
import type { Card, Indicator, Link } from '../cds/types.js';
import type { Knowledge, PotassiumRule } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { LOINC } from '../fhir-read/datatypes.js';
import { calendarDate, dateText, valueText } from './card-text.js';
import { TOPIC_SYSTEM, md, summary, patientViewOverrides } from './cards.js';

export const POTASSIUM_TOPIC = {
  system: TOPIC_SYSTEM,
  code: 'critical-lab-value',
  display: 'Critical or abnormal lab value',
} as const;

/** Where the thresholds come from, as links (the critical-limit survey is cited by its CAP Q-Probes companion). */
const LINKS: Record<'critical' | 'high' | 'low', Link> = {
  critical: {
    label: 'Critical values: CAP Q-Probes study (Wagar et al., 2007)',
    url: 'https://pubmed.ncbi.nlm.nih.gov/?term=Wagar+critical+values+Q-Probes+2007',
    type: 'absolute',
  },
  high: {
    label: 'European Resuscitation Council Guidelines 2021: special circumstances (hyperkalaemia)',
    url: 'https://doi.org/10.1016/j.resuscitation.2021.02.011',
    type: 'absolute',
  },
  low: {
    label: 'AHA/ACCF statement on torsade de pointes (Drew et al., 2010)',
    url: 'https://doi.org/10.1161/CIRCULATIONAHA.109.192704',
    type: 'absolute',
  },
};

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
export function drugHits(
  meds: ResolvedMedication[],
  drugs: ReadonlyArray<{ ingredient: string; rxcui?: string; class?: string }>,
): DrugHit[] {
  const hits: DrugHit[] = [];
  for (const med of meds) {
    for (const d of drugs) {
      const found = med.ingredients.find(
        (i) => i.name === d.ingredient || (d.rxcui !== undefined && i.rxcui === d.rxcui),
      );
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
function lowPotassiumDrugs(
  rule: PotassiumRule,
  k: Knowledge,
): Array<{ ingredient: string; rxcui?: string; class: string }> {
  const qt = k.ddi.pairs.find((p) => p.id === rule.lowDrugsQtPair);
  const members = new Map<string, { ingredient: string; rxcui?: string; class: string }>();
  for (const m of [...(qt?.object ?? []), ...(qt?.precipitant ?? [])]) {
    members.set(m.ingredient, {
      ingredient: m.ingredient,
      ...(m.rxcui ? { rxcui: m.rxcui } : {}),
      class: 'QT-prolonging drug',
    });
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
  const value = `${lab.comparator ?? ''}${valueText(lab.value, lab.unit)}`;
  const date = calendarDate(lab.effective);
  const drugNames = [...new Set(named.map((h) => h.ingredient))];
  const list = drugNames.join(', ');
  const text = {
    'critical-low': `Critical potassium ${value} on ${date}: below ${rule.criticalLow.toFixed(1)}. Confirm and replace${list ? `; on ${list}` : ''}`,
    'critical-high': `Critical potassium ${value} on ${date}: above ${rule.criticalHigh.toFixed(1)}. Confirm and treat${list ? `; review ${list}` : ''}`,
    high: `High potassium ${value} on ${date}: ${rule.warningHigh.toFixed(1)} or above. ${list ? `Review ${list}` : 'Confirm and find the cause'}`,
    'above-range': `Potassium ${value} on ${date}, above ${rule.high.toFixed(1)}: review ${list}`,
    low: `Low potassium ${value} on ${date} with ${list}: replace it`,
  }[kind];

  const blocks: string[] = [];
  blocks.push(`**Latest potassium (last ${rule.lookbackDays} days):** ${md(value)} on ${dateText(lab.effective, now)}`);
  if (named.length > 0) {
    const heading =
      named === lowering
        ? 'Active medications a low potassium makes riskier'
        : 'Active medications that can raise potassium';
    blocks.push(
      `**${heading}:**\n` +
        named
          .map(
            (h) =>
              `- ${md(medicationLabel(h.med))} (${md(h.label)}${h.confidence === 'text' ? ', matched by name' : ''})`,
          )
          .join('\n'),
    );
  }
  if (kind === 'high' || kind === 'above-range') {
    blocks.push(
      kind === 'high'
        ? `Potassium is ${rule.warningHigh.toFixed(1)} mmol/L or above, below the critical limit of ${rule.criticalHigh.toFixed(1)}. Confirm the result and review the cause.`
        : `Potassium is above the ${rule.high.toFixed(1)} mmol/L reference limit while a drug that raises it is active.`,
    );
    if (named.length > 0)
      blocks.push(
        'ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.',
      );
  } else if (kind === 'low') {
    blocks.push(
      `Potassium is below ${rule.low.toFixed(1)} mmol/L: low potassium raises the risk of digoxin toxicity and of torsade de pointes with QT-prolonging drugs. Replace it and recheck.`,
    );
  } else {
    blocks.push(
      `Potassium is ${kind === 'critical-low' ? `below ${rule.criticalLow}` : `above ${rule.criticalHigh}`} mmol/L, a critical value: ` +
        'confirm the result and act per your critical-result protocol. Your laboratory’s own critical limits take precedence.',
    );
    if (kind === 'critical-high' && named.length > 0)
      blocks.push(
        'ACE inhibitors, ARBs, spironolactone and trimethoprim raise potassium: review whether they should continue.',
      );
    if (kind === 'critical-low' && named.length > 0)
      blocks.push('Digoxin and QT-prolonging drugs are more dangerous at this potassium.');
  }
  const sources = [
    `- Critical limits ${rule.criticalLow.toFixed(1)} and ${rule.criticalHigh.toFixed(1)} mmol/L: ${md(rule.criticalSource)}`,
  ];
  if (kind === 'high')
    sources.push(
      `- ${rule.warningHigh.toFixed(1)} mmol/L: ${md(rule.warningHighSource.replace(/;\s*recalled, not re-read\)?/i, ')'))}`,
    );
  if (kind === 'above-range')
    sources.push(`- ${rule.high.toFixed(1)} mmol/L: ${md(rule.highSource)}; ${md(rule.highRule)}`);
  if (kind === 'low' || kind === 'critical-low')
    sources.push(`- ${rule.low.toFixed(1)} mmol/L: ${md(rule.lowSource.replace(/;\s*recalled, not re-read/i, ''))}`);
  blocks.push(`**Source:**\n${sources.join('\n')}`);
  blocks.push(`mEq/L is read as mmol/L; other units are not converted. hookwise knowledge ${k.version}.`);
  const links = [
    LINKS.critical,
    ...(kind === 'high' || kind === 'critical-high' ? [LINKS.high] : []),
    ...(kind === 'low' || kind === 'critical-low' ? [LINKS.low] : []),
  ];
  const resources = [
    ...(lab.id ? [`Observation/${lab.id}`] : []),
    ...named.map((h) => h.med.key).filter((x): x is string => x !== undefined),
  ];

  return [
    {
      // A new result is a new finding: an override of this one does not silence the next.
      finding: {
        key: `potassium:${kind}:${lab.effective.toISOString()}`,
        trace: { ...(resources.length ? { resources } : {}), codes: [`${LOINC}|${lab.code}`] },
      },
      summary: summary(text),
      detail: blocks.join('\n\n'),
      indicator,
      source: {
        label: 'hookwise: critical potassium (US hospital critical-limit survey)',
        url: LINKS.critical.url,
        topic: { ...POTASSIUM_TOPIC },
      },
      links: links.map((l) => ({ ...l })),
      overrideReasons: patientViewOverrides(),
    },
  ];
}
