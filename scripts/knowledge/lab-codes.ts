// lab-codes.json: VERIFIED LOINC codes by lab group (egfr, creatinine, potassium, inr, …), and the HL7 PDDI-CDS
// guide's own LOINC value sets for digoxin + cyclosporine (magnesium, calcium, one more potassium code) from
// scripts/data/pddi-lab-loinc.csv: the guide (CC0) is the curated public source those codes were seen in.
import { col, isVerified, type Row } from './csv.js';
import type { BuildContext } from './context.js';

/** The lab group of a lab_loinc_codes.csv row, by its use_in_hookwise column. */
export function groupOf(use: string): string {
  const u = use.toLowerCase();
  if (u.startsWith('egfr')) return 'egfr';
  if (u.includes('creatinine')) return 'creatinine';
  if (u.startsWith('potassium')) return 'potassium';
  if (u.startsWith('inr')) return 'inr';
  if (u.startsWith('glucose')) return 'glucose';
  if (u.startsWith('sodium')) return 'sodium';
  if (u.startsWith('weight')) return 'bodyWeight';
  if (u.startsWith('hba1c')) return 'hba1c';
  if (u.startsWith('digoxin')) return 'digoxin';
  if (u.startsWith('hemoglobin')) return 'hemoglobin';
  if (u.startsWith('platelets')) return 'platelets';
  if (u === 'sbp') return 'systolicBp';
  if (u === 'dbp') return 'diastolicBp';
  if (u === 'bmi') return 'bmi';
  return 'other';
}

/**
 * The guide's value-set codes, by group. A row whose `compare` is not `yes` (ionized calcium, which the guide lists
 * beside total calcium though it never falls in the total-calcium range) is left out: not shipped, not searched.
 */
function guideLabCodes(rows: Row[], labs: Record<string, Array<Record<string, string>>>): void {
  const f = 'pddi-lab-loinc.csv';
  for (const r of rows) {
    if (col(r, 'compare', f) !== 'yes') continue;
    const group = (labs[col(r, 'group', f)] ??= []);
    const code = col(r, 'loinc', f);
    if (group.some((c) => c.code === code)) continue;
    group.push({ code, display: col(r, 'name_as_found', f), unit: r.unit ?? '', source: col(r, 'source', f) });
  }
}

export function buildLabCodes({ read }: BuildContext, guideRows: Row[] = []) {
  const f4 = 'lab_loinc_codes.csv';
  const labs: Record<string, Array<Record<string, string>>> = {};
  const labRows = read(f4);
  for (const r of labRows) {
    if (!isVerified(col(r, 'verification', f4))) continue;
    const g = groupOf(col(r, 'use_in_hookwise', f4));
    (labs[g] ??= []).push({
      code: col(r, 'loinc', f4),
      display: col(r, 'long_common_name_as_found', f4),
      unit: r.ucum_unit_typical ?? '',
      source: r.source ?? '',
    });
  }
  guideLabCodes(guideRows, labs);
  const labCodes = {
    system: 'http://loinc.org',
    notes:
      'Only LOINC codes marked VERIFIED in shared/knowledge/lab_loinc_codes.csv are shipped, with the HL7 PDDI-CDS ' +
      "guide's LOINC value-set members (scripts/data/pddi-lab-loinc.csv) that compare with the guide's ranges.",
    notice: 'This material contains content from LOINC (http://loinc.org). LOINC is copyright Regenstrief Institute, Inc. and the LOINC Committee and is available at no cost under the license at http://loinc.org/license.',
    groups: labs,
  };
  return labCodes;
}
