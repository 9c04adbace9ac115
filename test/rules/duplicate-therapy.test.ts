import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject, OrderSelectContext } from '../../src/cds/types.js';
import { decideOrderSelect } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, fixture, knowledge, medRequest, signOrders } from './helpers.js';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const sign = signOrders;

function select(drafts: JsonObject[], selections: string[], active: JsonObject[]): Card[] {
  const context: OrderSelectContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    selections,
    draftOrders: draftOrders(...drafts),
  };
  return decideOrderSelect({
    context,
    data: data({ allergies: bundle(), medications: bundle(...active) }),
    knowledge: knowledge(),
    now: NOW,
  });
}

const draft = (id: string, display: string, extra: JsonObject = {}): JsonObject =>
  medRequest(id, display, 'draft', extra);
const keys = (cards: Card[]): string[] => cards.map((c) => c.finding?.key ?? '');

describe('duplicate therapy: same ingredient', () => {
  it('a draft of an active ingredient: warning that offers to remove the new draft', () => {
    const cards = sign(
      [draft('d-simva', 'Simvastatin 40 MG Oral Tablet')],
      [fixture('medication-request-simvastatin')],
    );
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('warning');
    expect(c.summary).toBe('Duplicate simvastatin: already taken. Keep one order');
    // §4: the active order is named and dated in the text; its id and the ingredient code go to the trace.
    expect(c.finding).toEqual({
      key: 'duplicate-ingredient:simvastatin',
      drafts: ['MedicationRequest/d-simva'],
      trace: {
        resources: ['MedicationRequest/med-simvastatin'],
        codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|36567'],
      },
    });
    expect(c.detail).toContain('- Active order: Simvastatin 20 MG Oral Tablet, since 2 Aug 2024 (843 days ago)');
    expect(c.detail).not.toMatch(/MedicationRequest\/|\d{4}-\d{2}-\d{2}/);
    expect(c.links?.[0]?.url).toBe('https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=simvastatin');
    expect(c.detail).toContain('knowledge 2026.12.0');
    expect(c.source.topic?.code).toBe('duplicate-therapy');
    expect(c.selectionBehavior).toBe('at-most-one');
    expect(c.suggestions).toEqual([
      {
        label: 'Remove the new simvastatin order',
        actions: [
          { type: 'delete', description: 'Remove the new simvastatin order', resourceId: 'MedicationRequest/d-simva' },
        ],
      },
    ]);
    for (const r of c.overrideReasons ?? []) expect(r.display).toBeTruthy();
  });

  it('two drafts of one ingredient: one card, removing the second draft only', () => {
    const cards = sign(
      [draft('d-1', 'Simvastatin 20 MG Oral Tablet'), draft('d-2', 'Simvastatin 40 MG Oral Tablet')],
      [],
    );
    expect(cards.map((c) => c.summary)).toEqual(['Duplicate simvastatin: ordered twice. Remove one order']);
    expect(cards[0]!.finding?.drafts).toEqual(['MedicationRequest/d-1', 'MedicationRequest/d-2']);
    expect(cards[0]!.suggestions?.map((s) => s.actions?.[0]?.resourceId)).toEqual(['MedicationRequest/d-2']);
  });

  it('a combination product against the same combination in another strength: one card naming both ingredients', () => {
    const cards = sign(
      [draft('d-combo', 'Amlodipine 10 MG / Benazepril hydrochloride 20 MG Oral Capsule')],
      [medRequest('a-combo', 'Amlodipine 5 MG / Benazepril hydrochloride 10 MG Oral Capsule')],
    );
    expect(keys(cards)).toEqual(['duplicate-ingredient:amlodipine+benazepril']);
  });

  it('near miss: a combination product alone is not a duplicate of itself', () => {
    expect(sign([draft('d-combo', 'Amlodipine 5 MG / Benazepril hydrochloride 10 MG Oral Capsule')], [])).toEqual([]);
  });

  it('near miss: an inactive medication of the same ingredient', () => {
    expect(
      sign(
        [draft('d-simva', 'Simvastatin 40 MG Oral Tablet')],
        [fixture('medication-request-simvastatin', { status: 'stopped' })],
      ),
    ).toEqual([]);
  });

  it('near miss: the same order (same id) in drafts and the active list', () => {
    expect(
      sign(
        [fixture('medication-request-simvastatin', { status: 'draft' })],
        [fixture('medication-request-simvastatin')],
      ),
    ).toEqual([]);
  });

  it('near miss: a renewal whose priorPrescription names the active order', () => {
    const renewal = draft('d-renew', 'Simvastatin 20 MG Oral Tablet', {
      priorPrescription: { reference: 'MedicationRequest/med-simvastatin' },
    });
    expect(sign([renewal], [fixture('medication-request-simvastatin')])).toEqual([]);
    const absolute = draft('d-renew', 'Simvastatin 20 MG Oral Tablet', {
      priorPrescription: { reference: 'https://ehr.example.org/fhir/MedicationRequest/med-simvastatin' },
    });
    expect(sign([absolute], [fixture('medication-request-simvastatin')])).toEqual([]);
  });

  it('a renewal of one order still counts against a second active order of the same drug', () => {
    const renewal = draft('d-renew', 'Simvastatin 20 MG Oral Tablet', {
      priorPrescription: { reference: 'MedicationRequest/med-simvastatin' },
    });
    const cards = sign(
      [renewal],
      [fixture('medication-request-simvastatin'), medRequest('other-simva', 'Simvastatin 10 MG Oral Tablet')],
    );
    expect(keys(cards)).toEqual(['duplicate-ingredient:simvastatin']);
    expect(cards[0]!.finding?.trace?.resources).toEqual(['MedicationRequest/other-simva']);
    expect(cards[0]!.detail).toContain('Active order: Simvastatin 10 MG Oral Tablet');
  });

  it('near miss: a renewal when the active list shows the renewed product twice (a stale duplicate listing)', () => {
    const renewal = draft('d-renew', 'Simvastatin 20 MG Oral Tablet', {
      priorPrescription: { reference: 'MedicationRequest/med-simvastatin' },
    });
    const listedTwice = { ...fixture('medication-request-simvastatin'), id: 'med-simvastatin-copy' };
    expect(sign([renewal], [fixture('medication-request-simvastatin'), listedTwice])).toEqual([]);
  });

  it('a name-only match drops one tier and says so', () => {
    const text = { ...draft('d-text', 'x'), medicationCodeableConcept: { text: 'simvastatin 40mg' } };
    const cards = sign([text], [fixture('medication-request-simvastatin')]);
    expect(cards.map((c) => c.indicator)).toEqual(['info']);
    expect(cards[0]!.detail).toContain('Matched by name');
  });
});

describe('duplicate therapy: knowledge', () => {
  it('ships the 14 classes; codes only where VERIFIED (edoxaban by name)', () => {
    const classes = knowledge().duplicateTherapy.classes;
    expect(classes.map((c) => c.id)).toHaveLength(14);
    const oac = classes.find((c) => c.id === 'oral-anticoagulant')!;
    expect(oac.members.find((m) => m.ingredient === 'apixaban')?.rxcui).toBe('1364430');
    expect(oac.members.find((m) => m.ingredient === 'edoxaban')?.rxcui).toBeUndefined();
    expect(oac.members.find((m) => m.ingredient === 'warfarin')?.rxcui).toBe('11289');
    expect(
      classes
        .filter((c) => c.indicator === 'warning')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['lmwh', 'oral-anticoagulant', 'p2y12']);
  });
});

describe('duplicate therapy: same class', () => {
  it('two oral anticoagulants: warning with bleeding wording', () => {
    const riva = {
      ...draft('d-riva', 'x'),
      medicationCodeableConcept: { coding: [{ system: RX, code: '1114195' }], text: 'Xarelto' },
    };
    const cards = sign([riva], [fixture('medication-request-warfarin')]);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.summary).toBe('Two oral anticoagulants: rivaroxaban + warfarin, serious bleeding risk. Stop one');
    expect(cards[0]!.finding?.key).toBe('duplicate-class:oral-anticoagulant:rivaroxaban+warfarin');
  });

  it('two P2Y12 inhibitors in two drafts: warning', () => {
    const cards = sign(
      [draft('d-clop', 'clopidogrel 75 MG Oral Tablet'), draft('d-tica', 'ticagrelor 90 MG Oral Tablet')],
      [],
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key])).toEqual([
      ['warning', 'duplicate-class:p2y12:clopidogrel+ticagrelor'],
    ]);
  });

  it('two statins: info', () => {
    const cards = sign(
      [draft('d-atorva', 'atorvastatin 40 MG Oral Tablet')],
      [fixture('medication-request-simvastatin')],
    );
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['info', 'Two statins: atorvastatin + simvastatin. Keep one unless switching'],
    ]);
    expect(cards[0]!.detail).toContain('two statins add myopathy risk');
    expect(cards[0]!.detail).not.toContain('C10AA'); // ATC is WHOCC's and no help in ten seconds
  });

  it('near miss: different classes (a statin and a PPI) give no duplicate card', () => {
    expect(
      sign(
        [draft('d-omep', 'omeprazole 20 MG Delayed Release Oral Capsule')],
        [fixture('medication-request-simvastatin')],
      ),
    ).toEqual([]);
  });

  it('near miss: an inactive member of the class', () => {
    expect(
      sign(
        [draft('d-atorva', 'atorvastatin 40 MG Oral Tablet')],
        [fixture('medication-request-simvastatin', { status: 'completed' })],
      ),
    ).toEqual([]);
  });
});

describe('dual RAAS blockade', () => {
  it('ARB draft with an active ACE inhibitor: a separate warning, not a class duplicate', () => {
    const cards = sign(
      [draft('d-losartan', 'losartan potassium 50 MG Oral Tablet')],
      [fixture('medication-request-lisinopril')],
    );
    expect(cards).toHaveLength(1);
    const c = cards[0]!;
    expect(c.indicator).toBe('warning');
    expect(c.summary).toBe('Use one RAAS blocker: lisinopril (ACE inhibitor) + losartan (ARB)');
    expect(c.finding?.key).toBe('dual-raas:lisinopril+losartan');
    expect(c.detail).toContain('ONTARGET');
    expect(c.detail).not.toContain('recalled');
    expect(c.links?.[0]?.url).toContain('dailymed.nlm.nih.gov');
    expect(c.source.label).toBe('hookwise: dual RAAS blockade');
  });

  it('near miss: two ARBs are a class duplicate (info), not dual RAAS', () => {
    const cards = sign(
      [draft('d-losartan', 'losartan potassium 50 MG Oral Tablet')],
      [medRequest('a-valsartan', 'valsartan 80 MG Oral Tablet')],
    );
    expect(keys(cards)).toEqual(['duplicate-class:arb:losartan+valsartan']);
    expect(cards[0]!.indicator).toBe('info');
  });
});

describe('duplicate therapy at order-select', () => {
  it('a selected draft against an active medication', () => {
    const cards = select(
      [draft('d-simva', 'Simvastatin 40 MG Oral Tablet')],
      ['MedicationRequest/d-simva'],
      [fixture('medication-request-simvastatin')],
    );
    expect(keys(cards)).toEqual(['duplicate-ingredient:simvastatin']);
    expect(cards[0]!.detail).toContain('- Selected: Simvastatin 40 MG Oral Tablet');
  });

  it('a selected draft against a draft that is not selected: the selected one is offered for removal', () => {
    const cards = select(
      [draft('d-1', 'Simvastatin 20 MG Oral Tablet'), draft('d-2', 'Simvastatin 40 MG Oral Tablet')],
      ['MedicationRequest/d-2'],
      [],
    );
    expect(keys(cards)).toEqual(['duplicate-ingredient:simvastatin']);
    expect(cards[0]!.detail).toContain('- Other draft: Simvastatin 20 MG Oral Tablet');
    expect(cards[0]!.suggestions?.map((s) => s.actions?.[0]?.resourceId)).toEqual(['MedicationRequest/d-2']);
  });

  it('near miss: two non-selected drafts, or a non-selected draft with an active medication', () => {
    const drafts = [
      draft('d-1', 'Simvastatin 20 MG Oral Tablet'),
      draft('d-2', 'Simvastatin 40 MG Oral Tablet'),
      draft('d-3', 'omeprazole 20 MG Oral Capsule'),
    ];
    expect(select(drafts, ['MedicationRequest/d-3'], [fixture('medication-request-simvastatin')])).toEqual([]);
  });
});

describe('duplicate therapy: what is not a second therapy (issue 12 §2)', () => {
  const daily = { timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } };
  const coded = (id: string, code: string, extra: JsonObject = {}): JsonObject => ({
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationCodeableConcept: { coding: [{ system: RX, code }] },
    ...extra,
  });
  const prn = (route: string, display: string) => ({
    dosageInstruction: [
      {
        asNeededBoolean: true,
        route: { coding: [{ system: 'http://snomed.info/sct', code: route, display }] },
        timing: { repeat: { frequency: 1, period: 8, periodUnit: 'h' } },
      },
    ],
  });

  it('warfarin 5 mg + 1 mg product codes (no display) ordered together daily: info, one 6 mg dose, nothing to remove', () => {
    const cards = sign(
      [
        coded('d-w5', '855332', { dosageInstruction: [daily] }),
        coded('d-w1', '855288', { dosageInstruction: [daily] }),
      ],
      [],
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key, c.summary])).toEqual([
      [
        'info',
        'duplicate-dose-combination:warfarin',
        'Warfarin 5 mg + 1 mg ordered together: check they make one intended dose',
      ],
    ]);
    expect(cards[0]!.suggestions).toBeUndefined();
    expect(cards[0]!.detail).toContain('- Being signed: Warfarin Sodium 1 MG Oral Tablet');
  });

  it('levothyroxine 100 + 25 mcg (Synthroid by name) on one schedule: info', () => {
    const cards = sign(
      [
        draft('d-l100', 'Levothyroxine Sodium 0.1 MG Oral Tablet [Synthroid]', { dosageInstruction: [daily] }),
        draft('d-l25', 'Levothyroxine Sodium 0.025 MG Oral Tablet', { dosageInstruction: [daily] }),
      ],
      [],
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key])).toEqual([
      ['info', 'duplicate-dose-combination:levothyroxine'],
    ]);
  });

  it('near miss: the same strength twice, or two strengths with no schedule stated, stay a duplicate warning', () => {
    const same = sign(
      [
        coded('d-w5a', '855332', { dosageInstruction: [daily] }),
        coded('d-w5b', '855332', { dosageInstruction: [daily] }),
      ],
      [],
    );
    expect(same.map((c) => [c.indicator, c.finding?.key])).toEqual([['warning', 'duplicate-ingredient:warfarin']]);
    const unstated = sign([coded('d-w5', '855332'), coded('d-w1', '855288')], []);
    expect(unstated.map((c) => c.indicator)).toEqual(['warning']);
  });

  it('ondansetron by mouth or IV as needed, from an order set (one an Epic medicationReference): info, give one route per dose', () => {
    const iv = {
      ...draft('d-ond-iv', 'x', prn('47625008', 'Intravenous route')),
      medicationCodeableConcept: undefined,
      contained: [
        {
          resourceType: 'Medication',
          id: 'm1',
          code: { coding: [{ system: RX, display: 'ondansetron 2 MG/ML Injectable Solution' }] },
        },
      ],
      medicationReference: { reference: '#m1' },
    };
    const cards = sign(
      [draft('d-ond-po', 'ondansetron 4 MG Disintegrating Oral Tablet', prn('26643006', 'Oral route')), iv],
      [],
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key, c.summary])).toEqual([
      ['info', 'duplicate-prn-alternatives:ondansetron', 'Ondansetron as needed by 2 routes: give one route per dose'],
    ]);
    expect(cards[0]!.detail).toContain('(as needed, injectable)');
  });

  it('near miss: two as-needed orders by the same route, or an as-needed and a scheduled one, stay a duplicate warning', () => {
    const po = (id: string) => draft(id, 'ondansetron 4 MG Oral Tablet', prn('26643006', 'Oral route'));
    expect(
      sign([po('d-a'), draft('d-b', 'ondansetron 8 MG Oral Tablet', prn('26643006', 'Oral route'))], []).map(
        (c) => c.indicator,
      ),
    ).toEqual(['warning']);
    const scheduled = draft('d-sched', 'ondansetron 2 MG/ML Injectable Solution', {
      dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 8, periodUnit: 'h' } } }],
    });
    expect(sign([po('d-a'), scheduled], []).map((c) => c.indicator)).toEqual(['warning']);
  });

  it('a re-order of the active simvastatin product without priorPrescription: info, "if this renews it, stop the old order"', () => {
    const cards = sign(
      [draft('d-again', 'Simvastatin 20 MG Oral Tablet')],
      [fixture('medication-request-simvastatin')],
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key, c.summary])).toEqual([
      [
        'info',
        'duplicate-reorder:simvastatin',
        'Simvastatin re-ordered while active: if this renews it, stop the old order',
      ],
    ]);
    expect(cards[0]!.suggestions).toBeUndefined();
  });

  it('near miss: the same product with another dose or schedule is not a renewal: methotrexate weekly, then daily, stays a warning', () => {
    const weekly = {
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    };
    const daily1 = {
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    };
    const active = medRequest('mtx-active', 'methotrexate 2.5 MG Oral Tablet', 'active', {
      dosageInstruction: [weekly],
    });
    const cards = sign([draft('d-mtx', 'methotrexate 2.5 MG Oral Tablet', { dosageInstruction: [daily1] })], [active]);
    expect(cards.map((c) => [c.indicator, c.finding?.key])).toEqual([['warning', 'duplicate-ingredient:methotrexate']]);
    // The same sig repeated is a renewal: info.
    const renewal = sign(
      [draft('d-mtx', 'methotrexate 2.5 MG Oral Tablet', { dosageInstruction: [weekly] })],
      [active],
    );
    expect(renewal.map((c) => [c.indicator, c.finding?.key])).toEqual([['info', 'duplicate-reorder:methotrexate']]);
  });

  it('near miss: real duplicates keep their tier: another strength while active (warning), two SSRIs on one schedule (class card)', () => {
    expect(
      sign([draft('d-more', 'Simvastatin 40 MG Oral Tablet')], [fixture('medication-request-simvastatin')]).map((c) => [
        c.indicator,
        c.finding?.key,
      ]),
    ).toEqual([['warning', 'duplicate-ingredient:simvastatin']]);
    const ssris = sign(
      [
        draft('d-ser', 'sertraline 50 MG Oral Tablet', { dosageInstruction: [daily] }),
        draft('d-flu', 'fluoxetine 20 MG Oral Capsule', { dosageInstruction: [daily] }),
      ],
      [],
    );
    expect(ssris.map((c) => [c.indicator, c.finding?.key])).toEqual([
      ['info', 'duplicate-class:ssri:fluoxetine+sertraline'],
    ]);
  });
});
