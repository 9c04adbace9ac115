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

export const orderSelectPrefetch: PrefetchSpec = {
  // Optional: without an allergy list the selected orders are still checked for interactions, duplicates and
  // renal dosing (a 412 would cost those cards too); the allergy check needs it.
  allergies: {
    template: 'AllergyIntolerance?patient={{context.patientId}}',
    required: false,
    purpose: 'allergies and intolerances, checked against the selected orders',
  },
  draftMedications,
  // Optional: without it the selected orders are still checked against allergies and the other drafts.
  medications: {
    template: ACTIVE_MEDICATIONS_TEMPLATE,
    required: false,
    purpose:
      'active medications, checked with the selected orders for high-priority interactions and duplicate therapy',
  },
  medicationRefs,
  ...recentMedicationRecords,
  // Kidney function for renal dosing of the orders: patient (age, sex), eGFR, creatinine and weight (CrCl).
  ...renalPrefetch,
  giBleedHistory,
  // Potassium (QT pairs; digoxin with cyclosporine) and the digoxin level, in one search.
  orderLabs,
};
