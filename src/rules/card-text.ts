// How card text names dates, labs and units, for a clinician reading a card in ten seconds (CDS Hooks 2.0 §2.4:
// `detail` is GitHub-Flavored Markdown). Cards never show ISO timestamps, LOINC long names or UCUM codes; the
// codes behind a fact go in the card's trace (CardFinding.trace), which integrators read from the extension.
// Pure; `now` is passed in.

import { DAY_MS } from '../util/time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** "23 Nov 2026" (UTC calendar date: results are stamped by the EHR; hookwise has no patient time zone). */
export function calendarDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** How long ago, in whole days: "today", "yesterday", "8 days ago"; a future date says "in 3 days". */
export function daysAgo(d: Date, now: Date): string {
  const days = Math.floor(
    (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
      Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) /
      DAY_MS,
  );
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days === -1) return 'tomorrow';
  return days > 0 ? `${days} days ago` : `in ${-days} days`;
}

/** "23 Nov 2026 (8 days ago)". */
export function dateText(d: Date, now: Date): string {
  return `${calendarDate(d)} (${daysAgo(d, now)})`;
}

// UCUM codes as a clinician writes them. Annotations in braces ({INR}, {1.73_m2}) are UCUM's way of naming what
// is counted; they are not units a reader needs.
const UNIT_TEXT: Record<string, string> = {
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  'mL/min/1.73m2': 'mL/min/1.73 m²',
  'mL/min/1.73_m2': 'mL/min/1.73 m²',
  '{INR}': '',
  '{ratio}': '',
  '[IU]/L': 'IU/L',
  'meq/L': 'mEq/L',
  'mmol/L': 'mmol/L',
  'mg/dL': 'mg/dL',
  'umol/L': 'µmol/L',
  'ng/mL': 'ng/mL',
  ms: 'ms',
};

/** A unit as written for a reader: `{INR}` → "", `mL/min/{1.73_m2}` → "mL/min/1.73 m²", other annotations dropped. */
export function unitText(unit: string | undefined): string {
  if (!unit) return '';
  const known = UNIT_TEXT[unit];
  if (known !== undefined) return known;
  return withoutAnnotations(unit)
    .replace(/\bu(?=(mol|g|L)\b)/g, 'µ')
    .trim();
}

/**
 * `{…}` annotations removed. Text after the last "}" holds none and is not scanned: from each "{" of a long run
 * without a "}" the regex would scan to the end (quadratic: ~1 s for 40 000 characters of a unit).
 */
function withoutAnnotations(unit: string): string {
  const end = unit.lastIndexOf('}') + 1;
  return unit.slice(0, end).replace(/\{[^}]*\}/g, '') + unit.slice(end);
}

/** "4.1", "5.9 mmol/L", "28 mL/min/1.73 m²": a value with its unit as written for a reader. */
export function valueText(value: number, unit: string | undefined): string {
  const u = unitText(unit);
  const v = Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return u ? `${v} ${u}` : v;
}

/** A medication's name for card text, never a bare code (see medicationLabel). */
export { medicationLabel as medicationText } from '../knowledge/drugs/medications.js';
