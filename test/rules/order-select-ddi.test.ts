import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject, OrderSelectContext } from '../../src/cds/types.js';
import { decideOrderSelect } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge, medRequest } from './helpers.js';

const CLARI = 'MedicationRequest/draft-clarithromycin';
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function select(
  drafts: JsonObject[],
  selections: string[],
  active: JsonObject[] | null | undefined,
  allergies: JsonObject[] = [],
): Card[] {
  const context: OrderSelectContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    selections,
    draftOrders: draftOrders(...drafts),
  };
  const d: Record<string, ReturnType<typeof bundle> | null> = { allergies: bundle(...allergies) };
  if (active !== undefined) d.medications = active === null ? null : bundle(...active);
  return decideOrderSelect({ context, data: data(d), knowledge: knowledge(), now: NOW });
}

describe('order-select: ONC high-priority drug–drug interactions for the selected drafts', () => {
  it('a selected draft with an active medication: the same card as at order-sign, worded for selection', () => {
    const cards = select([fixture('draft-clarithromycin')], [CLARI], [fixture('medication-request-simvastatin')]);
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['critical', 'Hold simvastatin during clarithromycin, or choose azithromycin'],
    ]);
    const c = cards[0]!;
    expect(c.finding).toEqual({
      key: 'ddi:clarithromycin+simvastatin',
      drafts: [CLARI],
      trace: { resources: ['MedicationRequest/med-simvastatin'], codes: [`${RX}|36567`, `${RX}|21212`] },
    });
    expect(c.detail).toContain(
      '- Selected order: Clarithromycin 500 MG Oral Tablet\n- Taking: Simvastatin 20 MG Oral Tablet',
    );
    expect(c.detail).toContain('- Safer alternative: Azithromycin');
    expect(c.detail).toContain('- The label contraindicates this combination.');
    expect(c.detail).not.toMatch(/MedicationRequest\/|\d{4}-\d{2}-\d{2}T/);
    expect(c.links?.map((l) => l.url)).toEqual([
      'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=simvastatin',
      'https://doi.org/10.1136/amiajnl-2011-000612',
    ]);
    expect(c.overrideReasons?.map((r) => r.code)).not.toContain('dose-adjusted');
    expect(c.suggestions?.map((s) => [s.label, s.actions?.[0]?.resourceId])).toEqual([
      ['Order azithromycin instead of clarithromycin', CLARI],
      ['Remove the clarithromycin order', CLARI],
    ]);
  });

  it('a selected draft with another draft that is not selected: reported, only the selected one offered for removal', () => {
    const cards = select(
      [fixture('draft-tizanidine'), medRequest('draft-cipro', 'ciprofloxacin 500 MG Oral Tablet', 'draft')],
      ['MedicationRequest/draft-tizanidine'],
      [],
    );
    expect(cards.map((c) => c.finding?.key)).toEqual(['ddi:ciprofloxacin+tizanidine']);
    expect(cards[0]!.finding?.drafts).toEqual(['MedicationRequest/draft-tizanidine', 'MedicationRequest/draft-cipro']);
    expect(cards[0]!.detail).toContain('Other draft order');
    expect(cards[0]!.suggestions?.map((s) => s.actions?.[0]?.resourceId)).toEqual([
      'MedicationRequest/draft-tizanidine',
    ]);
  });

  it('a selection by bare id works as well', () => {
    const cards = select(
      [fixture('draft-clarithromycin')],
      ['draft-clarithromycin'],
      [fixture('medication-request-simvastatin')],
    );
    expect(cards).toHaveLength(1);
  });

  it('near miss: two drafts that are not selected give nothing', () => {
    const drafts = [
      fixture('draft-tizanidine'),
      medRequest('draft-cipro', 'ciprofloxacin 500 MG Oral Tablet', 'draft'),
      fixture('draft-amoxicillin'),
    ];
    expect(select(drafts, ['MedicationRequest/draft-amoxicillin'], [])).toEqual([]);
  });

  it('near miss: a non-selected draft with an active medication gives nothing', () => {
    const drafts = [fixture('draft-clarithromycin'), fixture('draft-amoxicillin')];
    expect(
      select(drafts, ['MedicationRequest/draft-amoxicillin'], [fixture('medication-request-simvastatin')]),
    ).toEqual([]);
  });

  it('near miss: an inactive medication', () => {
    expect(
      select(
        [fixture('draft-clarithromycin')],
        [CLARI],
        [fixture('medication-request-simvastatin', { status: 'stopped' })],
      ),
    ).toEqual([]);
  });

  it('without the medications key (null or not obtained) the drafts are still checked against each other', () => {
    const drafts = [
      fixture('draft-tizanidine'),
      medRequest('draft-cipro', 'ciprofloxacin 500 MG Oral Tablet', 'draft'),
    ];
    expect(select(drafts, ['MedicationRequest/draft-cipro'], null)).toHaveLength(1);
    expect(select(drafts, ['MedicationRequest/draft-cipro'], undefined)).toHaveLength(1);
  });

  it('allergy and interaction cards together, most urgent first', () => {
    const cards = select(
      [fixture('draft-amoxicillin'), fixture('draft-clarithromycin')],
      ['MedicationRequest/draft-amoxicillin', CLARI],
      [fixture('medication-request-simvastatin')],
      [fixture('allergy-penicillin')],
    );
    expect(cards.map((c) => c.finding?.key?.split(':')[0])).toEqual(expect.arrayContaining(['ddi']));
    expect(cards).toHaveLength(2);
    expect(cards.every((c) => c.indicator === 'critical')).toBe(true);
  });
});
