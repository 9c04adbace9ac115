// Drug–allergy depth (issue 12, §3 and §4): NSAID cross-reactivity, ACE-inhibitor angioedema, penicillin ↔
// cephalosporin by R1 side chain. Real-shaped data: product codes without display, brand names, Epic-style
// medicationReference, intolerances and coded reactions; each rule has a firing case and a near miss.
import { describe, expect, it } from '@jest/globals';
import type { Card, JsonObject, OrderSelectContext, OrderSignContext } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign } from '../../src/rules/index.js';
import { NOW, bundle, data, draftOrders, knowledge } from './helpers.js';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SCT = 'http://snomed.info/sct';
const PARAMETER = 'https://doi.org/10.1016/j.jaci.2022.08.028';

/** A draft with an RxNorm code and no display (what many EHRs send), or with text only. */
const coded = (id: string, code: string): JsonObject => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
  medicationCodeableConcept: { coding: [{ system: RX, code }] },
});
const texted = (id: string, text: string): JsonObject => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
  medicationCodeableConcept: { text },
});
/** Epic-style: the draft points at a contained Medication that carries the RxNorm code. */
const epic = (id: string, code: string): JsonObject => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
  contained: [{ resourceType: 'Medication', id: 'med1', code: { coding: [{ system: RX, code }] } }],
  medicationReference: { reference: '#med1' },
});

function allergy(id: string, code: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    resourceType: 'AllergyIntolerance',
    id,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
    },
    category: ['medication'],
    code,
    patient: { reference: 'Patient/pat-1' },
    recordedDate: '2024-03-12',
    ...extra,
  };
}
const reaction = (display: string, code?: string): JsonObject => ({
  reaction: [{ manifestation: [{ coding: [{ system: SCT, ...(code ? { code } : {}), display }] }] }],
});

function sign(drafts: JsonObject[], allergies: JsonObject[]): Card[] {
  const context: OrderSignContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    draftOrders: draftOrders(...drafts),
  };
  return decideOrderSign({
    context,
    data: data({ allergies: bundle(...allergies), medications: bundle() }),
    knowledge: knowledge(),
    now: NOW,
  }).filter((c) => c.source.topic?.code === 'drug-allergy');
}

function select(drafts: JsonObject[], allergies: JsonObject[]): Card[] {
  const selections = drafts.map((d) => `MedicationRequest/${String(d.id)}`);
  const context: OrderSelectContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    selections,
    draftOrders: draftOrders(...drafts),
  };
  return decideOrderSelect({
    context,
    data: data({ allergies: bundle(...allergies), medications: bundle() }),
    knowledge: knowledge(),
    now: NOW,
  }).filter((c) => c.source.topic?.code === 'drug-allergy');
}

const tiers = (cards: Card[]) => cards.map((c) => [c.indicator, c.summary]);

/** §4: a clinician's text: no FHIR ids, ISO timestamps or rule ids; each fact on its own line. */
function expectReadable(c: Card): void {
  expect(c.summary.length).toBeLessThan(140);
  expect(`${c.summary}\n${c.detail ?? ''}`).not.toMatch(
    /MedicationRequest\/|AllergyIntolerance\/|\d{4}-\d{2}-\d{2}|allergy:[a-z]|VERIFIED|PARTIAL/,
  );
  expect(c.links?.length ?? (c.source.url ? 1 : 0)).toBeGreaterThan(0);
  for (const line of (c.detail ?? '').split('\n').filter((l) => l && !l.startsWith('Source:')))
    expect(line).toMatch(/^- /);
}

describe('NSAID allergy applies across COX-1 inhibiting NSAIDs (practice parameter 2022)', () => {
  const aspirin = allergy(
    'a-asa',
    { coding: [{ system: RX, code: '1191' }], text: 'Aspirin' },
    reaction('Bronchospasm'),
  );

  it('aspirin (bronchospasm) + a naproxen product code without display: warning, acetaminophen offered in its place', () => {
    const cards = sign([coded('d-nap', '198014')], [aspirin]);
    expect(tiers(cards)).toEqual([
      ['warning', 'Avoid naproxen: Aspirin allergy (bronchospasm); same class: NSAIDs/aspirin'],
    ]);
    const c = cards[0]!;
    expectReadable(c);
    expect(c.detail).toContain('12 Mar 2024');
    expect(c.detail).toContain('celecoxib (COX-2 selective) is usually tolerated');
    expect(c.links).toEqual([
      { label: 'Drug allergy: a 2022 practice parameter update', url: PARAMETER, type: 'absolute' },
    ]);
    expect(c.finding?.trace?.codes).toEqual([`${RX}|7258`, `${RX}|1191`]);
    const [swap, remove] = c.suggestions ?? [];
    expect(swap?.label).toBe('Replace naproxen with acetaminophen 500 mg as needed');
    expect(swap?.actions?.map((a) => a.type)).toEqual(['delete', 'create']);
    expect((swap?.actions?.[1]?.resource as unknown as JsonObject).medicationCodeableConcept).toMatchObject({
      coding: [{ system: RX, code: '198440' }],
    });
    expect(remove?.label).toBe('Remove the naproxen order');
  });

  it('an ibuprofen allergy named by brand (Motrin, coded hives) + ketorolac injection by code: warning', () => {
    const motrin = allergy('a-motrin', { text: 'Motrin' }, reaction('Wheal (finding)', '247472004'));
    const cards = sign([coded('d-keto', '860096')], [motrin]);
    // The allergen is known by its brand name only: one tier lower than by code, and the card says so.
    expect(tiers(cards)).toEqual([
      ['info', 'Check ketorolac: Motrin allergy (wheal); same class: NSAIDs/aspirin (matched by name)'],
    ]);
    expect(cards[0]!.detail).toContain('Matched by name');
  });

  it('an Epic medicationReference to meloxicam (Mobic) with an ibuprofen allergy by code: warning', () => {
    const ibu = allergy(
      'a-ibu',
      { coding: [{ system: RX, code: '5640', display: 'ibuprofen' }] },
      { criticality: 'high' },
    );
    const cards = select([epic('d-mobic', '152698')], [ibu]);
    expect(tiers(cards)).toEqual([
      ['warning', 'Avoid meloxicam: ibuprofen allergy (high criticality); same class: NSAIDs/aspirin'],
    ]);
  });

  it('near miss: Celebrex by product code is COX-2 selective: info, "may be given", nothing to remove', () => {
    const cards = sign([coded('d-celebrex', '213469')], [aspirin]);
    expect(tiers(cards)).toEqual([
      ['info', 'Celecoxib may be given: Aspirin allergy (bronchospasm); COX-2 selective, usually tolerated'],
    ]);
    expect(cards[0]!.suggestions).toBeUndefined();
  });

  it('near miss: an NSAID intolerance (dyspepsia) is info; acetaminophen with an NSAID allergy is no card', () => {
    const dyspepsia = allergy('a-nsaid', { text: 'NSAIDs' }, { type: 'intolerance', ...reaction('Dyspepsia') });
    expect(tiers(sign([coded('d-nap', '198014')], [dyspepsia]))).toEqual([
      ['info', 'NSAIDs intolerance (dyspepsia) recorded: usually no reason to avoid naproxen'],
    ]);
    expect(sign([texted('d-apap', 'Acetaminophen 500 MG Oral Tablet')], [aspirin])).toEqual([]);
  });
});

describe('angioedema on an ACE inhibitor (ACE-inhibitor, Entresto and ARB labels)', () => {
  // Recorded as an intolerance (bradykinin, not IgE), with a coded reaction: still contraindicated.
  const angioedema = allergy(
    'a-lis',
    { coding: [{ system: RX, code: '29046' }], text: 'Lisinopril' },
    { type: 'intolerance', ...reaction('Allergic angioedema (disorder)', '402387002') },
  );

  it('any ACE inhibitor ordered (Vasotec by brand, enalapril by code): critical, contraindicated, no "tolerated before"', () => {
    const cards = sign([coded('d-enal', '3827')], [angioedema]);
    expect(tiers(cards)).toEqual([
      ['critical', 'Do not give enalapril: Lisinopril intolerance (allergic angioedema), contraindicated'],
    ]);
    const c = cards[0]!;
    expectReadable(c);
    expect(c.detail).toContain('contraindicated (ACE-inhibitor labels');
    expect(c.links?.[0]?.url).toContain('dailymed.nlm.nih.gov');
    expect(c.overrideReasons?.map((r) => r.code)).toEqual(['allergy-record-inaccurate', 'benefit-outweighs-risk']);
    // By brand name only: one tier lower, still named.
    expect(sign([texted('d-vasotec', 'Vasotec 10 mg tablet')], [angioedema]).map((x) => x.indicator)).toEqual([
      'warning',
    ]);
  });

  it('sacubitril/valsartan (Entresto) is contraindicated too; an ARB by code is a caution (warning)', () => {
    const entresto = sign([texted('d-entresto', 'Entresto 24-26 MG Oral Tablet')], [angioedema]);
    expect(entresto.map((c) => c.indicator)).toEqual(['warning']); // by brand name: critical one tier lower
    expect(entresto[0]!.summary).toBe(
      'Do not give sacubitril / valsartan: Lisinopril intolerance (allergic angioedema), contraindicated',
    );
    expect(entresto[0]!.links?.[0]?.url).toContain('ENTRESTO');
    const losartan = sign([coded('d-los', '52175')], [angioedema]);
    expect(tiers(losartan)).toEqual([
      [
        'warning',
        'Use losartan with caution: Lisinopril intolerance (allergic angioedema); ARBs can cause angioedema too',
      ],
    ]);
  });

  it('near miss: an ACE-inhibitor cough gives no ARB card, and another ACE inhibitor only an intolerance note', () => {
    const cough = allergy(
      'a-cough',
      { coding: [{ system: RX, code: '29046' }] },
      { type: 'intolerance', ...reaction('Cough') },
    );
    expect(sign([coded('d-los', '52175')], [cough])).toEqual([]);
    expect(sign([coded('d-enal', '3827')], [cough]).map((c) => c.indicator)).toEqual(['info']);
  });

  it('near miss: an ACE-inhibitor allergy with no reaction recorded is the class warning, not a contraindication', () => {
    const bare = allergy('a-bare', { coding: [{ system: RX, code: '29046' }] });
    // The allergen is a code without display or text: the card names the ingredient, never the bare code.
    expect(tiers(sign([coded('d-ram', '35296')], [bare]))).toEqual([
      ['warning', 'Avoid ramipril: lisinopril allergy; same class: ACE inhibitors'],
    ]);
    expect(sign([coded('d-los', '52175')], [bare])).toEqual([]);
  });
});

describe('penicillin ↔ cephalosporin by R1 side chain (practice parameter 2022)', () => {
  const amoxHives = allergy(
    'a-amox',
    { coding: [{ system: RX, code: '723' }], text: 'Amoxicillin' },
    reaction('Hives'),
  );

  it('amoxicillin allergy + cephalexin (ingredient code, no display): warning, cefuroxime offered in its place', () => {
    const cards = sign([coded('d-cephalexin', '2231')], [amoxHives]);
    expect(tiers(cards)).toEqual([['warning', 'Avoid cephalexin: Amoxicillin allergy (hives); similar side chain']]);
    const c = cards[0]!;
    expectReadable(c);
    expect(c.detail).toContain('dissimilar side chain (e.g. cefazolin');
    const swap = c.suggestions?.[0];
    expect(swap?.label).toBe('Replace cephalexin with cefuroxime (dissimilar side chain)');
    expect((swap?.actions?.[1]?.resource as unknown as JsonObject).medicationCodeableConcept).toMatchObject({
      coding: [{ system: RX, code: '2194' }],
    });
  });

  it('the reverse: a cephalexin allergy named by brand (Keflex) + amoxicillin by code: similar side chain, one tier lower by name', () => {
    const keflex = allergy('a-keflex', { text: 'Keflex' }, reaction('Hives'));
    expect(tiers(sign([coded('d-amox', '723')], [keflex]))).toEqual([
      ['info', 'Check amoxicillin: Keflex allergy (hives); similar side chain (matched by name)'],
    ]);
  });

  it('near miss: amoxicillin allergy + cefazolin or ceftriaxone (dissimilar side chains): no card', () => {
    expect(sign([coded('d-cefazolin', '2180'), epic('d-ctx', '2193')], [amoxHives])).toEqual([]);
    // "PCN" as text and a dissimilar cephalosporin: quiet too (before the parameter: a warning on every cephalosporin).
    expect(sign([coded('d-cefazolin', '2180')], [allergy('a-pcn', { text: 'PCN' })])).toEqual([]);
  });

  it('near miss: after penicillin anaphylaxis, cefazolin is an info card that says it may be given', () => {
    const anaphylaxis = allergy(
      'a-pen',
      { coding: [{ system: RX, code: '7980' }], text: 'Penicillin G' },
      reaction('Anaphylaxis', '39579001'),
    );
    const cards = select([coded('d-cefazolin', '2180')], [anaphylaxis]);
    expect(tiers(cards)).toEqual([
      [
        'info',
        'Cefazolin may be given: Penicillin G allergy (anaphylaxis); dissimilar side chain, low cross-reactivity',
      ],
    ]);
    expect(cards[0]!.suggestions).toBeUndefined();
  });

  it('an Augmentin allergy (brand) is amoxicillin: a penicillin order is the same class', () => {
    const augmentin = allergy('a-aug', { text: 'Augmentin' }, { criticality: 'high' });
    expect(sign([coded('d-amp', '733')], [augmentin]).map((c) => [c.indicator, c.finding?.key])).toEqual([
      ['warning', 'allergy:penicillins:ampicillin'],
    ]);
  });
});

describe('allergy knowledge as shipped', () => {
  const k = knowledge();
  const cls = (id: string) => k.allergy.classes.find((c) => c.id === id)!;

  it('the NSAID class is the COX-1 inhibiting NSAIDs: celecoxib out, older NSAIDs by name only', () => {
    const members = cls('nsaids-aspirin').members;
    expect(members.map((m) => m.ingredient)).toEqual(
      expect.arrayContaining([
        'aspirin',
        'ibuprofen',
        'naproxen',
        'diclofenac',
        'ketorolac',
        'indomethacin',
        'meloxicam',
      ]),
    );
    expect(members.map((m) => m.ingredient)).not.toContain('celecoxib');
    expect(members.find((m) => m.ingredient === 'ketorolac')?.rxcui).toBe('35827');
    expect(members.find((m) => m.ingredient === 'tolmetin')?.rxcui).toBeUndefined();
  });

  it('codes only where verified: ACE inhibitors from the class map, cefprozil by name; every cross-sensitivity links its source', () => {
    expect(cls('ace-inhibitors').members.find((m) => m.ingredient === 'fosinopril')?.rxcui).toBe('50166');
    expect(cls('cephalosporins').members.find((m) => m.ingredient === 'cefprozil')?.rxcui).toBeUndefined();
    expect(cls('arbs').sameClassIndicator).toBeUndefined();
    for (const x of k.allergy.crossSensitivities)
      expect(x.url).toMatch(/^https:\/\/(doi\.org|dailymed\.nlm\.nih\.gov)\//);
    expect(k.allergy.crossSensitivities.find((x) => x.id === 'penicillin-cephalosporin')).toMatchObject({
      indicator: 'none',
      highRiskIndicator: 'info',
    });
  });
});
