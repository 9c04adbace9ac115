// Medication templates shared by the hooks: the active medication list, and the Medication resources that
// orders reference instead of coding the drug inline (Epic-style medicationReference). The paths read
// `medication` of any resource, not only MedicationRequest, so DSTU2 MedicationOrder and MedicationStatement
// references are read too (other order types have no medication[x]).
import type { PrefetchKeySpec } from '../src/cds/hook-module.js';

export const ACTIVE_MEDICATIONS_TEMPLATE = 'MedicationRequest?patient={{context.patientId}}&status=active';

/** Medications that active MedicationRequests reference: a 3.0 prior-prefetch variable, read after `medications`. */
export const medicationRefs: PrefetchKeySpec = {
  template: 'Medication?_id={{%medications.entry.resource.medication.resolve().id}}',
  required: false,
  purpose: 'the Medication resources that active medications reference instead of coding the drug inline',
};

/** Medications that draft orders reference: a 3.0 token into draftOrders; skipped when no draft references one. */
export const draftMedications: PrefetchKeySpec = {
  template: 'Medication?_id={{context.draftOrders.entry.resource.medication.resolve().id}}',
  required: false,
  purpose: 'the Medication resources that draft orders reference instead of coding the drug inline',
};
