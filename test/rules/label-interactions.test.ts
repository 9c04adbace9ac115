// Interaction pairs from FDA labels and safety communications: each fires on the ordered drug with what is taken
// (or two orders), names the action and links its source; at patient-view two taken drugs give a card one tier lower.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, knowledge, medRequest, signOrders } from './helpers.js';

const draft = (id: string, display: string) => medRequest(id, display, 'draft');

const sign = signOrders;

const labelCards = (cards: Card[]) => cards.filter((c) => c.finding?.key.startsWith('label-ddi:'));

describe('interactions from FDA labels', () => {
  it.each([
    [
      'Oxycodone Hydrochloride 5 MG Oral Tablet',
      'Alprazolam 0.5 MG Oral Tablet',
      'warning',
      /^Avoid oxycodone with alprazolam: fatal respiratory depression/,
    ],
    [
      'Enalapril Maleate 10 MG Oral Tablet',
      'sacubitril 49 MG / valsartan 51 MG Oral Tablet',
      'critical',
      /^Do not give sacubitril\/valsartan with enalapril \(angioedema\)/,
    ],
    [
      'Clarithromycin 500 MG Oral Tablet',
      'Colchicine 0.6 MG Oral Tablet',
      'warning',
      /^Avoid clarithromycin with colchicine \(fatal colchicine toxicity\)/,
    ],
    [
      'Sulfamethoxazole 800 MG / Trimethoprim 160 MG Oral Tablet',
      'Methotrexate 2.5 MG Oral Tablet',
      'warning',
      /^Choose an antibiotic other than sulfamethoxazole\/trimethoprim with methotrexate/,
    ],
    [
      'Allopurinol 100 MG Oral Tablet',
      'Azathioprine 50 MG Oral Tablet',
      'warning',
      /^Reduce azathioprine to a third or a quarter of its dose with allopurinol/,
    ],
    [
      'Ibuprofen 400 MG Oral Tablet',
      'Lithium Carbonate 300 MG Oral Capsule',
      'warning',
      /^Prefer acetaminophen to ibuprofen with lithium/,
    ],
    [
      'Hydrochlorothiazide 25 MG Oral Tablet',
      'Lithium Carbonate 300 MG Oral Capsule',
      'warning',
      /^Check the lithium level after starting hydrochlorothiazide with lithium/,
    ],
    [
      'Amiodarone Hydrochloride 200 MG Oral Tablet',
      'Digoxin 0.125 MG Oral Tablet',
      'warning',
      /^Measure digoxin before starting amiodarone with digoxin/,
    ],
    [
      'Fluconazole 150 MG Oral Tablet',
      'Warfarin Sodium 5 MG Oral Tablet',
      'warning',
      /^Check the INR within 3 to 5 days of starting fluconazole with warfarin/,
    ],
    ['Metronidazole 500 MG Oral Tablet', 'Warfarin Sodium 5 MG Oral Tablet', 'warning', /metronidazole with warfarin/],
    [
      'Clopidogrel 75 MG Oral Tablet',
      'apixaban 5 MG Oral Tablet',
      'warning',
      /^Confirm apixaban with clopidogrel is intended/,
    ],
    [
      'Enoxaparin sodium 40 MG/0.4ML Injectable Solution',
      'rivaroxaban 20 MG Oral Tablet',
      'warning',
      /^Confirm rivaroxaban with enoxaparin is a planned bridge or switch/,
    ],
    [
      'Linezolid 600 MG Oral Tablet',
      'Sertraline 50 MG Oral Tablet',
      'warning',
      /^Avoid linezolid with sertraline \(serotonin syndrome\)/,
    ],
    [
      'Tramadol Hydrochloride 50 MG Oral Tablet',
      'Escitalopram 10 MG Oral Tablet',
      'warning',
      /^Watch for serotonin syndrome with tramadol and escitalopram/,
    ],
    [
      'Gemfibrozil 600 MG Oral Tablet',
      'Simvastatin 40 MG Oral Tablet',
      'critical',
      /^Do not give simvastatin with gemfibrozil \(rhabdomyolysis\)/,
    ],
    [
      'Amlodipine 10 MG Oral Tablet',
      'Simvastatin 40 MG Oral Tablet',
      'warning',
      /^Keep simvastatin at 20 mg a day or less with amlodipine/,
    ],
    [
      'Omeprazole 20 MG Delayed Release Oral Capsule',
      'Clopidogrel 75 MG Oral Tablet',
      'warning',
      /^Use pantoprazole instead of omeprazole with clopidogrel/,
    ],
  ])('%s ordered while taking %s: %s', (ordered, taken, indicator, summary) => {
    const cards = labelCards(sign([draft('d1', ordered)], [medRequest('a1', taken)]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe(indicator);
    expect(c.summary).toMatch(summary);
    expect(c.summary.length).toBeLessThan(140);
    expect(c.source.url).toMatch(/^https?:\/\//);
    expect(c.links?.[0]?.url).toBe(c.source.url);
    expect(c.suggestions?.at(-1)?.actions).toEqual([
      { type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/d1' },
    ]);
    if (indicator === 'critical') expect(c.overrideReasons!.map((r) => r.code)).not.toContain('dose-adjusted');
    // The text names drugs, never record ids; the ids and codes are in the trace.
    expect(c.detail).not.toMatch(/MedicationRequest\/|label-ddi|\d{4}-\d{2}-\d{2}T/);
    expect(c.finding?.trace?.resources).toEqual(
      expect.arrayContaining(['MedicationRequest/d1', 'MedicationRequest/a1']),
    );
  });

  it('near misses: drugs of one side only, pantoprazole with clopidogrel, pravastatin with gemfibrozil, azithromycin with colchicine', () => {
    expect(
      labelCards(
        sign(
          [draft('d1', 'Oxycodone Hydrochloride 5 MG Oral Tablet')],
          [medRequest('a1', 'Morphine Sulfate 15 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign(
          [draft('d1', 'Pantoprazole 40 MG Delayed Release Oral Tablet')],
          [medRequest('a1', 'Clopidogrel 75 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign(
          [draft('d1', 'Gemfibrozil 600 MG Oral Tablet')],
          [medRequest('a1', 'Pravastatin Sodium 40 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign([draft('d1', 'Azithromycin 250 MG Oral Tablet')], [medRequest('a1', 'Colchicine 0.6 MG Oral Tablet')]),
      ),
    ).toEqual([]);
    // A topical NSAID does not raise lithium levels.
    expect(
      labelCards(
        sign(
          [draft('d1', 'diclofenac sodium 10 MG/ML Topical Gel')],
          [medRequest('a1', 'Lithium Carbonate 300 MG Oral Capsule')],
        ),
      ),
    ).toEqual([]);
  });

  it('two orders signed together interact too; order-select checks only the selected one', () => {
    const orders = [draft('d1', 'Oxycodone Hydrochloride 5 MG Oral Tablet'), draft('d2', 'Lorazepam 1 MG Oral Tablet')];
    expect(labelCards(sign(orders, [])).map((c) => c.indicator)).toEqual(['warning']);
    const select = (selections: string[]) =>
      labelCards(
        decideOrderSelect({
          context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...orders), selections },
          data: data({ medications: bundle() }),
          knowledge: knowledge(),
          now: NOW,
        }),
      );
    expect(select(['MedicationRequest/d1'])).toHaveLength(1);
  });

  it('patient-view: two drugs already taken give one card, one tier lower, without suggestions', () => {
    const cards = labelCards(
      decidePatientView({
        context: { userId: 'Practitioner/1', patientId: 'pat-1' },
        data: data({
          medications: bundle(
            medRequest('a1', 'Oxycodone Hydrochloride 5 MG Oral Tablet'),
            medRequest('a2', 'Alprazolam 0.5 MG Oral Tablet'),
          ),
        }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    expect(cards.map((c) => c.indicator)).toEqual(['info']);
    expect(cards[0]!.suggestions).toBeUndefined();
    expect(cards[0]!.detail).toContain('**Taking:**');
  });
});

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** A draft coded only by an RxNorm product code, without a display (as many EHRs send it). */
const codedDraft = (id: string, code: string): JsonObject => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
  medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
});

describe('opioids with CNS depressants beyond benzodiazepines (FDA 2016 boxed warning; FDA 2019 gabapentinoids)', () => {
  it.each([
    [
      'Zolpidem Tartrate 10 MG Oral Tablet',
      'Oxycodone Hydrochloride 5 MG Oral Tablet',
      'opioid-cns-depressant',
      /^Avoid oxycodone with zolpidem: added sedation/,
    ],
    [
      'Ambien',
      'Hydrocodone Bitartrate 10 MG / Acetaminophen 325 MG Oral Tablet',
      'opioid-cns-depressant',
      /^Avoid hydrocodone with zolpidem/,
    ],
    [
      'Carisoprodol 350 MG Oral Tablet',
      'Tramadol Hydrochloride 50 MG Oral Tablet',
      'opioid-cns-depressant',
      /^Avoid tramadol with carisoprodol/,
    ],
    [
      'Cyclobenzaprine Hydrochloride 10 MG Oral Tablet',
      'Morphine Sulfate 15 MG Extended Release Oral Tablet',
      'opioid-cns-depressant',
      /cyclobenzaprine/,
    ],
    [
      'Gabapentin 300 MG Oral Capsule',
      'Oxycodone Hydrochloride 5 MG Oral Tablet',
      'opioid-gabapentinoid',
      /^Start gabapentin at the lowest dose with oxycodone/,
    ],
    [
      'Lyrica',
      'Fentanyl 25 MCG/HR Transdermal System',
      'opioid-gabapentinoid',
      /^Start pregabalin at the lowest dose with fentanyl/,
    ],
  ])('%s ordered while taking %s: one warning card (%s)', (ordered, taken, rule, text) => {
    const cards = labelCards(sign([draft('d1', ordered)], [medRequest('a1', taken)]));
    expect(cards.map((c) => c.finding?.key.split(':')[1])).toEqual([rule]);
    const c = cards[0]!;
    expect(c.indicator).toBe('warning');
    expect(c.summary).toMatch(text);
    expect(c.source.url).toMatch(/^https:\/\/www\.fda\.gov\//);
    expect(c.overrideReasons!.map((r) => r.code)).not.toContain('dose-adjusted');
  });

  it('an opioid with a benzodiazepine stays one card (the benzodiazepine row), not a second CNS-depressant card', () => {
    const cards = labelCards(
      sign([draft('d1', 'Oxycodone Hydrochloride 5 MG Oral Tablet')], [medRequest('a1', 'Lorazepam 1 MG Oral Tablet')]),
    );
    expect(cards.map((c) => c.finding?.key.split(':')[1])).toEqual(['opioid-benzodiazepine']);
  });

  it('near misses: a sedating drug without an opioid, an opioid with an antihistamine or trazodone, a muscle relaxant with an NSAID', () => {
    expect(
      labelCards(
        sign(
          [draft('d1', 'Zolpidem Tartrate 10 MG Oral Tablet')],
          [medRequest('a1', 'Gabapentin 300 MG Oral Capsule')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign(
          [draft('d1', 'Hydroxyzine Hydrochloride 25 MG Oral Tablet')],
          [medRequest('a1', 'Oxycodone Hydrochloride 5 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign(
          [draft('d1', 'Trazodone Hydrochloride 50 MG Oral Tablet')],
          [medRequest('a1', 'Oxycodone Hydrochloride 5 MG Oral Tablet')],
        ),
      ),
    ).toEqual([]);
    expect(
      labelCards(
        sign([draft('d1', 'Methocarbamol 500 MG Oral Tablet')], [{ ...codedDraft('a1', '197806'), status: 'active' }]),
      ),
    ).toEqual([]);
  });

  it('a muscle relaxant referenced through medicationReference (Epic style) still fires with the opioid', () => {
    const ordered: JsonObject = {
      resourceType: 'MedicationRequest',
      id: 'd1',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/pat-1' },
      medicationReference: { reference: '#m1' },
      contained: [
        {
          resourceType: 'Medication',
          id: 'm1',
          code: { coding: [{ system: RXNORM, display: 'Baclofen 10 MG Oral Tablet' }] },
        },
      ],
    };
    const cards = labelCards(sign([ordered], [medRequest('a1', 'Hydromorphone Hydrochloride 2 MG Oral Tablet')]));
    expect(cards.map((c) => c.summary)).toEqual([expect.stringMatching(/^Avoid hydromorphone with baclofen/)]);
  });
});

describe('label interaction cards for a clinician (§4)', () => {
  it('omeprazole ordered by product code alone with clopidogrel: the card offers pantoprazole 40 mg in its place, or removal', () => {
    const cards = labelCards(sign([codedDraft('d1', '198051')], [medRequest('a1', 'Clopidogrel 75 MG Oral Tablet')]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.summary).toBe('Use pantoprazole instead of omeprazole with clopidogrel: omeprazole weakens clopidogrel');
    const [swap, remove] = c.suggestions!;
    expect(swap!.label).toBe('Order pantoprazole 40 mg instead of omeprazole');
    expect(swap!.isRecommended).toBe(true);
    expect(swap!.actions!.map((a) => a.type)).toEqual(['delete', 'create']);
    const created = swap!.actions![1]!.resource as unknown as JsonObject;
    expect(created).toMatchObject({
      resourceType: 'MedicationRequest',
      status: 'draft',
      subject: { reference: 'Patient/pat-1' },
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '314200' }] },
    });
    expect(remove!.label).toBe('Remove the omeprazole order');
    expect(c.selectionBehavior).toBe('at-most-one');
    expect(c.finding?.trace?.codes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^http:\/\/www\.nlm\.nih\.gov\/research\/umls\/rxnorm\|\d+$/)]),
    );
    // Each fact on its own line; the source is a link.
    expect(c.detail).toMatch(/^- \*\*Ordered:\*\* .*\n- \*\*With:\*\* Clopidogrel 75 MG Oral Tablet\n\n/);
    expect(c.detail).toContain('](https://dailymed.nlm.nih.gov/');
  });

  it('clopidogrel ordered while omeprazole is taken: no pantoprazole order is suggested (the PPI is not the draft)', () => {
    const cards = labelCards(
      sign([draft('d1', 'Clopidogrel 75 MG Oral Tablet')], [{ ...codedDraft('a1', '198051'), status: 'active' }]),
    );
    expect(cards[0]!.suggestions!.map((s) => s.label)).toEqual(['Remove the clopidogrel order']);
  });

  it('ibuprofen ordered with lithium: acetaminophen is offered; ibuprofen gel with lithium gives no card', () => {
    const cards = labelCards(
      sign([codedDraft('d1', '197806')], [medRequest('a1', 'Lithium Carbonate 300 MG Oral Capsule')]),
    );
    expect(cards[0]!.suggestions![0]!.label).toBe('Order acetaminophen 500 mg instead of ibuprofen');
    expect(
      labelCards(
        sign([draft('d1', 'Ibuprofen 5 % Topical Gel')], [medRequest('a1', 'Lithium Carbonate 300 MG Oral Capsule')]),
      ),
    ).toEqual([]);
  });

  it('override reasons fit the card: a dose cap offers "dose adjusted", a contraindication and a monitoring card do not', () => {
    const codes = (ordered: string, taken: string) =>
      labelCards(sign([draft('d1', ordered)], [medRequest('a1', taken)]))[0]!.overrideReasons!.map((r) => r.code);
    expect(codes('Amlodipine 10 MG Oral Tablet', 'Simvastatin 40 MG Oral Tablet')).toContain('dose-adjusted');
    expect(codes('Enalapril Maleate 10 MG Oral Tablet', 'sacubitril 49 MG / valsartan 51 MG Oral Tablet')).toEqual([
      'patient-not-taking',
      'already-addressed',
    ]);
    expect(codes('Zolpidem Tartrate 10 MG Oral Tablet', 'Oxycodone Hydrochloride 5 MG Oral Tablet')).not.toContain(
      'dose-adjusted',
    );
  });
});
