// The literal pairwise implementation of the drug-pair rules as it was before src/rules/pair-sweep.ts, kept as
// the oracle of test/rules/pair-sweep.test.ts (quadratic: for small random inputs only).
// order-select and order-sign: duplicate therapy. The same ingredient in a draft and an active medication (or in
// two drafts); two members of one therapeutic class (knowledge/duplicate-therapy.json); ACE inhibitor + ARB as
// dual RAAS blockade. The same order or its renewal (same id, or `priorPrescription` naming the active order) is
// not a duplicate, and a combination product is never a duplicate of itself. One card per finding.
import type { Card, Coding, Indicator, JsonObject, Suggestion } from '../../../src/cds/types.js';
import { isObject, resourceKey, str } from '../../../src/fhir-read/datatypes.js';
import type { DuplicateClass, Knowledge } from '../../../src/knowledge/index.js';
import type { IngredientMatch, MatchConfidence } from '../../../src/knowledge/drugs/match.js';
import { confidenceRank } from '../../../src/knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../../../src/knowledge/drugs/medications.js';
import { OVERRIDES, OVERRIDE_SYSTEM, TOPIC_SYSTEM, applyConfidence, indicatorRank, md, shorten, summary } from '../../../src/rules/cards.js';
import { comparisons, involvedLines } from './ddi.js';

export interface DuplicateInput {
  drafts: ResolvedMedication[];
  active: ResolvedMedication[];
  knowledge: Knowledge;
  /** order-select: the selected drafts (see findDdi); absent at order-sign. */
  focus?: ReadonlySet<ResolvedMedication>;
  hook?: 'order-select' | 'order-sign';
}

const TOPIC: Coding = { system: TOPIC_SYSTEM, code: 'duplicate-therapy', display: 'Duplicate therapy' };
const INTENDED: Coding = { system: OVERRIDE_SYSTEM, code: 'both-intended', display: 'Both are intended (switch in progress or planned combination)' };

type Kind = 'ingredient' | 'class' | 'dual-raas';

interface Finding {
  kind: Kind;
  key: string;
  /** The drugs named: shared ingredients (ingredient), or the two class members (class, dual RAAS: ACEi first). */
  names: string[];
  cls?: DuplicateClass;
  indicator: Indicator;
  textOnly: boolean;
  drafts: ResolvedMedication[];
  others: ResolvedMedication[];
}

function classesOf(ing: IngredientMatch, k: Knowledge): DuplicateClass[] {
  return k.duplicateTherapy.classes.filter((c) =>
    c.members.some((m) => m.ingredient === ing.name || (m.aliases ?? []).includes(ing.name) || (m.rxcui !== undefined && m.rxcui === ing.rxcui)),
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

export function findDuplicateTherapy({ drafts, active, knowledge: k, focus, hook = 'order-sign' }: DuplicateInput): Card[] {
  const findings = new Map<string, Finding>();
  const raas = k.duplicateTherapy.dualRaas;

  const add = (f: Omit<Finding, 'drafts' | 'others'>, draft: ResolvedMedication, other: ResolvedMedication, isDraft: boolean): void => {
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
      add({ kind: 'ingredient', key: `duplicate-ingredient:${names.join('+')}`, names, indicator: applyConfidence('warning', conf), textOnly: conf === 'text' }, draft, other, isDraft);
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
          add({ kind: 'class', key: `duplicate-class:${c.id}:${names.join('+')}`, names, cls: c, indicator: applyConfidence(c.indicator, conf), textOnly: conf === 'text' }, draft, other, isDraft);
        }
        const [aceId, arbId] = raas.classes;
        const aAce = ca.some((c) => c.id === aceId);
        const bAce = cb.some((c) => c.id === aceId);
        const aArb = ca.some((c) => c.id === arbId);
        const bArb = cb.some((c) => c.id === arbId);
        if ((aAce && bArb) || (aArb && bAce)) {
          const names = aAce ? [a.name, b.name] : [b.name, a.name];
          add({ kind: 'dual-raas', key: `dual-raas:${names.join('+')}`, names, indicator: applyConfidence(raas.indicator, conf), textOnly: conf === 'text' }, draft, other, isDraft);
        }
      }
    }
  }

  const order = (m: ResolvedMedication): number => drafts.indexOf(m);
  return [...findings.values()].map((f) => {
    f.drafts.sort((x, y) => order(x) - order(y));
    return duplicateCard(f, k, hook, focus);
  });
}

function headline(f: Finding): string {
  const [a = '', b = ''] = f.names.map((n) => shorten(n, 40));
  const where = f.others.length > 0 ? 'already active' : 'in two draft orders';
  switch (f.kind) {
    case 'ingredient': {
      const drug = shorten(f.names.join(' / '), 60);
      return f.others.length > 0 ? `Duplicate therapy: ${drug} is already an active medication` : `Duplicate therapy: ${drug} is ordered twice`;
    }
    case 'dual-raas':
      return `Dual RAAS blockade: ${a} (ACE inhibitor) + ${b} (ARB)`;
    case 'class': {
      const label = f.cls!.label;
      return f.cls!.indicator === 'warning'
        ? `Two ${label}s: ${a} + ${b}, serious bleeding risk (${where})`
        : `Same class: two ${label}s, ${a} + ${b} (${where})`;
    }
  }
}

function duplicateCard(f: Finding, k: Knowledge, hook: 'order-select' | 'order-sign', focus?: ReadonlySet<ResolvedMedication>): Card {
  const raas = k.duplicateTherapy.dualRaas;
  const lines: string[] = [];
  if (f.kind === 'ingredient') {
    lines.push(`**Same ingredient: ${md(f.names.join(' / '))}** in more than one order.`);
    lines.push('');
    lines.push('- Consequence: the doses add up; a double dose is the usual harm.');
    lines.push('- Management: if the new order replaces the existing one, stop the existing one; otherwise remove the new order.');
  } else if (f.kind === 'class') {
    const c = f.cls!;
    lines.push(`**Two ${md(c.label)}s: ${md(f.names[0] ?? '')} + ${md(f.names[1] ?? '')}** (therapeutic class "${md(c.sourceClass)}").`);
    lines.push('');
    lines.push(`- Consequence: ${md(c.rationale)}.`);
    lines.push(
      c.indicator === 'warning'
        ? '- Management: do not give both. If this is a switch, stop the other order and follow the switching instructions in the labels; otherwise remove the new order.'
        : '- Management: if this is a switch, stop the other order; if both are intended, document why.',
    );
    lines.push(`- ATC group, for reference only: ${md(c.atcGroupReference.join(', '))}.`);
  } else {
    lines.push(`**Dual RAAS blockade: ${md(f.names[0] ?? '')} (ACE inhibitor) + ${md(f.names[1] ?? '')} (angiotensin II receptor blocker)**`);
    lines.push('');
    lines.push(`- Consequence: ${md(raas.consequence)}`);
    lines.push(`- Management: ${md(raas.management)}`);
    lines.push(`- Evidence: ${md(raas.evidence)}; ${md(raas.evidenceVerification)}.`);
    lines.push(`- ${md(raas.nonInterruptiveNote)}`);
  }
  if (f.textOnly) lines.push('- Matched by name, not by code: confirm the medication before acting (shown one tier lower).');
  lines.push('', 'Involved:', ...involvedLines(f.drafts, f.others, hook, focus), '');
  const source =
    f.kind === 'ingredient'
      ? 'hookwise duplicate-therapy rule: the same ingredient ordered twice or ordered while active'
      : f.kind === 'dual-raas'
        ? `${raas.evidence} (recalled, not re-read); class membership: ${k.duplicateTherapy.source}`
        : k.duplicateTherapy.source;
  lines.push(`Source: ${md(source)}. hookwise knowledge ${k.version}.`);

  // Remove the new draft: with an active medication, each draft in focus; between drafts only, all but the first
  // listed (the one kept), preferring to keep a draft that is not selected.
  let removable = f.drafts.filter((d) => !focus || focus.has(d));
  if (f.others.length === 0 && removable.length === f.drafts.length) removable = removable.slice(1);
  const suggestions: Suggestion[] = [];
  for (const d of removable) {
    const resourceId = resourceKey(d.resource);
    if (!resourceId) continue;
    const drug = f.names.find((n) => d.ingredients.some((i) => i.name === n)) ?? medicationLabel(d);
    const label = `Remove the new ${shorten(drug, 60)} order`;
    suggestions.push({ label, actions: [{ type: 'delete', description: label, resourceId }] });
  }

  const draftKeys = f.drafts.map((d) => resourceKey(d.resource)).filter((id): id is string => id !== undefined);
  const card: Card = {
    finding: { key: f.key, ...(draftKeys.length ? { drafts: draftKeys } : {}) },
    summary: summary(headline(f)),
    detail: lines.join('\n'),
    indicator: f.indicator,
    source: {
      label:
        f.kind === 'dual-raas'
          ? 'hookwise: dual RAAS blockade'
          : f.kind === 'ingredient'
            ? 'hookwise: duplicate therapy (same ingredient)'
            : 'hookwise: duplicate therapy (therapeutic class map)',
      topic: { ...TOPIC },
    },
    overrideReasons: [INTENDED, OVERRIDES.notTaking, OVERRIDES.benefitOutweighsRisk].map((c) => ({ ...c })),
  };
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = suggestions.length > 1 ? 'any' : 'at-most-one';
  }
  return card;
}
