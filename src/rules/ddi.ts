// ONC high-priority drug–drug interactions (Phansalkar 2012). order-select / order-sign: the draft orders (the
// selected ones at order-select) with the patient's medications and with each other. patient-view: the medications
// the patient already takes, with each other, one tier lower (a known, usually reviewed combination). One card per
// interacting drug pair; a combination product counts once (amphetamine/dextroamphetamine is one section).
// Each card names the action from the label (knowledge `actions`, scripts/data/onc-ddi-actions.csv), the safer
// alternative where the label or the pair's management gives one, and links the label on DailyMed and the paper.
// QT pairs (pair 8) are tiered by ddi-qt.ts. Pure: (drafts, medications, potassium, knowledge, now) -> cards.
import { LOINC, RXNORM, isObject, resourceKey } from '../fhir-read/datatypes.js';
import { type PairRule, type Pushed, ordered, pushed, pushVisit, sweepPairs } from './pair-sweep.js';
import type { MedicationRequest } from 'fhir/r4.js';
import type { Card, Coding, Indicator, Link, Suggestion } from '../cds/types.js';
import { medicationOrder } from './suggested-orders.js';
import type { DdiAction, DdiMember, DdiPair, Knowledge, NonInterruptivePair as DdiPairNi } from '../knowledge/index.js';
import { type IngredientMatch, type MatchConfidence, betterConfidence } from '../knowledge/drugs/match.js';
import { ingredientCache, perIngredient } from '../knowledge/drugs/ingredient-cache.js';
import { type ResolvedMedication, medicationLabel, resolveMedication } from '../knowledge/drugs/medications.js';
import type { MedicationLookup } from '../fhir-read/medication-records.js';
import type { LabResult } from '../fhir-read/observations.js';
import { type QtTier, isOneTimeDose, latestPotassium, qtTier } from './ddi-qt.js';
import { type CapCheck, aboveSummary, capLine, checkCap, withinSummary } from './statin-dose-cap.js';
import {
  OVERRIDES,
  SUMMARY_MAX,
  TOPICS,
  applyConfidence,
  indicatorRank,
  lowerIndicator,
  maxIndicator,
  md,
  patientViewOverrides,
  shorten,
  summary,
} from './cards.js';

/** The inputs of the drug-pair rules (ONC pairs, duplicates, non-interruptive pairs) at order-select / order-sign. */
export interface PairInput {
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

/** The ONC rule's inputs: also at patient-view (`drafts` are then what the patient takes), with the potassium. */
export interface DdiInput extends Omit<PairInput, 'hook'> {
  hook?: 'order-select' | 'order-sign' | 'patient-view';
  /** The `potassium` prefetch value (Observations): a low potassium makes a QT pair critical. */
  potassium?: unknown;
  /** The invocation's clock: dates on the card, the potassium look-back. Without it no potassium is read. */
  now?: Date;
}

/** Card lines naming the drafts and medications involved, worded for the hook (their ids go in the trace). */
export function involvedLines(
  drafts: ResolvedMedication[],
  others: ResolvedMedication[],
  hook: 'order-select' | 'order-sign' = 'order-sign',
  focus?: ReadonlySet<ResolvedMedication>,
): string[] {
  const lines: string[] = [];
  const ref = (m: ResolvedMedication): string => md(medicationLabel(m));
  for (const d of drafts) {
    const role =
      hook === 'order-sign' ? 'Order being signed' : !focus || focus.has(d) ? 'Selected order' : 'Other draft order';
    lines.push(`- ${role}: ${ref(d)}`);
  }
  for (const o of others) lines.push(`- Active medication: ${ref(o)}`);
  return lines;
}

function memberFor(list: DdiMember[], ing: IngredientMatch): DdiMember | undefined {
  return list.find((m) => m.ingredient === ing.name || (m.rxcui !== undefined && m.rxcui === ing.rxcui));
}

/** Index tokens per ingredient (name and code), per table of pairs: "<pair id>:o" / "<pair id>:p". */
const tokenCache = ingredientCache<string[]>();

function ingredientTokens(table: object, ing: IngredientMatch, compute: () => string[]): string[] {
  return perIngredient(tokenCache, table, ing, compute);
}

const flip = (t: string): string => (t.endsWith(':o') ? `${t.slice(0, -2)}:p` : `${t.slice(0, -2)}:o`);

/** The pairs an ingredient is a member of (by position in the table), with the member it matches on each side. */
interface Membership {
  pair: number;
  object: DdiMember | undefined;
  precipitant: DdiMember | undefined;
}

/**
 * Per table of pairs, per ingredient (name and code): its memberships, in the table's order. An ingredient is in a
 * handful of the table's pairs, and the QT class alone has dozens of members: looked up once, not per comparison.
 */
const membershipCache = ingredientCache<Membership[]>();

function memberships(pairs: DdiPair[], ing: IngredientMatch): Membership[] {
  return perIngredient(membershipCache, pairs, ing, () => {
    const list: Membership[] = [];
    pairs.forEach((pair, n) => {
      const object = memberFor(pair.object, ing);
      const precipitant = memberFor(pair.precipitant, ing);
      if (object || precipitant) list.push({ pair: n, object, precipitant });
    });
    return list;
  });
}

type Matched = { i: IngredientMatch; member: DdiMember };

/** A resource's ingredients on each side of each pair they are members of (pair position → sides, in order). */
type ResourceSides = Map<number, { objects: Matched[]; precipitants: Matched[] }>;

/** Computed per call (the rule keeps them for its sweep): resolved medications are new objects every call. */
function resourceSides(pairs: DdiPair[], m: ResolvedMedication): ResourceSides {
  const sides: ResourceSides = new Map();
  for (const i of m.ingredients) {
    for (const { pair, object, precipitant } of memberships(pairs, i)) {
      let s = sides.get(pair);
      if (!s) sides.set(pair, (s = { objects: [], precipitants: [] }));
      if (object) s.objects.push({ i, member: object });
      if (precipitant) s.precipitants.push({ i, member: precipitant });
    }
  }
  return sides;
}

function sidesIn(
  cache: Map<ResolvedMedication, ResourceSides>,
  pairs: DdiPair[],
  m: ResolvedMedication,
): ResourceSides {
  let s = cache.get(m);
  if (!s) cache.set(m, (s = resourceSides(pairs, m)));
  return s;
}

/** The pairs (by position, ascending) in which one resource has an object-side member and the other a precipitant. */
function sharedPairs(sa: ResourceSides, sb: ResourceSides): number[] {
  const out: number[] = [];
  const [small, large] = sa.size <= sb.size ? [sa, sb] : [sb, sa];
  for (const [n, s] of small) {
    const t = large.get(n);
    if (!t) continue;
    if ((s.objects.length > 0 && t.precipitants.length > 0) || (t.objects.length > 0 && s.precipitants.length > 0))
      out.push(n);
  }
  return out.sort((x, y) => x - y);
}

const NO_MATCHES: Matched[] = [];

/** One ingredient of a side, with the member it matched and the best confidence of any resource matching it. */
interface SideIngredient {
  name: string;
  rxcui?: string;
  member: DdiMember;
  confidence: MatchConfidence;
}

/** One ONC pair between two drugs: each side's ingredients together (a combination product counts once). */
export interface PairHit {
  pair: DdiPair;
  object: SideIngredient[];
  precipitant: SideIngredient[];
}

const sideLabel = (side: SideIngredient[]): string => side.map((i) => i.name).join('/');

/** The finding a hit belongs to: the two drugs, whichever is the object. */
const findingKey = (hit: PairHit): string => [sideLabel(hit.object), sideLabel(hit.precipitant)].sort().join('+');

const ingredientNames = (m: ResolvedMedication): Set<string> => new Set(m.ingredients.map((i) => i.name));

/**
 * Whether an object-side ingredient of x pairs with a precipitant-side ingredient of y: never an ingredient with
 * itself, nor a combination both hold with its own ingredients (x's names `nx`, y's `ny`).
 */
function pairsWith(o: IngredientMatch, p: IngredientMatch, nx: Set<string>, ny: Set<string>): boolean {
  return o.name !== p.name && !(ny.has(o.name) && nx.has(p.name));
}

function sideOf(list: Matched[]): SideIngredient[] {
  return list
    .map(({ i, member }) => ({
      name: i.name,
      ...(i.rxcui ? { rxcui: i.rxcui } : {}),
      member,
      confidence: i.confidence,
    }))
    .sort((p, q) => p.name.localeCompare(q.name));
}

/**
 * The ONC pair hits between two resolved medications (either may be the object): per pair and direction, the
 * ingredients of one on the object side and of the other on the precipitant side, each side as one section. An
 * ingredient never pairs with itself (duplication, not an interaction), and a combination product held by both
 * resources does not pair with itself either (its own ingredients on both sides).
 */
export function ddiEffect(
  a: ResolvedMedication,
  b: ResolvedMedication,
  pairs: DdiPair[],
  sides: Map<ResolvedMedication, ResourceSides> = new Map(),
): Array<{ key: string; hit: PairHit }> {
  const sa = sidesIn(sides, pairs, a);
  const sb = sidesIn(sides, pairs, b);
  const shared = sharedPairs(sa, sb);
  if (shared.length === 0) return [];
  const hits: PairHit[] = [];
  const na = ingredientNames(a);
  const nb = ingredientNames(b);
  for (const n of shared) {
    const pair = pairs[n]!;
    for (let dir = 0; dir < 2; dir++) {
      const [sx, sy, nx, ny] = dir === 0 ? [sa, sb, na, nb] : [sb, sa, nb, na];
      const objects = sx.get(n)?.objects ?? NO_MATCHES;
      const precipitants = sy.get(n)?.precipitants ?? NO_MATCHES;
      if (objects.length === 0 || precipitants.length === 0) continue;
      const obj = objects.filter((o) => precipitants.some((p) => pairsWith(o.i, p.i, nx, ny)));
      const prec = precipitants.filter((p) => objects.some((o) => pairsWith(o.i, p.i, nx, ny)));
      if (obj.length === 0 || prec.length === 0) continue;
      const hit: PairHit = { pair, object: sideOf(obj), precipitant: sideOf(prec) };
      // Symmetric classes (QT) match both ways round: one section.
      if (
        hits.some(
          (h) =>
            h.pair.id === pair.id &&
            sideLabel(h.object) === sideLabel(hit.precipitant) &&
            sideLabel(h.precipitant) === sideLabel(hit.object),
        )
      )
        continue;
      hits.push(hit);
    }
  }
  return hits.map((hit) => ({ key: findingKey(hit), hit }));
}

/** A resource's tokens: its ingredients' (cached per ingredient), without a copy for the usual single ingredient. */
function resourceTokens<T>(
  m: ResolvedMedication,
  table: T,
  of: (table: T, ing: IngredientMatch) => string[],
): readonly string[] {
  return m.ingredients.length === 1 ? of(table, m.ingredients[0]!) : m.ingredients.flatMap((i) => of(table, i));
}

function ddiTokens(pairs: DdiPair[], ing: IngredientMatch): string[] {
  return ingredientTokens(pairs, ing, () =>
    pairs.flatMap((p) => [
      ...(memberFor(p.object, ing) ? [`${p.id}:o`] : []),
      ...(memberFor(p.precipitant, ing) ? [`${p.id}:p`] : []),
    ]),
  );
}

function ddiPartners(pairs: DdiPair[], ing: IngredientMatch): string[] {
  return ingredientTokens(partnerTables(pairs), ing, () => ddiTokens(pairs, ing).map(flip));
}

// Methods, not arrow properties: the rule is made every call, and an arrow's name is set when it is made.
function ddiRule(pairs: DdiPair[]): PairRule<Array<{ key: string; hit: PairHit }>> {
  // Each resource meets several others in a sweep: its sides are worked out once.
  const sides = new Map<ResolvedMedication, ResourceSides>();
  return {
    tokens(m) {
      return resourceTokens(m, pairs, ddiTokens);
    },
    partners(m) {
      return resourceTokens(m, pairs, ddiPartners);
    },
    effect(a, b) {
      return ddiEffect(a, b, pairs, sides);
    },
  };
}

/** A key object per table for the partner tokens' cache (the table itself keys its tokens). */
const partnerKeys = new WeakMap<object, object>();

function partnerTables(table: object): object {
  let key = partnerKeys.get(table);
  if (!key) partnerKeys.set(table, (key = {}));
  return key;
}

/** Adds a hit to a finding's hits: a known section keeps the best confidence of each ingredient. */
export function mergeHit(into: PairHit[], hit: PairHit): void {
  const existing = into.find(
    (h) =>
      h.pair.id === hit.pair.id &&
      sideLabel(h.object) === sideLabel(hit.object) &&
      sideLabel(h.precipitant) === sideLabel(hit.precipitant),
  );
  if (!existing) {
    into.push({
      ...hit,
      object: hit.object.map((i) => ({ ...i })),
      precipitant: hit.precipitant.map((i) => ({ ...i })),
    });
    return;
  }
  for (const [mine, theirs] of [
    [existing.object, hit.object],
    [existing.precipitant, hit.precipitant],
  ] as const) {
    mine.forEach((i, n) => (i.confidence = betterConfidence(i.confidence, theirs[n]!.confidence)));
  }
}

/** A finding ready for its card: the hits, and the resources involved in the order the literal loop met them. */
export interface DdiFinding {
  key: string;
  hits: PairHit[];
  drafts: ResolvedMedication[];
  others: ResolvedMedication[];
}

/** What the card rule needs besides the finding. */
export interface DdiCardContext {
  knowledge: Knowledge;
  hook: 'order-select' | 'order-sign' | 'patient-view';
  focus?: ReadonlySet<ResolvedMedication>;
  potassium?: LabResult;
  now?: Date;
}

/**
 * Each draft in focus with each active medication (not the same resource), and each pair of drafts of which at
 * least one is in focus (not the same order listed twice): one finding per interacting drug pair. The comparisons
 * are swept by group (pair-sweep.ts), in time linear in the number of resources. At patient-view the drafts are
 * what the patient takes and nothing is active: every pair of them is compared once.
 */
export function findDdi({ drafts, active, knowledge, focus, hook = 'order-sign', potassium, now }: DdiInput): Card[] {
  const findings = new Map<string, Pushed & { key: string; hits: PairHit[] }>();
  sweepPairs(drafts, active, focus, ddiRule(knowledge.ddi.pairs), (hits, visit) => {
    for (const { key, hit } of hits) {
      let f = findings.get(key);
      if (!f) findings.set(key, (f = { key, hits: [], ...pushed() }));
      mergeHit(f.hits, hit);
      pushVisit(f, visit);
    }
  });
  const lab = now && potassium !== undefined ? latestPotassium(potassium, now, knowledge) : undefined;
  const ctx: DdiCardContext = {
    knowledge,
    hook,
    ...(focus ? { focus } : {}),
    ...(lab ? { potassium: lab } : {}),
    ...(now ? { now } : {}),
  };
  return [...findings.values()].map((f) =>
    ddiCard({ key: f.key, hits: f.hits, drafts: ordered(f.drafts), others: ordered(f.others) }, ctx),
  );
}

/**
 * Whether a pair's management makes its critical members a contraindication. Pairs managed by "avoid"
 * (atazanavir + PPI, irinotecan, QT) or with dose-adjusted members (rifabutin in pair 10) are not, so the card never
 * overstates the label. The cards read each action's own `contraindicated` (knowledge); this stays as a check
 * that the two agree.
 */
export function contraindicatedWhenCritical(management: string): boolean {
  return (
    /contraindicated|do not combine/i.test(management) &&
    !/^avoid/i.test(management) &&
    !/rather than contraindicated/i.test(management)
  );
}

/** The action for a section: the first whose named ingredients it holds (the pair's last action matches any). */
export function actionFor(hit: PairHit): DdiAction | undefined {
  const has = (names: string[] | undefined, side: SideIngredient[]) =>
    !names || side.some((i) => names.includes(i.name));
  return hit.pair.actions?.find((a) => has(a.object, hit.object) && has(a.precipitant, hit.precipitant));
}

/** `{o}` and `{p}` filled with the drugs found; `enc` for a URL. */
function fill(text: string, hit: PairHit, enc = false): string {
  if (!text.includes('{')) return text;
  const o = enc ? encodeURIComponent(hit.object[0]!.name).replace(/%20/g, '+') : sideLabel(hit.object);
  const p = enc ? encodeURIComponent(hit.precipitant[0]!.name).replace(/%20/g, '+') : sideLabel(hit.precipitant);
  return text.replaceAll('{o}', o).replaceAll('{p}', p);
}

/** Capitalised for the start of a sentence or a bold heading. */
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

interface Section {
  hit: PairHit;
  action: DdiAction | undefined;
  indicator: Indicator;
  textOnly: boolean;
  /** The tier before any QT factor, name match or hook: the label's (warning: a dose or timing adjustment). */
  base: Indicator;
  qt?: QtTier;
  /** A label dose cap (simvastatin, lovastatin): the statin's dose against it, and whether the statin is a draft. */
  cap?: { check: CapCheck; ordered: boolean };
}

function section(
  hit: PairHit,
  involved: ResolvedMedication[],
  ctx: DdiCardContext,
  drafts: ResolvedMedication[] = [],
): Section {
  const action = actionFor(hit);
  // A section is critical when some pairing of its ingredients is critical on both sides (member tiers).
  const pairTier: Indicator =
    hit.object.some((i) => i.member.tier === 'critical') && hit.precipitant.some((i) => i.member.tier === 'critical')
      ? 'critical'
      : 'warning';
  const base = action?.tier ?? pairTier;
  let indicator: Indicator = base;
  let qt: QtTier | undefined;
  const q = hit.pair.qtTiering;
  if (q) {
    const holds = (side: SideIngredient[]) =>
      involved.filter((m) => m.ingredients.some((i) => side.some((s) => s.name === i.name)));
    qt = qtTier(
      q,
      { a: hit.object.map((i) => i.name), b: hit.precipitant.map((i) => i.name) },
      { a: holds(hit.object), b: holds(hit.precipitant) },
      ctx.potassium,
      ctx.now,
      ctx.knowledge,
    );
    indicator = qt.indicator;
  }
  // A dose-cap action (warning tier): a statin dose known to be within the label's cap drops to info.
  let cap: Section['cap'];
  if (action?.doseCap && base === 'warning') {
    const check = checkCap(involved, action.doseCap);
    cap = { check, ordered: ctx.hook !== 'patient-view' && check.med !== undefined && drafts.includes(check.med) };
    if (check.verdict === 'within') indicator = 'info';
  }
  const textOnly = [...hit.object, ...hit.precipitant].some((i) => i.confidence === 'text');
  indicator = applyConfidence(indicator, textOnly ? 'text' : 'code');
  if (ctx.hook === 'patient-view') indicator = lowerIndicator(indicator);
  return { hit, action, indicator, textOnly, base, ...(qt ? { qt } : {}), ...(cap ? { cap } : {}) };
}

/** The summary: what to do, from the label (QT: from the factor that set the tier). */
function summaryOf(s: Section): string {
  const q = s.hit.pair.qtTiering;
  let text: string;
  if (q && s.qt?.oneTime && s.qt.raisedBy.length === 0) text = fill(q.singleDoseSummary, s.hit);
  else if (q && s.qt && s.qt.raisedBy.length > 0)
    text = fill(q.criticalSummary, s.hit).replace('{factor}', s.qt.raisedBy.map((f) => f.short).join(', '));
  else if (s.action?.doseCap && s.cap?.check.verdict === 'within')
    text = withinSummary(s.cap.check, s.action.doseCap, sideLabel(s.hit.precipitant));
  else if (s.action?.doseCap && s.cap?.check.verdict === 'above')
    text = aboveSummary(s.cap.check, s.action.doseCap, sideLabel(s.hit.precipitant));
  else if (s.action) text = fill(s.action.summary, s.hit);
  else text = `Interaction: ${sideLabel(s.hit.object)} + ${sideLabel(s.hit.precipitant)}`;
  return summary(cap(text));
}

function roleOf(m: ResolvedMedication, isDraft: boolean, ctx: DdiCardContext): string {
  if (ctx.hook === 'patient-view') return 'Taking';
  if (!isDraft) return 'Taking';
  if (ctx.hook === 'order-sign') return 'Order being signed';
  return !ctx.focus || ctx.focus.has(m) ? 'Selected order' : 'Other draft order';
}

function sectionLines(s: Section, ctx: DdiCardContext, first: boolean): string[] {
  const { hit } = s;
  const heading = `**${md(cap(sideLabel(hit.object)))} + ${md(sideLabel(hit.precipitant))}**`;
  if (!first) return [`- ${heading}: ${md(summaryOf(s))}`];
  const lines = [heading, ''];
  lines.push(`- Risk: ${md(hit.pair.consequence.replace(/\s*->\s*/g, ': '))}`);
  if (s.action) {
    lines.push(`- What to do: ${md(cap(fill(s.action.summary, hit)))}`);
    if (s.action.contraindicated && s.indicator === 'critical')
      lines.push('- The label contraindicates this combination.');
    if (s.action.alternative) lines.push(`- Safer alternative: ${md(cap(fill(s.action.alternative, hit)))}`);
    if (s.action.doseCap && s.cap) {
      lines.push(
        `- ${md(capLine(s.cap.check, s.action.doseCap, sideLabel(hit.precipitant), s.cap.ordered ? 'Ordered' : 'Taking'))}`,
      );
      if (s.cap.check.verdict === 'within')
        lines.push('- Within the label cap: no dose change needed; ask about muscle pain or weakness.');
    }
  }
  if (s.qt) {
    const q = hit.pair.qtTiering!;
    for (const f of s.qt.raisedBy)
      lines.push(`- Critical because ${md(f.line.charAt(0).toLowerCase() + f.line.slice(1))}`);
    if (s.qt.raisedBy.length === 0)
      lines.push('- Warning: no label contraindicates this pair and no low potassium was found.');
    if (s.qt.oneTime)
      lines.push(
        s.qt.raisedBy.length === 0
          ? '- One tier lower: a one-time dose (a single peri-operative dose or an anaesthetic).'
          : '- A one-time dose, but not lowered: the factor above holds for a single dose too.',
      );
    lines.push(`- ${md(q.notRead)}.`);
  }
  if (s.textOnly)
    lines.push('- Matched by name, not by code: confirm the medication before acting (shown one tier lower).');
  if (ctx.hook === 'patient-view')
    lines.push('- Both are already taken: shown one tier lower than at ordering, as a prompt to review.');
  return lines;
}

/** The card for one finding (exported for the reference implementation of the pair sweep). */
export function ddiCard(f: DdiFinding, ctx: DdiCardContext): Card {
  const involved = [...f.drafts, ...f.others];
  const sections = f.hits
    .map((h) => section(h, involved, ctx, f.drafts))
    .sort((a, b) => indicatorRank(b.indicator) - indicatorRank(a.indicator) || a.hit.pair.seq - b.hit.pair.seq);
  const primary = sections[0]!;
  const indicator = sections.reduce<Indicator>((worst, s) => maxIndicator(worst, s.indicator), 'info');
  const k = ctx.knowledge;

  const lines: string[] = [];
  sections.forEach((s, n) => {
    if (n === 1) lines.push('', 'Also between these drugs:');
    lines.push(...sectionLines(s, ctx, n === 0));
  });
  lines.push('');
  const oneTime = (m: ResolvedMedication) =>
    primary.hit.pair.qtTiering && isOneTimeDose(m, primary.hit.pair.qtTiering) ? ' (one-time dose)' : '';
  for (const d of f.drafts) lines.push(`- ${roleOf(d, true, ctx)}: ${md(medicationLabel(d))}${oneTime(d)}`);
  for (const o of f.others) lines.push(`- ${roleOf(o, false, ctx)}: ${md(medicationLabel(o))}${oneTime(o)}`);
  lines.push('');
  lines.push(
    `Source: ${md(cap(primary.action?.label ? fill(primary.action.label, primary.hit) : primary.hit.pair.labelBasis))}; ONC high-priority interaction list (Phansalkar 2012). hookwise knowledge ${k.version}.`,
  );

  const links: Link[] = [];
  const addLink = (label: string, url: string) => {
    if (!links.some((l) => l.url === url)) links.push({ label: shorten(label, 100), url, type: 'absolute' });
  };
  for (const s of sections) {
    if (s.action) addLink(cap(fill(s.action.label, s.hit)), fill(s.action.url, s.hit, true));
    for (const fct of s.qt?.raisedBy ?? []) if (fct.link) addLink(fct.link.label, fct.link.url);
  }
  addLink('Phansalkar 2012, high-priority drug–drug interactions (JAMIA)', k.ddi.url);

  const suggestions: Suggestion[] = [];
  // A statin dose within the label cap (info): nothing to remove.
  const withinCap = indicator === 'info' && primary.cap?.check.verdict === 'within';
  if (ctx.hook !== 'patient-view' && !withinCap) {
    for (const d of f.drafts) {
      if (ctx.focus && !ctx.focus.has(d)) continue; // order-select: offer to remove the selected order, not the others
      const resourceId = resourceKey(d.resource);
      if (!resourceId) continue;
      const names = [...primary.hit.object, ...primary.hit.precipitant].map((i) => i.name);
      const drug =
        d.ingredients
          .filter((i) => names.includes(i.name))
          .map((i) => i.name)
          .join('/') || medicationLabel(d);
      const label = `Remove the ${shorten(drug, 60)} order`;
      const remove = { type: 'delete' as const, description: label, resourceId };
      const instead = alternativeOrder(primary, d, k);
      if (instead) {
        const name = instead.name;
        suggestions.push({
          label: `Order ${name} instead of ${shorten(drug, 50)}`,
          // One recommendation per card (cds-resp-1), however many drafts it offers to replace.
          ...(suggestions.some((x) => x.isRecommended) ? {} : { isRecommended: true }),
          actions: [
            remove,
            {
              type: 'create',
              description: `Order ${name} (choose the product and dose)`,
              resource: instead.order,
            },
          ],
        });
      }
      suggestions.push({ label, actions: [remove] });
    }
  }

  const drafts =
    ctx.hook === 'patient-view'
      ? []
      : f.drafts.map((d) => resourceKey(d.resource)).filter((id): id is string => id !== undefined);
  const resources = [...(ctx.hook === 'patient-view' ? f.drafts : []), ...f.others]
    .map((m) => resourceKey(m.resource))
    .filter((id): id is string => id !== undefined);
  const codeSet = new Set<string>();
  for (const s of sections)
    for (const side of [s.hit.object, s.hit.precipitant]) for (const i of side) if (i.rxcui) codeSet.add(i.rxcui);
  const codes = [...codeSet].map((c) => `${RXNORM}|${c}`);
  for (const s of sections) {
    for (const fct of s.qt?.raisedBy ?? []) {
      if (!fct.lab) continue;
      if (fct.lab.id) resources.push(`Observation/${fct.lab.id}`);
      codes.push(`${LOINC}|${fct.lab.code}`);
    }
  }
  const contraindicated = sections.some((s) => s.action?.contraindicated && s.indicator === 'critical');
  const doseAdjustable = !contraindicated && primary.base === 'warning' && !primary.hit.pair.qtTiering;
  const overrides: Coding[] =
    ctx.hook === 'patient-view'
      ? patientViewOverrides()
      : (doseAdjustable
          ? [OVERRIDES.doseAdjusted, OVERRIDES.benefitOutweighsRisk, OVERRIDES.notTaking]
          : [OVERRIDES.benefitOutweighsRisk, OVERRIDES.notTaking]
        ).map((c) => ({ ...c }));

  const card: Card = {
    finding: {
      key: `ddi:${f.key}`,
      ...(drafts.length ? { drafts } : {}),
      trace: {
        ...(resources.length ? { resources: [...new Set(resources)] } : {}),
        ...(codes.length ? { codes: [...new Set(codes)] } : {}),
      },
    },
    summary: summaryOf(primary),
    detail: lines.join('\n'),
    indicator,
    source: {
      label: 'hookwise: ONC high-priority drug–drug interactions',
      url: links[0]!.url,
      topic: { ...TOPICS.ddi },
    },
    overrideReasons: overrides,
    links,
  };
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}

/**
 * The alternative the action names (azithromycin in place of clarithromycin), as a draft order for the draft's
 * patient, when the draft is on the side it replaces: ordered by the ingredient's RxCUI, the product and dose left
 * to the prescriber. None when the knowledge has no code for it or the draft names no patient.
 */
function alternativeOrder(
  s: Section,
  draft: ResolvedMedication,
  k: Knowledge,
): { name: string; order: MedicationRequest } | undefined {
  const alt = s.action?.alternativeOrder;
  if (!alt) return undefined;
  const replaced = alt.side === 'object' ? s.hit.object : s.hit.precipitant;
  if (!draft.ingredients.some((i) => replaced.some((r) => r.name === i.name))) return undefined;
  const rxcui = k.ingredients.byName.get(alt.ingredient)?.rxcui;
  const subject = isObject(draft.resource.subject) ? draft.resource.subject.reference : undefined;
  if (!rxcui || typeof subject !== 'string') return undefined;
  const order = medicationOrder(
    subject,
    { code: rxcui, display: alt.ingredient },
    'Choose the product, dose and duration',
  );
  return { name: alt.ingredient, order };
}

export function resolveAll(resources: unknown[], k: Knowledge, lookup: MedicationLookup): ResolvedMedication[] {
  return resources.map((r) => resolveMedication(r, k, lookup));
}

// ---------- ONC non-interruptive list (Phansalkar 2013): info cards for the few pairs chosen in knowledge ----------

function niMember(list: Array<{ ingredient: string; rxcui: string }>, ing: IngredientMatch): boolean {
  return list.some((m) => m.ingredient === ing.name || m.rxcui === ing.rxcui);
}

type NiHit = { key: string; pair: DdiPairNi; a: string; b: string; coded: boolean };

function niExcluded(pair: DdiPairNi, ing: IngredientMatch): boolean {
  return (pair.card?.excludeIngredients ?? []).includes(ing.name);
}

function niTokens(pairs: DdiPairNi[], ing: IngredientMatch): string[] {
  return ingredientTokens(pairs, ing, () =>
    pairs.flatMap((p) =>
      niExcluded(p, ing)
        ? []
        : [...(niMember(p.object, ing) ? [`${p.id}:o`] : []), ...(niMember(p.precipitant, ing) ? [`${p.id}:p`] : [])],
    ),
  );
}

function niPartners(pairs: DdiPairNi[], ing: IngredientMatch): string[] {
  return ingredientTokens(partnerTables(pairs), ing, () => niTokens(pairs, ing).map(flip));
}

function niEffect(pairs: DdiPairNi[], draft: ResolvedMedication, other: ResolvedMedication): NiHit[] {
  const hits: NiHit[] = [];
  for (const pair of pairs) {
    for (const [x, y] of [
      [draft, other],
      [other, draft],
    ] as const) {
      for (const oi of x.ingredients) {
        if (!niMember(pair.object, oi) || niExcluded(pair, oi)) continue;
        for (const pi of y.ingredients) {
          if (pi.name === oi.name || !niMember(pair.precipitant, pi) || niExcluded(pair, pi)) continue;
          hits.push({
            key: `${pair.id}:${oi.name}+${pi.name}`,
            pair,
            a: oi.name,
            b: pi.name,
            coded: oi.confidence !== 'text' && pi.confidence !== 'text',
          });
        }
      }
    }
  }
  return hits;
}

/** The rule holds no state of a call: one per table. */
const niRules = new WeakMap<DdiPairNi[], PairRule<NiHit[]>>();

function niRule(pairs: DdiPairNi[]): PairRule<NiHit[]> {
  let rule = niRules.get(pairs);
  if (!rule) {
    rule = {
      tokens(m) {
        return resourceTokens(m, pairs, niTokens);
      },
      partners(m) {
        return resourceTokens(m, pairs, niPartners);
      },
      effect(draft, other) {
        return niEffect(pairs, draft, other);
      },
    };
    niRules.set(pairs, rule);
  }
  return rule;
}

/** The pairs with a card, one array per table: the token cache is keyed by it, so it must outlive the call. */
const cardedCache = new WeakMap<DdiPairNi[], DdiPairNi[]>();

function carded(all: DdiPairNi[]): DdiPairNi[] {
  let pairs = cardedCache.get(all);
  if (!pairs) cardedCache.set(all, (pairs = all.filter((p) => p.card)));
  return pairs;
}

/**
 * Info cards for the pairs of the ONC non-interruptive list that carry a `card` in knowledge (pair 33, ACE
 * inhibitor + NSAID); every other pair stays silent by design (knowledge/README.md). Members of the pair named by
 * `excludeIngredients` (the salicylates, pair 1) never trigger the card. Same comparisons as findDdi.
 */
export function findNonInterruptive({ drafts, active, knowledge, focus, hook }: PairInput): Card[] {
  const rule = niRule(carded(knowledge.nonInterruptive.pairs));
  const open = new Map<string, Pushed & { pair: DdiPairNi; a: string; b: string; textOnly: boolean }>();
  sweepPairs(drafts, active, focus, rule, (hits, visit) => {
    for (const h of hits) {
      let f = open.get(h.key);
      if (!f) open.set(h.key, (f = { pair: h.pair, a: h.a, b: h.b, textOnly: true, ...pushed() }));
      if (h.coded) f.textOnly = false;
      pushVisit(f, visit);
    }
  });
  const findings = new Map(
    [...open].map(([key, f]) => [key, { ...f, drafts: ordered(f.drafts), others: ordered(f.others) }]),
  );
  return [...findings.values()].map((f) => nonInterruptiveCard(f, knowledge, hook, focus));
}

/** A finding of the ONC non-interruptive list as its info card (the drugs by name; their ids in the trace). */
export function nonInterruptiveCard(
  f: {
    pair: DdiPairNi;
    a: string;
    b: string;
    textOnly: boolean;
    drafts: ResolvedMedication[];
    others: ResolvedMedication[];
  },
  knowledge: Knowledge,
  hook: 'order-select' | 'order-sign' = 'order-sign',
  focus?: ReadonlySet<ResolvedMedication>,
): Card {
  const card = f.pair.card!;
  const lines = [
    `**${md(f.a)} + ${md(f.b)}**: ${md(f.pair.name)} (ONC non-interruptive list: shown as information only, no action required)`,
    '',
    `- ${md(card.note)}`,
    `- Basis of the note: ${md(card.noteBasis)}.`,
  ];
  if (f.textOnly) lines.push('- Matched by name, not by code: confirm the medication.');
  lines.push('', 'Involved:', ...involvedLines(f.drafts, f.others, hook, focus), '');
  lines.push(`Source: ${md(knowledge.nonInterruptive.citation)}. hookwise knowledge ${knowledge.version}.`);
  const draftKeys = f.drafts.map((d) => d.key).filter((k): k is string => k !== undefined);
  const others = f.others.map((o) => o.key).filter((k): k is string => k !== undefined);
  return {
    finding: {
      key: `ddi-ni:${[f.a, f.b].sort().join('+')}`,
      ...(draftKeys.length ? { drafts: draftKeys } : {}),
      ...(others.length ? { trace: { resources: others } } : {}),
    },
    summary: summary(
      `${card.summary} (${f.a} + ${f.b})`.length <= SUMMARY_MAX ? `${card.summary} (${f.a} + ${f.b})` : card.summary,
    ),
    detail: lines.join('\n'),
    indicator: card.indicator,
    source: {
      label: 'hookwise: ONC non-interruptive drug–drug interactions',
      url: knowledge.nonInterruptive.url,
      topic: { ...TOPICS.ddi },
    },
    links: [{ label: 'Phansalkar 2013 (JAMIA)', url: knowledge.nonInterruptive.url, type: 'absolute' }],
  } satisfies Card;
}
