// The literal pairwise implementation of the drug-pair rules as it was before src/rules/pair-sweep.ts, kept as
// the oracle of test/rules/pair-sweep.test.ts (quadratic: for small random inputs only).
// Since issue 12 the oracle gathers the findings only: both it and the sweep write their cards with src's
// duplicateCard, whose text and look-alike patterns (two strengths for one dose, as-needed alternatives by route,
// a re-order of an active drug: info) are new behaviour on purpose, not the sweep's business.
// order-select and order-sign: duplicate therapy. The same ingredient in a draft and an active medication (or in
// two drafts); two members of one therapeutic class (knowledge/duplicate-therapy.json); ACE inhibitor + ARB as
// dual RAAS blockade. The same order or its renewal (same id, or `priorPrescription` naming the active order) is
// not a duplicate, and a combination product is never a duplicate of itself. One card per finding.
import type { Card, JsonObject } from '../../../src/cds/types.js';
import { isObject, str } from '../../../src/fhir-read/datatypes.js';
import type { DuplicateClass, Knowledge } from '../../../src/knowledge/index.js';
import type { IngredientMatch, MatchConfidence } from '../../../src/knowledge/drugs/match.js';
import { confidenceRank } from '../../../src/knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../../../src/knowledge/drugs/medications.js';
import { applyConfidence, indicatorRank } from '../../../src/rules/cards.js';
import { type DuplicateFinding as Finding, duplicateCard } from '../../../src/rules/duplicate-therapy.js';
import { comparisons } from './ddi.js';

export interface DuplicateInput {
  drafts: ResolvedMedication[];
  active: ResolvedMedication[];
  knowledge: Knowledge;
  /** order-select: the selected drafts (see findDdi); absent at order-sign. */
  focus?: ReadonlySet<ResolvedMedication>;
  hook?: 'order-select' | 'order-sign';
  now?: Date;
}

function classesOf(ing: IngredientMatch, k: Knowledge): DuplicateClass[] {
  return k.duplicateTherapy.classes.filter((c) =>
    c.members.some(
      (m) =>
        m.ingredient === ing.name ||
        (m.aliases ?? []).includes(ing.name) ||
        (m.rxcui !== undefined && m.rxcui === ing.rxcui),
    ),
  );
}

function refTail(ref: unknown): string | undefined {
  const reference = isObject(ref) ? str(ref.reference) : undefined;
  if (!reference) return undefined;
  return /(?:^|\/)([A-Za-z]+\/[^/]+?)(?:\/_history\/[^/]+)?$/.exec(reference)?.[1] ?? reference;
}

/** A renewal: the draft's priorPrescription (R4/STU3 MedicationRequest, DSTU2 MedicationOrder) names the active order. */
function isRenewalOf(draft: ResolvedMedication, active: ResolvedMedication): boolean {
  const prior = refTail((draft.resource as JsonObject).priorPrescription);
  if (!prior || !active.id) return false;
  return prior === active.key || prior.endsWith(`/${active.id}`) || prior === active.id;
}

function worst(a: MatchConfidence, b: MatchConfidence): MatchConfidence {
  return confidenceRank(a) <= confidenceRank(b) ? a : b;
}

export function findDuplicateTherapy({
  drafts,
  active,
  knowledge: k,
  focus,
  hook = 'order-sign',
  now,
}: DuplicateInput): Card[] {
  const findings = new Map<string, Finding>();
  const raas = k.duplicateTherapy.dualRaas;

  const add = (
    f: Omit<Finding, 'drafts' | 'others'>,
    draft: ResolvedMedication,
    other: ResolvedMedication,
    isDraft: boolean,
  ): void => {
    let into = findings.get(f.key);
    if (!into) {
      into = { ...f, drafts: [], others: [] };
      findings.set(f.key, into);
    } else {
      if (indicatorRank(f.indicator) > indicatorRank(into.indicator)) into.indicator = f.indicator;
      into.textOnly = into.textOnly && f.textOnly;
    }
    if (!into.drafts.includes(draft)) into.drafts.push(draft);
    if (isDraft) {
      if (!into.drafts.includes(other)) into.drafts.push(other);
    } else if (!into.others.includes(other)) into.others.push(other);
  };

  // The same product listed twice (same label): a stale duplicate in the list, not a second therapy.
  const sameProduct = (a: ResolvedMedication, b: ResolvedMedication): boolean =>
    medicationLabel(a).trim().toLowerCase() === medicationLabel(b).trim().toLowerCase();

  for (const { draft, other, isDraft } of comparisons(drafts, active, focus)) {
    if (other === draft || (other.key !== undefined && other.key === draft.key)) continue; // the same order
    if (!isDraft && isRenewalOf(draft, other)) continue;
    // A renewal is not a duplicate of the same product listed twice in the active list either (chronic meds often
    // are); another strength or product of the same drug still counts.
    if (!isDraft && active.some((a) => isRenewalOf(draft, a) && sameProduct(a, other))) continue;
    if (isDraft && (isRenewalOf(draft, other) || isRenewalOf(other, draft))) continue;

    // Same ingredient(s): one finding for the whole shared set, so a combination product matched against the same
    // combination gives one card, not one per ingredient.
    const shared = draft.ingredients.filter((i) => other.ingredients.some((o) => o.name === i.name));
    if (shared.length > 0) {
      let conf: MatchConfidence = 'code';
      for (const i of shared) {
        const o = other.ingredients.find((x) => x.name === i.name)!;
        conf = worst(conf, worst(i.confidence, o.confidence));
      }
      const names = shared.map((i) => i.name).sort();
      add(
        {
          kind: 'ingredient',
          key: `duplicate-ingredient:${names.join('+')}`,
          names,
          indicator: applyConfidence('warning', conf),
          textOnly: conf === 'text',
        },
        draft,
        other,
        isDraft,
      );
    }

    // Same class / dual RAAS: between different ingredients of the two resources (never within one product).
    for (const a of draft.ingredients) {
      if (shared.some((s) => s.name === a.name)) continue;
      for (const b of other.ingredients) {
        if (b.name === a.name || shared.some((s) => s.name === b.name)) continue;
        const conf = worst(a.confidence, b.confidence);
        const ca = classesOf(a, k);
        const cb = classesOf(b, k);
        for (const c of ca) {
          if (!cb.includes(c)) continue;
          const names = [a.name, b.name].sort();
          add(
            {
              kind: 'class',
              key: `duplicate-class:${c.id}:${names.join('+')}`,
              names,
              cls: c,
              indicator: applyConfidence(c.indicator, conf),
              textOnly: conf === 'text',
            },
            draft,
            other,
            isDraft,
          );
        }
        const [aceId, arbId] = raas.classes;
        const aAce = ca.some((c) => c.id === aceId);
        const bAce = cb.some((c) => c.id === aceId);
        const aArb = ca.some((c) => c.id === arbId);
        const bArb = cb.some((c) => c.id === arbId);
        if ((aAce && bArb) || (aArb && bAce)) {
          const names = aAce ? [a.name, b.name] : [b.name, a.name];
          add(
            {
              kind: 'dual-raas',
              key: `dual-raas:${names.join('+')}`,
              names,
              indicator: applyConfidence(raas.indicator, conf),
              textOnly: conf === 'text',
            },
            draft,
            other,
            isDraft,
          );
        }
      }
    }
  }

  const order = (m: ResolvedMedication): number => drafts.indexOf(m);
  return [...findings.values()].map((f) => {
    f.drafts.sort((x, y) => order(x) - order(y));
    return duplicateCard(f, k, hook, focus, now);
  });
}
