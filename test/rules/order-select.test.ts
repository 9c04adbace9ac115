import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject, OrderSelectContext } from '../../src/cds/types.js';
import { decideOrderSelect } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge, medRequest } from './helpers.js';

function select(drafts: JsonObject[], selections: string[], allergies: JsonObject[] | null | undefined): Card[] {
  const context: OrderSelectContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    selections,
    draftOrders: draftOrders(...drafts),
  };
  const d = allergies === undefined ? {} : data({ allergies: allergies === null ? null : bundle(...allergies) });
  return decideOrderSelect({ context, data: d, knowledge: knowledge(), now: NOW });
}

const AMOX = 'MedicationRequest/draft-amoxicillin';

describe('order-select: drug–allergy conflicts', () => {
  it('fires critical for a penicillin allergy and an amoxicillin order (same class)', () => {
    const cards = select([fixture('draft-amoxicillin')], [AMOX], [fixture('allergy-penicillin')]);
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe('Avoid amoxicillin: Penicillin V allergy (anaphylaxis); same class: penicillins');
    expect(c.detail).toContain('criticality high');
    expect(c.detail).toContain('Anaphylaxis');
    // §4 card text: no FHIR ids or codes in the text; they are in the trace.
    expect(c.detail).not.toMatch(/AllergyIntolerance\/|MedicationRequest\//);
    expect(c.finding?.trace).toEqual({
      resources: ['AllergyIntolerance/allergy-penicillin'],
      codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|723', 'http://www.nlm.nih.gov/research/umls/rxnorm|7984'],
    });
    expect(c.links?.[0]?.url).toBe('https://doi.org/10.1016/j.jaci.2022.08.028');
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.source.topic).toEqual({
      system: 'https://hookwise.dev/cds/topics',
      code: 'drug-allergy',
      display: 'Drug–allergy conflict',
    });
    expect(c.suggestions).toEqual([
      {
        label: 'Remove the amoxicillin order',
        actions: [{ type: 'delete', description: 'Remove the amoxicillin order', resourceId: AMOX }],
      },
    ]);
    expect(c.selectionBehavior).toBe('at-most-one');
    for (const r of c.overrideReasons ?? []) expect(r.display).toBeTruthy();
    expect(c.overrideReasons?.length).toBeGreaterThan(0);
  });

  it('fires critical for the same ingredient', () => {
    const penV = medRequest('draft-penv', 'Penicillin V Potassium 250 MG Oral Tablet', 'draft');
    const cards = select([penV], ['MedicationRequest/draft-penv'], [fixture('allergy-penicillin')]);
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(cards[0]!.summary).toBe('Avoid penicillin v: Penicillin V allergy (anaphylaxis)');
    expect(cards[0]!.detail).toContain('penicillin v is the recorded allergen');
  });

  it('gives a warning for cephalexin after penicillin anaphylaxis (amoxicillin-like side chain; practice parameter 2022)', () => {
    const cards = select(
      [fixture('draft-cephalexin')],
      ['MedicationRequest/draft-cephalexin'],
      [fixture('allergy-penicillin')],
    );
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.summary).toBe('Avoid cephalexin: Penicillin V allergy (anaphylaxis); amoxicillin-like side chain');
  });

  it('gives a warning, not critical, for a text-only penicillin allergy (STU3 string statuses)', () => {
    const cards = select([fixture('draft-amoxicillin')], [AMOX], [fixture('allergy-penicillin-stu3-text')]);
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('Matched by name');
  });

  it('does not fire for a refuted or entered-in-error allergy', () => {
    const refuted = fixture('allergy-penicillin', { verificationStatus: { coding: [{ code: 'refuted' }] } });
    const eie = fixture('allergy-penicillin', { verificationStatus: { coding: [{ code: 'entered-in-error' }] } });
    expect(select([fixture('draft-amoxicillin')], [AMOX], [refuted])).toEqual([]);
    expect(select([fixture('draft-amoxicillin')], [AMOX], [eie])).toEqual([]);
  });

  it('does not fire for an allergy of another class', () => {
    expect(select([fixture('draft-amoxicillin')], [AMOX], [fixture('allergy-sulfonamide')])).toEqual([]);
  });

  it('fires for a sulfonamide antibiotic but not a non-antibiotic sulfonamide', () => {
    const smx = medRequest('d-smx', 'Sulfamethoxazole 800 MG / Trimethoprim 160 MG Oral Tablet', 'draft');
    const furo = medRequest('d-furo', 'Furosemide 40 MG Oral Tablet', 'draft');
    const unspecified = fixture('allergy-sulfonamide', { criticality: undefined });
    const cards = select([smx, furo], ['MedicationRequest/d-smx', 'MedicationRequest/d-furo'], [unspecified]);
    expect(cards.map((c) => [c.indicator, c.suggestions?.[0]?.actions?.[0]?.resourceId])).toEqual([
      ['critical', 'MedicationRequest/d-smx'],
    ]);
  });

  it('checks only the selected orders, and nothing when selections is empty', () => {
    const drafts = [fixture('draft-amoxicillin'), fixture('draft-cephalexin')];
    expect(
      select(drafts, ['MedicationRequest/draft-cephalexin'], [fixture('allergy-penicillin')]).map((c) => c.indicator),
    ).toEqual(['warning']);
    expect(select(drafts, [], [fixture('allergy-penicillin')])).toEqual([]);
  });

  it('does not fire for a selected draft with no medication chosen', () => {
    const empty = { resourceType: 'MedicationRequest', id: 'empty', status: 'draft' };
    expect(select([empty], ['MedicationRequest/empty'], [fixture('allergy-penicillin')])).toEqual([]);
  });

  it('handles allergies null or absent', () => {
    expect(select([fixture('draft-amoxicillin')], [AMOX], null)).toEqual([]);
    expect(select([fixture('draft-amoxicillin')], [AMOX], undefined)).toEqual([]);
  });

  it('checks a DSTU2 MedicationOrder selection against a DSTU2 allergy', () => {
    const order = {
      ...fixture('medication-order-dstu2-tizanidine'),
      medicationCodeableConcept: { text: 'Amoxicillin 500 MG Oral Capsule' },
    };
    const dstu2Allergy = {
      resourceType: 'AllergyIntolerance',
      id: 'a-dstu2',
      status: 'confirmed',
      substance: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '723', display: 'amoxicillin' }],
      },
      criticality: 'CRITH',
    };
    const cards = select([order], ['MedicationOrder/order-tizanidine-dstu2'], [dstu2Allergy]);
    // The order is named only in free text, so a same-ingredient match drops one tier.
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
    expect(cards[0]!.detail).toContain('criticality high');
    expect(cards[0]!.suggestions?.[0]?.actions?.[0]?.resourceId).toBe('MedicationOrder/order-tizanidine-dstu2');
  });
});

describe('order-select: an allergy is not an intolerance (Khan 2022)', () => {
  const penV = () => medRequest('draft-penv', 'Penicillin V Potassium 250 MG Oral Tablet', 'draft');
  const pick = ['MedicationRequest/draft-penv'];
  const penicillin = (patch: JsonObject) => {
    const { reaction: _r, criticality: _c, ...bare } = fixture('allergy-penicillin');
    return { ...bare, ...patch };
  };

  it('an intolerance is at most an info card, worded as an intolerance', () => {
    const cards = select([penV()], pick, [
      penicillin({ type: 'intolerance', reaction: [{ manifestation: [{ text: 'Nausea' }], severity: 'mild' }] }),
    ]);
    expect(cards.map((c) => c.indicator)).toEqual(['info']);
    expect(cards[0]!.summary).toBe(
      'Penicillin V intolerance (nausea) recorded: usually no reason to avoid penicillin v',
    );
    expect(cards[0]!.detail).toContain('not immune-mediated');
  });

  it('low criticality or only a mild reaction: info', () => {
    expect(select([penV()], pick, [penicillin({ criticality: 'low' })]).map((c) => c.indicator)).toEqual(['info']);
    // An allergy (not an intolerance) to the drug itself is an immune reaction, however mild: "confirm", never "safe".
    const hives = select([penV()], pick, [
      penicillin({ type: 'allergy', criticality: 'low', reaction: [{ manifestation: [{ text: 'Hives' }] }] }),
    ]);
    expect(hives.map((c) => c.indicator)).toEqual(['info']);
    expect(hives[0]!.summary).toContain('recorded (low risk): confirm tolerance before giving penicillin v');
    expect(hives[0]!.summary).not.toContain('no reason to avoid');
    expect(hives[0]!.detail).toContain('confirm the history');
    expect(
      select([penV()], pick, [penicillin({ reaction: [{ manifestation: [{ text: 'Rash' }], severity: 'mild' }] })]).map(
        (c) => c.indicator,
      ),
    ).toEqual(['info']);
  });

  it('anaphylaxis or angioedema is high risk even when criticality says low or the type says intolerance', () => {
    const anaphylaxis = penicillin({
      criticality: 'low',
      reaction: [{ manifestation: [{ coding: [{ display: 'Anaphylaxis (disorder)' }] }] }],
    });
    expect(select([penV()], pick, [anaphylaxis]).map((c) => c.indicator)).toEqual(['critical']);
    const angioedema = penicillin({ type: 'intolerance', reaction: [{ manifestation: [{ text: 'Angioedema' }] }] });
    const cards = select([penV()], pick, [angioedema]);
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    expect(cards[0]!.detail).toContain('avoid re-exposure');
  });

  it('an entry with nothing recorded beyond the allergen is treated as a true allergy', () => {
    expect(select([penV()], pick, [penicillin({})]).map((c) => c.indicator)).toEqual(['critical']);
  });

  it('a coded anaphylaxis without display, an "SJS" note or an R5 intolerance coding are read too', () => {
    const coded = penicillin({
      criticality: 'low',
      reaction: [{ manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '39579001' }] }] }],
    });
    expect(select([penV()], pick, [coded]).map((c) => c.indicator)).toEqual(['critical']);
    const sjs = penicillin({
      criticality: 'low',
      reaction: [{ description: 'SJS in 2019', manifestation: [{ text: 'rash' }] }],
    });
    expect(select([penV()], pick, [sjs]).map((c) => c.indicator)).toEqual(['critical']);
    const r5 = penicillin({
      type: { coding: [{ system: 'http://hl7.org/fhir/allergy-intolerance-type', code: 'intolerance' }] },
    });
    expect(select([penV()], pick, [r5])[0]!.summary).toMatch(/^Penicillin V intolerance recorded/);
  });
});

describe('order-select: common allergy texts', () => {
  it('"PCN" is a penicillin allergy and "Sulfa" a sulfonamide-antibiotic allergy (matched by name, one tier lower)', () => {
    const pcn = { resourceType: 'AllergyIntolerance', id: 'a-pcn', code: { text: 'PCN' } };
    expect(select([fixture('draft-amoxicillin')], [AMOX], [pcn]).map((c) => c.indicator)).toEqual(['warning']);
    const sulfa = { resourceType: 'AllergyIntolerance', id: 'a-sulfa', code: { text: 'Sulfa' } };
    const smx = medRequest('d-smx', 'Sulfamethoxazole 800 MG / Trimethoprim 160 MG Oral Tablet', 'draft');
    expect(select([smx], ['MedicationRequest/d-smx'], [sulfa]).map((c) => c.indicator)).toEqual(['warning']);
  });
});
