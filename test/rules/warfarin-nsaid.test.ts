// Warfarin + NSAIDs as the HL7 PDDI-CDS guide specifies: topical diclofenac, PPI or misoprostol, age, GI bleed
// history, corticosteroids, aldosterone antagonists and other NSAIDs; order-select and order-sign.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign } from '../../src/rules/index.js';
import { cardViolations } from '../../src/cds/response-contract.js';
import { NOW, bundle, data, daysBefore, draftOrders, knowledge, medRequest } from './helpers.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const WARFARIN = () => medRequest('a-warf', 'Warfarin Sodium 5 MG Oral Tablet');
const IBUPROFEN = () => medRequest('d-ibu', 'Ibuprofen 400 MG Oral Tablet', 'draft');
const patient = (age: number) => ({
  resourceType: 'Patient',
  id: 'pat-1',
  birthDate: `${NOW.getUTCFullYear() - age}-01-15`,
});

function sign(drafts: JsonObject[], taking: JsonObject[], extra: Record<string, unknown> = {}): Card[] {
  return decideOrderSign({
    context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...drafts) },
    data: data({ medications: bundle(...taking), patient: patient(50) as never, ...(extra as Record<string, never>) }),
    knowledge: knowledge(),
    now: NOW,
  });
}

const pddi = (cards: Card[]) => cards.filter((c) => c.source.label.includes('PDDI-CDS'));

describe('warfarin + NSAIDs (HL7 PDDI-CDS)', () => {
  it('a systemic NSAID for a patient on warfarin without a PPI: critical, naming what the guide weighs, with the acetaminophen swap', () => {
    const cards = pddi(sign([IBUPROFEN()], [WARFARIN()]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('critical');
    expect(c.summary).toBe(
      'Prefer acetaminophen to ibuprofen with warfarin: high GI bleeding risk and no PPI. Use only if benefit outweighs risk',
    );
    expect(c.detail).toContain('**PPI or misoprostol:** none taken');
    expect(c.detail).toContain('**Age or GI bleed history:** neither found');
    expect(c.source.url).toBe('http://hl7.org/fhir/uv/pddi/');
    expect(c.links!.map((l) => l.url)).toEqual([
      'http://hl7.org/fhir/uv/pddi/',
      'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=COUMADIN',
    ]);
    // No record ids in the text; they and the codes are in the trace.
    expect(c.detail).not.toMatch(/MedicationRequest\/|\d{4}-\d{2}-\d{2}/);
    expect(c.finding!.trace!.resources).toEqual(
      expect.arrayContaining(['MedicationRequest/d-ibu', 'MedicationRequest/a-warf']),
    );
    // Besides the swap and the removal: keep the NSAID with a PPI (the guide's narrative).
    expect(c.suggestions!.map((s) => s.label)).toEqual([
      'Replace ibuprofen with acetaminophen 500 mg as needed',
      'Keep ibuprofen and add pantoprazole 40 mg a day',
      'Remove the ibuprofen order',
    ]);
    expect(c.suggestions![1]!.actions![0]!.resource).toMatchObject({
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314200' }] },
    });
    const swap = c.suggestions![0]!;
    expect(swap.actions!.map((a) => a.type)).toEqual(['delete', 'create']);
    expect(swap.actions![1]!.resource).toMatchObject({
      resourceType: 'MedicationRequest',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '198440' }] },
    });
    const stamped = {
      ...c,
      uuid: '0b8e5f3c-3b7e-4c55-9a4a-1b2c3d4e5f60',
      suggestions: c.suggestions!.map((s, i) => ({ ...s, uuid: `0b8e5f3c-3b7e-4c55-9a4a-1b2c3d4e5f6${i}` })),
    };
    expect(cardViolations(stamped)).toEqual([]);
  });

  it("a draft without an id (the guide's order-sign examples): no removal can be offered, adding a PPI still is", () => {
    const noId = IBUPROFEN();
    delete noId.id;
    const [card] = pddi(sign([noId], [WARFARIN()]));
    expect(card?.indicator).toBe('critical');
    expect(card!.suggestions?.map((x) => x.label)).toEqual(['Keep ibuprofen and add pantoprazole 40 mg a day']);
    expect(card!.suggestions!.flatMap((x) => x.actions ?? []).every((a) => a.type === 'create')).toBe(true);
    expect(card!.selectionBehavior).toBe('at-most-one');
  });

  it('with a PPI or misoprostol taken: warning', () => {
    const ome = pddi(
      sign([IBUPROFEN()], [WARFARIN(), medRequest('a-ome', 'Omeprazole 20 MG Delayed Release Oral Capsule')]),
    );
    expect(ome.map((c) => c.indicator)).toEqual(['warning']);
    expect(ome[0]!.summary).toBe(
      'Prefer acetaminophen to ibuprofen with warfarin: bleeding risk, lowered by omeprazole. Assess and watch for bleeding',
    );
    // A PPI is already taken: no PPI is suggested.
    expect(ome[0]!.suggestions!.map((s) => s.label)).toEqual([
      'Replace ibuprofen with acetaminophen 500 mg as needed',
      'Remove the ibuprofen order',
    ]);
    const miso = pddi(sign([IBUPROFEN()], [WARFARIN(), medRequest('a-miso', 'Misoprostol 0.2 MG Oral Tablet')]));
    expect(miso.map((c) => c.indicator)).toEqual(['warning']);
    expect(miso[0]!.summary).toContain('lowered by misoprostol');
  });

  it('names age over 65, a GI bleed history, corticosteroids, aldosterone antagonists and another NSAID', () => {
    const ulcer = {
      resourceType: 'Condition',
      id: 'c1',
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '12847006', display: 'Acute duodenal ulcer with hemorrhage' },
        ],
      },
      recordedDate: '2024-03-02',
    };
    const taking = [
      WARFARIN(),
      medRequest('a-pred', 'prednisone 10 MG Oral Tablet'),
      medRequest('a-spiro', 'spironolactone 25 MG Oral Tablet'),
      medRequest('a-nap', 'Naproxen 250 MG Oral Tablet'),
    ];
    const c = pddi(sign([IBUPROFEN()], taking, { patient: patient(70), giBleedHistory: bundle(ulcer) }))[0]!;
    expect(c.detail).toContain('age 70 (over 65)');
    expect(c.detail).toContain('history of Acute duodenal ulcer with hemorrhage, recorded 2 Mar 2024 (996 days ago)');
    expect(c.finding!.trace!.resources).toContain('Condition/c1');
    expect(c.finding!.trace!.codes).toContain('http://snomed.info/sct|12847006');
    expect(c.detail).toContain(
      'prednisone (systemic corticosteroid), spironolactone (aldosterone antagonist), naproxen (another NSAID)',
    );
  });

  it('Epic-style: the NSAID draft references a Medication read by draftMedications (Advil), warfarin taken as Coumadin', () => {
    const advil = {
      resourceType: 'MedicationRequest',
      id: 'd-adv',
      status: 'draft',
      intent: 'order',
      medicationReference: { reference: 'Medication/m-adv', display: 'Advil' },
    };
    const med = { resourceType: 'Medication', id: 'm-adv', code: { coding: [{ system: RXNORM, code: '153010' }] } };
    const c = pddi(sign([advil], [medRequest('a-cou', 'Coumadin')], { draftMedications: bundle(med) }));
    // Both resolve at full tier: the brand product code, and the brand named in an RxNorm coding.
    expect(c.map((x) => [x.indicator, x.summary.slice(0, 40)])).toEqual([
      ['critical', 'Prefer acetaminophen to ibuprofen with w'],
    ]);
    expect(c[0]!.detail).not.toContain('matched by name');
  });

  it('age 65 is not "over 65" in the guide (AgeInYears() > 65)', () => {
    expect(pddi(sign([IBUPROFEN()], [WARFARIN()], { patient: patient(65) }))[0]!.detail).toContain('neither found');
  });

  it('topical diclofenac (by product code, no display): one info card, no special precautions', () => {
    const gel = {
      resourceType: 'MedicationRequest',
      id: 'd-gel',
      status: 'draft',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '855633' }] },
    };
    const cards = pddi(sign([gel], [WARFARIN()]));
    expect(cards.map((c) => c.indicator)).toEqual(['info']);
    expect(cards[0]!.summary).toBe(
      'No special precautions for topical diclofenac with warfarin: little reaches the blood',
    );
  });

  it('near misses: no warfarin; warfarin only dispensed 120 days ago; an ophthalmic NSAID; acetaminophen', () => {
    expect(pddi(sign([IBUPROFEN()], []))).toEqual([]);
    const oldDispense = {
      resourceType: 'MedicationDispense',
      id: 'disp',
      status: 'completed',
      medicationCodeableConcept: { text: 'warfarin 5 mg' },
      whenHandedOver: daysBefore(120),
    };
    expect(pddi(sign([IBUPROFEN()], [], { medicationDispenses: bundle(oldDispense) }))).toEqual([]);
    expect(
      pddi(sign([medRequest('d-ket', 'Ketorolac Tromethamine 5 MG/ML Ophthalmic Solution', 'draft')], [WARFARIN()])),
    ).toEqual([]);
    expect(pddi(sign([medRequest('d-apap', 'Acetaminophen 500 MG Oral Tablet', 'draft')], [WARFARIN()]))).toEqual([]);
  });

  it('warfarin recorded only as dispensed 20 days ago counts', () => {
    const dispense = {
      resourceType: 'MedicationDispense',
      id: 'disp',
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '855332' }] },
      whenHandedOver: daysBefore(20),
    };
    expect(pddi(sign([IBUPROFEN()], [], { medicationDispenses: bundle(dispense) })).map((c) => c.indicator)).toEqual([
      'critical',
    ]);
  });

  it('order-select: only a selected NSAID fires', () => {
    const select = (selections: string[]) =>
      pddi(
        decideOrderSelect({
          context: {
            userId: 'Practitioner/1',
            patientId: 'pat-1',
            draftOrders: draftOrders(IBUPROFEN(), medRequest('d-x', 'Lisinopril 10 MG Oral Tablet', 'draft')),
            selections,
          },
          data: data({ medications: bundle(WARFARIN()) }),
          knowledge: knowledge(),
          now: NOW,
        }),
      );
    expect(select(['MedicationRequest/d-ibu']).map((c) => c.indicator)).toEqual(['critical']);
    expect(select(['MedicationRequest/d-x'])).toEqual([]);
  });
});
