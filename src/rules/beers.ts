// patient-view: AGS Beers Criteria 2023 (JAGS 2023;71:2052-81, doi:10.1111/jgs.18372) for patients aged 65 and over.
// Only criteria VERIFIED in the research tables are shipped (knowledge/beers-2023.json).
// One info card per chart open lists every active Beers medication: these are review prompts, not alarms, and one
// card per drug would push the critical cards of the same chart out of sight.
// Pure: (medications, Patient, now, knowledge) -> cards.
import type { Card } from '../cds/types.js';
import type { BeersEntry, Knowledge } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';
import { betterConfidence } from '../knowledge/drugs/match.js';
import { patientAge } from '../fhir-read/patients.js';
import { isObject, parseDate, RXNORM } from '../fhir-read/datatypes.js';
import { TOPIC_SYSTEM, md, summary, patientViewOverrides } from './cards.js';
import { dateText, medicationText } from './card-text.js';
import { DAY_MS } from '../util/time.js';

export const BEERS_TOPIC = {
  system: TOPIC_SYSTEM,
  code: 'potentially-inappropriate-medication',
  display: 'Potentially inappropriate medication (older adults)',
} as const;

/** RxNorm names of extended-release products, which a "short-acting" criterion does not cover. */
const EXTENDED_RELEASE = /\b(extended release|\d+\s*hr)\b/i;

interface BeersHit {
  med: ResolvedMedication;
  entry: BeersEntry;
  confidence: MatchConfidence;
}

function matches(entry: BeersEntry, name: string, rxcui: string | undefined): boolean {
  if (name === entry.ingredient || (entry.aliases ?? []).includes(name)) return true;
  return entry.rxcui !== undefined && rxcui === entry.rxcui;
}

/** When a record says the drug was started: ordered, dispensed, or first taken or given. */
function startOf(med: ResolvedMedication): Date | undefined {
  const r = med.resource;
  const period = isObject(r.effectivePeriod) ? r.effectivePeriod.start : undefined;
  for (const value of [r.authoredOn, r.dateWritten, r.whenHandedOver, period, r.effectiveDateTime]) {
    const date = parseDate(value);
    if (date) return date;
  }
  return undefined;
}

/**
 * A new start of `ingredient`: no record of it is a continuation (priorPrescription), every record has a date,
 * and the earliest is within `days`. A record without a date may be years old, so it counts as continuing.
 */
function isNewStart(ingredient: string, meds: ResolvedMedication[], now: Date, days: number): boolean {
  const records = meds.filter((m) => m.ingredients.some((i) => i.name === ingredient));
  if (records.length === 0 || records.some((m) => m.resource.priorPrescription !== undefined)) return false;
  const starts = records.map(startOf);
  if (starts.some((d) => d === undefined)) return false;
  const earliest = Math.min(...starts.map((d) => d!.getTime()));
  return earliest >= now.getTime() - days * DAY_MS;
}

/** `history`: every record of what the patient takes (orders, statements, dispenses), for the new-start test. */
export function beersHits(
  meds: ResolvedMedication[],
  k: Knowledge,
  now: Date,
  history: ResolvedMedication[] = meds,
): BeersHit[] {
  const hits: BeersHit[] = [];
  for (const med of meds) {
    for (const entry of k.beers.entries) {
      const found = med.ingredients.filter((i) => matches(entry, i.name, i.rxcui));
      if (found.length === 0) continue;
      if (entry.newStartDays !== undefined && !isNewStart(entry.ingredient, history, now, entry.newStartDays)) continue;
      if (/short-acting/i.test(entry.criterion) && EXTENDED_RELEASE.test(medicationLabel(med))) continue;
      let confidence: MatchConfidence = 'text';
      for (const f of found) confidence = betterConfidence(confidence, f.confidence);
      const existing = hits.find((h) => h.med === med && h.entry.ingredient === entry.ingredient);
      if (existing) existing.confidence = betterConfidence(existing.confidence, confidence);
      else hits.push({ med, entry, confidence });
    }
  }
  return hits;
}

export function beersCards(
  meds: ResolvedMedication[],
  patientData: unknown,
  patientId: string | undefined,
  now: Date,
  k: Knowledge,
  history: ResolvedMedication[] = meds,
): Card[] {
  const age = patientAge(patientData, now, patientId);
  if (age === undefined || age < k.beers.minimumAge) return [];
  const hits = beersHits(meds, k, now, history);
  if (hits.length === 0) return [];

  const drugs = [...new Set(hits.map((h) => h.entry.ingredient))];
  // The action first: what to review, for whom (AGS Beers 2023 are review prompts, not contraindications).
  const text = `Review ${drugs.join(', ')} at age ${age}: potentially inappropriate (AGS Beers 2023)`;

  const lines: string[] = [];
  for (const h of hits) {
    const started = startOf(h.med);
    const parts = [
      `- **${md(medicationText(h.med))}**${started ? `, since ${dateText(started, now)}` : ''}: ${md(h.entry.recommendation)}.`,
    ];
    if (h.entry.exception) parts.push(`Exception: ${md(h.entry.exception)}.`);
    if (h.confidence === 'text') parts.push('_Matched by name, not by code: confirm._');
    lines.push(parts.join(' '));
  }
  lines.push(`- **Age ${age}** (from the date of birth): the AGS Beers Criteria apply from ${k.beers.minimumAge}.`);
  lines.push(
    '- A prompt to review the medication with the patient, not a contraindication. hookwise checks only ' +
      `${k.beers.entries.length} Beers drugs; no card does not mean none applies.`,
  );
  lines.push('');
  lines.push(`Source: ${md(k.beers.citation)}. hookwise knowledge ${k.version}.`);
  const codes = [
    ...new Set(
      hits.flatMap((h) =>
        h.med.ingredients.filter((i) => i.name === h.entry.ingredient && i.rxcui).map((i) => `${RXNORM}|${i.rxcui}`),
      ),
    ),
  ];
  const resources = [...new Set(hits.map((h) => h.med.key).filter((x): x is string => x !== undefined))];

  return [
    {
      // The set of Beers drugs: a newly started one makes a new finding.
      finding: {
        key: `beers:${[...drugs].sort().join('+')}`,
        trace: { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) },
      },
      summary: summary(text),
      detail: lines.join('\n'),
      indicator: 'info',
      source: { label: 'hookwise: AGS Beers Criteria 2023', url: k.beers.url, topic: { ...BEERS_TOPIC } },
      overrideReasons: patientViewOverrides(),
      links: [
        {
          label: 'AGS Beers Criteria 2023 (J Am Geriatr Soc, doi:10.1111/jgs.18372)',
          url: k.beers.url,
          type: 'absolute',
        },
      ],
    },
  ];
}
