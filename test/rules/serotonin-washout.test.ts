// An MAOI started within the washout after a recently stopped SSRI/SNRI (5 weeks after fluoxetine, 14 days after
// sertraline, 5 days after duloxetine, per their labels). Stopped drugs come from MedicationStatements with an ended
// effectivePeriod; a drug still taken gets the concurrent-pair card instead, never both.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign } from '../../src/rules/index.js';
import { NOW, bundle, daysBefore, data, draftOrders, knowledge, medRequest } from './helpers.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** An Epic-style statement: the drug in a contained Medication coded by its RxNorm ingredient, no display. */
function statement(id: string, rxcui: string, status: string, endedDaysAgo: number, startedDaysAgo = 400): JsonObject {
  return {
    resourceType: 'MedicationStatement',
    id,
    status,
    subject: { reference: 'Patient/pat-1' },
    medicationReference: { reference: '#med' },
    contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: RXNORM, code: rxcui }] } }],
    effectivePeriod: { start: daysBefore(startedDaysAgo), end: daysBefore(endedDaysAgo) },
  };
}
const FLUOXETINE = '4493';

function sign(drafts: JsonObject[], statements: JsonObject[], taking: JsonObject[] = []): Card[] {
  return decideOrderSign({
    context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...drafts) },
    data: data({ medications: bundle(...taking), medicationStatements: bundle(...statements) }),
    knowledge: knowledge(),
    now: NOW,
  });
}
const washout = (cards: Card[]) => cards.filter((c) => c.finding?.key.startsWith('serotonin-washout:'));
const draft = (id: string, display: string) => medRequest(id, display, 'draft');

describe('MAOI within the washout after a stopped SSRI/SNRI', () => {
  it('phenelzine (Nardil) ordered 20 days after fluoxetine stopped: critical, one card, days and dates in words', () => {
    const cards = sign([draft('d1', 'Nardil')], [statement('st-1', FLUOXETINE, 'stopped', 20)]);
    expect(cards).toHaveLength(1);
    const c = washout(cards)[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe(
      'Fluoxetine stopped 20 days ago: do not start phenelzine until 5 weeks after it (serotonin syndrome)',
    );
    expect(c.detail).toContain('last taken 3 Nov 2026 (20 days ago)');
    expect(c.detail).toContain('- **Washout in its label:** 5 weeks after the last fluoxetine dose, until 8 Dec 2026');
    expect(c.detail).not.toMatch(/MedicationStatement\/|\d{4}-\d{2}-\d{2}T/);
    expect(c.links!.map((l) => l.url)).toEqual([
      'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=PROZAC',
    ]);
    expect(c.finding!.trace!.resources).toEqual(['MedicationStatement/st-1']);
    expect(c.finding!.trace!.codes).toContain(`${RXNORM}|${FLUOXETINE}`);
    expect(c.suggestions![0]!.actions).toEqual([
      { type: 'delete', description: 'Remove the phenelzine order', resourceId: 'MedicationRequest/d1' },
    ]);
    expect(c.overrideReasons!.map((r) => r.code)).not.toContain('patient-not-taking');
  });

  it('near misses: fluoxetine stopped 40 days ago; a statement entered in error; fluoxetine whose period has not ended', () => {
    expect(
      sign([draft('d1', 'Phenelzine Sulfate 15 MG Oral Tablet')], [statement('st-1', FLUOXETINE, 'stopped', 40)]),
    ).toEqual([]);
    expect(
      sign(
        [draft('d1', 'Phenelzine Sulfate 15 MG Oral Tablet')],
        [statement('st-1', FLUOXETINE, 'entered-in-error', 20)],
      ),
    ).toEqual([]);
    const ongoing = {
      ...statement('st-1', FLUOXETINE, 'active', 0),
      effectivePeriod: { start: daysBefore(300), end: new Date(NOW.getTime() + 30 * 86_400_000).toISOString() },
    };
    expect(washout(sign([draft('d1', 'Phenelzine Sulfate 15 MG Oral Tablet')], [ongoing]))).toEqual([]);
  });

  it('linezolid (Zyvox) 10 days after sertraline stopped: warning, with the FDA communication; 20 days after: nothing', () => {
    const sertraline = (days: number) => ({
      ...medRequest('st-2', 'Sertraline 50 MG Oral Tablet'),
      resourceType: 'MedicationStatement',
      status: 'completed',
      effectivePeriod: { start: daysBefore(200), end: daysBefore(days) },
    });
    // The medication list counts a statement ended 10 days ago (100-day look-back), so the concurrent label row
    // matches too: only the washout card, which says when sertraline stopped, is kept.
    const all = sign([draft('d1', 'Zyvox 600 MG Oral Tablet')], [sertraline(10)]);
    expect(all.map((x) => x.finding?.key)).toEqual(['serotonin-washout:linezolid+sertraline']);
    const [c] = washout(all);
    expect(c!.indicator).toBe('warning');
    expect(c!.summary).toMatch(
      /^Sertraline stopped 10 days ago: linezolid risks serotonin syndrome within 2 weeks\. Use an alternative, or monitor closely$/,
    );
    expect(c!.links!.map((l) => l.url)).toContain(
      'https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-updated-information-about-drug-interaction-between-methylene-blue-methylthioninium',
    );
    expect(washout(sign([draft('d1', 'Zyvox 600 MG Oral Tablet')], [sertraline(20)]))).toEqual([]);
  });

  it('duloxetine: its label asks 5 days, so 3 days after gives a card and 6 days after none', () => {
    const dulox = (days: number) => ({
      ...medRequest('st-3', 'DULoxetine 60 MG Delayed Release Oral Capsule'),
      resourceType: 'MedicationStatement',
      status: 'stopped',
      effectivePeriod: { start: daysBefore(200), end: daysBefore(days) },
    });
    expect(
      washout(sign([draft('d1', 'Tranylcypromine 10 MG Oral Tablet')], [dulox(3)])).map((c) => c.indicator),
    ).toEqual(['critical']);
    expect(washout(sign([draft('d1', 'Tranylcypromine 10 MG Oral Tablet')], [dulox(6)]))).toEqual([]);
  });

  it('fluoxetine still taken (active order) with phenelzine: the concurrent card only, no washout card', () => {
    const cards = sign(
      [draft('d1', 'Phenelzine Sulfate 15 MG Oral Tablet')],
      [statement('st-1', FLUOXETINE, 'stopped', 20)],
      [medRequest('a1', 'Fluoxetine 20 MG Oral Capsule')],
    );
    expect(washout(cards)).toEqual([]);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('critical');
  });

  it('order-select: only the selected MAOI draft is checked', () => {
    const select = (selections: string[]) =>
      washout(
        decideOrderSelect({
          context: {
            userId: 'Practitioner/1',
            patientId: 'pat-1',
            draftOrders: draftOrders(draft('d1', 'Nardil'), draft('d2', 'Ibuprofen 400 MG Oral Tablet')),
            selections,
          },
          data: data({
            medications: bundle(),
            medicationStatements: bundle(statement('st-1', FLUOXETINE, 'stopped', 20)),
          }),
          knowledge: knowledge(),
          now: NOW,
        }),
      );
    expect(select(['MedicationRequest/d1'])).toHaveLength(1);
    expect(select(['MedicationRequest/d2'])).toEqual([]);
  });
});
