import { describe, expect, it } from '@jest/globals';
import {
  cardViolations,
  emptyMembers,
  enforceContract,
  ResponseContractError,
} from '../../src/cds/response-contract.js';
import type { Card } from '../../src/cds/types.js';

const good = (): Card => ({
  uuid: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
  summary: 'Contraindicated: simvastatin + clarithromycin',
  indicator: 'critical',
  source: { label: 'hookwise', url: 'https://doi.org/10.1136/amiajnl-2011-000612' },
  selectionBehavior: 'at-most-one',
  suggestions: [
    {
      label: 'Remove the clarithromycin order',
      uuid: 'e56e1945-20b3-4393-8503-a1a20fd73152',
      actions: [{ type: 'delete', description: 'Remove the draft', resourceId: 'MedicationRequest/1' }],
    },
  ],
  overrideReasons: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes',
      code: 'patient-contraindication',
      display: 'Patient has contraindication',
    },
  ],
  links: [{ label: 'Source', url: 'https://doi.org/10.1136/amiajnl-2011-000612', type: 'absolute' }],
});

describe('response contract', () => {
  it('passes a well-formed card', () => {
    expect(cardViolations(good())).toEqual([]);
  });

  it.each<[string, (c: Card) => void, RegExp]>([
    ['summary of 140 characters', (c) => (c.summary = 'x'.repeat(140)), /under 140/],
    ['missing uuid', (c) => delete c.uuid, /uuid/],
    ['suggestions without selectionBehavior', (c) => delete c.selectionBehavior, /cds-resp-6/],
    ['override reason without display', (c) => delete c.overrideReasons![0]!.display, /cds-resp-4/],
    [
      'delete by resource instead of resourceId',
      (c) =>
        (c.suggestions![0]!.actions![0] = { type: 'delete', description: 'x', resource: { resourceType: 'Patient' } }),
      /cds-resp-2/,
    ],
    ['action without description', (c) => (c.suggestions![0]!.actions![0]!.description = ''), /cds-resp-5|empty/],
    [
      'two recommended with at-most-one',
      (c) =>
        c.suggestions!.push(
          { ...c.suggestions![0]!, isRecommended: true },
          { ...c.suggestions![0]!, isRecommended: true },
        ),
      /cds-resp-1/,
    ],
    ['appContext on an absolute link', (c) => (c.links![0]!.appContext = '{}'), /cds-resp-3/],
    ['an empty array member', (c) => (c.links = []), /empty/],
    ['a null member', (c) => ((c as unknown as Record<string, unknown>).detail = null), /null or empty/],
    ['an unknown indicator', (c) => ((c as unknown as Record<string, unknown>).indicator = 'hard-stop'), /indicator/],
    ['a relative source url', (c) => (c.source.url = '/about'), /absolute/],
  ])('catches %s', (_name, mutate, message) => {
    const card = good();
    mutate(card);
    expect(cardViolations(card).join('\n')).toMatch(message);
  });

  it('counts summary length in characters, not bytes', () => {
    const card = good();
    card.summary = 'é'.repeat(139);
    expect(cardViolations(card)).toEqual([]);
  });

  it('drops failing cards in drop mode and throws in throw mode', () => {
    const bad = { ...good(), summary: '' };
    const result = enforceContract([good(), bad], 'drop');
    expect(result.cards).toHaveLength(1);
    expect(result.dropped).toEqual([{ index: 1, violations: expect.arrayContaining(['summary is required']) }]);
    expect(() => enforceContract([good(), bad], 'throw')).toThrow(ResponseContractError);
  });

  it('among many good suggestions, drops only the bad ones and names each by index and path', () => {
    const card = good();
    card.selectionBehavior = 'any';
    const one = card.suggestions![0]!;
    card.suggestions = Array.from({ length: 300 }, (_, i) => ({
      ...one,
      actions: [{ ...one.actions![0]!, resourceId: `MedicationRequest/${i}` }],
    }));
    card.suggestions[120] = {
      ...one,
      actions: [
        {
          type: 'create',
          description: 'Order instead',
          resource: {
            resourceType: 'MedicationRequest',
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/1' },
            note: [{ text: '' }],
          },
        },
      ],
    };
    card.suggestions[250] = {
      ...one,
      actions: [
        {
          type: 'create',
          description: 'Order instead',
          resource: {
            resourceType: 'MedicationRequest',
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/1' },
            id: 'has space',
          },
        },
      ],
    };
    const result = enforceContract([card], 'throw');
    expect(result.cards[0]!.suggestions).toHaveLength(298);
    expect(result.trimmed).toEqual([
      {
        index: 0,
        suggestions: 2,
        violations: [
          'suggestions[120].actions[0].resource.note[0].text is null or empty: omit it instead',
          'suggestions[250].actions[0].resource.id must be a FHIR id',
        ],
      },
    ]);
    // The card's own check: actions first, then the empty members of the whole card.
    expect(cardViolations(card)).toEqual([
      'suggestions[250].actions[0].resource.id must be a FHIR id',
      'suggestions[120].actions[0].resource.note[0].text is null or empty: omit it instead',
    ]);
  });

  it('finds null and empty members at any depth', () => {
    expect(emptyMembers({ a: { b: [] }, c: '', d: [{ e: null }], f: 0, g: false })).toEqual(['a.b', 'c', 'd[0].e']);
  });
});
