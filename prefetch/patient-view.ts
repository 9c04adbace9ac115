import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { EGFR_LOINC, loincParam } from './loinc.js';
import { ACTIVE_MEDICATIONS_TEMPLATE, medicationRefs } from './medications.js';

// Potassium: the LOINC codes VERIFIED in the researched table (knowledge/lab-codes.json group "potassium"; a test
// checks they are equal). 22760-3 reports mg/dL, which the rule does not convert: it is read but gives no card.
export const POTASSIUM_LOINC = ['2823-3', '6298-4', '22760-3', '39789-3', '32713-0'] as const;
/** The potassium rule's look-back (knowledge potassium.lookbackDays). */
export const POTASSIUM_LOOKBACK_DAYS = 7;
/** The warfarin-INR rule's look-back (knowledge warfarinInr.lookbackDays). */
export const INR_LOOKBACK_DAYS = 30;

export const patientViewPrefetch: PrefetchSpec = {
  medications: {
    template: ACTIVE_MEDICATIONS_TEMPLATE,
    required: true,
    purpose: 'active medications, the subject of every patient-view rule',
  },
  medicationRefs,
  egfr: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(EGFR_LOINC)}&date=ge{{today() - 365 days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'eGFR results of the last 365 days, newest first, for renal dosing',
    maxPages: 1,
  },
  potassium: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(POTASSIUM_LOINC)}&date=ge{{today() - ${POTASSIUM_LOOKBACK_DAYS} days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'potassium results of the last 7 days, newest first, for critical and high potassium',
    maxPages: 1,
  },
  // No INR LOINC code is verified, so the search cannot name one: it reads the laboratory results of the last
  // 30 days, newest first, and the rule keeps those NAMED like an INR (text match, one tier lower). Trade-off: a
  // broader read than a code search, and an INR beyond the first 50 results of the month is not seen.
  inr: {
    template: `Observation?patient={{context.patientId}}&category=laboratory&date=ge{{today() - ${INR_LOOKBACK_DAYS} days}}&_sort=-date&_count=50`,
    required: false,
    purpose: 'laboratory results of the last 30 days, newest first, to find the latest INR by name for warfarin',
    maxPages: 1,
  },
  patient: {
    template: 'Patient/{{context.patientId}}',
    required: false,
    purpose: "the patient's birth date, for the age-based AGS Beers Criteria",
  },
};
