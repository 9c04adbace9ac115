// lab-codes.json: VERIFIED LOINC codes by lab group (egfr, creatinine, potassium, inr, …).
import { col, isVerified } from './csv.js';
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

export function buildLabCodes({ read }: BuildContext) {
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
  const labCodes = {
    system: 'http://loinc.org',
    notes: 'Only LOINC codes marked VERIFIED in shared/knowledge/lab_loinc_codes.csv are shipped.',
    notice: 'This material contains content from LOINC (http://loinc.org). LOINC is copyright Regenstrief Institute, Inc. and the LOINC Committee and is available at no cost under the license at http://loinc.org/license.',
    groups: labs,
  };
  return labCodes;
}
