import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { ACTIVE_MEDICATIONS_TEMPLATE, medicationRefs } from './medications.js';

/** How far back laboratory results are read and shown to the model (as "days ago"). */
export const AI_LAB_LOOKBACK_DAYS = 90;

// The minimum the medication review needs: what the patient takes, has, reacted to and measured, and the
// Patient (only age and sex are kept; everything else is dropped before the model sees anything).
export const aiMedicationReviewPrefetch: PrefetchSpec = {
  medications: {
    template: ACTIVE_MEDICATIONS_TEMPLATE,
    required: true,
    purpose: 'active medications, the subject of the review',
  },
  medicationRefs,
  conditions: {
    template: 'Condition?patient={{context.patientId}}&clinical-status=active',
    required: false,
    purpose: 'active coded conditions, to see which drugs have an indication',
  },
  labs: {
    template: `Observation?patient={{context.patientId}}&category=laboratory&date=ge{{today() - ${AI_LAB_LOOKBACK_DAYS} days}}&_sort=-date&_count=50`,
    required: false,
    purpose: `laboratory results of the last ${AI_LAB_LOOKBACK_DAYS} days, newest first, as value, unit and days ago`,
    maxPages: 1,
  },
  allergies: {
    template: 'AllergyIntolerance?patient={{context.patientId}}',
    required: false,
    purpose: 'allergies and intolerances, as coded substances',
  },
  patient: {
    template: 'Patient/{{context.patientId}}',
    required: false,
    purpose: "the patient's age in years and administrative sex (nothing else is kept)",
  },
};
