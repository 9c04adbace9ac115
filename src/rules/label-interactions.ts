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
import type { Card, Coding, Suggestion } from '../cds/types.js';
import type { Knowledge, LabelInteraction } from '../knowledge/index.js';
import { RXNORM, resourceKey } from '../fhir-read/datatypes.js';
import type { MatchConfidence } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import {
  applyConfidence,
  lowerIndicator,
  md,
  OVERRIDES,
  patientViewOverrides,
  shorten,
  summary,
  TOPICS,
} from './cards.js';
import { type CapCheck, aboveSummary, capLine, checkCap } from './statin-dose-cap.js';
import { medicationOrder } from './suggested-orders.js';

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
  /** The patient, for a suggested order of the label's alternative; without it no order is suggested. */
  patientId?: string;
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
  // A dose-cap row (the simvastatin label with amlodipine, ranolazine, dronedarone): a statin dose known to be within
  // the cap gives no card (the label's instruction is met, nothing is left to do); above it or not stated, the card.
  return [...hits.values()].flatMap((h) => {
    const cap = h.row.doseCap;
    const check = cap ? checkCap([...h.ordered, ...h.partners], cap) : undefined;
    return check?.verdict === 'within' ? [] : [card(h, input, k, check)];
  });
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

/** The row's override reasons: each fits its card (no "dose adjusted" where the label contraindicates). */
function overrideReasons(row: LabelInteraction): Coding[] {
  return row.overrides.map((key) => ({ ...OVERRIDES[key] }));
}

/** The trace for integrators: the records and the RxNorm ingredient codes the finding rests on. */
function trace(h: Hit): { resources?: string[]; codes?: string[] } {
  const meds = [...h.ordered, ...h.partners];
  const names = [h.a, h.b].flatMap((n) => n.split('/'));
  const resources = [...new Set(meds.map((m) => resourceKey(m.resource)).filter((x): x is string => x !== undefined))];
  const codes = [
    ...new Set(
      meds.flatMap((m) =>
        m.ingredients.filter((i) => names.includes(i.name) && i.rxcui).map((i) => `${RXNORM}|${i.rxcui}`),
      ),
    ),
  ];
  return { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) };
}

/** "pantoprazole 40 MG Delayed Release Oral Tablet" → "pantoprazole 40 mg". */
function shortName(display: string): string {
  // Only ever our own knowledge's alternative products (short, fixed): no request text reaches this regex.
  // eslint-disable-next-line regexp/no-super-linear-backtracking
  const m = /^(.*?\d+(?:\.\d+)?)\s*MG\b/i.exec(display);
  return m?.[1] ? `${m[1].toLowerCase()} mg` : display;
}

function card(h: Hit, input: LabelInteractionInput, k: Knowledge, check?: CapCheck): Card {
  const hook = input.hook;
  const textOnly = confidence([...h.ordered, ...h.partners], [h.a, h.b]) === 'text';
  let indicator = applyConfidence(h.row.indicator, textOnly ? 'text' : 'code');
  if (hook === 'patient-view') indicator = lowerIndicator(indicator);
  const list = (meds: Set<ResolvedMedication>) => [...meds].map((m) => md(medicationLabel(m))).join('; ');
  const partnersOnly = new Set([...h.partners].filter((m) => !h.ordered.has(m)));
  const lines = [
    hook === 'patient-view'
      ? `- **Taking:** ${list(new Set([...h.ordered, ...h.partners]))}`
      : `- **Ordered:** ${list(h.ordered)}`,
    ...(hook === 'patient-view' || partnersOnly.size === 0 ? [] : [`- **With:** ${list(partnersOnly)}`]),
    ...(check && h.row.doseCap
      ? [
          `- ${md(capLine(check, h.row.doseCap, h.b, hook !== 'patient-view' && check.med && h.ordered.has(check.med) ? 'Ordered' : 'Taking'))}`,
        ]
      : []),
    '',
    md(fill(h.row.management, h)),
    '',
    md(fill(h.row.mechanism, h)),
    ...(textOnly ? ['', 'Matched by name, not by code: confirm before acting (shown one tier lower).'] : []),
    '',
    `Source: [${md(h.row.source)}](${h.row.url}). hookwise knowledge ${k.version}.`,
  ];
  const drafts =
    hook === 'patient-view'
      ? []
      : [...h.ordered].map((m) => resourceKey(m.resource)).filter((x): x is string => x !== undefined);
  const t = trace(h);
  const result: Card = {
    finding: {
      key: `label-ddi:${h.row.id}:${h.a}+${h.b}`,
      ...(drafts.length ? { drafts } : {}),
      ...(t.resources || t.codes ? { trace: t } : {}),
    },
    summary: summary(
      check?.verdict === 'above' && h.row.doseCap ? aboveSummary(check, h.row.doseCap, h.b) : fill(h.row.summary, h),
    ),
    detail: lines.join('\n'),
    indicator,
    source: { label: `hookwise: ${shorten(h.row.source, 80)}`, url: h.row.url, topic: { ...TOPICS.ddi } },
    links: [{ label: shorten(h.row.source, 100), url: h.row.url, type: 'absolute' }],
    overrideReasons: hook === 'patient-view' ? patientViewOverrides() : overrideReasons(h.row),
  };
  if (drafts.length) {
    const drug = shorten(orderedSide(h), 50);
    const removals = drafts.map((resourceId) => ({
      type: 'delete' as const,
      description: `Remove the ${drug} order`,
      resourceId,
    }));
    const suggestions: Suggestion[] = [];
    const alt = h.row.alternative;
    // The alternative replaces the draft only when the draft is the drug the label offers an alternative to.
    if (alt && input.patientId && sideOfOrdered(h) === alt.side) {
      const name = shortName(alt.display);
      suggestions.push({
        label: `Order ${name} instead of ${drug}`,
        isRecommended: true,
        actions: [
          ...removals,
          {
            type: 'create',
            description: `Order ${name}`,
            resource: medicationOrder(
              `Patient/${input.patientId}`,
              { code: alt.rxcui, display: alt.display },
              alt.dosage,
            ),
          },
        ],
      });
    }
    suggestions.push({ label: `Remove the ${drug} order`, actions: removals });
    result.suggestions = suggestions;
    result.selectionBehavior = 'at-most-one';
  }
  return result;
}

/** Which side of the row the ordered drug is on. */
function sideOfOrdered(h: Hit): 'a' | 'b' {
  const names = [...h.ordered].flatMap((m) => m.ingredients.map((i) => i.name));
  return h.b.split('/').some((n) => names.includes(n)) && !h.a.split('/').some((n) => names.includes(n)) ? 'b' : 'a';
}

/** The ordered drug's ingredient(s) on its side of the row ("omeprazole", "sulfamethoxazole/trimethoprim"). */
function orderedSide(h: Hit): string {
  return sideOfOrdered(h) === 'a' ? h.a : h.b;
}
