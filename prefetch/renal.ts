// Renal dosing at order-select / order-sign (src/rules/renal-dosing.ts): the inputs of Cockcroft-Gault CrCl and
// the latest eGFR. Every key is optional: without it the renal rule decides without (no CrCl → no CrCl card,
// or the eGFR in its place, said so on the card). `patient` and `egfr` are the same templates as patient-view's.
import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { CREATININE_LOOKBACK_DAYS, WEIGHT_LOOKBACK_DAYS } from '../src/clinical-calc/crcl.js';
import { BODY_WEIGHT_LOINC, CREATININE_LOINC, EGFR_LOINC, loincParam } from './loinc.js';
import { patientViewPrefetch } from './patient-view.js';

// Serum creatinine and body weight: the shipped LOINC codes of lab groups "creatinine" (38483-4, the one Synthea
// reports, included) and "bodyWeight".
export { BODY_WEIGHT_LOINC, CREATININE_LOINC };

const pv = patientViewPrefetch;

export const renalPrefetch: PrefetchSpec = {
  patient: {
    template: pv.patient?.template ?? 'Patient/{{context.patientId}}',
    required: false,
    purpose: "the patient's birth date and sex, for Cockcroft-Gault creatinine clearance and age-based renal rules",
  },
  creatinine: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(CREATININE_LOINC)}&date=ge{{today() - ${CREATININE_LOOKBACK_DAYS} days}}&_sort=-date&_count=10`,
    required: false,
    purpose: `serum creatinine results of the last ${CREATININE_LOOKBACK_DAYS} days, newest first, for Cockcroft-Gault creatinine clearance`,
    maxPages: 1,
  },
  weight: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(BODY_WEIGHT_LOINC)}&date=ge{{today() - ${WEIGHT_LOOKBACK_DAYS} days}}&_sort=-date&_count=5`,
    required: false,
    purpose: `body weights of the last ${WEIGHT_LOOKBACK_DAYS} days, newest first, for Cockcroft-Gault creatinine clearance`,
    maxPages: 1,
  },
  egfr: {
    template:
      pv.egfr?.template ??
      `Observation?patient={{context.patientId}}&code=${loincParam(EGFR_LOINC)}&date=ge{{today() - 365 days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'eGFR results of the last 365 days, newest first, for renal dosing of the orders',
    maxPages: 1,
  },
};
