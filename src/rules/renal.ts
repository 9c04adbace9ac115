// patient-view: metformin with a low eGFR (FDA Drug Safety Communication 2016-04-08; renal rules R01 and R03).
import type { Card, Indicator } from '../cds/types.js';
import type { Knowledge, RenalRule } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { type MatchConfidence, confidenceRank } from '../knowledge/drugs/match.js';
import { TOPICS, applyConfidence, formatDate, md, summary, patientViewOverrides } from './cards.js';
import { EGFR_LOOKBACK_DAYS } from '../clinical-calc/crcl.js';

function rule(k: Knowledge, id: string): RenalRule | undefined {
  return k.renal.rules.find((r) => r.id === id);
}

/** True only when the result proves the value is below the threshold (a ">" censored value cannot). */
function below(lab: LabResult, threshold: number): boolean {
  if (lab.comparator?.startsWith('>')) return false;
  return lab.value < threshold;
}

export function metforminRenalCards(meds: ResolvedMedication[], egfrData: unknown, now: Date, k: Knowledge): Card[] {
  const contraindicated = rule(k, 'R01');
  const reassess = rule(k, 'R03');
  if (!contraindicated || !reassess) return [];
  const drug = contraindicated.drug;
  const rxcui = contraindicated.rxcui;
  const onMetformin = meds.filter((m) => m.ingredients.some((i) => i.name === drug || (rxcui !== undefined && i.rxcui === rxcui)));
  if (onMetformin.length === 0) return [];
  const lab = latestObservation(egfrData, { codes: labCodes(k, 'egfr'), now, lookbackDays: EGFR_LOOKBACK_DAYS });
  if (!lab) return [];

  let fired: RenalRule | undefined;
  if (contraindicated.thresholdHigh !== undefined && below(lab, contraindicated.thresholdHigh)) fired = contraindicated;
  else if (reassess.thresholdHigh !== undefined && below(lab, reassess.thresholdHigh)) fired = reassess;
  if (!fired || fired.thresholdHigh === undefined) return [];

  let confidence: MatchConfidence = 'text';
  for (const m of onMetformin) {
    for (const i of m.ingredients) {
      if (i.name === drug && confidenceRank(i.confidence) > confidenceRank(confidence)) confidence = i.confidence;
    }
  }
  const indicator: Indicator = applyConfidence(fired.indicator, confidence);
  const value = `${lab.comparator ?? ''}${lab.value}${lab.unit ? ` ${displayUnit(lab.unit)}` : ''}`;
  const date = formatDate(lab.effective);
  const text =
    fired.id === 'R01'
      ? `Metformin contraindicated: eGFR ${value} (${date}) is below ${fired.thresholdHigh}`
      : `Reassess metformin: eGFR ${value} (${date}) is below ${fired.thresholdHigh}`;

  const lines: string[] = [];
  lines.push(`**Active metformin:** ${onMetformin.map((m) => md(medicationLabel(m))).join('; ')}`);
  lines.push(
    `**Latest eGFR:** ${md(value)} on ${md(lab.effectiveText)} (LOINC ${md(lab.code)}${lab.display ? ` ${md(lab.display)}` : ''})`,
  );
  lines.push('');
  if (fired.id === 'R01') {
    lines.push(`Metformin is contraindicated at an eGFR below ${fired.thresholdHigh}: discontinue it.`);
  } else {
    lines.push(`eGFR has fallen below ${fired.thresholdHigh} on metformin: assess the benefit and risk of continuing it; starting metformin at eGFR 30–45 is not recommended.`);
  }
  lines.push('Check eGFR at least yearly on metformin, more often when it is falling.');
  if (confidence === 'text') lines.push('', 'Metformin was matched by name, not by code: confirm before acting (shown one tier lower).');
  lines.push('', `Source: ${md(fired.source)}. Rule ${md(fired.id)}, hookwise knowledge ${k.version}.`);

  return [
    {
      finding: { key: 'renal:metformin:egfr' },
      summary: summary(text),
      detail: lines.join('\n'),
      indicator,
      source: { label: 'hookwise: renal dosing (FDA metformin safety communication, 2016)', topic: { ...TOPICS.renal } },
      overrideReasons: patientViewOverrides(),
    },
  ];
}

/** UCUM units as a clinician reads them: mL/min/{1.73_m2} → mL/min/1.73 m². */
function displayUnit(unit: string): string {
  return unit.replace(/\{?1\.73_?m2\}?/i, '1.73 m²');
}
