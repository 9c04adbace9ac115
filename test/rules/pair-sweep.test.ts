// The drug-pair rules sweep their comparisons by group (src/rules/pair-sweep.ts) instead of comparing every pair.
// Their cards must be exactly those of the literal pairwise loops, kept in test/rules/reference/ as they were:
// same findings in the same order, same hits, same resources listed in the same order, same suggestions. Random
// calls built to collide (a few drugs, combination products, matches by code, by RxNorm name and by text, ids
// listed twice, renewals of active orders, the same product listed twice, order-select focus) are compared whole.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../src/cds/types.js';
import { findDdi, findNonInterruptive } from '../../src/rules/ddi.js';
import { findDuplicateTherapy } from '../../src/rules/duplicate-therapy.js';
import { resolveMedication, type ResolvedMedication } from '../../src/knowledge/drugs/medications.js';
import * as reference from './reference/ddi.js';
import { findDuplicateTherapy as referenceDuplicates } from './reference/duplicate-therapy.js';
import { knowledge } from './helpers.js';
import { SWEEP } from '../../src/rules/pair-sweep.js';

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** A small deterministic PRNG (mulberry32), so a failing case can be re-run by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const k = knowledge();
const unique = (xs: string[]): string[] => [...new Set(xs)];
/** Ingredients the pair rules know: interaction members, class members, the non-interruptive pair with a card. */
const NAMES = unique([
  ...k.ddi.pairs.flatMap((p) => [...p.object, ...p.precipitant].map((m) => m.ingredient.toLowerCase())),
  ...k.duplicateTherapy.classes.flatMap((c) => c.members.map((m) => m.ingredient.toLowerCase())),
  ...k.nonInterruptive.pairs
    .filter((p) => p.card)
    .flatMap((p) => [...p.object, ...p.precipitant].map((m) => m.ingredient.toLowerCase())),
]).filter((n) => k.ingredients.byName.has(n));

function randomCase(seed: number) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // A handful of drugs per case, so that drugs repeat and interact.
  const drugs = Array.from({ length: 2 + Math.floor(rnd() * 6) }, () => pick(NAMES));
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const concept = (): JsonObject => {
    const a = pick(drugs);
    const style = rnd();
    if (style < 0.2) {
      const b = pick(drugs);
      return { coding: [{ system: RX, display: `${cap(a)} 10 MG / ${cap(b)} 20 MG Oral Tablet` }] };
    }
    if (style < 0.35) return { text: `${a} tablets` };
    const rxcui = k.ingredients.byName.get(a)?.rxcui;
    const strength = pick(['10', '20', '40']);
    return {
      coding: [
        {
          system: RX,
          ...(rxcui && rnd() < 0.7 ? { code: rxcui } : {}),
          display: `${cap(a)} ${strength} MG Oral Tablet`,
        },
      ],
      ...(rnd() < 0.5 ? { text: `${cap(a)} ${strength} MG Oral Tablet` } : {}),
    };
  };
  const idPool = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const resource = (status: string, prior: string[]): JsonObject => ({
    resourceType: 'MedicationRequest',
    ...(rnd() < 0.9 ? { id: `${pick(idPool)}${rnd() < 0.5 ? '' : Math.floor(rnd() * 3)}` } : {}),
    status,
    intent: 'order',
    medicationCodeableConcept: concept(),
    ...(prior.length && rnd() < 0.4 ? { priorPrescription: { reference: `MedicationRequest/${pick(prior)}` } } : {}),
  });
  const active: JsonObject[] = [];
  for (let n = Math.floor(rnd() * 9); n > 0; n--) {
    const a = resource('active', []);
    // The same product listed again (another id, the same medication): renewals must skip both.
    if (active.length && rnd() < 0.3)
      a.medicationCodeableConcept = pick(active).medicationCodeableConcept as JsonObject;
    active.push(a);
  }
  const activeIds = active.map((a) => String(a.id ?? 'none'));
  const drafts = Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => resource('draft', [...activeIds, ...idPool]));
  const resolve = (r: JsonObject): ResolvedMedication => resolveMedication(r, k);
  const d = drafts.map(resolve).filter((m) => m.ingredients.length > 0);
  const a = active.map(resolve).filter((m) => m.ingredients.length > 0);
  const select = rnd() < 0.4;
  const focus = select ? new Set(d.filter(() => rnd() < 0.5)) : undefined;
  return {
    drafts: d,
    active: a,
    knowledge: k,
    ...(focus ? { focus, hook: 'order-select' as const } : { hook: 'order-sign' as const }),
  };
}

describe('the drug-pair rules, swept by group, give the cards of the literal pairwise loops', () => {
  const literalBelow = SWEEP.literalBelow;
  afterEach(() => {
    SWEEP.literalBelow = literalBelow;
  });

  it('a renewal that excludes the first member of a group: findings still come in the literal order', () => {
    // Draft d0 renews active a0 (lisinopril). The grouped sweep meets the lisinopril group (a0, a2) at a0, which
    // the renewal excludes: its first comparison is with a2, after losartan (a1). Dual RAAS comes first.
    SWEEP.literalBelow = 0;
    const med = (
      id: string,
      status: string,
      code: string,
      display: string,
      extra: JsonObject = {},
    ): ResolvedMedication =>
      resolveMedication(
        {
          resourceType: 'MedicationRequest',
          id,
          status,
          intent: 'order',
          medicationCodeableConcept: { coding: [{ system: RX, code, display }] },
          ...extra,
        },
        k,
      );
    const input = {
      drafts: [
        med('d0', 'draft', '29046', 'Lisinopril 10 MG Oral Tablet', {
          priorPrescription: { reference: 'MedicationRequest/a0' },
        }),
      ],
      active: [
        med('a0', 'active', '29046', 'Lisinopril 10 MG Oral Tablet'),
        med('a1', 'active', '52175', 'Losartan potassium 50 MG Oral Tablet'),
        med('a2', 'active', '29046', 'Lisinopril 20 MG Oral Tablet'),
      ],
      knowledge: k,
    };
    const expected = referenceDuplicates(input);
    expect(expected.map((c) => c.finding?.key)).toEqual([
      'dual-raas:lisinopril+losartan',
      'duplicate-ingredient:lisinopril',
    ]);
    expect(findDuplicateTherapy(input)).toEqual(expected);
  });

  it.each([
    ['grouped sweep', 0],
    ['as configured (small calls run the literal loop)', literalBelow],
  ])('on 600 random calls built to collide: %s', (_name, below) => {
    SWEEP.literalBelow = below;
    let cards = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const input = randomCase(seed);
      const expected = {
        seed,
        ddi: reference.findDdi(input),
        nonInterruptive: reference.findNonInterruptive(input),
        duplicates: referenceDuplicates(input),
      };
      expect({
        seed,
        ddi: findDdi(input),
        nonInterruptive: findNonInterruptive(input),
        duplicates: findDuplicateTherapy(input),
      }).toEqual(expected);
      cards += expected.ddi.length + expected.nonInterruptive.length + expected.duplicates.length;
    }
    // The cases do interact: the comparison is not between two empty lists.
    expect(cards).toBeGreaterThan(1000);
  });
});
