// Each shipped rule through the real app: it fires on its fixture and stays quiet on the near miss.
import { describe, expect, it } from '@jest/globals';
import { TEST_NOW, buildApp, postHook, testKnowledge, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

const post = postHook;

type CardJson = Record<string, any>;

function expectActionable(card: CardJson, deleteId: string) {
  expect(card.selectionBehavior).toBeDefined();
  const deletes = card.suggestions
    .flatMap((s: CardJson) => s.actions ?? [])
    .filter((a: CardJson) => a.type === 'delete');
  expect(deletes.length).toBeGreaterThan(0);
  expect([...new Set(deletes.map((a: CardJson) => a.resourceId))]).toEqual([deleteId]);
  expect(deletes[0].resource).toBeUndefined();
  expect(card.overrideReasons.length).toBeGreaterThan(0);
  for (const r of card.overrideReasons)
    expect(r).toEqual({ system: expect.any(String), code: expect.any(String), display: expect.any(String) });
}

const body0 = () => fixture<Record<string, any>>('requests/order-sign-simvastatin-clarithromycin.json');

describe('order-sign: ONC high-priority drug–drug interactions', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('a draft clarithromycin with active simvastatin: one critical card that can remove the draft', async () => {
    const res = await post(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json')).expect(
      200,
    );
    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    expect(card.indicator).toBe('critical');
    expect(card.summary.toLowerCase()).toContain('simvastatin');
    expect(card.summary.toLowerCase()).toContain('clarithromycin');
    expect(card.detail).toMatch(/rhabdomyolysis|myopathy/i);
    expect(card.detail).toContain(testKnowledge().version);
    expect(card.links.some((l: CardJson) => l.url.includes('10.1136/amiajnl-2011-000612'))).toBe(true);
    expectActionable(card, 'MedicationRequest/eClari77');
    // The safer alternative the label names is one click: azithromycin replaces the clarithromycin draft.
    const [instead, remove] = card.suggestions;
    expect(instead.label).toBe('Order azithromycin instead of clarithromycin');
    expect(instead.isRecommended).toBe(true);
    expect(instead.actions.map((a: CardJson) => a.type)).toEqual(['delete', 'create']);
    expect(instead.actions[1].resource).toEqual(
      expect.objectContaining({
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'order',
        subject: { reference: body0().context.draftOrders.entry[0].resource.subject.reference },
        medicationCodeableConcept: expect.objectContaining({
          coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '18631', display: 'azithromycin' }],
        }),
      }),
    );
    expect(remove.label).toBe('Remove the clarithromycin order');
    expect(card.selectionBehavior).toBe('at-most-one');
  });

  it('the card carries its trace for integrators in an extension: rule, findings, draft and knowledge version', async () => {
    const res = await post(app, 'order-sign', fixture('requests/order-sign-simvastatin-clarithromycin.json')).expect(
      200,
    );
    const trace = res.body.cards[0].extension['https://hookwise.dev/cds/extension/trace'];
    expect(trace).toEqual(expect.objectContaining({ rule: 'ddi', knowledgeVersion: testKnowledge().version }));
    expect(trace.findings[0]).toMatch(/^ddi:/);
    expect(trace.resources).toContain('MedicationRequest/eClari77');
    expect(res.body.cards[0].finding).toBeUndefined();
  });

  it('two drafts that interact with each other: one card for the pair, not one per direction', async () => {
    const res = await post(app, 'order-sign', fixture('requests/order-sign-tizanidine-ciprofloxacin.json')).expect(200);
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0].indicator).toBe('critical');
    expect(res.body.cards[0].summary.toLowerCase()).toMatch(/tizanidine.*ciprofloxacin|ciprofloxacin.*tizanidine/);
  });

  it('RxNorm named by its OID (DSTU2, C-CDA-derived data) is still RxNorm: the card stays critical', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    for (const c of [
      body.prefetch.medications.entry[0].resource.medicationCodeableConcept,
      body.context.draftOrders.entry[0].resource.medicationCodeableConcept,
    ]) {
      c.coding[0].system = 'urn:oid:2.16.840.1.113883.6.88';
      delete c.text;
    }
    const res = await post(app, 'order-sign', body).expect(200);
    expect(res.body.cards.map((c: CardJson) => c.indicator)).toEqual(['critical']);
  });

  it('near miss: the same draft with an active drug outside the pair gives no card', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    const coding = body.prefetch.medications.entry[0].resource.medicationCodeableConcept;
    coding.coding[0].display = 'pravastatin sodium 20 MG Oral Tablet';
    coding.text = 'pravastatin sodium 20 MG Oral Tablet';
    const res = await post(app, 'order-sign', body).expect(200);
    expect(res.body).toEqual({ cards: [] });
  });

  it('near miss: a stopped simvastatin does not count as active', async () => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.prefetch.medications.entry[0].resource.status = 'stopped';
    const res = await post(app, 'order-sign', body).expect(200);
    expect(res.body).toEqual({ cards: [] });
  });
});

describe('ONC high-priority pairs in depth, through the app', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });
  const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
  /** The Epic order-sign request, with the draft and the active drug replaced (codes without display). */
  const qtRequest = (potassium?: number) => {
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    body.context.draftOrders.entry[0].resource.medicationCodeableConcept = {
      coding: [{ system: RX, display: 'ondansetron 4 MG Oral Tablet [Zofran]' }],
    };
    body.prefetch.medications.entry[0].resource.medicationCodeableConcept = { coding: [{ system: RX, code: '2556' }] };
    if (potassium !== undefined) {
      body.prefetch.orderLabs = {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'Observation',
              id: 'eK1',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '6298-4' }] },
              effectiveDateTime: new Date(Date.parse(TEST_NOW) - 86_400_000).toISOString(),
              valueQuantity: { value: potassium, unit: 'mmol/L' },
            },
          },
        ],
      };
    }
    return body;
  };

  it('ondansetron (Zofran) with citalopram and a prefetched potassium of 3.0: critical, the lab in the trace extension', async () => {
    const res = await post(app, 'order-sign', qtRequest(3.0)).expect(200);
    const card = res.body.cards.find((c: CardJson) => /prolong QT/.test(c.summary));
    expect(card.indicator).toBe('critical');
    expect(card.summary).toContain('potassium 3 mmol/L');
    const trace = card.extension['https://hookwise.dev/cds/extension/trace'];
    expect(trace.resources).toEqual(expect.arrayContaining(['MedicationRequest/eClari77', 'Observation/eK1']));
    expect(trace.codes).toContain('http://loinc.org|6298-4');
  });

  it('near miss: the same pair with a potassium of 4.2 is a warning', async () => {
    const res = await post(app, 'order-sign', qtRequest(4.2)).expect(200);
    expect(
      res.body.cards.filter((c: CardJson) => /prolong QT/.test(c.summary)).map((c: CardJson) => c.indicator),
    ).toEqual(['warning']);
  });

  it('patient-view: simvastatin and clarithromycin both taken: one warning (one tier lower), no suggestion', async () => {
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    body.prefetch.medications.entry = [
      {
        resource: {
          resourceType: 'MedicationRequest',
          id: 'pvSimva',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/x' },
          medicationCodeableConcept: { coding: [{ system: RX, display: 'simvastatin 40 MG Oral Tablet [Zocor]' }] },
        },
      },
      {
        resource: {
          resourceType: 'MedicationRequest',
          id: 'pvClari',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/x' },
          medicationCodeableConcept: { coding: [{ system: RX, code: '21212' }] },
        },
      },
    ];
    const res = await post(app, 'patient-view', body).expect(200);
    const ddi = res.body.cards.filter(
      (c: CardJson) => c.extension['https://hookwise.dev/cds/extension/trace'].rule === 'ddi',
    );
    expect(ddi.map((c: CardJson) => [c.indicator, c.summary])).toEqual([
      ['warning', 'Hold simvastatin during clarithromycin, or choose azithromycin'],
    ]);
    expect(ddi[0].suggestions).toBeUndefined();
    expect(ddi[0].extension['https://hookwise.dev/cds/extension/trace'].resources.sort()).toEqual([
      'MedicationRequest/pvClari',
      'MedicationRequest/pvSimva',
    ]);
  });
});

describe('order-select: drug–allergy', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });

  it('amoxicillin/clavulanate selected with a penicillin allergy: a critical card focused on the selection', async () => {
    const res = await post(
      app,
      'order-select',
      fixture('requests/order-select-amoxicillin-penicillin-allergy.json'),
    ).expect(200);
    expect(res.body.cards).toHaveLength(1);
    const card = res.body.cards[0];
    expect(card.indicator).toBe('critical');
    expect(card.summary.toLowerCase()).toContain('amoxicillin');
    expect(card.summary.toLowerCase()).toContain('penicillin');
    expectActionable(card, 'MedicationRequest/smart-MedicationRequest-103');
  });

  it('near miss: a refuted allergy gives no card', async () => {
    const body = fixture('requests/order-select-amoxicillin-penicillin-allergy.json');
    body.prefetch.allergies.entry[0].resource.verificationStatus.coding[0].code = 'refuted';
    expect((await post(app, 'order-select', body).expect(200)).body).toEqual({ cards: [] });
  });

  it('near miss: the conflicting order is a draft but not among the selections', async () => {
    const body = fixture('requests/order-select-amoxicillin-penicillin-allergy.json');
    body.context.selections = ['NutritionOrder/pureeddiet-simple'];
    expect((await post(app, 'order-select', body).expect(200)).body).toEqual({ cards: [] });
  });

  it('the sandbox shape (DSTU2 MedicationOrder) is read too', async () => {
    const res = await post(app, 'order-select', fixture('requests/sandbox-order-select.json')).expect(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
    const deletes = res.body.cards[0].suggestions.flatMap((s: CardJson) => s.actions);
    expect(deletes[0]).toMatchObject({ type: 'delete', resourceId: 'MedicationOrder/request-123' });
  });
});

describe('patient-view: metformin and eGFR', () => {
  let app: TestApp;
  beforeAll(async () => {
    ({ app } = await buildApp());
  });
  const withEgfr = (value: number, date = '2026-10-15T09:30:00Z') => {
    const body = fixture('requests/patient-view-metformin-low-egfr.json');
    const obs = body.prefetch.egfr.entry[0].resource;
    obs.valueQuantity.value = value;
    obs.effectiveDateTime = date;
    return body;
  };

  it('eGFR below 30: critical (contraindicated), citing the lab value and date', async () => {
    const res = await post(app, 'patient-view', withEgfr(24.6)).expect(200);
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0].indicator).toBe('critical');
    expect(res.body.cards[0].summary.toLowerCase()).toContain('metformin');
    expect(res.body.cards[0].detail).toContain('24.6');
    expect(res.body.cards[0].detail).toContain('15 Oct 2026');
  });

  it('eGFR 30–45: warning (reassess)', async () => {
    const res = await post(app, 'patient-view', withEgfr(38)).expect(200);
    expect(res.body.cards.map((c: CardJson) => c.indicator)).toEqual(['warning']);
  });

  it.each([
    ['eGFR of 45', withEgfr(45)],
    ['a low eGFR older than the 365-day window', withEgfr(20, '2025-06-01T00:00:00Z')],
  ])('near miss: %s gives no card', async (_name, body) => {
    expect((await post(app, 'patient-view', body).expect(200)).body).toEqual({ cards: [] });
  });

  it('two eGFRs from one draw (race-specific codes, same time): the lower one decides, whatever the order', async () => {
    for (const order of [
      [33, 28],
      [28, 33],
    ]) {
      const body = withEgfr(order[0]!);
      const first = body.prefetch.egfr.entry[0];
      const second = JSON.parse(JSON.stringify(first));
      second.resource.id = 'egfr-same-draw';
      second.resource.code.coding[0].code = order[1] === 28 ? '88294-4' : '88293-6';
      second.resource.valueQuantity.value = order[1];
      body.prefetch.egfr.entry.splice(1, 0, second);
      const res = await post(app, 'patient-view', body).expect(200);
      const metformin = res.body.cards.filter((c: CardJson) => /metformin/i.test(c.summary));
      expect(metformin.map((c: CardJson) => c.indicator)).toEqual(['critical']);
      expect(metformin[0].summary).toContain('28');
    }
  });

  it('near miss: no metformin among the active medications', async () => {
    const body = withEgfr(20);
    body.prefetch.medications.entry = body.prefetch.medications.entry.slice(1);
    expect((await post(app, 'patient-view', body).expect(200)).body).toEqual({ cards: [] });
  });
});
