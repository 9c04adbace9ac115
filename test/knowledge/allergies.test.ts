import { describe, it, expect } from '@jest/globals';
import { activeAllergies, resolveAllergen } from '../../src/knowledge/allergies.js';
import { allergyCounts } from '../../src/fhir-read/allergy-status.js';
import { bundle, fixture, knowledge } from '../rules/helpers.js';

const inactive = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'inactive' }] };
const refuted = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'refuted' }] };
const eie = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'entered-in-error' }] };

describe('allergyCounts', () => {
  it('counts an active confirmed R4 allergy and one without statuses', () => {
    expect(allergyCounts(fixture('allergy-penicillin'))).toBe(true);
    expect(allergyCounts(fixture('allergy-penicillin', { clinicalStatus: undefined, verificationStatus: undefined }))).toBe(true);
  });

  it('skips inactive, refuted and entered-in-error entries (R4 and STU3 shapes)', () => {
    expect(allergyCounts(fixture('allergy-penicillin', { clinicalStatus: inactive }))).toBe(false);
    expect(allergyCounts(fixture('allergy-penicillin', { verificationStatus: refuted }))).toBe(false);
    expect(allergyCounts(fixture('allergy-penicillin', { verificationStatus: eie }))).toBe(false);
    expect(allergyCounts(fixture('allergy-penicillin-stu3-text'))).toBe(true);
    expect(allergyCounts(fixture('allergy-penicillin-stu3-text', { clinicalStatus: 'resolved' }))).toBe(false);
    expect(allergyCounts(fixture('allergy-penicillin-stu3-text', { verificationStatus: 'refuted' }))).toBe(false);
  });

  it('skips food and environment allergies', () => {
    expect(allergyCounts(fixture('allergy-penicillin', { category: ['food'] }))).toBe(false);
  });
});

describe('resolveAllergen', () => {
  const k = knowledge();
  it('maps an RxNorm ingredient code to the ingredient and its class', () => {
    const a = activeAllergies(bundle(fixture('allergy-penicillin')), k)[0]!;
    expect(a.ingredients.map((i) => `${i.name}:${i.confidence}`)).toEqual(['penicillin v:code']);
    expect(a.classes).toEqual([{ classId: 'penicillins', confidence: 'code', via: 'ingredient' }]);
    expect(a.criticality).toBe('high');
    expect(a.severity).toBe('severe');
    expect(a.reactions).toEqual(['Anaphylaxis (disorder)']);
  });

  it('maps a verified SNOMED class code as a code', () => {
    const r = resolveAllergen(fixture('allergy-sulfonamide').code, k);
    expect(r.classes).toEqual([{ classId: 'sulfonamide-antibacterials', confidence: 'code', via: 'class' }]);
  });

  it('matches a partial SNOMED class code by its display only (text confidence)', () => {
    const r = resolveAllergen({ coding: [{ system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin (substance)' }] }, k);
    expect(r.classes).toEqual([{ classId: 'penicillins', confidence: 'text', via: 'class' }]);
    const noDisplay = resolveAllergen({ coding: [{ system: 'http://snomed.info/sct', code: '764146007' }] }, k);
    expect(noDisplay.classes).toEqual([]);
  });

  it('expands the multi-ingredient sulfamethoxazole/trimethoprim code', () => {
    const r = resolveAllergen({ coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '10831' }] }, k);
    expect(r.ingredients.map((i) => i.name).sort()).toEqual(['sulfamethoxazole', 'trimethoprim']);
  });
});
