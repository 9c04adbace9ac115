// Interaction pairs from FDA labels and safety communications (knowledge/label-interactions.json): opioid +
// benzodiazepine, sacubitril/valsartan + ACE inhibitor, colchicine + clarithromycin, lithium, warfarin with azoles
// and antibiotics, anticoagulant + antiplatelet, linezolid/methylene blue + serotonergic antidepressants, the
// simvastatin label's contraindications and dose caps, and others. Each card names the action, its source and link.
//
// order-select / order-sign: an ordered drug (a selected one at order-select) on one side, and on the other side
// a drug the patient takes or another order. patient-view: two drugs the patient already takes, one tier lower
// (a known, usually reviewed combination: a prompt to review, not an alarm).
// Linear: every medication is indexed by ingredient once; each pair row looks up its other side.
// Pure: (drafts, what the patient takes, knowledge) -> cards.
import type { Card, Coding, Indicator } from '../cds/types.js';
import type { Knowledge, LabelInteraction } from '../knowledge/index.js';
import { resourceKey } from '../fhir-read/datatypes.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { applyConfidence, lowerIndicator, md, OVERRIDES, shorten, summary, TOPICS } from './cards.js';

type Side = 'a' | 'b';

/** Ingredient → the rows and sides it is on, built once per knowledge. */
const indexCache = new WeakMap<Knowledge, Map<string, Array<{ row: LabelInteraction; side: Side }>>>();

function rowIndex(k: Knowledge): Map<string, Array<{ row: LabelInteraction; side: Side }>> {
  let idx = indexCache.get(k);
  if (idx) return idx;
  idx = new Map();
  for (const row of k.labelInteractions) {
    for (const side of ['a', 'b'] as const) {
      for (const name of row[side]) idx.set(name, [...(idx.get(name) ?? []), { row, side }]);
    }
  }
  indexCache.set(k, idx);
  return idx;
}

/** Medications with the same ingredients interact alike: they are checked once, as a group. */
interface Group {
  names: string[];
  members: ResolvedMedication[];
}

function groups(meds: ResolvedMedication[]): Group[] {
  const bySignature = new Map<string, Group>();
  for (const m of meds) {
    const names = [...new Set(m.ingredients.map((i) => i.name))].sort();
    const sig = names.join('+');
    const g = bySignature.get(sig);
    if (g) g.members.push(m);
    else bySignature.set(sig, { names, members: [m] });
  }
  return [...bySignature.values()];
}

function byIngredient(gs: Group[]): Map<string, Group[]> {
  const map = new Map<string, Group[]>();
  for (const g of gs) for (const n of g.names) map.set(n, [...(map.get(n) ?? []), g]);
  return map;
}

interface Hit {
  row: LabelInteraction;
  /** The ingredient on side a and on side b. */
  a: string;
  b: string;
  ordered: Set<ResolvedMedication>;
  partners: Set<ResolvedMedication>;
}

export interface LabelInteractionInput {
  /** The medications whose interactions are checked (selected drafts, drafts being signed, or what is taken). */
  subjects: ResolvedMedication[];
  /** What they are checked against (what is taken and the other drafts; at patient-view, what is taken). */
  others: ResolvedMedication[];
  knowledge: Knowledge;
  hook: 'patient-view' | 'order-select' | 'order-sign';
}

export function labelInteractionCards(input: LabelInteractionInput): Card[] {
  const k = input.knowledge;
  const idx = rowIndex(k);
  const others = byIngredient(groups(input.others));
  const hits = new Map<string, Hit>();
  // A combination product counts once per card: its ingredients on one side are named together
  // ("sulfamethoxazole/trimethoprim"), not one card each.
  const onSide = (g: Group, row: LabelInteraction, side: Side) => g.names.filter((n) => row[side].includes(n));
  for (const subject of groups(input.subjects)) {
    const rows = new Map<string, { row: LabelInteraction; side: Side }>();
    for (const name of subject.names) for (const r of idx.get(name) ?? []) rows.set(`${r.row.id}:${r.side}`, r);
    for (const { row, side } of rows.values()) {
      const otherSide: Side = side === 'a' ? 'b' : 'a';
      const mine = onSide(subject, row, side);
      const partners = new Set(row[otherSide].flatMap((name) => others.get(name) ?? []));
      for (const partner of partners) {
        if (partner.names.some((n) => mine.includes(n))) continue;
        const theirs = onSide(partner, row, otherSide);
        const [a, b] = side === 'a' ? [mine.join('/'), theirs.join('/')] : [theirs.join('/'), mine.join('/')];
        // At patient-view a pair of taken drugs is found from both ends: one card.
        const key = `${row.id}:${a}+${b}`;
        const hit = hits.get(key) ?? { row, a, b, ordered: new Set(), partners: new Set() };
        for (const m of subject.members) hit.ordered.add(m);
        for (const m of partner.members) hit.partners.add(m);
        hits.set(key, hit);
      }
    }
  }
  return [...hits.values()].map((h) => card(h, input.hook, k));
}

function confidence(meds: Iterable<ResolvedMedication>, names: string[]): MatchConfidence {
  names = names.flatMap((n) => n.split('/'));
  let worst: MatchConfidence = 'code';
  for (const m of meds) {
    for (const i of m.ingredients) {
      if (!names.includes(i.name)) continue;
      if (i.confidence === 'text') worst = 'text';
    }
  }
  return worst;
}

function fill(text: string, h: Hit): string {
  return text.replaceAll('{a}', h.a).replaceAll('{b}', h.b);
}

function overrideReasons(indicator: Indicator): Coding[] {
  const reasons = indicator === 'critical' ? [OVERRIDES.benefitOutweighsRisk, OVERRIDES.notTaking] : [OVERRIDES.doseAdjusted, OVERRIDES.benefitOutweighsRisk, OVERRIDES.notTaking];
  return reasons.map((r) => ({ ...r }));
}

function card(h: Hit, hook: LabelInteractionInput['hook'], k: Knowledge): Card {
  const textOnly = confidence([...h.ordered, ...h.partners], [h.a, h.b]) === 'text';
  let indicator = applyConfidence(h.row.indicator, textOnly ? 'text' : 'code');
  if (hook === 'patient-view') indicator = lowerIndicator(indicator);
  const list = (meds: Set<ResolvedMedication>) => [...meds].map((m) => md(medicationLabel(m))).join('; ');
  const partnersOnly = new Set([...h.partners].filter((m) => !h.ordered.has(m)));
  const lines = [
    hook === 'patient-view' ? `- **Taking:** ${list(new Set([...h.ordered, ...h.partners]))}` : `- **Ordered:** ${list(h.ordered)}`,
    ...(hook === 'patient-view' || partnersOnly.size === 0 ? [] : [`- **With:** ${list(partnersOnly)}`]),
    '',
    md(fill(h.row.management, h)),
    md(h.row.mechanism),
    ...(textOnly ? ['', 'Matched by name, not by code: confirm before acting (shown one tier lower).'] : []),
    '',
    `Source: ${md(h.row.source)}. hookwise knowledge ${k.version}.`,
  ];
  const drafts = hook === 'patient-view' ? [] : [...h.ordered].map((m) => resourceKey(m.resource)).filter((x): x is string => x !== undefined);
  const result: Card = {
    finding: { key: `label-ddi:${h.row.id}:${h.a}+${h.b}`, ...(drafts.length ? { drafts } : {}) },
    summary: summary(fill(h.row.summary, h)),
    detail: lines.join('\n'),
    indicator,
    source: { label: `hookwise: ${shorten(h.row.source, 80)}`, url: h.row.url, topic: { ...TOPICS.ddi } },
    links: [{ label: shorten(h.row.source, 100), url: h.row.url, type: 'absolute' }],
    overrideReasons: overrideReasons(h.row.indicator),
  };
  if (drafts.length) {
    const drug = shorten([...h.ordered][0]!.ingredients[0]?.name ?? 'drug', 50);
    result.suggestions = [
      { label: `Remove the ${drug} order`, actions: drafts.map((resourceId) => ({ type: 'delete' as const, description: `Remove the ${drug} order`, resourceId })) },
    ];
    result.selectionBehavior = 'at-most-one';
  }
  return result;
}
