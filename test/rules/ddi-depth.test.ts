// The ONC high-priority pairs in clinical depth (issue 12): QT pairs tiered by label, potassium and one-time doses;
// rifampin vs rifabutin with protease inhibitors; pairs among drugs already taken (patient-view); combination
// products counted once; cards a clinician reads in ten seconds. Real-shaped data: brand names in RxNorm SBD
// displays, ingredient codes without display, a PPI product code without display, Epic-style medicationReference.
import { describe, expect, it } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSign, decidePatientView } from '../../src/rules/index.js';
import { NOW, bundle, data, daysBefore, draftOrders, fixture, knowledge } from './helpers.js';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const LOINC = 'http://loinc.org';

/** A MedicationRequest coded by RxNorm: a code without display, or a display (SBD/brand) without code. */
function order(
  id: string,
  status: string,
  coding: { code?: string; display?: string },
  extra: JsonObject = {},
): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RX, ...coding }] },
    subject: { reference: 'Patient/pat-1' },
    authoredOn: daysBefore(1).slice(0, 10),
    ...extra,
  };
}

function potassium(id: string, value: number, daysAgo: number, code = '2823-3'): JsonObject {
  return {
    ...fixture('observation-potassium'),
    id,
    code: { coding: [{ system: LOINC, code }], text: 'Potassium' },
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  };
}

function sign(drafts: JsonObject[], active: JsonObject[], extra: Record<string, JsonObject[]> = {}): Card[] {
  const d: Record<string, ReturnType<typeof bundle>> = { medications: bundle(...active) };
  for (const [key, resources] of Object.entries(extra)) d[key] = bundle(...resources);
  return decideOrderSign({
    context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(...drafts) },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  });
}

function view(active: JsonObject[], extra: Record<string, JsonObject[]> = {}): Card[] {
  const d: Record<string, ReturnType<typeof bundle>> = { medications: bundle(...active) };
  for (const [key, resources] of Object.entries(extra)) d[key] = bundle(...resources);
  return decidePatientView({
    context: { userId: 'Practitioner/1', patientId: 'pat-1' },
    data: data(d),
    knowledge: knowledge(),
    now: NOW,
  });
}

const ddiCards = (cards: Card[]) => cards.filter((c) => c.finding?.key.startsWith('ddi:'));

const ZOFRAN = () =>
  order('draft-zofran', 'draft', { display: 'ondansetron 4 MG Disintegrating Oral Tablet [Zofran]' });
const CITALOPRAM = () => order('med-citalopram', 'active', { code: '2556' });

/** Every card this rule makes reads as card text: no FHIR ids, no ISO timestamps, no verification words. */
function expectCleanText(c: Card) {
  const text = `${c.summary}\n${c.detail ?? ''}`;
  expect(text).not.toMatch(/(MedicationRequest|MedicationAdministration|Observation|Medication)\/[\w-]+/);
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
  expect(text).not.toMatch(/VERIFIED|PARTIAL|onc-hp-|\{[A-Za-z_.0-9]+\}/);
  expect(c.summary.length).toBeLessThan(140);
  expect(c.links?.length).toBeGreaterThan(0);
  expect(c.source.url).toMatch(/^https:\/\//);
}

describe('QT-prolonging pairs: a warning unless a label or the potassium makes them critical', () => {
  it('ondansetron (Zofran SBD, no code) ordered with citalopram (code only): a warning that says what to check', () => {
    const [c, ...rest] = ddiCards(sign([ZOFRAN()], [CITALOPRAM()]));
    expect(rest).toEqual([]);
    expect(c!.indicator).toBe('warning');
    expect(c!.summary).toBe(
      'Check QTc, potassium and magnesium before giving ondansetron with citalopram: both prolong QT',
    );
    expect(c!.detail).toContain('- Warning: no label contraindicates this pair and no low potassium was found.');
    expect(c!.detail).toContain('QTc and magnesium are not read by hookwise');
    expect(c!.overrideReasons?.map((r) => r.code)).toEqual(['benefit-outweighs-risk', 'patient-not-taking']);
    expectCleanText(c!);
  });

  it('pimozide with citalopram: critical, because the pimozide label contraindicates other QT prolongers (linked)', () => {
    const cards = ddiCards(sign([order('draft-pimozide', 'draft', { code: '8331' })], [CITALOPRAM()]));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['critical', 'Avoid pimozide with citalopram: both prolong QT (pimozide label)'],
    ]);
    expect(cards[0]!.detail).toContain(
      '- Critical because the Orap (pimozide) label contraindicates other drugs that prolong the QT interval.',
    );
    expect(cards[0]!.links?.map((l) => l.url)).toContain(
      'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=pimozide',
    );
  });

  it('a potassium of 3.1 mmol/L two days ago makes the pair critical; the card says so and the trace keeps the lab', () => {
    const cards = ddiCards(sign([ZOFRAN()], [CITALOPRAM()], { orderLabs: [potassium('k-low', 3.1, 2)] }));
    expect(cards.map((c) => c.indicator)).toEqual(['critical']);
    const c = cards[0]!;
    expect(c.summary).toBe('Avoid ondansetron with citalopram: both prolong QT (potassium 3.1 mmol/L)');
    expect(c.detail).toContain('- Critical because potassium 3.1 mmol/L on 21 Nov 2026 (2 days ago), below 3.5');
    expect(c.finding?.trace?.resources).toContain('Observation/k-low');
    expect(c.finding?.trace?.codes).toContain(`${LOINC}|2823-3`);
    expectCleanText(c);
  });

  it.each([
    ['3.6 mmol/L (normal)', potassium('k-ok', 3.6, 1)],
    ['3.1 mmol/L ten days ago (outside the 7-day look-back)', potassium('k-old', 3.1, 10)],
    ['3.1 under a code not shipped (no verified LOINC for it)', potassium('k-other', 3.1, 1, '12345-6')],
  ])('near miss: potassium %s leaves the pair a warning', (_name, lab) => {
    expect(ddiCards(sign([ZOFRAN()], [CITALOPRAM()], { orderLabs: [lab] })).map((c) => c.indicator)).toEqual([
      'warning',
    ]);
  });

  it('a one-time ondansetron dose with sevoflurane given during a procedure: info, worded as a one-time dose', () => {
    const once = order(
      'draft-zofran-once',
      'draft',
      { display: 'ondansetron 4 MG Disintegrating Oral Tablet [Zofran]' },
      {
        dosageInstruction: [
          { timing: { repeat: { count: 1 } }, doseAndRate: [{ doseQuantity: { value: 4, unit: 'mg' } }] },
        ],
      },
    );
    const sevo = {
      resourceType: 'MedicationAdministration',
      id: 'admin-sevo',
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: RX, code: '36453' }] },
      subject: { reference: 'Patient/pat-1' },
      partOf: [{ reference: 'Procedure/proc-1' }],
      effectiveDateTime: daysBefore(0),
    };
    const cards = ddiCards(sign([once], [], { medicationAdministrations: [sevo] }));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['info', 'One-time dose: ondansetron with sevoflurane both prolong QT; monitor the ECG'],
    ]);
    expect(cards[0]!.detail).toContain('(one-time dose)');
    expect(cards[0]!.finding?.trace?.resources).toContain('MedicationAdministration/admin-sevo');
  });

  it('a one-time dose does not lower a pair a low potassium made critical', () => {
    const once = order(
      'draft-zofran-once',
      'draft',
      { display: 'ondansetron 4 MG Disintegrating Oral Tablet [Zofran]' },
      {
        dosageInstruction: [
          { timing: { repeat: { count: 1 } }, doseAndRate: [{ doseQuantity: { value: 4, unit: 'mg' } }] },
        ],
      },
    );
    const raised = ddiCards(sign([once], [CITALOPRAM()], { orderLabs: [potassium('k-low', 3.1, 2)] }));
    expect(raised.map((c) => c.indicator)).toEqual(['critical']);
    expect(raised[0]!.detail).toContain('A one-time dose, but not lowered');
    expect(raised[0]!.detail).not.toContain('One tier lower');
    expect(ddiCards(sign([once], [CITALOPRAM()])).map((c) => c.indicator)).toEqual(['info']);
  });

  it('near miss: an as-needed ondansetron with count 1 is not a one-time dose: a warning with methadone', () => {
    const prn = order(
      'draft-zofran-prn',
      'draft',
      { display: 'ondansetron 4 MG Disintegrating Oral Tablet [Zofran]' },
      {
        dosageInstruction: [{ asNeededBoolean: true, timing: { repeat: { count: 1 } } }],
      },
    );
    const cards = ddiCards(sign([prn], [order('med-methadone', 'active', { code: '6813' })]));
    expect(cards.map((c) => c.indicator)).toEqual(['warning']);
  });
});

describe('the safer drug a card offers is never one the patient is allergic to', () => {
  const CLARI = () => order('draft-clari', 'draft', { code: '21212' });
  const SIMVA = () => order('med-simva', 'active', { code: '36567' });
  const azithroAllergy = {
    resourceType: 'AllergyIntolerance',
    id: 'allergy-azithro',
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
    },
    criticality: 'high',
    code: { coding: [{ system: RX, code: '18631', display: 'azithromycin' }] },
    patient: { reference: 'Patient/pat-1' },
  };

  it('clarithromycin with simvastatin offers azithromycin instead; not with an azithromycin allergy on record', () => {
    const offered = ddiCards(sign([CLARI()], [SIMVA()]));
    expect(offered[0]!.suggestions?.map((x) => x.label)).toEqual([
      'Order azithromycin instead of clarithromycin',
      'Remove the clarithromycin order',
    ]);
    const withAllergy = ddiCards(sign([CLARI()], [SIMVA()], { allergies: [azithroAllergy] }));
    expect(withAllergy.map((c) => c.indicator)).toEqual(['critical']);
    expect(withAllergy[0]!.suggestions?.map((x) => x.label)).toEqual(['Remove the clarithromycin order']);
    expect(withAllergy[0]!.selectionBehavior).toBe('at-most-one');
  });
});

describe('strong CYP3A4 inducers with HIV protease inhibitors: rifampin is contraindicated, rifabutin is a dose adjustment', () => {
  const DARUNAVIR = () => order('med-darunavir', 'active', { code: '460132' });

  it('rifampin (Rifadin SBD) ordered with darunavir: critical contraindication, linked to the Rifadin label', () => {
    const cards = ddiCards(
      sign([order('draft-rifadin', 'draft', { display: 'rifampin 300 MG Oral Capsule [Rifadin]' })], [DARUNAVIR()]),
    );
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['critical', 'Do not give rifampin with darunavir: contraindicated (protease-inhibitor levels fall)'],
    ]);
    const c = cards[0]!;
    expect(c.detail).toContain('- The label contraindicates this combination.');
    expect(c.detail).toContain(
      '- Safer alternative: For tuberculosis, rifabutin at the dose the protease-inhibitor label gives',
    );
    expect(c.links?.[0]?.url).toBe('https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=RIFADIN');
    expect(c.overrideReasons?.map((r) => r.code)).not.toContain('dose-adjusted');
    expectCleanText(c);
  });

  it('near miss for the contraindication: rifabutin with darunavir is a warning to reduce the rifabutin dose', () => {
    const cards = ddiCards(sign([order('draft-rifabutin', 'draft', { code: '55672' })], [DARUNAVIR()]));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['warning', 'Reduce rifabutin dose per label with darunavir (a dose adjustment, not a contraindication)'],
    ]);
    expect(cards[0]!.detail).not.toContain('contraindicates');
    expect(cards[0]!.overrideReasons?.map((r) => r.code)).toContain('dose-adjusted');
    expect(cards[0]!.links?.[0]?.url).toBe(
      'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=MYCOBUTIN',
    );
  });
});

describe('patient-view: ONC pairs among the drugs the patient already takes, one tier lower', () => {
  const ZOCOR = () => order('med-zocor', 'active', { display: 'simvastatin 20 MG Oral Tablet [Zocor]' });
  const CLARI_REF = () => ({
    resourceType: 'MedicationRequest',
    id: 'med-clari',
    status: 'active',
    intent: 'order',
    medicationReference: { reference: 'Medication/epic-clari', display: 'CLARITHROMYCIN 500 MG PO TABS' },
    subject: { reference: 'Patient/pat-1' },
  });
  const CLARI_MED = {
    resourceType: 'Medication',
    id: 'epic-clari',
    code: { coding: [{ system: RX, code: '21212' }], text: 'CLARITHROMYCIN 500 MG PO TABS' },
  };

  it('simvastatin (Zocor) with clarithromycin (Epic medicationReference): a warning, not critical, with no suggestion', () => {
    const cards = ddiCards(view([ZOCOR(), CLARI_REF()], { medicationRefs: [CLARI_MED] }));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual([
      ['warning', 'Hold simvastatin during clarithromycin, or choose azithromycin'],
    ]);
    const c = cards[0]!;
    expect(c.suggestions).toBeUndefined();
    expect(c.finding?.drafts).toBeUndefined();
    expect(c.finding?.trace?.resources?.sort()).toEqual(['MedicationRequest/med-clari', 'MedicationRequest/med-zocor']);
    expect(c.detail).toMatch(/- Taking: .*\n- Taking: /);
    expect(c.detail).toContain('shown one tier lower than at ordering');
    expect(c.overrideReasons?.map((r) => r.code)).toContain('already-addressed');
    expectCleanText(c);
  });

  it('atazanavir with a pantoprazole product code (no display): the ONC pair 2 card at warning', () => {
    const cards = ddiCards(
      view([order('med-ataz', 'active', { code: '343047' }), order('med-panto', 'active', { code: '251872' })]),
    );
    expect(cards.map((c) => [c.indicator, c.finding?.key])).toEqual([['warning', 'ddi:atazanavir+pantoprazole']]);
  });

  it('near miss: a stopped clarithromycin gives no interaction card', () => {
    expect(ddiCards(view([ZOCOR(), { ...CLARI_REF(), status: 'stopped' }], { medicationRefs: [CLARI_MED] }))).toEqual(
      [],
    );
  });

  it('methadone with citalopram is on both lists (QT, serotonin): one card, the label finding folded in', () => {
    const cards = view([order('med-methadone', 'active', { code: '6813' }), CITALOPRAM()]);
    const about = cards.filter((c) => /methadone/i.test(`${c.summary} ${c.detail}`));
    expect(about).toHaveLength(1);
    const c = about[0]!;
    expect(c.finding?.key).toBe('ddi:citalopram+methadone');
    expect(c.finding?.also?.map((a) => a.key)).toEqual(['label-ddi:opioid-serotonergic:methadone+citalopram']);
    expect(c.detail).toContain('**Also (drug label):** Watch for serotonin syndrome with methadone and citalopram');
    expect(c.indicator).toBe('info');
  });
});

describe('combination products count each ingredient once per card', () => {
  const ADDERALL = () =>
    order('draft-adderall', 'draft', {
      display:
        'amphetamine aspartate 5 MG / amphetamine sulfate 5 MG / dextroamphetamine saccharate 5 MG / dextroamphetamine sulfate 5 MG Oral Tablet [Adderall]',
    });

  it('Adderall with phenelzine: one card with one section for amphetamine/dextroamphetamine', () => {
    const cards = ddiCards(sign([ADDERALL()], [order('med-phenelzine', 'active', { code: '8123' })]));
    expect(cards.map((c) => [c.indicator, c.finding?.key])).toEqual([
      ['critical', 'ddi:amphetamine/dextroamphetamine+phenelzine'],
    ]);
    const c = cards[0]!;
    expect(c.summary).toBe(
      'Do not give amphetamine/dextroamphetamine with phenelzine, or within 14 days of stopping phenelzine',
    );
    expect(c.detail!.match(/\*\*Amphetamine\/dextroamphetamine \+ phenelzine\*\*/g)).toHaveLength(1);
    expect(c.detail).not.toContain('Also between these drugs');
    expect(c.suggestions?.map((s) => s.label)).toEqual(['Remove the amphetamine/dextroamphetamine order']);
    expectCleanText(c);
  });

  it('near miss: the same QT combination on both sides (a renewal of it) does not pair with itself', () => {
    const combo = (id: string, status: string) =>
      order(id, status, { display: 'Citalopram 10 MG / Ondansetron 4 MG Oral Tablet' });
    expect(ddiCards(sign([combo('draft-combo', 'draft')], [combo('med-combo', 'active')]))).toEqual([]);
    // …while the same product with another QT drug still pairs, once.
    expect(
      ddiCards(sign([combo('draft-combo', 'draft')], [order('med-methadone', 'active', { code: '6813' })])).map(
        (c) => c.finding?.key,
      ),
    ).toEqual(['ddi:citalopram/ondansetron+methadone']);
  });
});
