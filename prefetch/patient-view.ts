import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { EGFR_LOINC, INR_LOINC, POTASSIUM_LOINC, loincParam } from './loinc.js';
import { ACTIVE_MEDICATIONS_TEMPLATE, medicationRefs, recentMedicationRecords } from './medications.js';

// Potassium: the shipped LOINC codes of lab group "potassium". 22760-3 reports mg/dL, which the rule does not
// convert: it is read but gives no card.
export { POTASSIUM_LOINC };
/** The potassium rule's look-back (knowledge potassium.lookbackDays). */
export const POTASSIUM_LOOKBACK_DAYS = 7;
/** The warfarin-INR rule's look-back (knowledge warfarinInr.lookbackDays). */
export const INR_LOOKBACK_DAYS = 30;

const POTASSIUM_TEMPLATE = `Observation?patient={{context.patientId}}&code=${loincParam(POTASSIUM_LOINC)}&date=ge{{today() - ${POTASSIUM_LOOKBACK_DAYS} days}}&_sort=-date&_count=10`;

export const patientViewPrefetch: PrefetchSpec = {
  medications: {
    template: ACTIVE_MEDICATIONS_TEMPLATE,
    required: true,
    purpose: 'active medications, the subject of every patient-view rule',
  },
  medicationRefs,
  ...recentMedicationRecords,
  egfr: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(EGFR_LOINC)}&date=ge{{today() - 365 days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'eGFR results of the last 365 days, newest first, for renal dosing',
    maxPages: 1,
  },
  potassium: {
    template: POTASSIUM_TEMPLATE,
    required: false,
    purpose:
      'potassium results of the last 7 days, newest first, for critical and high potassium and for QT-prolonging pairs',
    maxPages: 1,
  },
  // INR by its shipped LOINC codes (6301-6, 34714-6, 38875-1): matched at full tier. An EHR that prefetches an
  // INR under another code is still read by name, one tier lower.
  inr: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(INR_LOINC)}&date=ge{{today() - ${INR_LOOKBACK_DAYS} days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'INR results of the last 30 days, newest first, for warfarin',
    maxPages: 1,
  },
  patient: {
    template: 'Patient/{{context.patientId}}',
    required: false,
    purpose: "the patient's birth date, for the age-based AGS Beers Criteria",
  },
};
