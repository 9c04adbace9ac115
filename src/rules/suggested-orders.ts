// The orders a card may suggest creating (CDS Hooks 2.0 suggestion `create` actions): draft MedicationRequests and
// ServiceRequests for the call's patient. A drug is named by its RxNorm code (a product, or an ingredient when the
// prescriber is to choose the product); the dosage is text for the prescriber to complete. Pure.
import type { MedicationRequest, ServiceRequest } from 'fhir/r4.js';
import { LOINC, RXNORM } from '../fhir-read/datatypes.js';

/** A draft medication order by RxNorm code; `dosage` as text when the card states one. */
export function medicationOrder(
  subject: string,
  drug: { code: string; display: string },
  dosage?: string,
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: subject },
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: drug.code, display: drug.display }],
      text: drug.display,
    },
    ...(dosage ? { dosageInstruction: [{ text: dosage }] } : {}),
  };
}

/** A draft laboratory order by LOINC code. */
export function labOrder(subject: string, loinc: string, text: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: LOINC, code: loinc }], text },
    subject: { reference: subject },
  };
}
