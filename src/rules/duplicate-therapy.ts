// order-select and order-sign: duplicate therapy. The same ingredient in a draft and an active medication (or in
// two drafts); two members of one therapeutic class (knowledge/duplicate-therapy.json); ACE inhibitor + ARB as
// dual RAAS blockade. The same order or its renewal (same id, or `priorPrescription` naming the active order) is
// not a duplicate, and a combination product is never a duplicate of itself. One card per finding.
import type { Card, Coding, Indicator, JsonObject, Suggestion } from '../cds/types.js';
import { isObject, resourceKey, str } from '../fhir-read/datatypes.js';
import type { DuplicateClass, Knowledge } from '../knowledge/index.js';
import type { IngredientMatch, MatchConfidence } from '../knowledge/drugs/match.js';
import { confidenceRank } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { OVERRIDES, OVERRIDE_SYSTEM, TOPIC_SYSTEM, applyConfidence, indicatorRank, md, shorten, summary } from './cards.js';
import { involvedLines } from './ddi.js';
import { type PairRule, type Pushed, ordered, pushed, pushVisit, sweepPairs } from './pair-sweep.js';

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

const classCache = new WeakMap<Knowledge, Map<string, DuplicateClass[]>>();

function classesOf(ing: IngredientMatch, k: Knowledge): DuplicateClass[] {
  let byIng = classCache.get(k);
  if (!byIng) classCache.set(k, (byIng = new Map()));
  const key = `${ing.name}\u0001${ing.rxcui ?? ''}`;
  let found = byIng.get(key);
  if (!found) {
    found = k.duplicateTherapy.classes.filter((c) =>
      c.members.some((m) => m.ingredient === ing.name || (m.aliases ?? []).includes(ing.name) || (m.rxcui !== undefined && m.rxcui === ing.rxcui)),
    );
    byIng.set(key, found);
  }
  return found;
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

/** The ids an active order may have for `prior` to name it (see isRenewalOf). */
function renewalIds(prior: string): string[] {
  const ids = [prior];
  for (let p = prior.indexOf('/'); p >= 0; p = prior.indexOf('/', p + 1)) ids.push(prior.slice(p + 1));
  return ids;
}

type Contribution = Omit<Finding, 'drafts' | 'others'>;

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The same comparisons as findDdi (pair-sweep.ts), minus the same order and renewals: a draft renewing an active
 * order (priorPrescription) is not a duplicate of it, nor of the same product listed again in the active list.
 */
export function findDuplicateTherapy({ drafts, active, knowledge: k, focus, hook = 'order-sign' }: DuplicateInput): Card[] {
  const raas = k.duplicateTherapy.dualRaas;
  const [aceId, arbId] = raas.classes;

  // What comparing two resources finds, from their ingredients alone (renewals are excluded per resource below).
  const effect = (draft: ResolvedMedication, other: ResolvedMedication): Contribution[] => {
    const out: Contribution[] = [];
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
      out.push({ kind: 'ingredient', key: `duplicate-ingredient:${names.join('+')}`, names, indicator: applyConfidence('warning', conf), textOnly: conf === 'text' });
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
          out.push({ kind: 'class', key: `duplicate-class:${c.id}:${names.join('+')}`, names, cls: c, indicator: applyConfidence(c.indicator, conf), textOnly: conf === 'text' });
        }
        const aAce = ca.some((c) => c.id === aceId);
        const bAce = cb.some((c) => c.id === aceId);
        const aArb = ca.some((c) => c.id === arbId);
        const bArb = cb.some((c) => c.id === arbId);
        if ((aAce && bArb) || (aArb && bAce)) {
          const names = aAce ? [a.name, b.name] : [b.name, a.name];
          out.push({ kind: 'dual-raas', key: `dual-raas:${names.join('+')}`, names, indicator: applyConfidence(raas.indicator, conf), textOnly: conf === 'text' });
        }
      }
    }
    return out;
  };

  // Renewals, by id: the orders a draft's priorPrescription can name, and the drafts naming a given order.
  const byId = (list: ResolvedMedication[]): Map<string, ResolvedMedication[]> => {
    const map = new Map<string, ResolvedMedication[]>();
    for (const m of list) if (m.id !== undefined) append(map, m.id, m);
    return map;
  };
  const priorOf = (d: ResolvedMedication): string | undefined => refTail((d.resource as JsonObject).priorPrescription);
  // Built only when a draft names a prior order at all (most calls have none).
  const renewing = drafts.filter((d) => priorOf(d) !== undefined);
  let indexes: { activeById: Map<string, ResolvedMedication[]>; draftsById: Map<string, ResolvedMedication[]>; renewers: Map<string, ResolvedMedication[]>; activeByLabel: Map<string, ResolvedMedication[]> } | undefined;
  const label = (m: ResolvedMedication): string => medicationLabel(m).trim().toLowerCase();
  const renewalIndexes = () => {
    if (indexes) return indexes;
    const renewers = new Map<string, ResolvedMedication[]>();
    for (const d of renewing) for (const id of new Set(renewalIds(priorOf(d)!))) append(renewers, id, d);
    const activeByLabel = new Map<string, ResolvedMedication[]>();
    for (const m of active) append(activeByLabel, label(m), m);
    return (indexes = { activeById: byId(active), draftsById: byId(drafts), renewers, activeByLabel });
  };
  const renewed = (d: ResolvedMedication, index: Map<string, ResolvedMedication[]>): ResolvedMedication[] => {
    const prior = priorOf(d);
    if (!prior) return [];
    const out = new Set<ResolvedMedication>();
    for (const id of renewalIds(prior)) for (const m of index.get(id) ?? []) if (isRenewalOf(d, m)) out.add(m);
    return [...out];
  };

  const tokensOf = (m: ResolvedMedication): string[] =>
    m.ingredients.flatMap((i) => [`ing:${i.name}`, ...classesOf(i, k).map((c) => `class:${c.id}`)]);
  const rule: PairRule<Contribution[]> = {
    tokens: tokensOf,
    partners: (m) => {
      const t = tokensOf(m);
      if (t.includes(`class:${aceId}`)) t.push(`class:${arbId}`);
      if (t.includes(`class:${arbId}`)) t.push(`class:${aceId}`);
      return t;
    },
    effect,
    excluded: (d) => {
      if (renewing.length === 0) return undefined;
      const { activeById, draftsById, renewers, activeByLabel } = renewalIndexes();
      const renewedActive = renewed(d, activeById);
      const renewedDrafts = renewed(d, draftsById);
      const renewingD = d.id === undefined ? [] : (renewers.get(d.id) ?? []).filter((x) => isRenewalOf(x, d));
      if (renewedActive.length + renewedDrafts.length + renewingD.length === 0) return undefined;
      // The renewed order, and the same product listed again in the active list (chronic meds often are); another
      // strength or product of the same drug still counts.
      const skipActive = new Set(renewedActive);
      for (const a of renewedActive) for (const m of activeByLabel.get(label(a)) ?? []) skipActive.add(m);
      return { active: skipActive, drafts: new Set([...renewedDrafts, ...renewingD]) };
    },
  };

  const open = new Map<string, Contribution & Pushed>();
  sweepPairs(drafts, active, focus, rule, (contributions, visit) => {
    for (const f of contributions) {
      let into = open.get(f.key);
      if (!into) open.set(f.key, (into = { ...f, ...pushed() }));
      else {
        if (indicatorRank(f.indicator) > indicatorRank(into.indicator)) into.indicator = f.indicator;
        into.textOnly = into.textOnly && f.textOnly;
      }
      pushVisit(into, visit);
    }
  });

  const position = new Map(drafts.map((d, i) => [d, i]));
  return [...open.values()].map(({ drafts: ds, others, done: _done, ...f }) => {
    const finding: Finding = { ...f, drafts: [...ds.keys()].sort((x, y) => position.get(x)! - position.get(y)!), others: ordered(others) };
    return duplicateCard(finding, k, hook, focus);
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
