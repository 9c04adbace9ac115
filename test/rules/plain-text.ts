// §4 of issue 12, as a test check: what a clinician reads in a card carries no FHIR ids, LOINC codes or names,
// UCUM annotations, ISO dates, rule ids or verification words; the trace carries those.
import { expect } from '@jest/globals';
import type { Card } from '../../src/cds/types.js';

const FORBIDDEN: Array<[string, RegExp]> = [
  ['ISO date', /\b\d{4}-\d{2}-\d{2}\b/],
  ['FHIR id', /\b(Observation|MedicationRequest|Medication|Patient|Condition)\/[A-Za-z0-9-]/],
  ['LOINC', /\bLOINC\b|\[(Mass|Moles)\/volume\]/],
  ['UCUM annotation', /\{INR\}|\{1\.73_m2\}/],
  ['rule id', /\bR\d{2}\b/],
  ['verification word', /\b(VERIFIED|PARTIAL|UNVERIFIED)\b/],
  ['a value the code failed to fill', /\bundefined\b|\bNaN\b|\[object /],
];

export function expectPlainText(card: Card): void {
  for (const text of [card.summary, card.detail ?? '']) {
    for (const [what, re] of FORBIDDEN) expect({ what, match: re.exec(text)?.[0] }).toEqual({ what, match: undefined });
  }
  expect(card.summary.length).toBeLessThan(140);
  expect(card.source.url ?? card.links?.[0]?.url).toMatch(/^https:\/\//);
}
