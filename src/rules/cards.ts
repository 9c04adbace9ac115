// Shared card-building helpers for the rules. Pure; no I/O.
import type { Coding, Indicator } from '../cds/types.js';
import { INDICATORS, SUMMARY_MAX, indicatorRank, maxIndicator } from '../cds-hooks.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';

/** Stable code system for hookwise card topics. */
export const TOPIC_SYSTEM = 'https://hookwise.dev/cds/topics';
/** Stable code system for hookwise override reasons. */
export const OVERRIDE_SYSTEM = 'https://hookwise.dev/cds/override-reasons';

export const TOPICS = {
  ddi: { system: TOPIC_SYSTEM, code: 'drug-drug-interaction', display: 'Drug–drug interaction' },
  allergy: { system: TOPIC_SYSTEM, code: 'drug-allergy', display: 'Drug–allergy conflict' },
  renal: { system: TOPIC_SYSTEM, code: 'renal-dosing', display: 'Renal dosing' },
} as const satisfies Record<string, Coding>;

const override = (code: string, display: string): Coding => ({ system: OVERRIDE_SYSTEM, code, display });

export const OVERRIDES = {
  benefitOutweighsRisk: override('benefit-outweighs-risk', 'Benefit outweighs risk; will monitor'),
  doseAdjusted: override('dose-adjusted', 'Dose or timing already adjusted per label'),
  notTaking: override('patient-not-taking', 'Patient no longer takes the other medication'),
  previouslyTolerated: override('previously-tolerated', 'Patient has tolerated this medication before'),
  allergyRecordInaccurate: override('allergy-record-inaccurate', 'Allergy record is inaccurate or not a true allergy'),
  alreadyAddressed: override('already-addressed', 'Already addressed; a plan is in place'),
  resultNotRepresentative: override('result-not-representative', 'Result is not current or not representative'),
  notTakingThis: override('patient-not-taking-this', 'Patient no longer takes this medication'),
} as const;

/** Patient-view cards carry no suggestion, but a clinician may still say why the card does not apply. */
export function patientViewOverrides(): Coding[] {
  return [
    OVERRIDES.alreadyAddressed,
    OVERRIDES.resultNotRepresentative,
    OVERRIDES.notTakingThis,
    OVERRIDES.benefitOutweighsRisk,
  ].map((c) => ({ ...c }));
}

export { indicatorRank, maxIndicator, SUMMARY_MAX };

/** One tier lower; info stays info. */
export function lowerIndicator(i: Indicator): Indicator {
  return INDICATORS[Math.max(0, indicatorRank(i) - 1)] ?? 'info';
}

/** A match by free text alone may never raise a critical card: it drops one tier. */
export function applyConfidence(i: Indicator, confidence: MatchConfidence): Indicator {
  return confidence === 'text' ? lowerIndicator(i) : i;
}

/**
 * Whether collapsing whitespace and trimming would leave `s` as it is: printable ASCII (or beyond) with single
 * spaces inside. Most texts are, and the check is cheaper than the regex replace it saves.
 */
function plainSpaced(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 32 && c < 127) continue;
    if (c === 32) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i + 1) === 32) return false;
      continue;
    }
    if (c < 160 || /\s/.test(s[i]!)) return false;
  }
  return true;
}

/** Shorten a name for a summary, cutting at a word boundary and adding an ellipsis. */
export function shorten(s: string, max: number): string {
  const clean = plainSpaced(s) ? s : s.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, Math.max(1, max - 1));
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Guarantee the CDS Hooks summary limit (< 140 characters). */
export function summary(s: string): string {
  return shorten(s, SUMMARY_MAX);
}

/** Not global, so `test` keeps no state between calls. */
const MD_SPECIAL = /[\\`*_[\]<>|#]/;

/** Escape characters that GitHub-Flavored Markdown would interpret inside inline text. */
export function md(s: string): string {
  return MD_SPECIAL.test(s) ? s.replace(/([\\`*_[\]<>|#])/g, '\\$1') : s;
}
