import type { PrefetchSpec } from '../src/cds/hook-module.js';

export const orderSignPrefetch: PrefetchSpec = {
  medications: {
    template: 'MedicationRequest?patient={{context.patientId}}&status=active',
    required: true,
    purpose: 'active medications, checked with the orders being signed for high-priority interactions',
  },
  draftMedications: {
    // CDS Hooks 3.0 token: the Medication ids that draft orders reference (Epic-style medicationReference).
    // A client that does not render it omits the key; hookwise reads it, or skips it when no draft references one.
    template: 'Medication?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}}',
    required: false,
    purpose: 'the Medication resources that draft orders reference instead of coding the drug inline',
  },
  medicationRefs: {
    // CDS Hooks 3.0 prior-prefetch variable: the Medications that active MedicationRequests reference
    // (Epic-style medicationReference). Read after `medications`; skipped when none is referenced.
    template: 'Medication?_id={{%medications.entry.resource.ofType(MedicationRequest).medication.resolve().id}}',
    required: false,
    purpose: 'the Medication resources that active medications reference instead of coding the drug inline',
  },
};
