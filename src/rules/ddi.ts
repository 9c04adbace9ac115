// order-sign: ONC high-priority drug–drug interactions (Phansalkar 2012) between the draft orders being signed
// and the patient's active medications, and between the drafts themselves. One card per interacting drug pair.
import { resourceKey } from '../fhir-read/datatypes.js';
import { type PairRule, type Pushed, ordered, pushed, pushVisit, sweepPairs } from './pair-sweep.js';
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { DdiMember, DdiPair, Knowledge, NonInterruptivePair as DdiPairNi } from '../knowledge/index.js';
import { type IngredientMatch, type MatchConfidence, betterConfidence, confidenceRank } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel, resolveMedication } from '../knowledge/drugs/medications.js';
import { type MedicationLookup } from '../fhir-read/medication-records.js';
import {
  OVERRIDES,
  SUMMARY_MAX,
  TOPICS,
  applyConfidence,
  indicatorRank,
  md,
  shorten,
  summary,
} from './cards.js';

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

/** Card lines naming the drafts and medications involved, worded for the hook. */
export function involvedLines(
  drafts: ResolvedMedication[],
  others: ResolvedMedication[],
  hook: 'order-select' | 'order-sign' = 'order-sign',
  focus?: ReadonlySet<ResolvedMedication>,
): string[] {
  const lines: string[] = [];
  const ref = (m: ResolvedMedication): string => `${md(medicationLabel(m))}${m.key ? ` (${md(m.key)})` : ''}`;
  for (const d of drafts) {
    const role = hook === 'order-sign' ? 'Order being signed' : !focus || focus.has(d) ? 'Selected order' : 'Other draft order';
    lines.push(`- ${role}: ${ref(d)}`);
  }
  for (const o of others) lines.push(`- Active medication: ${ref(o)}`);
  return lines;
}

interface Side {
  ingredient: string;
  member: DdiMember;
  /** Best confidence with which any involved resource matched this ingredient. */
  confidence: MatchConfidence;
}

interface PairHit {
  pair: DdiPair;
  object: Side;
  precipitant: Side;
  indicator: Indicator;
  textOnly: boolean;
}

interface Finding {
  key: string;
  hits: PairHit[];
  /** Resources involved, drafts first. */
  drafts: ResolvedMedication[];
  others: Array<{ med: ResolvedMedication; isDraft: boolean }>;
}

/** A finding while the sweep runs (see pair-sweep.ts). */
interface OpenFinding extends Pushed {
  key: string;
  hits: PairHit[];
}

function memberFor(list: DdiMember[], ing: IngredientMatch): DdiMember | undefined {
  return list.find((m) => m.ingredient === ing.name || (m.rxcui !== undefined && m.rxcui === ing.rxcui));
}

/** Index tokens per ingredient (name and code), per table of pairs: "<pair id>:o" / "<pair id>:p". */
const tokenCache = new WeakMap<object, Map<string, string[]>>();

function ingredientTokens(
  table: object,
  ing: IngredientMatch,
  compute: () => string[],
): string[] {
  let byIng = tokenCache.get(table);
  if (!byIng) tokenCache.set(table, (byIng = new Map()));
  const key = `${ing.name}\u0001${ing.rxcui ?? ''}`;
  let t = byIng.get(key);
  if (!t) byIng.set(key, (t = compute()));
  return t;
}

const flip = (t: string): string => (t.endsWith(':o') ? `${t.slice(0, -2)}:p` : `${t.slice(0, -2)}:o`);

function ddiRule(pairs: DdiPair[]): PairRule<Array<{ key: string; hit: PairHit }>> {
  const tokensOf = (ing: IngredientMatch): string[] =>
    ingredientTokens(pairs, ing, () =>
      pairs.flatMap((p) => [...(memberFor(p.object, ing) ? [`${p.id}:o`] : []), ...(memberFor(p.precipitant, ing) ? [`${p.id}:p`] : [])]),
    );
  return {
    tokens: (m) => m.ingredients.flatMap(tokensOf),
    partners: (m) => m.ingredients.flatMap(tokensOf).map(flip),
    effect: (a, b) => hitsBetween(a, b, pairs).map((hit) => ({ key: [hit.object.ingredient, hit.precipitant.ingredient].sort().join('+'), hit })),
  };
}

function pairIndicator(o: DdiMember, p: DdiMember): Indicator {
  return o.tier === 'warning' || p.tier === 'warning' ? 'warning' : 'critical';
}

/** All ONC pair hits between two resolved medications (either may be the object). */
function hitsBetween(a: ResolvedMedication, b: ResolvedMedication, pairs: DdiPair[]): PairHit[] {
  const hits: PairHit[] = [];
  for (const pair of pairs) {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const oi of x.ingredients) {
        const om = memberFor(pair.object, oi);
        if (!om) continue;
        for (const pi of y.ingredients) {
          if (pi.name === oi.name) continue; // the same drug twice is duplication, not an interaction
          const pm = memberFor(pair.precipitant, pi);
          if (!pm) continue;
          const exists = hits.find(
            (h) =>
              h.pair.id === pair.id &&
              ((h.object.ingredient === oi.name && h.precipitant.ingredient === pi.name) ||
                (h.object.ingredient === pi.name && h.precipitant.ingredient === oi.name)),
          );
          if (exists) continue; // symmetric classes (QT) match both ways round
          const base = pairIndicator(om, pm);
          hits.push({
            pair,
            object: { ingredient: oi.name, member: om, confidence: oi.confidence },
            precipitant: { ingredient: pi.name, member: pm, confidence: pi.confidence },
            indicator: base,
            textOnly: false,
          });
        }
      }
    }
  }
  return hits;
}

function mergeHit(into: PairHit[], hit: PairHit): void {
  const existing = into.find(
    (h) => h.pair.id === hit.pair.id && h.object.ingredient === hit.object.ingredient && h.precipitant.ingredient === hit.precipitant.ingredient,
  );
  if (!existing) {
    into.push({ ...hit, object: { ...hit.object }, precipitant: { ...hit.precipitant } });
    return;
  }
  existing.object.confidence = betterConfidence(existing.object.confidence, hit.object.confidence);
  existing.precipitant.confidence = betterConfidence(existing.precipitant.confidence, hit.precipitant.confidence);
}

function finalise(hit: PairHit): PairHit {
  const worst = confidenceRank(hit.object.confidence) <= confidenceRank(hit.precipitant.confidence) ? hit.object.confidence : hit.precipitant.confidence;
  return { ...hit, indicator: applyConfidence(hit.indicator, worst), textOnly: worst === 'text' };
}

/**
 * Each draft in focus with each active medication (not the same resource), and each pair of drafts of which at
 * least one is in focus (not the same order listed twice): one finding per interacting ingredient pair. The
 * comparisons are swept by group (pair-sweep.ts), in time linear in the number of resources.
 */
export function findDdi({ drafts, active, knowledge, focus, hook }: DdiInput): Card[] {
  const findings = new Map<string, OpenFinding>();
  sweepPairs(drafts, active, focus, ddiRule(knowledge.ddi.pairs), (hits, visit) => {
    for (const { key, hit } of hits) {
      let f = findings.get(key);
      if (!f) findings.set(key, (f = { key, hits: [], ...pushed() }));
      mergeHit(f.hits, hit);
      pushVisit(f, visit);
    }
  });
  return [...findings.values()].map((f) =>
    ddiCard({ key: f.key, hits: f.hits, drafts: ordered(f.drafts), others: ordered(f.others).map((med) => ({ med, isDraft: false })) }, knowledge, hook, focus),
  );
}

/**
 * Whether a pair's management makes its critical members a contraindication (the summary then says so).
 * Pairs managed by "avoid" (atazanavir + PPI, irinotecan, QT) or with dose-adjusted members (rifabutin in
 * pair 10) are called a high-priority interaction instead, so the card never overstates the label.
 */
export function contraindicatedWhenCritical(management: string): boolean {
  return /contraindicated|do not combine/i.test(management) && !/^avoid/i.test(management) && !/rather than contraindicated/i.test(management);
}

function ddiCard(f: Finding, k: Knowledge, hook: 'order-select' | 'order-sign' = 'order-sign', focus?: ReadonlySet<ResolvedMedication>): Card {
  const hits = f.hits.map(finalise).sort((a, b) => indicatorRank(b.indicator) - indicatorRank(a.indicator) || a.pair.seq - b.pair.seq);
  const primary = hits[0]!;
  const indicator = primary.indicator;
  const obj = shorten(primary.object.ingredient, 45);
  const prec = shorten(primary.precipitant.ingredient, 45);
  const lead =
    indicator === 'critical'
      ? contraindicatedWhenCritical(primary.pair.management)
        ? 'Contraindicated'
        : 'High-priority interaction'
      : indicator === 'warning'
        ? 'Interaction'
        : 'Possible interaction';
  const text =
    `${lead}: ${obj} + ${prec} (ONC high-priority interaction)`.length <= SUMMARY_MAX
      ? `${lead}: ${obj} + ${prec} (ONC high-priority interaction)`
      : `${lead}: ${obj} + ${prec}`;

  const lines: string[] = [];
  for (const h of hits) {
    lines.push(`**${md(h.pair.objectClass)} + ${md(h.pair.precipitantClass)}** (ONC high-priority list, pair ${h.pair.seq})`);
    lines.push('');
    lines.push(`- Consequence: ${md(h.pair.consequence)}`);
    lines.push(`- Management: ${md(h.pair.management)}`);
    lines.push(`- Label basis: ${md(h.pair.labelBasis)}`);
    for (const side of [h.object, h.precipitant]) {
      if (side.member.tier === 'warning' && side.member.tierReason) {
        lines.push(`- ${md(side.ingredient)}: ${md(side.member.tierReason)} (warning tier)`);
      }
    }
    if (h.textOnly) {
      lines.push('- Matched by name, not by code: confirm the medication before acting (shown one tier lower).');
    }
    if (h.pair.membershipNote) lines.push(`- Membership note: ${md(h.pair.membershipNote)}`);
    lines.push('');
  }
  lines.push('Involved:');
  lines.push(...involvedLines(f.drafts, f.others.map((o) => o.med), hook, focus));
  lines.push('');
  lines.push(`Source: ${md(k.ddi.citation)}. hookwise knowledge ${k.version}.`);

  const suggestions: Suggestion[] = [];
  for (const d of f.drafts) {
    if (focus && !focus.has(d)) continue; // order-select: offer to remove the selected order, not the others
    const resourceId = resourceKey(d.resource);
    if (!resourceId) continue;
    const drug = d.ingredients.find((i) => i.name === primary.object.ingredient || i.name === primary.precipitant.ingredient)?.name ?? medicationLabel(d);
    const label = `Remove the ${shorten(drug, 60)} order`;
    suggestions.push({ label, actions: [{ type: 'delete', description: label, resourceId }] });
  }

  const drafts = f.drafts.map((d) => resourceKey(d.resource)).filter((id): id is string => id !== undefined);
  const card: Card = {
    finding: {
      key: `ddi:${[primary.object.ingredient, primary.precipitant.ingredient].sort().join('+')}`,
      ...(drafts.length ? { drafts } : {}),
    },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator,
    source: { label: 'hookwise: ONC high-priority drug–drug interactions', url: k.ddi.url, topic: { ...TOPICS.ddi } },
    overrideReasons: [OVERRIDES.benefitOutweighsRisk, OVERRIDES.doseAdjusted, OVERRIDES.notTaking].map((c) => ({ ...c })),
    links: [{ label: 'Phansalkar 2012 (JAMIA)', url: k.ddi.url, type: 'absolute' }],
  };
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return card;
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
  type Hit = { key: string; pair: DdiPairNi; a: string; b: string; coded: boolean };
  const isExcluded = (pair: DdiPairNi, ing: IngredientMatch): boolean => (pair.card?.excludeIngredients ?? []).includes(ing.name);
  const tokensOf = (ing: IngredientMatch): string[] =>
    ingredientTokens(pairs, ing, () =>
      pairs.flatMap((p) =>
        isExcluded(p, ing) ? [] : [...(niMember(p.object, ing) ? [`${p.id}:o`] : []), ...(niMember(p.precipitant, ing) ? [`${p.id}:p`] : [])],
      ),
    );
  const rule: PairRule<Hit[]> = {
    tokens: (m) => m.ingredients.flatMap(tokensOf),
    partners: (m) => m.ingredients.flatMap(tokensOf).map(flip),
    effect: (draft, other) => {
      const hits: Hit[] = [];
      for (const pair of pairs) {
        for (const [x, y] of [
          [draft, other],
          [other, draft],
        ] as const) {
          for (const oi of x.ingredients) {
            if (!niMember(pair.object, oi) || isExcluded(pair, oi)) continue;
            for (const pi of y.ingredients) {
              if (pi.name === oi.name || !niMember(pair.precipitant, pi) || isExcluded(pair, pi)) continue;
              hits.push({ key: `${pair.id}:${oi.name}+${pi.name}`, pair, a: oi.name, b: pi.name, coded: oi.confidence !== 'text' && pi.confidence !== 'text' });
            }
          }
        }
      }
      return hits;
    },
  };
  const open = new Map<string, Pushed & { pair: DdiPairNi; a: string; b: string; textOnly: boolean }>();
  sweepPairs(drafts, active, focus, rule, (hits, visit) => {
    for (const h of hits) {
      let f = open.get(h.key);
      if (!f) open.set(h.key, (f = { pair: h.pair, a: h.a, b: h.b, textOnly: true, ...pushed() }));
      if (h.coded) f.textOnly = false;
      pushVisit(f, visit);
    }
  });
  const findings = new Map([...open].map(([key, f]) => [key, { ...f, drafts: ordered(f.drafts), others: ordered(f.others) }]));
  return [...findings.values()].map((f) => {
    const card = f.pair.card!;
    const lines = [
      `**${md(f.a)} + ${md(f.b)}**: ${md(f.pair.name)} (ONC non-interruptive list, pair ${f.pair.seq}: shown as information only, no action required)`,
      '',
      `- ${md(card.note)}`,
      `- Basis of the note: ${md(card.noteBasis)}.`,
    ];
    if (f.textOnly) lines.push('- Matched by name, not by code: confirm the medication.');
    lines.push('', 'Involved:', ...involvedLines(f.drafts, f.others, hook, focus), '');
    lines.push(`Source: ${md(knowledge.nonInterruptive.citation)}. hookwise knowledge ${knowledge.version}.`);
    const draftKeys = f.drafts.map((d) => d.key).filter((k): k is string => k !== undefined);
    return {
      finding: { key: `ddi-ni:${[f.a, f.b].sort().join('+')}`, ...(draftKeys.length ? { drafts: draftKeys } : {}) },
      summary: summary(`${card.summary} (${f.a} + ${f.b})`.length <= SUMMARY_MAX ? `${card.summary} (${f.a} + ${f.b})` : card.summary),
      detail: lines.join('\n'),
      indicator: card.indicator,
      source: { label: 'hookwise: ONC non-interruptive drug–drug interactions', url: knowledge.nonInterruptive.url, topic: { ...TOPICS.ddi } },
      links: [{ label: 'Phansalkar 2013 (JAMIA)', url: knowledge.nonInterruptive.url, type: 'absolute' }],
    } satisfies Card;
  });
}
