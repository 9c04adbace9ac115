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

/** How far back a statement, dispense or administration says the patient takes a drug (HL7 PDDI-CDS: 100 days). */
export const RECENT_MEDICATION_DAYS = 100;

/**
 * What the patient takes beyond the active orders, as the HL7 PDDI-CDS guide reads it: medication statements,
 * dispenses and administrations of the last 100 days. Each is its own optional key (and its own read scope), so
 * an EHR that keeps only orders loses nothing; a drug recorded only as dispensed or administered still counts.
 * `_include` brings the Medication a record references instead of coding the drug inline (Epic-style).
 */
export const recentMedicationRecords = {
  medicationStatements: {
    template: `MedicationStatement?patient={{context.patientId}}&effective=ge{{today() - ${RECENT_MEDICATION_DAYS} days}}&_include=MedicationStatement:medication`,
    required: false,
    purpose: `medication statements of the last ${RECENT_MEDICATION_DAYS} days: drugs the patient reports taking`,
  },
  medicationDispenses: {
    template: `MedicationDispense?patient={{context.patientId}}&whenhandedover=ge{{today() - ${RECENT_MEDICATION_DAYS} days}}&_include=MedicationDispense:medication`,
    required: false,
    purpose: `medications dispensed in the last ${RECENT_MEDICATION_DAYS} days`,
  },
  medicationAdministrations: {
    template: `MedicationAdministration?patient={{context.patientId}}&effective-time=ge{{today() - ${RECENT_MEDICATION_DAYS} days}}&_include=MedicationAdministration:medication`,
    required: false,
    purpose: `medications administered in the last ${RECENT_MEDICATION_DAYS} days`,
  },
} satisfies Record<string, PrefetchKeySpec>;
