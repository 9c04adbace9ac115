import { describe, expect, it } from '@jest/globals';
import { groupByDraft } from '../../src/cds/group-cards.js';
import { cardViolations } from '../../src/cds/response-contract.js';
import type { Card } from '../../src/cds/types.js';

const card = (
  key: string,
  drafts: string[] | undefined,
  indicator: Card['indicator'],
  summary = `About ${key}`,
): Card => ({
  finding: { key, ...(drafts ? { drafts } : {}) },
  summary,
  detail: `Detail of ${key}`,
  indicator,
  source: { label: 'hookwise' },
  ...(drafts?.length === 1
    ? {
        selectionBehavior: 'at-most-one' as const,
        suggestions: [
          {
            label: 'Remove the order',
            isRecommended: true,
            actions: [{ type: 'delete' as const, description: 'Remove', resourceId: drafts[0]! }],
          },
        ],
        overrideReasons: [
          {
            system: 'https://hookwise.dev/cds/override-reasons',
            code: 'benefit-outweighs-risk',
            display: 'Benefit outweighs risk',
          },
        ],
      }
    : {}),
});

describe('grouping findings about the same draft', () => {
  it('merges findings about one draft into one card led by the most severe, and leaves the rest alone', () => {
    const cards = [
      card('ddi:a+b', ['MedicationRequest/1'], 'warning'),
      card('renal:x', undefined, 'warning'),
      card('ddi:a+c', ['MedicationRequest/1'], 'critical', 'Contraindicated: a + c'),
      card('ddi:d+e', ['MedicationRequest/1', 'MedicationRequest/2'], 'critical'),
      card('dup:a', ['MedicationRequest/9'], 'info'),
    ];
    const out = groupByDraft(cards);
    expect(out.map((c) => c.finding!.key)).toEqual(['ddi:a+c', 'renal:x', 'ddi:d+e', 'dup:a']);
    const merged = out[0]!;
    expect(merged.indicator).toBe('critical');
    expect(merged.summary).toBe('Contraindicated: a + c (+1 more about this order)');
    expect(merged.finding).toEqual({
      key: 'ddi:a+c',
      drafts: ['MedicationRequest/1'],
      also: [{ key: 'ddi:a+b', indicator: 'warning' }],
    });
    expect(merged.detail).toContain('Detail of ddi:a+c');
    // Short: the lead finding in full, each other one as a single line with its tier.
    expect(merged.detail).not.toContain('Detail of ddi:a+b');
    expect(merged.detail).toContain('- **Warning**: About ddi:a+b');
    expect(merged.suggestions).toHaveLength(1);
    expect(merged.overrideReasons).toHaveLength(1);
    expect(
      cardViolations({
        ...merged,
        uuid: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
        suggestions: merged.suggestions!.map((s) => ({ ...s, uuid: 'e56e1945-20b3-4393-8503-a1a20fd73152' })),
      }).filter((v) => !v.includes('finding')),
    ).toEqual([]);
  });

  it("keeps every grouped finding's trace (records and codes) for integrators", () => {
    const a = card('k1', ['X/1'], 'critical');
    a.finding!.trace = { resources: ['Observation/egfr-1'], codes: ['http://loinc.org|98979-8'] };
    const b = card('k2', ['X/1'], 'warning');
    b.finding!.trace = {
      resources: ['MedicationRequest/active-2', 'Observation/egfr-1'],
      codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|36567'],
    };
    const merged = groupByDraft([a, b])[0]!;
    expect(merged.finding!.trace).toEqual({
      resources: ['Observation/egfr-1', 'MedicationRequest/active-2'],
      codes: ['http://loinc.org|98979-8', 'http://www.nlm.nih.gov/research/umls/rxnorm|36567'],
    });
  });

  it('keeps two suggestions that create different resources (two lab orders are not one)', () => {
    const a = card('k1', ['X/1'], 'critical');
    const b = card('k2', ['X/1'], 'warning');
    const lab = (code: string) => ({
      label: `Order ${code}`,
      actions: [
        {
          type: 'create' as const,
          description: 'Order',
          resource: {
            resourceType: 'ServiceRequest',
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/p' },
            code: { coding: [{ system: 'http://loinc.org', code }] },
          } as never,
        },
      ],
    });
    a.suggestions = [lab('10535-3'), ...a.suggestions!];
    b.suggestions = [lab('17861-6'), lab('10535-3'), ...b.suggestions!];
    const merged = groupByDraft([a, b])[0]!;
    expect(merged.suggestions!.map((s) => s.label)).toEqual(['Order 10535-3', 'Remove the order', 'Order 17861-6']);
  });

  it('keeps the merged summary under 140 characters', () => {
    const long = card('k1', ['X/1'], 'critical', 'y'.repeat(139));
    const out = groupByDraft([long, card('k2', ['X/1'], 'info')]);
    expect([...out[0]!.summary].length).toBeLessThan(140);
    expect(out[0]!.summary.endsWith('(+1 more about this order)')).toBe(true);
  });

  it('keeps at most one recommended suggestion when different suggestions are merged (cds-resp-1)', () => {
    const a = card('k1', ['X/1'], 'critical');
    const b = card('k2', ['X/1'], 'warning');
    b.suggestions = [
      {
        label: 'Replace with an alternative',
        isRecommended: true,
        actions: [
          {
            type: 'create',
            description: 'Create',
            resource: {
              resourceType: 'MedicationRequest',
              status: 'draft',
              intent: 'order',
              subject: { reference: 'Patient/p' },
            } as never,
          },
        ],
      },
    ];
    const merged = groupByDraft([a, b])[0]!;
    expect(merged.suggestions).toHaveLength(2);
    expect(merged.suggestions!.filter((s) => s.isRecommended)).toHaveLength(1);
    expect(merged.finding!.also).toEqual([{ key: 'k2', indicator: 'warning' }]);
  });
});
