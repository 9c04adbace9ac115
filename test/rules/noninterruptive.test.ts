import { describe, it, expect } from '@jest/globals';
import type { JsonObject, OrderSelectContext } from '../../src/cds/types.js';
import { decideOrderSelect } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge, medRequest, signOrders } from './helpers.js';

const sign = signOrders;

const draft = (id: string, display: string): JsonObject => medRequest(id, display, 'draft');

describe('ONC non-interruptive list (Phansalkar 2013)', () => {
  it('ships all 33 pairs, members with VERIFIED RxCUIs only, and a card for pair 33 alone', () => {
    const k = knowledge();
    expect(k.nonInterruptive.pairs).toHaveLength(33);
    expect(k.nonInterruptive.doi).toBe('10.1136/amiajnl-2012-001089');
    for (const p of k.nonInterruptive.pairs)
      for (const m of [...p.object, ...p.precipitant]) expect(m.rxcui).toMatch(/^\d+$/);
    expect(k.nonInterruptive.pairs.filter((p) => p.card).map((p) => p.seq)).toEqual([33]);
    const salicylates = k.nonInterruptive.pairs.find((p) => p.seq === 1)!.precipitant.map((m) => m.ingredient);
    expect(salicylates).not.toContain('methacholine'); // flagged "exclude" in the research table
    expect(salicylates).not.toContain('niclosamide');
  });

  it('ACE inhibitor + NSAID: one info card with a monitoring note and no suggestion', () => {
    const cards = sign([draft('d-ibu', 'Ibuprofen 600 MG Oral Tablet')], [fixture('medication-request-lisinopril')]);
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('info');
    expect(c.summary).toBe(
      'ACE inhibitor + NSAID: check blood pressure, kidney function and potassium (lisinopril + ibuprofen)',
    );
    expect(c.finding).toEqual({
      key: 'ddi-ni:ibuprofen+lisinopril',
      drafts: ['MedicationRequest/d-ibu'],
      trace: { resources: ['MedicationRequest/med-lisinopril'] },
    });
    // Plain text: the records are named by drug, their ids are in the trace; no list-internal pair numbers.
    expect(c.detail).not.toContain('MedicationRequest/');
    expect(c.detail).not.toContain('pair 33');
    expect(c.detail).toContain('Active medication: lisinopril');
    expect(c.detail).toContain('doi:10.1136/amiajnl-2012-001089');
    expect(c.suggestions).toBeUndefined();
  });

  it('near miss: aspirin with an ACE inhibitor stays silent (salicylates, pair 1)', () => {
    expect(
      sign([draft('d-asa', 'Aspirin 81 MG Delayed Release Oral Tablet')], [fixture('medication-request-lisinopril')]),
    ).toEqual([]);
  });

  it('near miss: silent pairs give no card (anticoagulant + statin, clopidogrel + aspirin)', () => {
    expect(
      sign([draft('d-atorva', 'atorvastatin 40 MG Oral Tablet')], [fixture('medication-request-warfarin')]),
    ).toEqual([]);
    expect(
      sign([draft('d-clop', 'clopidogrel 75 MG Oral Tablet')], [medRequest('a-asa', 'Aspirin 81 MG Oral Tablet')]),
    ).toEqual([]);
  });

  it('near miss: an ARB with an NSAID is not pair 33; an inactive ACE inhibitor neither', () => {
    expect(
      sign(
        [draft('d-ibu', 'Ibuprofen 600 MG Oral Tablet')],
        [medRequest('a-los', 'losartan potassium 50 MG Oral Tablet')],
      ),
    ).toEqual([]);
    expect(
      sign(
        [draft('d-ibu', 'Ibuprofen 600 MG Oral Tablet')],
        [fixture('medication-request-lisinopril', { status: 'stopped' })],
      ),
    ).toEqual([]);
  });

  it('at order-select only for a selected draft', () => {
    const context = (selections: string[]): OrderSelectContext => ({
      userId: 'Practitioner/1',
      patientId: 'pat-1',
      selections,
      draftOrders: draftOrders(draft('d-ibu', 'Ibuprofen 600 MG Oral Tablet'), fixture('draft-amoxicillin')),
    });
    const d = data({ allergies: bundle(), medications: bundle(fixture('medication-request-lisinopril')) });
    expect(
      decideOrderSelect({ context: context(['MedicationRequest/d-ibu']), data: d, knowledge: knowledge(), now: NOW }),
    ).toHaveLength(1);
    expect(
      decideOrderSelect({
        context: context(['MedicationRequest/draft-amoxicillin']),
        data: d,
        knowledge: knowledge(),
        now: NOW,
      }),
    ).toEqual([]);
  });
});
