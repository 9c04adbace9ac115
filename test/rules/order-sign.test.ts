import { describe, it, expect } from '@jest/globals';
import type { Card, OrderSignContext } from '../../src/cds/types.js';
import { decideOrderSign } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge, medRequest } from './helpers.js';

const DOI = 'https://doi.org/10.1136/amiajnl-2011-000612';

function sign(drafts: ReturnType<typeof fixture>[], meds: ReturnType<typeof bundle> | null | undefined): Card[] {
  const context: OrderSignContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    draftOrders: draftOrders(...drafts),
  };
  return decideOrderSign({
    context,
    data: meds === undefined ? {} : data({ medications: meds }),
    knowledge: knowledge(),
    now: NOW,
  });
}

describe('order-sign: ONC high-priority drug–drug interactions', () => {
  it('fires a critical card for a tizanidine draft with active ciprofloxacin', () => {
    const cards = sign([fixture('draft-tizanidine')], bundle(fixture('medication-request-ciprofloxacin')));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe('Do not give tizanidine with ciprofloxacin (contraindicated)');
    expect(c.summary.length).toBeLessThan(140);
    expect(c.detail).toContain('- Taking: Ciprofloxacin 500 MG Oral Tablet');
    expect(c.detail).not.toContain('MedicationRequest/');
    expect(c.finding?.trace?.resources).toEqual(['MedicationRequest/med-ciprofloxacin']);
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.detail).toContain('Phansalkar 2012');
    expect(c.links?.map((l) => l.url)).toContain(DOI);
    expect(c.source).toEqual({
      label: 'hookwise: ONC high-priority drug–drug interactions',
      url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=ZANAFLEX',
      topic: {
        system: 'https://hookwise.dev/cds/topics',
        code: 'drug-drug-interaction',
        display: 'Drug–drug interaction',
      },
    });
    expect(c.selectionBehavior).toBe('at-most-one');
    expect(c.suggestions).toEqual([
      {
        label: 'Remove the tizanidine order',
        actions: [
          {
            type: 'delete',
            description: 'Remove the tizanidine order',
            resourceId: 'MedicationRequest/draft-tizanidine',
          },
        ],
      },
    ]);
    expect(c.links).toEqual([
      {
        label: 'Zanaflex (tizanidine) label (DailyMed), Contraindications',
        url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=ZANAFLEX',
        type: 'absolute',
      },
      { label: 'Phansalkar 2012, high-priority drug–drug interactions (JAMIA)', url: DOI, type: 'absolute' },
    ]);
    expect(c.overrideReasons?.length).toBeGreaterThan(0);
    for (const r of c.overrideReasons ?? []) expect(r.display && r.system && r.code).toBeTruthy();
    expect(c.uuid).toBeUndefined();
  });

  it('gives a warning, not critical, for a dose-cap member (simvastatin + verapamil)', () => {
    const cards = sign(
      [medRequest('draft-simva', 'Simvastatin 40 MG Oral Tablet', 'draft')],
      bundle(fixture('medication-request-verapamil')),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.summary).toBe('Keep simvastatin at 10 mg a day or less with verapamil (label dose cap)');
  });

  it('gives critical for a strong inhibitor draft against active simvastatin', () => {
    const cards = sign([fixture('draft-clarithromycin')], bundle(fixture('medication-request-simvastatin')));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['critical', 'Hold simvastatin during clarithromycin, or choose azithromycin'],
    ]);
    expect(cards[0]!.suggestions?.[0]?.actions?.[0]?.resourceId).toBe('MedicationRequest/draft-clarithromycin');
  });

  it('downgrades a text-only match to warning and says it matched by name', () => {
    const textCipro = {
      ...medRequest('cip-text', 'x'),
      medicationCodeableConcept: { text: 'ciprofloxacin 500mg tabs' },
    };
    const cards = sign([fixture('draft-tizanidine')], bundle(textCipro));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.detail).toContain('Matched by name');
  });

  it('does not fire for an inactive (stopped) interacting medication', () => {
    const stopped = fixture('medication-request-ciprofloxacin', { status: 'stopped' });
    expect(sign([fixture('draft-tizanidine')], bundle(stopped))).toEqual([]);
  });

  it('does not fire for a non-interacting pair', () => {
    expect(sign([fixture('draft-tizanidine')], bundle(fixture('medication-request-metformin-er')))).toEqual([]);
  });

  it('does not fire for a draft with no medication chosen', () => {
    const empty = { resourceType: 'MedicationRequest', id: 'draft-empty', status: 'draft', intent: 'order' };
    expect(sign([empty], bundle(fixture('medication-request-ciprofloxacin')))).toEqual([]);
  });

  it('checks a DSTU2 MedicationOrder draft and deletes it by its own type', () => {
    const cards = sign(
      [fixture('medication-order-dstu2-tizanidine')],
      bundle(fixture('medication-request-ciprofloxacin')),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.suggestions?.[0]?.actions?.[0]?.resourceId).toBe('MedicationOrder/order-tizanidine-dstu2');
  });

  it('checks drafts against each other, once per pair, with a suggestion per draft', () => {
    const cipDraft = medRequest('draft-cipro', 'Ciprofloxacin 500 MG Oral Tablet', 'draft');
    const cards = sign([fixture('draft-tizanidine'), cipDraft], null);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.suggestions?.map((s) => s.actions?.[0]?.resourceId)).toEqual([
      'MedicationRequest/draft-tizanidine',
      'MedicationRequest/draft-cipro',
    ]);
  });

  it('gives one card when the same interacting drug appears twice in the medication list', () => {
    const cip2 = fixture('medication-request-ciprofloxacin', { id: 'med-cipro-2' });
    const cards = sign([fixture('draft-tizanidine')], bundle(fixture('medication-request-ciprofloxacin'), cip2));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.finding?.trace?.resources).toEqual([
      'MedicationRequest/med-ciprofloxacin',
      'MedicationRequest/med-cipro-2',
    ]);
    expect(cards[0]!.detail!.match(/- Taking: Ciprofloxacin/g)).toHaveLength(2);
  });

  it('does not compare a draft with the active entry that has the same id', () => {
    const sameId = fixture('medication-request-ciprofloxacin', { id: 'draft-tizanidine' });
    expect(sign([fixture('draft-tizanidine')], bundle(sameId))).toEqual([]);
  });

  it('gives one symmetric QT card, not two, at warning (no label or potassium makes it critical)', () => {
    const cards = sign(
      [medRequest('d-cit', 'Citalopram 20 MG Oral Tablet', 'draft')],
      bundle(medRequest('m-ond', 'Ondansetron 4 MG Oral Tablet')),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.detail).not.toMatch(/Membership note|CredibleMeds|pending review/);
  });

  it('omits suggestions for a draft without an id', () => {
    const noId = { ...fixture('draft-tizanidine') };
    delete noId.id;
    const cards = sign([noId], bundle(fixture('medication-request-ciprofloxacin')));
    expect(cards).toHaveLength(1);
    expect(cards[0]!.suggestions).toBeUndefined();
    expect(cards[0]!.selectionBehavior).toBeUndefined();
  });

  it('handles medications null or absent, and skips OperationOutcome entries', () => {
    expect(sign([fixture('draft-tizanidine')], null)).toEqual([]);
    expect(sign([fixture('draft-tizanidine')], undefined)).toEqual([]);
    const withOo = bundle(
      { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete' }] },
      fixture('medication-request-ciprofloxacin'),
    );
    expect(sign([fixture('draft-tizanidine')], withOo)).toHaveLength(1);
  });
});
