import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { renalPrefetch } from './renal.js';
import { giBleedHistory } from './conditions.js';
import { orderLabs } from './order-labs.js';
import {
  ACTIVE_MEDICATIONS_TEMPLATE,
  draftMedications,
  medicationRefs,
  recentMedicationRecords,
} from './medications.js';

export const orderSignPrefetch: PrefetchSpec = {
  medications: {
    template: ACTIVE_MEDICATIONS_TEMPLATE,
    required: true,
    purpose: 'active medications, checked with the orders being signed for high-priority interactions',
  },
  medicationRefs,
  draftMedications,
  // Optional at signing: the same allergy check as at order-select, for EHRs that only call order-sign.
  allergies: {
    template: 'AllergyIntolerance?patient={{context.patientId}}',
    required: false,
    purpose: 'allergies and intolerances, checked against the orders being signed',
  },
  ...recentMedicationRecords,
  // Kidney function for renal dosing of the orders: patient (age, sex), eGFR, creatinine and weight (CrCl).
  ...renalPrefetch,
  giBleedHistory,
  // Potassium (QT pairs; digoxin with cyclosporine) and the digoxin level, in one search.
  orderLabs,
};
