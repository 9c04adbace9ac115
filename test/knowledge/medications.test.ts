import { describe, it, expect } from '@jest/globals';
import { medicationLabel, resolveMedication } from '../../src/knowledge/drugs/medications.js';
import { activeMedicationResources, medicationLookup } from '../../src/fhir-read/medication-records.js';
import { findIngredientNames, ingredientsFromRxNormName } from '../../src/knowledge/drugs/match.js';
import { bundle, fixture, knowledge, medRequest } from '../rules/helpers.js';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const names = (r: ReturnType<typeof resolveMedication>) => r.ingredients.map((i) => `${i.name}:${i.confidence}`);

describe('ingredient name matching', () => {
  const k = knowledge();
  it('parses SCD, SBD and extended-release names', () => {
    expect(ingredientsFromRxNormName('Simvastatin 20 MG Oral Tablet', k)).toEqual(['simvastatin']);
    expect(ingredientsFromRxNormName('tizanidine 4 MG Oral Tablet [Zanaflex]', k)).toEqual(['tizanidine']);
    expect(ingredientsFromRxNormName('24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', k)).toEqual(['metformin']);
  });

  it('splits multi-ingredient names', () => {
    expect(ingredientsFromRxNormName('Amlodipine 5 MG / Benazepril hydrochloride 10 MG Oral Capsule', k)).toEqual(['amlodipine', 'benazepril']);
  });

  it('matches whole words and prefers the longest name', () => {
    expect(findIngredientNames('Dextroamphetamine sulfate 10 MG', k)).toEqual(['dextroamphetamine']);
    expect(findIngredientNames('Penicillin G Potassium 5000000 UNT Injection', k)).toEqual(['penicillin g']);
    expect(findIngredientNames('metforminXR', k)).toEqual([]);
    expect(findIngredientNames("St. John's Wort extract", k)).toEqual(["st john's wort"]);
    expect(findIngredientNames('amoxicillin-clavulanate 875 mg', k)).toEqual(['amoxicillin']);
    expect(findIngredientNames('Iron-Dextran 50 MG/ML Injectable Solution', k)).toEqual(['iron-dextran']);
  });
});

describe('resolveMedication', () => {
  const k = knowledge();

  it('uses an RxNorm ingredient code first (confidence code)', () => {
    const mr = medRequest('m1', 'whatever', 'active', {
      medicationCodeableConcept: { coding: [{ system: RX, code: '57258', display: 'tizanidine' }] },
    });
    const r = resolveMedication(mr, k);
    expect(names(r)).toEqual(['tizanidine:code']);
    expect(r.ingredients[0]?.rxcui).toBe('57258');
  });

  it('parses an RxNorm display when the code is not an ingredient (confidence rxnorm-name)', () => {
    const r = resolveMedication(fixture('medication-request-metformin-er'), k);
    expect(names(r)).toEqual(['metformin:rxnorm-name']);
    expect(r.key).toBe('MedicationRequest/med-metformin-er');
  });

  it('falls back to text (confidence text)', () => {
    const mr = medRequest('m2', 'x', 'active', { medicationCodeableConcept: { text: 'Ciprofloxacin tablets 500 mg' } });
    expect(names(resolveMedication(mr, k))).toEqual(['ciprofloxacin:text']);
  });

  it('reads a DSTU2 MedicationOrder with a single coding object instead of an array', () => {
    const r = resolveMedication(fixture('medication-order-dstu2-tizanidine'), k);
    expect(names(r)).toEqual(['tizanidine:rxnorm-name']);
    expect(r.resourceType).toBe('MedicationOrder');
  });

  it('resolves a contained medicationReference', () => {
    const mr = {
      resourceType: 'MedicationRequest',
      id: 'm3',
      status: 'active',
      contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: RX, display: 'Clarithromycin 500 MG Oral Tablet' }] } }],
      medicationReference: { reference: '#med' },
    };
    const r = resolveMedication(mr, k);
    expect(names(r)).toEqual(['clarithromycin:rxnorm-name']);
    expect(medicationLabel(r)).toBe('Clarithromycin 500 MG Oral Tablet');
  });

  it('resolves Medication/id against a Bundle lookup, else uses the reference display', () => {
    const med = { resourceType: 'Medication', id: 'abc', code: { coding: [{ system: RX, display: 'Simvastatin 40 MG Oral Tablet' }] } };
    const mr = { resourceType: 'MedicationRequest', id: 'm4', status: 'active', medicationReference: { reference: 'Medication/abc', display: 'Verapamil' } };
    expect(names(resolveMedication(mr, k, medicationLookup(bundle(med))))).toEqual(['simvastatin:rxnorm-name']);
    expect(names(resolveMedication(mr, k))).toEqual(['verapamil:text']);
  });

  it('gives a draft with no medication chosen no ingredients, and tolerates junk', () => {
    const r = resolveMedication({ resourceType: 'MedicationRequest', id: 'd', status: 'draft' }, k);
    expect(r.ingredients).toEqual([]);
    expect(medicationLabel(r)).toBe('unnamed medication');
    expect(resolveMedication(null, k).ingredients).toEqual([]);
    expect(resolveMedication({ medicationCodeableConcept: 'oops' }, k).ingredients).toEqual([]);
  });
});

describe('activeMedicationResources', () => {
  it('keeps active/on-hold/no-status and skips stopped, completed, entered-in-error, cancelled and other types', () => {
    const b = bundle(
      medRequest('a', 'Simvastatin 20 MG Oral Tablet', 'active'),
      medRequest('h', 'Simvastatin 20 MG Oral Tablet', 'on-hold'),
      medRequest('s', 'Simvastatin 20 MG Oral Tablet', 'stopped'),
      medRequest('c', 'Simvastatin 20 MG Oral Tablet', 'completed'),
      medRequest('e', 'Simvastatin 20 MG Oral Tablet', 'entered-in-error'),
      medRequest('x', 'Simvastatin 20 MG Oral Tablet', 'cancelled'),
      { resourceType: 'OperationOutcome', issue: [] },
      { resourceType: 'MedicationStatement', id: 'ms', status: 'active' },
    );
    expect(activeMedicationResources(b).map((r) => r.id)).toEqual(['a', 'h', 'ms']);
    expect(activeMedicationResources(null)).toEqual([]);
    expect(activeMedicationResources({ resourceType: 'Bundle', entry: { resource: medRequest('one', 'x') } }).map((r) => r.id)).toEqual(['one']);
  });
});
