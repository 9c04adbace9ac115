// The patient-view rules of the knowledge issue through the real app: critical potassium, warfarin and INR, Beers.
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp, postHook, testKnowledge } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { searchset, startFakeFhir, type FakeFhir } from '../support/fake-fhir.js';

let fake: FakeFhir | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type CardJson = Record<string, any>;

async function cards(body: unknown): Promise<CardJson[]> {
  const { app } = await buildApp(); // a fresh app per call: nothing remembered between tests
  const res = await postHook(app, 'patient-view', body).expect(200);
  return res.body.cards as CardJson[];
}

function expectInformational(card: CardJson) {
  expect(card.summary.length).toBeLessThan(140);
  expect(card.suggestions).toBeUndefined();
  expect(card.selectionBehavior).toBeUndefined();
  expect(card.detail).toContain(`knowledge ${testKnowledge().version}`);
  expect(card.uuid).toEqual(expect.any(String));
}

describe('patient-view: critical potassium', () => {
  const fx = () => fixture('requests/patient-view-critical-potassium-lisinopril.json');

  it('the latest potassium above 6.2 on lisinopril: one critical card naming the drug, the value and the LOINC', async () => {
    const [card, ...rest] = await cards(fx());
    expect(rest).toEqual([]);
    expect(card!.indicator).toBe('critical');
    expect(card!.summary).toBe(
      'Critical potassium 6.8 mmol/L on 21 Nov 2026: above 6.2. Confirm and treat; review lisinopril',
    );
    expect(card!.detail).not.toContain('LOINC');
    expect(card!.detail).toContain('on 21 Nov 2026 (2 days ago)');
    expectInformational(card!);
  });

  it('near miss: a latest potassium of exactly 5.0 gives no card', async () => {
    const body = fx();
    body.prefetch.potassium.entry[0].resource.valueQuantity.value = 5.0;
    expect(await cards(body)).toEqual([]);
  });

  it('near miss: the high potassium is older than 7 days', async () => {
    const body = fx();
    for (const e of body.prefetch.potassium.entry) e.resource.effectiveDateTime = '2026-11-10T08:00:00Z';
    expect(await cards(body)).toEqual([]);
  });

  it('an entered-in-error latest result falls back to the one before it (5.4: warning)', async () => {
    const body = fx();
    body.prefetch.potassium.entry[0].resource.status = 'entered-in-error';
    const got = await cards(body);
    expect(got.map((c) => c.indicator)).toEqual(['warning']);
    expect(got[0]!.summary).toBe('Potassium 5.4 mmol/L on 18 Nov 2026, above 5.0: review lisinopril');
  });
});

describe('patient-view: warfarin and INR', () => {
  const fx = () => fixture('requests/patient-view-warfarin-high-inr.json');

  it('INR 5.6 (LOINC 6301-6) on warfarin: critical; a PT in seconds is not read as INR', async () => {
    const got = await cards(fx());
    expect(got).toHaveLength(1); // the patient is 64: no Beers card for warfarin
    expect(got[0]!.indicator).toBe('critical');
    expect(got[0]!.summary).toBe(
      'Check for bleeding and review warfarin: INR 5.6 on 20 Nov 2026, 5 or above (critical range)',
    );
    expect(got[0]!.detail).not.toContain('matched by name');
    expectInformational(got[0]!);
  });

  it('near miss: an inactive warfarin', async () => {
    const body = fx();
    body.prefetch.medications.entry[0].resource.status = 'completed';
    expect(await cards(body)).toEqual([]);
  });

  it('near miss: the INR entered in error leaves the earlier 2.6, within target', async () => {
    const body = fx();
    body.prefetch.inr.entry[1].resource.status = 'entered-in-error';
    expect(await cards(body)).toEqual([]);
  });

  it('at 65 a long-term warfarin (ordered in January) gets no Beers card; one started 20 days ago does', async () => {
    const body = fx();
    body.prefetch.patient.birthDate = '1961-07-04';
    expect((await cards(body)).map((c) => c.indicator)).toEqual(['critical']);
    body.prefetch.medications.entry[0].resource.authoredOn = '2026-11-03';
    const got = await cards(body);
    expect(got.map((c) => c.indicator)).toEqual(['critical', 'info']);
    expect(got[1]!.summary).toBe('Review warfarin at age 65: potentially inappropriate (AGS Beers 2023)');
    expect(got[1]!.detail).toContain('since 3 Nov 2026 (20 days ago)');
    // A renewal of earlier therapy is not a new start, however recent its order.
    const renewal = structuredClone(body);
    renewal.prefetch.medications.entry[0].resource.priorPrescription = { reference: 'MedicationRequest/earlier' };
    expect((await cards(renewal)).map((c) => c.indicator)).toEqual(['critical']);
    // Nor is a recent order without priorPrescription when a dispense shows warfarin 95 days ago.
    body.prefetch.medicationDispenses = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'MedicationDispense',
            id: 'old',
            status: 'completed',
            medicationCodeableConcept: { text: 'warfarin 5 mg' },
            whenHandedOver: '2026-08-20',
          },
        },
      ],
    };
    expect((await cards(body)).map((c) => c.indicator)).toEqual(['critical']);
  });
});

describe('patient-view: AGS Beers 2023', () => {
  const fx = () => fixture('requests/patient-view-beers-older-adult.json');

  it('age 78 on diphenhydramine and glipizide: one info card for both, with the citation link', async () => {
    const got = await cards(fx());
    expect(got).toHaveLength(1);
    expect(got[0]!.indicator).toBe('info');
    expect(got[0]!.summary).toBe(
      'Review diphenhydramine, glipizide at age 78: potentially inappropriate (AGS Beers 2023)',
    );
    expect(got[0]!.detail).toContain('doi:10.1111/jgs.18372');
    expect(got[0]!.links).toEqual([expect.objectContaining({ url: 'https://doi.org/10.1111/jgs.18372' })]);
    expectInformational(got[0]!);
  });

  it('near miss: age 64, or no birth date', async () => {
    const young = fx();
    young.prefetch.patient.birthDate = '1961-11-24';
    expect(await cards(young)).toEqual([]);
    const unknown = fx();
    delete unknown.prefetch.patient.birthDate;
    expect(await cards(unknown)).toEqual([]);
  });
});

describe('patient-view: the new prefetch keys', () => {
  it('are listed in discovery with the Patient read scope', async () => {
    const { app } = await buildApp();
    const res = await request(app).get('/cds-services').expect(200);
    const pv = (res.body.services as CardJson[]).find((s) => s.id === 'patient-view')!;
    expect(Object.keys(pv.prefetch).sort()).toEqual([
      'egfr',
      'inr',
      'medicationAdministrations',
      'medicationDispenses',
      'medicationRefs',
      'medicationStatements',
      'medications',
      'patient',
      'potassium',
    ]);
    expect(pv.prefetch.patient).toBe('Patient/{{context.patientId}}');
    expect(pv.prefetch.inr).toBe(
      'Observation?patient={{context.patientId}}&code=http://loinc.org|6301-6,http://loinc.org|34714-6,http://loinc.org|38875-1' +
        '&date=ge{{today() - 30 days}}&_sort=-date&_count=10',
    );
    expect(pv.usageRequirements).toContain('system/Patient.read');
  });

  it('are optional: when none of them can be read, the call is still answered 200 from the others', async () => {
    const body = fixture('requests/patient-view-beers-older-adult.json');
    delete body.prefetch.patient;
    delete body.prefetch.potassium;
    delete body.prefetch.inr;
    fake = await startFakeFhir(() => ({ status: 503, body: {} }));
    body.fhirServer = fake.base;
    const { app } = await buildApp();
    const res = await postHook(app, 'patient-view', body).expect(200);
    expect(res.body).toEqual({ cards: [] }); // no age, so no Beers card
    expect(fake.seen).toHaveLength(6); // patient, potassium, inr and the three recent-record keys
  });

  it('absent keys are read from fhirServer: the Patient by id, potassium by its 6 codes (with the PDDI-CDS guide 75940-7) over 7 days, the INR by its 3 codes over 30 days', async () => {
    const body = fixture('requests/patient-view-critical-potassium-lisinopril.json');
    const { patient, potassium, inr } = body.prefetch;
    delete body.prefetch.patient;
    delete body.prefetch.potassium;
    delete body.prefetch.inr;
    fake = await startFakeFhir((url) => {
      if (url.pathname.endsWith('/Patient/pv-k-4410')) return { body: patient };
      if (url.pathname.endsWith('/Observation') && url.searchParams.get('code')?.includes('6301-6'))
        return { body: inr };
      if (url.pathname.endsWith('/Observation'))
        return { body: searchset(potassium.entry.map((e: CardJson) => e.resource)) };
      return undefined;
    });
    body.fhirServer = fake.base;
    const { app } = await buildApp();
    const res = await postHook(app, 'patient-view', body).expect(200);
    expect(res.body.cards.map((c: CardJson) => c.indicator)).toEqual(['critical']);
    expect(fake.seen).toHaveLength(6); // patient, potassium, inr and the three recent-record keys
    const urls = fake.seen.map((s) => new URL(s.url, 'http://x'));
    const k = urls.find((u) => u.searchParams.get('code')?.includes('6298-4'))!;
    expect(k.searchParams.get('code')!.split(',').sort()).toEqual(
      ['2823-3', '6298-4', '22760-3', '39789-3', '32713-0', '75940-7'].map((c) => `http://loinc.org|${c}`).sort(),
    );
    expect(k.searchParams.get('date')).toBe('ge2026-11-16');
    const inrRead = urls.find((u) => u.searchParams.get('code')?.includes('6301-6'))!;
    expect(inrRead.searchParams.get('date')).toBe('ge2026-10-24');
    expect(inrRead.searchParams.get('category')).toBeNull();
    expect(urls.some((u) => u.pathname.endsWith('/Patient/pv-k-4410'))).toBe(true);
  });
});
