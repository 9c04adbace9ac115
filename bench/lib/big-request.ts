// A big order-sign call: N draft orders and N active medications drawn in turn from a realistic mix of drugs
// (interacting, duplicated and unrelated ones), every resource with its own id. The first draft is clarithromycin
// and the first active medication simvastatin, so one critical interaction card is always among the answers.
import type { JsonObject } from '../../src/cds/types.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** [ingredient RxCUI, display] */
type Drug = [string, string];

const DRAFT_DRUGS: Drug[] = [
  ['21212', 'Clarithromycin 500 MG Oral Tablet'],
  ['1191', 'Aspirin 81 MG Oral Tablet'],
  ['5640', 'Ibuprofen 400 MG Oral Tablet'],
  ['18631', 'Azithromycin 250 MG Oral Tablet'],
  ['2551', 'Ciprofloxacin 500 MG Oral Tablet'],
  ['4450', 'Fluconazole 150 MG Oral Tablet'],
  ['29046', 'Lisinopril 10 MG Oral Tablet'],
  ['52175', 'Losartan potassium 50 MG Oral Tablet'],
  ['6809', 'Metformin hydrochloride 500 MG Oral Tablet'],
  ['4603', 'Furosemide 40 MG Oral Tablet'],
  ['161', 'Acetaminophen 500 MG Oral Tablet'],
  ['7646', 'Omeprazole 20 MG Delayed Release Oral Capsule'],
  ['1114195', 'Rivaroxaban 20 MG Oral Tablet'],
  ['723', 'Amoxicillin 500 MG Oral Capsule'],
  ['2231', 'Cephalexin 500 MG Oral Capsule'],
  ['3443', 'Diltiazem hydrochloride 120 MG Extended Release Oral Capsule'],
  ['703', 'Amiodarone hydrochloride 200 MG Oral Tablet'],
  ['8123', 'Phenytoin 100 MG Extended Release Oral Capsule'],
  ['36567', 'Simvastatin 40 MG Oral Tablet'],
  ['10582', 'Levothyroxine sodium 0.1 MG Oral Tablet'],
];

const ACTIVE_DRUGS: Drug[] = [
  ['36567', 'Simvastatin 20 MG Oral Tablet'],
  ['11289', 'Warfarin sodium 5 MG Oral Tablet'],
  ['17767', 'Amlodipine 5 MG Oral Tablet'],
  ['6918', 'Metoprolol tartrate 50 MG Oral Tablet'],
  ['4821', 'Glipizide 5 MG Oral Tablet'],
  ['3407', 'Digoxin 0.125 MG Oral Tablet'],
  ['32968', 'Clopidogrel 75 MG Oral Tablet'],
  ['83367', 'Atorvastatin 20 MG Oral Tablet'],
  ['35636', 'Risperidone 1 MG Oral Tablet'],
  ['41493', 'Meloxicam 15 MG Oral Tablet'],
  ['6135', 'Ketoconazole 200 MG Oral Tablet'],
  ['5487', 'Hydrochlorothiazide 25 MG Oral Tablet'],
  ['321988', 'Escitalopram 10 MG Oral Tablet'],
  ['9997', 'Spironolactone 25 MG Oral Tablet'],
  ['8640', 'Prednisone 10 MG Oral Tablet'],
  ['2002', 'Carbamazepine 200 MG Oral Tablet'],
  ['6851', 'Methotrexate 2.5 MG Oral Tablet'],
  ['1202', 'Atenolol 50 MG Oral Tablet'],
  ['29046', 'Lisinopril 20 MG Oral Tablet'],
  ['4493', 'Fluoxetine 20 MG Oral Capsule'],
];

function medicationRequest(id: string, status: string, [code, display]: Drug): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: 'Patient/big-1' },
  };
}

export function bigDrafts(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) =>
    medicationRequest(`draft-${i}`, 'draft', DRAFT_DRUGS[i % DRAFT_DRUGS.length]!),
  );
}

export function bigActive(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) =>
    medicationRequest(`active-${i}`, 'active', ACTIVE_DRUGS[i % ACTIVE_DRUGS.length]!),
  );
}

const bundle = (resources: JsonObject[], type: string): JsonObject => ({
  resourceType: 'Bundle',
  type,
  entry: resources.map((resource) => ({ resource })),
});

/** The order-sign context and prefetch of a call with n drafts and n active medications. */
export function bigOrderSign(n: number): { context: JsonObject; prefetch: JsonObject } {
  return {
    context: { userId: 'Practitioner/big', patientId: 'big-1', draftOrders: bundle(bigDrafts(n), 'collection') },
    prefetch: { medications: bundle(bigActive(n), 'searchset'), draftMedications: null, medicationRefs: null },
  };
}
