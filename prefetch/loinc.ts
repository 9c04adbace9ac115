// LOINC codes the templates search for: read from the shipped knowledge (knowledge/lab-codes.json, codes VERIFIED
// in the research tables), so a code verified in a new knowledge build is searched without another edit here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultKnowledgeDir } from '../src/knowledge/index.js';

const groups = (
  JSON.parse(readFileSync(join(defaultKnowledgeDir(), 'lab-codes.json'), 'utf8')) as {
    groups: Record<string, Array<{ code: string }>>;
  }
).groups;

/** The shipped LOINC codes of one lab group; a template for a group the knowledge lacks stops the start. */
export function shippedLoinc(group: string): readonly string[] {
  const codes = groups[group]?.map((c) => c.code) ?? [];
  if (codes.length === 0) throw new Error(`knowledge/lab-codes.json has no codes for lab group '${group}'`);
  return codes;
}

export const EGFR_LOINC = shippedLoinc('egfr');
export const POTASSIUM_LOINC = shippedLoinc('potassium');
export const CREATININE_LOINC = shippedLoinc('creatinine');
export const BODY_WEIGHT_LOINC = shippedLoinc('bodyWeight');
export const INR_LOINC = shippedLoinc('inr');

export function loincParam(codes: readonly string[]): string {
  return codes.map((c) => `http://loinc.org|${c}`).join(',');
}
