// Interaction pairs from FDA labels and safety communications: each fires on the ordered drug with what is taken
// (or two orders), names the action and links its source; at patient-view two taken drugs give a card one tier lower.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign, decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, knowledge, medRequest } from './helpers.js';

const draft = (id: string, display: string) => medRequest(id, display, 'draft');

function sign(drafts: JsonObject[], taking: JsonObject[]): Card[] {
  return decideOrderSign({
    context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...drafts) },
    data: data({ medications: bundle(...taking) }),
    knowledge: knowledge(),
    now: NOW,
  });
}

const labelCards = (cards: Card[]) => cards.filter((c) => c.finding?.key.startsWith('label-ddi:'));

describe('interactions from FDA labels', () => {
  it.each([
    ['Oxycodone Hydrochloride 5 MG Oral Tablet', 'Alprazolam 0.5 MG Oral Tablet', 'warning', /oxycodone \+ alprazolam: risk of fatal respiratory depression/],
    ['Enalapril Maleate 10 MG Oral Tablet', 'sacubitril 49 MG / valsartan 51 MG Oral Tablet', 'critical', /sacubitril \+ enalapril: contraindicated/],
    ['Clarithromycin 500 MG Oral Tablet', 'Colchicine 0.6 MG Oral Tablet', 'warning', /colchicine \+ clarithromycin: fatal colchicine toxicity/],
    ['Sulfamethoxazole 800 MG / Trimethoprim 160 MG Oral Tablet', 'Methotrexate 2.5 MG Oral Tablet', 'warning', /methotrexate \+ sulfamethoxazole\/trimethoprim: risk of severe bone marrow/],
    ['Allopurinol 100 MG Oral Tablet', 'Azathioprine 50 MG Oral Tablet', 'warning', /azathioprine \+ allopurinol: reduce the azathioprine dose/],
    ['Ibuprofen 400 MG Oral Tablet', 'Lithium Carbonate 300 MG Oral Capsule', 'warning', /lithium \+ ibuprofen: lithium levels rise/],
    ['Hydrochlorothiazide 25 MG Oral Tablet', 'Lithium Carbonate 300 MG Oral Capsule', 'warning', /lithium \+ hydrochlorothiazide/],
    ['Amiodarone Hydrochloride 200 MG Oral Tablet', 'Digoxin 0.125 MG Oral Tablet', 'warning', /digoxin \+ amiodarone: digoxin levels rise/],
    ['Fluconazole 150 MG Oral Tablet', 'Warfarin Sodium 5 MG Oral Tablet', 'warning', /warfarin \+ fluconazole: INR rises/],
    ['Metronidazole 500 MG Oral Tablet', 'Warfarin Sodium 5 MG Oral Tablet', 'warning', /warfarin \+ metronidazole/],
    ['Clopidogrel 75 MG Oral Tablet', 'apixaban 5 MG Oral Tablet', 'warning', /apixaban \+ clopidogrel: major bleeding risk/],
    ['Enoxaparin sodium 40 MG/0.4ML Injectable Solution', 'rivaroxaban 20 MG Oral Tablet', 'warning', /rivaroxaban \+ enoxaparin: two anticoagulants/],
    ['Linezolid 600 MG Oral Tablet', 'Sertraline 50 MG Oral Tablet', 'warning', /linezolid \+ sertraline: serotonin syndrome/],
    ['Tramadol Hydrochloride 50 MG Oral Tablet', 'Escitalopram 10 MG Oral Tablet', 'warning', /tramadol \+ escitalopram: serotonin syndrome/],
    ['Gemfibrozil 600 MG Oral Tablet', 'Simvastatin 40 MG Oral Tablet', 'critical', /simvastatin \+ gemfibrozil: contraindicated/],
    ['Amlodipine 10 MG Oral Tablet', 'Simvastatin 40 MG Oral Tablet', 'warning', /simvastatin \+ amlodipine: do not exceed simvastatin 20 mg/],
    ['Omeprazole 20 MG Delayed Release Oral Capsule', 'Clopidogrel 75 MG Oral Tablet', 'warning', /clopidogrel \+ omeprazole: less antiplatelet effect/],
  ])('%s ordered while taking %s: %s', (ordered, taken, indicator, summary) => {
    const cards = labelCards(sign([draft('d1', ordered)], [medRequest('a1', taken)]));
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe(indicator);
    expect(c.summary).toMatch(summary);
    expect(c.summary.length).toBeLessThan(140);
    expect(c.source.url).toMatch(/^https?:\/\//);
    expect(c.links?.[0]?.url).toBe(c.source.url);
    expect(c.suggestions?.[0]?.actions).toEqual([{ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/d1' }]);
    if (indicator === 'critical') expect(c.overrideReasons!.map((r) => r.code)).not.toContain('dose-adjusted');
  });

  it('near misses: drugs of one side only, pantoprazole with clopidogrel, pravastatin with gemfibrozil, azithromycin with colchicine', () => {
    expect(labelCards(sign([draft('d1', 'Oxycodone Hydrochloride 5 MG Oral Tablet')], [medRequest('a1', 'Morphine Sulfate 15 MG Oral Tablet')]))).toEqual([]);
    expect(labelCards(sign([draft('d1', 'Pantoprazole 40 MG Delayed Release Oral Tablet')], [medRequest('a1', 'Clopidogrel 75 MG Oral Tablet')]))).toEqual([]);
    expect(labelCards(sign([draft('d1', 'Gemfibrozil 600 MG Oral Tablet')], [medRequest('a1', 'Pravastatin Sodium 40 MG Oral Tablet')]))).toEqual([]);
    expect(labelCards(sign([draft('d1', 'Azithromycin 250 MG Oral Tablet')], [medRequest('a1', 'Colchicine 0.6 MG Oral Tablet')]))).toEqual([]);
    // A topical NSAID does not raise lithium levels.
    expect(labelCards(sign([draft('d1', 'diclofenac sodium 10 MG/ML Topical Gel')], [medRequest('a1', 'Lithium Carbonate 300 MG Oral Capsule')]))).toEqual([]);
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
        data: data({ medications: bundle(medRequest('a1', 'Oxycodone Hydrochloride 5 MG Oral Tablet'), medRequest('a2', 'Alprazolam 0.5 MG Oral Tablet')) }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    expect(cards.map((c) => c.indicator)).toEqual(['info']);
    expect(cards[0]!.suggestions).toBeUndefined();
    expect(cards[0]!.detail).toContain('**Taking:**');
  });
});
