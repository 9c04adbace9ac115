// The literal pairwise implementation of the drug-pair rules as it was before src/rules/pair-sweep.ts, kept as
// the oracle of test/rules/pair-sweep.test.ts (quadratic: for small random inputs only).
// order-sign: ONC high-priority drug–drug interactions (Phansalkar 2012) between the draft orders being signed
// and the patient's active medications, and between the drafts themselves. One card per interacting drug pair.
import * as rule from '../../../src/rules/ddi.js';
import type { Card } from '../../../src/cds/types.js';
import type { Knowledge, NonInterruptivePair as DdiPairNi } from '../../../src/knowledge/index.js';
import type { IngredientMatch } from '../../../src/knowledge/drugs/match.js';
import { type ResolvedMedication, resolveMedication } from '../../../src/knowledge/drugs/medications.js';
import type { MedicationLookup } from '../../../src/fhir-read/medication-records.js';

export interface DdiInput {
  drafts: ResolvedMedication[];
  active: ResolvedMedication[];
  knowledge: Knowledge;
  /**
   * order-select: the selected drafts. Only pairs that involve one of them are reported (a selected draft with an
   * active medication or with any other draft); two non-selected drafts, or a non-selected draft with an active
   * medication, give nothing. Absent (order-sign): every draft is in focus.
   */
  focus?: ReadonlySet<ResolvedMedication>;
  /** Card wording for the drafts: "Order being signed" (default) or "Selected order" / "Other draft order". */
  hook?: 'order-select' | 'order-sign';
}

/**
 * The comparisons a drug-pair rule makes: each draft in focus with each active medication (not the same resource),
 * and each pair of drafts of which at least one is in focus. `isDraft` says whether `other` is a draft.
 */
export function comparisons(
  drafts: ResolvedMedication[],
  active: ResolvedMedication[],
  focus?: ReadonlySet<ResolvedMedication>,
): Array<{ draft: ResolvedMedication; other: ResolvedMedication; isDraft: boolean }> {
  const inFocus = (d: ResolvedMedication): boolean => !focus || focus.has(d);
  const draftIds = new Set(drafts.map((d) => d.id).filter((id): id is string => id !== undefined));
  const others = active.filter((m) => m.id === undefined || !draftIds.has(m.id));
  const out: Array<{ draft: ResolvedMedication; other: ResolvedMedication; isDraft: boolean }> = [];
  drafts.forEach((d, i) => {
    if (inFocus(d)) for (const m of others) out.push({ draft: d, other: m, isDraft: false });
    for (const d2 of drafts.slice(i + 1)) {
      if (d.id !== undefined && d.id === d2.id) continue; // the same order listed twice
      if (inFocus(d)) out.push({ draft: d, other: d2, isDraft: true });
      else if (inFocus(d2)) out.push({ draft: d2, other: d, isDraft: true });
    }
  });
  return out;
}

// The ONC pair rule's literal loop: every comparison in order, each effect merged into its finding. The effect and
// the card are the rule's own (ddiEffect, ddiCard), so this oracle checks what the sweep decides: which findings,
// in which order, with which hits and resources.
export function findDdi({ drafts, active, knowledge, focus, hook }: DdiInput): Card[] {
  const findings = new Map<
    string,
    { key: string; hits: rule.PairHit[]; drafts: ResolvedMedication[]; others: ResolvedMedication[] }
  >();
  for (const { draft, other, isDraft } of comparisons(drafts, active, focus)) {
    for (const { key, hit } of rule.ddiEffect(draft, other, knowledge.ddi.pairs)) {
      let f = findings.get(key);
      if (!f) findings.set(key, (f = { key, hits: [], drafts: [], others: [] }));
      rule.mergeHit(f.hits, hit);
      if (!f.drafts.includes(draft)) f.drafts.push(draft);
      if (isDraft) {
        if (!f.drafts.includes(other)) f.drafts.push(other);
      } else if (!f.others.includes(other)) {
        f.others.push(other);
      }
    }
  }
  return [...findings.values()].map((f) =>
    rule.ddiCard(f, { knowledge, hook: hook ?? 'order-sign', ...(focus ? { focus } : {}) }),
  );
}

/**
 * Whether a pair's management makes its critical members a contraindication (the summary then says so).
 * Pairs managed by "avoid" (atazanavir + PPI, irinotecan, QT) or with dose-adjusted members (rifabutin in
 * pair 10) are called a high-priority interaction instead, so the card never overstates the label.
 */
export function contraindicatedWhenCritical(management: string): boolean {
  return (
    /contraindicated|do not combine/i.test(management) &&
    !/^avoid/i.test(management) &&
    !/rather than contraindicated/i.test(management)
  );
}

export function resolveAll(resources: unknown[], k: Knowledge, lookup: MedicationLookup): ResolvedMedication[] {
  return resources.map((r) => resolveMedication(r, k, lookup));
}

// ---------- ONC non-interruptive list (Phansalkar 2013): info cards for the few pairs chosen in knowledge ----------

function niMember(list: Array<{ ingredient: string; rxcui: string }>, ing: IngredientMatch): boolean {
  return list.some((m) => m.ingredient === ing.name || m.rxcui === ing.rxcui);
}

/**
 * Info cards for the pairs of the ONC non-interruptive list that carry a `card` in knowledge (pair 33, ACE
 * inhibitor + NSAID); every other pair stays silent by design (knowledge/README.md). Members of the pair named by
 * `excludeIngredients` (the salicylates, pair 1) never trigger the card. Same comparisons as findDdi.
 */
export function findNonInterruptive({ drafts, active, knowledge, focus, hook }: DdiInput): Card[] {
  const pairs = knowledge.nonInterruptive.pairs.filter((p) => p.card);
  const findings = new Map<
    string,
    {
      pair: DdiPairNi;
      a: string;
      b: string;
      textOnly: boolean;
      drafts: ResolvedMedication[];
      others: ResolvedMedication[];
    }
  >();
  for (const { draft, other, isDraft } of comparisons(drafts, active, focus)) {
    for (const pair of pairs) {
      const isExcluded = (ing: IngredientMatch): boolean => (pair.card?.excludeIngredients ?? []).includes(ing.name);
      for (const [x, y] of [
        [draft, other],
        [other, draft],
      ] as const) {
        for (const oi of x.ingredients) {
          if (!niMember(pair.object, oi) || isExcluded(oi)) continue;
          for (const pi of y.ingredients) {
            if (pi.name === oi.name || !niMember(pair.precipitant, pi) || isExcluded(pi)) continue;
            const key = `${pair.id}:${oi.name}+${pi.name}`;
            let f = findings.get(key);
            if (!f) {
              f = { pair, a: oi.name, b: pi.name, textOnly: true, drafts: [], others: [] };
              findings.set(key, f);
            }
            if (oi.confidence !== 'text' && pi.confidence !== 'text') f.textOnly = false;
            if (!f.drafts.includes(draft)) f.drafts.push(draft);
            if (isDraft) {
              if (!f.drafts.includes(other)) f.drafts.push(other);
            } else if (!f.others.includes(other)) f.others.push(other);
          }
        }
      }
    }
  }
  // The literal loop above is the oracle; the card is built by the rule's own function.
  return [...findings.values()].map((f) => rule.nonInterruptiveCard(f, knowledge, hook, focus));
}
