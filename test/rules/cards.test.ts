import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject, OrderSelectContext } from '../../src/cds/types.js';
import { applyConfidence, lowerIndicator, shorten, summary } from '../../src/rules/cards.js';
import { decideOrderSelect } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge } from './helpers.js';

describe('card helpers', () => {
  it('keeps summaries under 140 characters and cuts at a word boundary', () => {
    const long = `Contraindicated: ${'verylongname '.repeat(20)}`;
    const s = summary(long);
    expect(s.length).toBeLessThan(140);
    expect(s.endsWith('…')).toBe(true);
    expect(summary('short')).toBe('short');
    expect(shorten('alpha beta gamma', 12)).toBe('alpha beta…');
  });

  it('drops one tier for text matches only', () => {
    expect(applyConfidence('critical', 'text')).toBe('warning');
    expect(applyConfidence('critical', 'rxnorm-name')).toBe('critical');
    expect(applyConfidence('critical', 'code')).toBe('critical');
    expect(lowerIndicator('info')).toBe('info');
  });

  it('truncates a card summary built from a very long allergy label', () => {
    const allergy = fixture('allergy-penicillin', {
      code: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7984', display: 'Penicillin V' }],
        text: 'Penicillin V and every related substance the patient reported at the pre-operative assessment visit last spring',
      },
    });
    const context: OrderSelectContext = {
      userId: 'Practitioner/1',
      patientId: 'pat-1',
      selections: ['MedicationRequest/draft-amoxicillin'],
      draftOrders: draftOrders(fixture('draft-amoxicillin')),
    };
    const cards: Card[] = decideOrderSelect({
      context,
      data: data({ allergies: bundle(allergy as JsonObject) }),
      knowledge: knowledge(),
      now: NOW,
    });
    expect(cards).toHaveLength(1);
    expect(cards[0]!.summary.length).toBeLessThan(140);
    expect(cards[0]!.summary).toContain('…');
    // No null, empty string or empty array anywhere in the card.
    const walk = (v: unknown): void => {
      expect(v).not.toBeNull();
      if (typeof v === 'string') expect(v.length).toBeGreaterThan(0);
      if (Array.isArray(v)) {
        expect(v.length).toBeGreaterThan(0);
        v.forEach(walk);
      } else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
    };
    walk(cards[0]);
  });
});
