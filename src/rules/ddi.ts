// order-sign: ONC high-priority drug–drug interactions (Phansalkar 2012) between the draft orders being signed
// and the patient's active medications, and between the drafts themselves. One card per interacting drug pair.
import { resourceKey } from '../knowledge/fhir.js';
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { DdiMember, DdiPair, Knowledge } from '../knowledge/index.js';
import { type IngredientMatch, type MatchConfidence, betterConfidence, confidenceRank } from '../knowledge/match.js';
import { type MedicationLookup, type ResolvedMedication, medicationLabel, resolveMedication } from '../knowledge/medications.js';
import {
  OVERRIDES,
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

function memberFor(list: DdiMember[], ing: IngredientMatch): DdiMember | undefined {
  return list.find((m) => m.ingredient === ing.name || (m.rxcui !== undefined && m.rxcui === ing.rxcui));
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

export function findDdi({ drafts, active, knowledge }: DdiInput): Card[] {
  const draftIds = new Set(drafts.map((d) => d.id).filter((id): id is string => id !== undefined));
  const others = active.filter((m) => m.id === undefined || !draftIds.has(m.id));
  const findings = new Map<string, Finding>();

  const record = (draft: ResolvedMedication, other: ResolvedMedication, isDraft: boolean): void => {
    for (const hit of hitsBetween(draft, other, knowledge.ddi.pairs)) {
      const key = [hit.object.ingredient, hit.precipitant.ingredient].sort().join('+');
      let f = findings.get(key);
      if (!f) {
        f = { key, hits: [], drafts: [], others: [] };
        findings.set(key, f);
      }
      mergeHit(f.hits, hit);
      if (!f.drafts.includes(draft)) f.drafts.push(draft);
      if (isDraft) {
        if (!f.drafts.includes(other)) f.drafts.push(other);
      } else if (!f.others.some((o) => o.med === other)) {
        f.others.push({ med: other, isDraft });
      }
    }
  };

  drafts.forEach((d, i) => {
    for (const m of others) record(d, m, false);
    for (const d2 of drafts.slice(i + 1)) record(d, d2, true);
  });

  return [...findings.values()].map((f) => ddiCard(f, knowledge));
}

/**
 * Whether a pair's management makes its critical members a contraindication (the summary then says so).
 * Pairs managed by "avoid" (atazanavir + PPI, irinotecan, QT) or with dose-adjusted members (rifabutin in
 * pair 10) are called a high-priority interaction instead, so the card never overstates the label.
 */
export function contraindicatedWhenCritical(management: string): boolean {
  return /contraindicated|do not combine/i.test(management) && !/^avoid/i.test(management) && !/rather than contraindicated/i.test(management);
}

function ddiCard(f: Finding, k: Knowledge): Card {
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
    `${lead}: ${obj} + ${prec} (ONC high-priority interaction)`.length <= 139
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
  for (const d of f.drafts) lines.push(`- Order being signed: ${md(medicationLabel(d))}${d.key ? ` (${md(d.key)})` : ''}`);
  for (const o of f.others) lines.push(`- Active medication: ${md(medicationLabel(o.med))}${o.med.key ? ` (${md(o.med.key)})` : ''}`);
  lines.push('');
  lines.push(`Source: ${md(k.ddi.citation)}. hookwise knowledge ${k.version}.`);

  const suggestions: Suggestion[] = [];
  for (const d of f.drafts) {
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
