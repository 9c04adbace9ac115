// Acetaminophen over 4 g a day across every product: strengths from RxNorm names, doses from structured dosage,
// the as-needed maximum, the prescriber's own ceiling; a product without a computable dose is named, not counted.
import { describe, it, expect } from '@jest/globals';
import type { Card, JsonObject } from '../../src/cds/types.js';
import { decideOrderSign, decidePatientView } from '../../src/rules/index.js';
import { dailyMg, strengthOf } from '../../src/rules/acetaminophen-max.js';
import { resolveMedication } from '../../src/knowledge/drugs/medications.js';
import { NOW, bundle, data, draftOrders, knowledge, medRequest } from './helpers.js';

/** An order of `display` with a structured dose: `tablets` every `hours` hours (as needed when `prn`). */
function dosed(
  id: string,
  display: string,
  tablets: number,
  hours: number,
  status = 'active',
  extra: JsonObject = {},
): JsonObject {
  return medRequest(id, display, status, {
    dosageInstruction: [
      {
        doseAndRate: [{ doseQuantity: { value: tablets, unit: 'tablet' } }],
        timing: { repeat: { frequency: 1, period: hours, periodUnit: 'h' } },
        ...extra,
      },
    ],
  });
}

const apap = (c: Card[]) => c.filter((x) => x.finding?.key.startsWith('acetaminophen-max'));

describe('acetaminophen over 4 g a day', () => {
  it('reads strengths from RxNorm names, tablets and liquids', () => {
    expect(strengthOf('Acetaminophen 325 MG / HYDROcodone Bitartrate 10 MG Oral Tablet')).toEqual({ mg: 325 });
    expect(strengthOf('Acetaminophen 160 MG/5ML Oral Suspension')).toEqual({ mg: 160, perMl: 5 });
    expect(strengthOf('Ibuprofen 200 MG Oral Tablet')).toBeUndefined();
    const m = resolveMedication(dosed('a', 'Acetaminophen 500 MG Oral Tablet', 2, 6), knowledge());
    expect(dailyMg(m)).toBe(4000);
  });

  it('a hydrocodone/acetaminophen order on top of scheduled acetaminophen 1 g four times a day: warning, naming both', () => {
    const taking = [dosed('a1', 'Acetaminophen 500 MG Oral Tablet', 2, 6)];
    const order = dosed('d1', 'Acetaminophen 325 MG / HYDROcodone Bitartrate 5 MG Oral Tablet', 1, 6, 'draft');
    const cards = apap(
      decideOrderSign({
        context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(order) },
        data: data({ medications: bundle(...taking) }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    expect(cards).toHaveLength(1);
    expect(cards[0]!.indicator).toBe('warning');
    expect(cards[0]!.summary).toBe(
      'Acetaminophen up to 5.3 g a day across 2 products: above the 4 g maximum. Reduce the total',
    );
    expect(cards[0]!.detail).toContain(
      'Acetaminophen 325 MG / HYDROcodone Bitartrate 5 MG Oral Tablet: up to 1.3 g a day (ordered)',
    );
    expect(cards[0]!.detail).toContain('Acetaminophen 500 MG Oral Tablet: up to 4 g a day');
    expect(cards[0]!.suggestions?.[0]?.actions?.[0]).toMatchObject({
      type: 'delete',
      resourceId: 'MedicationRequest/d1',
    });
  });

  it('the prescriber ceiling (maxDosePerPeriod) caps an as-needed order; 4 g exactly is not above the maximum', () => {
    const capped = dosed('a2', 'Acetaminophen 500 MG Oral Tablet', 2, 4, 'active', {
      asNeededBoolean: true,
      maxDosePerPeriod: { numerator: { value: 6, unit: 'tablet' }, denominator: { value: 1, unit: 'd' } },
    });
    expect(dailyMg(resolveMedication(capped, knowledge()))).toBe(3000);
    const view = (meds: JsonObject[]) =>
      apap(
        decidePatientView({
          context: { userId: 'Practitioner/1', patientId: 'pat-1' },
          data: data({ medications: bundle(...meds) }),
          knowledge: knowledge(),
          now: NOW,
        }),
      );
    expect(view([dosed('a3', 'Acetaminophen 500 MG Oral Tablet', 2, 6)])).toEqual([]);
    expect(view([dosed('a3', 'Acetaminophen 500 MG Oral Tablet', 2, 4)]).map((c) => c.indicator)).toEqual(['warning']);
  });

  it('a product without a computable dose is named but not counted; no acetaminophen order at order-sign: no card', () => {
    const noDose = medRequest('a4', 'Acetaminophen 500 MG Oral Tablet');
    const cards = apap(
      decidePatientView({
        context: { userId: 'Practitioner/1', patientId: 'pat-1' },
        data: data({
          medications: bundle(noDose, dosed('a5', 'Acetaminophen 650 MG Extended Release Oral Tablet', 2, 6)),
        }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    expect(cards[0]!.detail).toContain('dose not stated in a computable form (not counted)');
    const unrelated = decideOrderSign({
      context: {
        userId: 'Practitioner/1',
        patientId: 'pat-1',
        draftOrders: draftOrders(medRequest('d2', 'Lisinopril 10 MG Oral Tablet', 'draft')),
      },
      data: data({ medications: bundle(dosed('a6', 'Acetaminophen 500 MG Oral Tablet', 2, 4)) }),
      knowledge: knowledge(),
      now: NOW,
    });
    expect(apap(unrelated)).toEqual([]);
  });

  it('the safer choice is offered: cap the new order so the day stays within 4 g (an update of the draft), besides removing it', () => {
    const taking = [dosed('a7', 'Acetaminophen 500 MG Oral Tablet', 2, 8)]; // 3 g a day
    const order = dosed(
      'd3',
      'Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet [Percocet]',
      1,
      4,
      'draft',
      { asNeededBoolean: true },
    ); // up to 1.95 g
    const cards = apap(
      decideOrderSign({
        context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(order) },
        data: data({ medications: bundle(...taking) }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    const c = cards[0]!;
    expect(c.summary).toBe('Acetaminophen up to 5 g a day across 2 products: above the 4 g maximum. Reduce the total');
    // §4: each fact its own list line; the active record's id in the trace, not the text.
    expect(
      c.detail
        ?.split('\n')
        .filter((l) => l && !l.startsWith('Source:'))
        .every((l) => l.startsWith('- ')),
    ).toBe(true);
    expect(c.detail).not.toContain('MedicationRequest/');
    expect(c.finding?.trace?.resources).toEqual(['MedicationRequest/a7']);
    const [cap, remove] = c.suggestions ?? [];
    expect(cap?.label).toBe('Cap the new order at 1 g of acetaminophen a day');
    expect(cap?.actions?.[0]?.type).toBe('update');
    // The updated order, read back, gives 1 g a day: 3 g + 1 g = the maximum, not above it.
    expect(dailyMg(resolveMedication(cap!.actions![0]!.resource as unknown as JsonObject, knowledge()))).toBe(1000);
    expect(remove?.actions?.[0]).toMatchObject({ type: 'delete', resourceId: 'MedicationRequest/d3' });
  });

  it('near miss: no cap is offered when the other products already reach 4 g (only removal)', () => {
    const taking = [dosed('a8', 'Acetaminophen 500 MG Oral Tablet', 2, 6)]; // 4 g
    const order = dosed('d4', 'Acetaminophen 500 MG Oral Tablet', 1, 6, 'draft');
    const cards = apap(
      decideOrderSign({
        context: { userId: 'Practitioner/1', patientId: 'pat-1', draftOrders: draftOrders(order) },
        data: data({ medications: bundle(...taking) }),
        knowledge: knowledge(),
        now: NOW,
      }),
    );
    expect(cards[0]!.suggestions?.map((x) => x.label)).toEqual(['Remove the acetaminophen order']);
  });
});
