// patient-view: metformin with a low eGFR (FDA Drug Safety Communication 2016-04-08; renal rules R01 and R03).
// Text per §4 of issue 12: dates as "1 Oct 2026 (53 days ago)", no LOINC code or Observation id (in the trace).
import type { Card, Indicator } from '../cds/types.js';
import type { Knowledge, RenalRule } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { type MatchConfidence, confidenceRank } from '../knowledge/drugs/match.js';
import { LOINC, RXNORM } from '../fhir-read/datatypes.js';
import { calendarDate, dateText, valueText } from './card-text.js';
import { citation } from './renal-dosing.js';
import { TOPICS, applyConfidence, md, summary, patientViewOverrides } from './cards.js';
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
  const onMetformin = meds.filter((m) =>
    m.ingredients.some((i) => i.name === drug || (rxcui !== undefined && i.rxcui === rxcui)),
  );
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
  const value = `${lab.comparator ?? ''}${valueText(lab.value, lab.unit ?? 'mL/min/{1.73_m2}')}`;
  const text =
    fired.id === 'R01'
      ? `Stop metformin: eGFR ${value} on ${calendarDate(lab.effective)} is below ${fired.thresholdHigh} (contraindicated)`
      : `Reassess metformin: eGFR ${value} on ${calendarDate(lab.effective)} is below ${fired.thresholdHigh}`;

  const blocks: string[] = [];
  blocks.push(`**Active metformin:** ${onMetformin.map((m) => md(medicationLabel(m))).join('; ')}`);
  blocks.push(`**Latest eGFR:** ${md(value)} on ${dateText(lab.effective, now)}`);
  if (fired.id === 'R01') {
    blocks.push(`Metformin is contraindicated at an eGFR below ${fired.thresholdHigh}: discontinue it.`);
  } else {
    blocks.push(
      `eGFR has fallen below ${fired.thresholdHigh} on metformin: assess the benefit and risk of continuing it; starting metformin at eGFR 30–45 is not recommended.`,
    );
  }
  blocks.push('Check eGFR at least yearly on metformin, more often when it is falling.');
  if (confidence === 'text')
    blocks.push('Metformin was matched by name, not by code: confirm before acting (shown one tier lower).');
  blocks.push(`Source: ${md(citation(fired.source))}. hookwise knowledge ${k.version}.`);
  const resources = [
    ...onMetformin.map((m) => m.key).filter((x): x is string => x !== undefined),
    ...(lab.id ? [`Observation/${lab.id}`] : []),
  ];
  const codes = [...(rxcui ? [`${RXNORM}|${rxcui}`] : []), `${LOINC}|${lab.code}`];

  return [
    {
      finding: { key: 'renal:metformin:egfr', trace: { resources, codes } },
      summary: summary(text),
      detail: blocks.join('\n\n'),
      indicator,
      source: {
        label: 'hookwise: renal dosing (FDA metformin safety communication, 2016)',
        ...(fired.url ? { url: fired.url } : {}),
        topic: { ...TOPICS.renal },
      },
      ...(fired.url
        ? {
            links: [
              {
                label: 'FDA Drug Safety Communication: metformin and kidney function (2016)',
                url: fired.url,
                type: 'absolute' as const,
              },
            ],
          }
        : {}),
      overrideReasons: patientViewOverrides(),
    },
  ];
}
