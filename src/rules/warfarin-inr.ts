// patient-view: active warfarin and the latest INR (target 2.0–3.0, CHEST 2012; INR >= 5 a common critical limit).
// An INR is recognised by its LOINC code (knowledge lab group "inr": 6301-6, 34714-6, 38875-1) at full tier, or
// else by its NAME (code.text / coding display): a text match, one tier lower, and the card says "matched by name".
// Pure: (medications, laboratory Observations, now, knowledge) -> cards.
// Text per §4 of issue 12: the INR as a bare number (no `{INR}`), dates as "20 Nov 2026 (3 days ago)"; the LOINC
// code, the reported codes and the Observation id go in the trace.
import type { Card, Indicator } from '../cds/types.js';
import { type Knowledge, type WarfarinInrRule, labCodes } from '../knowledge/index.js';
import { LOINC, bundleResources, codings, conceptText, isObject, str } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { effectiveOf } from '../fhir-read/observations.js';
import { type MatchConfidence, betterConfidence, tokens } from '../knowledge/drugs/match.js';
import { calendarDate, dateText, valueText } from './card-text.js';
import { TOPIC_SYSTEM, lowerIndicator, md, summary, patientViewOverrides } from './cards.js';
import { drugHits, provesBelow } from './potassium.js';
import { DAY_MS } from '../util/time.js';

export const ANTICOAGULATION_TOPIC = {
  system: TOPIC_SYSTEM,
  code: 'anticoagulation-monitoring',
  display: 'Anticoagulation monitoring',
} as const;

/** Holbrook A et al., Evidence-based management of anticoagulant therapy, CHEST 2012;141(2 Suppl):e152S-e184S. */
const CHEST_2012_URL = 'https://doi.org/10.1378/chest.11-2295';

const SKIP_STATUSES = new Set(['entered-in-error', 'cancelled']);
export interface InrResult {
  value: number;
  comparator?: string;
  unit?: string;
  effective: Date;
  effectiveText: string;
  /** The LOINC code the result was recognised by, when it was recognised by code. */
  matchedCode?: string;
  /** The name the result was recognised by (its code's text or display when matched by code). */
  matchedName: string;
  /** Codings as reported (`system|code`, FHIR token style), for the trace; never used for matching. */
  reportedCodes: string[];
  id?: string;
}

function containsPhrase(text: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  for (let i = 0; i + phrase.length <= text.length; i++) if (phrase.every((w, j) => text[i + j] === w)) return true;
  return false;
}

/** The rule's names as words, and its excluded words: read once per knowledge, not per Observation. */
const nameRuleCache = new WeakMap<WarfarinInrRule, { phrases: string[][]; exclude: ReadonlySet<string> }>();

function nameRules(rule: WarfarinInrRule): { phrases: string[][]; exclude: ReadonlySet<string> } {
  let r = nameRuleCache.get(rule);
  if (!r) {
    r = { phrases: rule.textNames.map(tokens), exclude: new Set(rule.excludeWords.map((w) => w.toLowerCase())) };
    nameRuleCache.set(rule, r);
  }
  return r;
}

/** The name of an Observation's code that identifies it as an INR, or undefined. */
export function inrName(code: unknown, rule: WarfarinInrRule): string | undefined {
  const names = [conceptText(code), ...codings(code).map((c) => c.display)].filter(
    (s): s is string => typeof s === 'string',
  );
  const { phrases, exclude } = nameRules(rule);
  for (const n of names) {
    const t = tokens(n);
    if (t.some((w) => exclude.has(w))) continue;
    if (phrases.some((p) => containsPhrase(t, p))) return n;
  }
  return undefined;
}

function unitAccepted(unit: string | undefined, rule: WarfarinInrRule): boolean {
  const u = (unit ?? '').replace(/\s+/g, '').toLowerCase();
  return rule.acceptedUnits.some((a) => a.replace(/\s+/g, '').toLowerCase() === u);
}

/**
 * The newest INR in `value` within [now - lookbackDays, now + 1 day]: an Observation named like an INR, with a
 * numeric valueQuantity whose unit is a ratio's (none, {INR}, 1, ...). A result named INR but in seconds or % is a
 * prothrombin time or activity, not an INR, and is not a candidate. entered-in-error and cancelled are skipped.
 */
export function latestInr(
  value: unknown,
  rule: WarfarinInrRule,
  now: Date,
  inrCodes: ReadonlySet<string> = new Set(),
): InrResult | undefined {
  const earliest = now.getTime() - rule.lookbackDays * DAY_MS;
  const latest = now.getTime() + DAY_MS;
  let best: InrResult | undefined;
  for (const o of bundleResources(value)) {
    if (o.resourceType !== 'Observation') continue;
    const status = str(o.status)?.toLowerCase();
    if (status && SKIP_STATUSES.has(status)) continue;
    const matchedCode = codings(o.code).find(
      (c) => (c.system === undefined || c.system === LOINC) && c.code && inrCodes.has(c.code),
    )?.code;
    const matchedName =
      inrName(o.code, rule) ?? (matchedCode ? (conceptText(o.code) ?? `LOINC ${matchedCode}`) : undefined);
    if (!matchedName) continue;
    const q = o.valueQuantity;
    if (!isObject(q) || typeof q.value !== 'number' || !Number.isFinite(q.value)) continue;
    const unit = str(q.unit) ?? str(q.code);
    if (!unitAccepted(unit, rule)) continue;
    const eff = effectiveOf(o);
    if (!eff) continue;
    const t = eff.date.getTime();
    if (t < earliest || t > latest) continue;
    if (best && best.effective.getTime() >= t) continue;
    const r: InrResult = {
      value: q.value,
      effective: eff.date,
      effectiveText: eff.text,
      matchedName,
      ...(matchedCode ? { matchedCode } : {}),
      reportedCodes: codings(o.code)
        .filter((c) => c.code)
        .map((c) => `${c.system ?? ''}|${c.code}`),
    };
    if (unit) r.unit = unit;
    const comparator = str(q.comparator);
    if (comparator) r.comparator = comparator;
    const id = str(o.id);
    if (id) r.id = id;
    best = r;
  }
  return best;
}

/** True only when the result proves the value is at or above `t`. */
function provesAtLeast(lab: { value: number; comparator?: string }, t: number): boolean {
  const c = lab.comparator;
  if (c === '<' || c === '<=') return false;
  return lab.value >= t;
}

/** True only when the result proves the value is above `t`. */
function provesOver(lab: { value: number; comparator?: string }, t: number): boolean {
  const c = lab.comparator;
  if (c === '<' || c === '<=') return false;
  return c === '>' ? lab.value >= t : lab.value > t;
}

export function warfarinInrCards(meds: ResolvedMedication[], inrData: unknown, now: Date, k: Knowledge): Card[] {
  const rule = k.labRules.warfarinInr;
  const hits = drugHits(meds, [rule.drug]);
  if (hits.length === 0) return [];
  const inr = latestInr(inrData, rule, now, labCodes(k, 'inr'));
  if (!inr) return [];

  let base: Indicator;
  let kind: 'critical' | 'above' | 'below';
  if (provesAtLeast(inr, rule.critical)) [base, kind] = ['critical', 'critical'];
  else if (provesOver(inr, rule.targetHigh)) [base, kind] = ['warning', 'above'];
  else if (provesBelow(inr, rule.targetLow)) [base, kind] = ['info', 'below'];
  else return [];
  let drugConfidence: MatchConfidence = 'text';
  for (const h of hits) drugConfidence = betterConfidence(drugConfidence, h.confidence);
  // An INR or a warfarin recognised only by name is one tier lower (once). Info stays info.
  const indicator = inr.matchedCode && drugConfidence !== 'text' ? base : lowerIndicator(base);

  const value = `${inr.comparator ?? ''}${valueText(inr.value, inr.unit)}`;
  const date = calendarDate(inr.effective);
  const target = `${rule.targetLow.toFixed(1)}–${rule.targetHigh.toFixed(1)}`;
  const text =
    kind === 'critical'
      ? `Check for bleeding and review warfarin: INR ${value} on ${date}, ${rule.critical} or above (critical range)`
      : kind === 'above'
        ? `Review the warfarin dose: INR ${value} on ${date}, above the ${target} target`
        : `Review warfarin: INR ${value} on ${date}, below the ${target} target`;

  const blocks: string[] = [];
  blocks.push(
    `**Active warfarin:** ${hits.map((h) => md(medicationLabel(h.med))).join('; ')}${drugConfidence === 'text' ? ' (matched by name)' : ''}`,
  );
  blocks.push(`**Latest INR (last ${rule.lookbackDays} days):** ${md(value)} on ${dateText(inr.effective, now)}`);
  if (!inr.matchedCode) {
    blocks.push(
      `**Lab matched by name** ("${md(inr.matchedName)}"), not by a standard INR code, so this card is shown one tier lower.`,
    );
  }
  if (kind === 'critical') {
    blocks.push(
      `INR at or above ${rule.critical} is a common laboratory critical limit: check for bleeding and review the warfarin dose now.`,
    );
    blocks.push(md(rule.vitaminKNote.replace(/\s*\(PARTIAL[^)]*\)/i, '')));
  } else if (kind === 'above') {
    blocks.push(
      `INR is above the usual ${target} target for most indications: review the warfarin dose and what changed (interacting drugs, diet, illness).`,
    );
  } else {
    blocks.push(
      `INR is below the usual ${target} target for most indications: review adherence, interacting drugs and the dose.`,
    );
  }
  const sources = [`- Target ${target}: ${md(rule.targetSource)}`];
  if (kind === 'critical') sources.push(`- Critical limit ${rule.critical}: ${md(rule.criticalSource)}`);
  blocks.push(`**Source:**\n${sources.join('\n')}`);
  blocks.push(`hookwise knowledge ${k.version}.`);
  const resources = [
    ...hits.map((h) => h.med.key).filter((x): x is string => x !== undefined),
    ...(inr.id ? [`Observation/${inr.id}`] : []),
  ];
  const codes = inr.reportedCodes;

  return [
    {
      // A new INR is a new finding: an override of this one does not silence the next.
      finding: {
        key: `warfarin-inr:${kind}:${inr.effective.toISOString()}`,
        trace: { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) },
      },
      summary: summary(text),
      detail: blocks.join('\n\n'),
      indicator,
      source: {
        label: 'hookwise: warfarin and INR (CHEST 2012 target range)',
        url: CHEST_2012_URL,
        topic: { ...ANTICOAGULATION_TOPIC },
      },
      links: [
        {
          label: 'CHEST 2012: evidence-based management of anticoagulant therapy',
          url: CHEST_2012_URL,
          type: 'absolute',
        },
      ],
      overrideReasons: patientViewOverrides(),
    },
  ];
}
