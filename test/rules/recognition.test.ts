// Issue 12 §1: a drug is recognised whatever shape it arrives in (product code without display, brand name,
// Medication reference), and eye, ear, nose, skin and shampoo forms never trigger systemic rules.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSelect, decideOrderSign, decidePatientView } from '../../src/rules/index.js';
import { resolveMedication } from '../../src/knowledge/drugs/medications.js';
import { doseFormOf } from '../../src/knowledge/drugs/dose-form.js';
import { NOW, bundle, data, daysBefore, draftOrders, fixture, knowledge, medRequest } from './helpers.js';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** A MedicationRequest coded with an RxNorm code only: no display, no text (as many EHR feeds send them). */
function coded(id: string, code: string, status = 'active', extra: JsonObject = {}): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
    subject: { reference: 'Patient/pat-1' },
    ...extra,
  };
}

/** A MedicationRequest whose drug is free text only. */
function text(id: string, words: string, status = 'active', extra: JsonObject = {}): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: { text: words },
    subject: { reference: 'Patient/pat-1' },
    ...extra,
  };
}

function sign(drafts: JsonObject[], active: JsonObject[], extraData: Record<string, unknown> = {}): Card[] {
  return decideOrderSign({
    context: {
      userId: 'Practitioner/1',
      patientId: 'pat-1',
      draftOrders: draftOrders(...drafts.map((d) => ({ ...d, status: 'draft' }))),
    },
    data: data({ medications: bundle(...active), ...(extraData as Record<string, never>) }),
    knowledge: knowledge(),
    now: NOW,
  });
}

const resolve = (r: JsonObject) => resolveMedication(r, knowledge());

describe('recognising the drug', () => {
  it('resolves a product code without display from the shipped product table, at code tier', () => {
    const m = resolve(coded('w', '855332')); // Warfarin Sodium 5 MG Oral Tablet
    expect(m.ingredients).toEqual([expect.objectContaining({ name: 'warfarin', confidence: 'code' })]);
    expect(m.label).toBe('Warfarin Sodium 5 MG Oral Tablet');
    expect(m.site).toBe('systemic');
    // A branded pack (SBD) and a brand-name concept (BN) resolve too.
    expect(resolve(coded('c', '855333')).ingredients.map((i) => `${i.name}:${i.confidence}`)).toEqual([
      'warfarin:code',
    ]);
    expect(resolve(coded('c2', '202421')).ingredients.map((i) => i.name)).toEqual(['warfarin']);
  });

  it('an unknown code without display resolves to nothing (no guessing)', () => {
    expect(resolve(coded('x', '999999999')).ingredients).toEqual([]);
  });

  it('resolves brand names in text and in RxNorm displays, one ingredient per component', () => {
    expect(resolve(text('z', 'Zocor 40 mg tablet')).ingredients.map((i) => `${i.name}:${i.confidence}`)).toEqual([
      'simvastatin:text',
    ]);
    expect(resolve(text('b', 'Biaxin XL 500 mg')).ingredients.map((i) => i.name)).toEqual(['clarithromycin']);
    expect(
      resolve(text('e', 'ENTRESTO 24-26 MG'))
        .ingredients.map((i) => i.name)
        .sort(),
    ).toEqual(['sacubitril', 'valsartan']);
    expect(
      resolve(text('a', 'Advil PM caplets'))
        .ingredients.map((i) => i.name)
        .sort(),
    ).toEqual(['diphenhydramine', 'ibuprofen']);
    const rxDisplay = resolve(medRequest('r', 'Zocor'));
    expect(rxDisplay.ingredients.map((i) => `${i.name}:${i.confidence}`)).toEqual(['simvastatin:rxnorm-name']);
  });

  it('a brand-only order now gives its interaction card: Zocor ordered with clarithromycin active', () => {
    const cards = sign([text('d1', 'Zocor 40 mg')], [medRequest('a1', 'Clarithromycin 500 MG Oral Tablet')]);
    expect(cards.some((c) => /simvastatin|zocor/i.test(c.summary) && /clarithromycin/i.test(c.summary))).toBe(true);
  });

  it('an Epic-style medicationReference to a Medication coded with a product code is a coded match', () => {
    const order = {
      resourceType: 'MedicationRequest',
      id: 'epic-1',
      status: 'active',
      intent: 'order',
      medicationReference: { reference: '#med1', display: 'WARFARIN 5 MG PO TABS' },
      contained: [{ resourceType: 'Medication', id: 'med1', code: { coding: [{ system: RXNORM, code: '855332' }] } }],
    };
    expect(resolve(order).ingredients.map((i) => `${i.name}:${i.confidence}`)).toEqual(['warfarin:code']);
  });
});

describe('dose form and route: local forms do not trigger systemic rules', () => {
  it('reads the form from names, routes and dose forms', () => {
    expect(doseFormOf('Erythromycin 5 MG/ML Ophthalmic Ointment')).toEqual({ site: 'local', form: 'ophthalmic' });
    expect(doseFormOf('ketoconazole 20 MG/ML Medicated Shampoo')).toEqual({ site: 'local', form: 'shampoo' });
    expect(doseFormOf('diclofenac sodium 10 MG/ML Topical Gel')?.site).toBe('local');
    expect(doseFormOf('Ciprofloxacin 3 MG/ML Otic Solution')?.site).toBe('local');
    expect(doseFormOf('Fentanyl 0.025 MG/HR Transdermal System')?.site).toBe('systemic');
    expect(doseFormOf('Simvastatin 20 MG Oral Tablet')?.site).toBe('systemic');
    expect(doseFormOf('Hydrocortisone Rectal Foam')?.site).toBe('systemic');
    expect(doseFormOf('Simvastatin 20 MG')).toBeUndefined();
  });

  it('ketoconazole shampoo + simvastatin: no card; oral ketoconazole + simvastatin: the interaction card', () => {
    const simva = medRequest('s', 'Simvastatin 40 MG Oral Tablet');
    expect(sign([medRequest('k', 'ketoconazole 20 MG/ML Medicated Shampoo')], [simva])).toEqual([]);
    const oral = sign([medRequest('k2', 'Ketoconazole 200 MG Oral Tablet')], [simva]);
    expect(oral.length).toBeGreaterThan(0);
    expect(oral[0]!.indicator).toBe('critical');
  });

  it('erythromycin eye ointment + simvastatin: no card, whether the form is in the name or only in the route', () => {
    const simva = medRequest('s', 'Simvastatin 40 MG Oral Tablet');
    expect(sign([medRequest('e', 'Erythromycin 5 MG/ML Ophthalmic Ointment')], [simva])).toEqual([]);
    const byRoute = medRequest('e2', 'Erythromycin 0.5 %', 'draft', {
      dosageInstruction: [
        { route: { coding: [{ system: 'http://snomed.info/sct', code: '54485002', display: 'Ophthalmic route' }] } },
      ],
    });
    expect(sign([byRoute], [simva])).toEqual([]);
    // The same drug by mouth is the interaction.
    expect(sign([medRequest('e3', 'Erythromycin 250 MG Oral Tablet')], [simva]).length).toBeGreaterThan(0);
  });

  it('topical diclofenac + ibuprofen: no duplicate NSAID card; oral diclofenac + ibuprofen: one', () => {
    const ibu = coded('i', '197805'); // Ibuprofen 400 MG Oral Tablet, code only
    expect(sign([medRequest('d', 'diclofenac sodium 10 MG/ML Topical Gel')], [ibu])).toEqual([]);
    const oral = sign([medRequest('d2', 'Diclofenac Sodium 75 MG Delayed Release Oral Tablet')], [ibu]);
    expect(oral.map((c) => c.summary).join(' ')).toMatch(/NSAID|ibuprofen/i);
  });

  it('diphenhydramine cream at 72: no Beers card; diphenhydramine capsules at 72: the Beers card', () => {
    const patient = { resourceType: 'Patient', id: 'pat-1', birthDate: `${NOW.getUTCFullYear() - 72}-01-15` };
    const view = (med: JsonObject) =>
      decidePatientView({
        context: { userId: 'Practitioner/1', patientId: 'pat-1' },
        data: data({ medications: bundle(med), patient: patient as never }),
        knowledge: knowledge(),
        now: NOW,
      });
    expect(view(medRequest('c', 'Diphenhydramine Hydrochloride 20 MG/ML Topical Cream'))).toEqual([]);
    expect(view(medRequest('o', 'Diphenhydramine Hydrochloride 25 MG Oral Capsule')).map((c) => c.indicator)).toEqual([
      'info',
    ]);
  });

  it('intranasal ketorolac (Sprix) stays systemic; a nasal corticosteroid does not', () => {
    expect(resolve(coded('sprix', '992422')).site).toBe('systemic');
    expect(resolve(medRequest('n', 'fluticasone propionate 0.05 MG/ACTUAT Metered Dose Nasal Spray')).site).toBe(
      'local',
    );
  });

  it('an allergy applies to every form: sulfacetamide eye drops for a sulfonamide-allergic patient give the card', () => {
    const drop = { ...medRequest('eye', 'Sulfacetamide Sodium 100 MG/ML Ophthalmic Solution'), status: 'draft' };
    expect(resolve(drop).site).toBe('local');
    const cards = decideOrderSelect({
      context: {
        userId: 'Practitioner/1',
        patientId: 'pat-1',
        draftOrders: draftOrders(drop),
        selections: ['MedicationRequest/eye'],
      },
      data: data({ allergies: bundle(fixture('allergy-sulfonamide')) }),
      knowledge: knowledge(),
      now: NOW,
    });
    expect(cards).toHaveLength(1);
    expect(cards[0]!.summary).toMatch(/sulfacetamide/i);
  });
});

describe('what the patient takes: statements, dispenses and administrations of the last 100 days', () => {
  const simvaConcept = { coding: [{ system: RXNORM, display: 'Simvastatin 40 MG Oral Tablet' }] };
  const clarithro = () => medRequest('d-clari', 'Clarithromycin 500 MG Oral Tablet', 'draft');
  const dispense = (daysAgo: number, status = 'completed'): JsonObject => ({
    resourceType: 'MedicationDispense',
    id: `disp-${daysAgo}-${status}`,
    status,
    medicationCodeableConcept: simvaConcept,
    whenHandedOver: daysBefore(daysAgo),
  });
  const statement = (status: string, extra: JsonObject = {}): JsonObject => ({
    resourceType: 'MedicationStatement',
    id: `st-${status}`,
    status,
    medicationCodeableConcept: simvaConcept,
    effectivePeriod: { start: daysBefore(400) },
    ...extra,
  });
  const signWith = (key: string, records: JsonObject[], active: JsonObject[] = []) =>
    sign([clarithro()], active, { [key]: bundle(...records) });
  const interaction = (cards: Card[]) =>
    cards.filter((c) => /clarithromycin/i.test(c.summary) && /simvastatin/i.test(c.summary));

  it('a drug recorded only as dispensed 30 days ago counts; 120 days ago it does not', () => {
    expect(interaction(signWith('medicationDispenses', [dispense(30)]))).toHaveLength(1);
    expect(signWith('medicationDispenses', [dispense(120)])).toEqual([]);
    expect(signWith('medicationDispenses', [dispense(30, 'cancelled')])).toEqual([]);
  });

  it('a statement counts while its period is open; a stopped or not-taken one does not', () => {
    expect(interaction(signWith('medicationStatements', [statement('active')]))).toHaveLength(1);
    expect(signWith('medicationStatements', [statement('stopped')])).toEqual([]);
    expect(signWith('medicationStatements', [statement('not-taken')])).toEqual([]);
    const ended = statement('completed', { effectivePeriod: { start: daysBefore(400), end: daysBefore(200) } });
    expect(signWith('medicationStatements', [ended])).toEqual([]);
  });

  it('an administration yesterday counts; a record without a time does not (as in the guide)', () => {
    const given = {
      resourceType: 'MedicationAdministration',
      id: 'adm',
      status: 'completed',
      medicationCodeableConcept: simvaConcept,
      effectiveDateTime: daysBefore(1),
    };
    expect(interaction(signWith('medicationAdministrations', [given]))).toHaveLength(1);
    const { effectiveDateTime: _t, ...untimed } = given;
    expect(signWith('medicationAdministrations', [untimed])).toEqual([]);
  });

  it('an active order and its dispense are one drug: one card, not two', () => {
    const cards = signWith(
      'medicationDispenses',
      [dispense(10), dispense(40)],
      [medRequest('a-simva', 'Simvastatin 40 MG Oral Tablet')],
    );
    expect(interaction(cards)).toHaveLength(1);
  });
});

describe('order-sign checks allergies too', () => {
  it('a penicillin-allergic patient: the amoxicillin being signed gets the allergy card; no allergy list, no card', () => {
    const amox = fixture('draft-amoxicillin');
    expect(sign([amox], [], { allergies: bundle(fixture('allergy-penicillin')) }).map((c) => c.indicator)).toEqual([
      'critical',
    ]);
    expect(sign([amox], [])).toEqual([]);
  });
});

describe('review fixes: the form is never taken from the sig, and ingredient or brand codes defer to the route', () => {
  const simva = () => medRequest('s', 'Simvastatin 40 MG Oral Tablet');
  const topicalRoute = [
    { route: { coding: [{ system: 'http://snomed.info/sct', code: '6064005', display: 'Topical route' }] } },
  ];

  it('"for ear infection" in the sig does not make an oral antibiotic local', () => {
    const clari = {
      ...medRequest('c', 'Clarithromycin 500 MG Oral Tablet', 'draft'),
      medicationCodeableConcept: {
        coding: [{ system: RXNORM, code: '197517', display: 'Clarithromycin 500 MG Oral Tablet' }],
      },
      dosageInstruction: [{ text: 'Take 1 tablet twice daily for 10 days for ear infection' }],
    };
    expect(resolve(clari).site).toBe('systemic');
    expect(sign([clari], [simva()]).map((c) => c.indicator)).toContain('critical');
  });

  it('a patch applied to the skin for a systemic effect stays systemic', () => {
    const patch = medRequest('f', 'Fentanyl 0.025 MG/HR Transdermal System', 'active', {
      dosageInstruction: [{ text: 'Apply 1 patch to skin every 72 hours' }],
    });
    expect(resolve(patch).site).toBe('systemic');
    const byRoute = { ...medRequest('f2', 'fentanyl 25 mcg/hr patch'), dosageInstruction: topicalRoute };
    expect(resolve(byRoute).site).toBe('systemic');
  });

  it('an ingredient code (diclofenac 3355) with a topical route is local; the same code by mouth is systemic', () => {
    const coded = {
      resourceType: 'MedicationRequest',
      id: 'dcl',
      status: 'draft',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '3355' }] },
    };
    expect(resolve({ ...coded, dosageInstruction: topicalRoute }).site).toBe('local');
    expect(resolve(coded).site).toBe('systemic');
  });

  it('brands that exist only as eye or skin products are local; Tylenol PM has both ingredients; nasal diazepam is systemic', () => {
    expect(resolve(text('a', 'Acular 0.5% 1 drop QID')).site).toBe('local');
    expect(resolve(text('r', 'Restasis')).site).toBe('local');
    expect(resolve(text('n', 'Nizoral A-D')).site).toBe('local');
    expect(
      resolve(text('t', 'Tylenol PM caplet'))
        .ingredients.map((i) => i.name)
        .sort(),
    ).toEqual(['acetaminophen', 'diphenhydramine']);
    expect(resolve(medRequest('dz', 'diazepam 10 MG/ACTUAT Nasal Spray')).site).toBe('systemic');
  });

  it('a dispense that references its Medication, included in the same Bundle, counts', () => {
    const dispense = {
      resourceType: 'MedicationDispense',
      id: 'disp',
      status: 'completed',
      medicationReference: { reference: 'Medication/m1' },
      whenHandedOver: daysBefore(10),
    };
    const med = { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: RXNORM, code: '855332' }] } };
    const cards = sign([medRequest('d-ibu', 'Ibuprofen 400 MG Oral Tablet', 'draft')], [], {
      medicationDispenses: bundle(dispense, med),
    });
    expect(cards.some((c) => /acetaminophen to ibuprofen with warfarin/i.test(c.summary))).toBe(true);
  });
});
