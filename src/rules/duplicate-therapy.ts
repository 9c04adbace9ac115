// order-select and order-sign: duplicate therapy. The same ingredient in a draft and an active medication (or in
// two drafts); two members of one therapeutic class (knowledge/duplicate-therapy.json); ACE inhibitor + ARB as
// dual RAAS blockade. The same order or its renewal (same id, or `priorPrescription` naming the active order) is
// not a duplicate, and a combination product is never a duplicate of itself. One card per finding.
import type { Card, Coding, Indicator, JsonObject, Suggestion } from '../cds/types.js';
import { isObject, resourceKey, str, RXNORM } from '../fhir-read/datatypes.js';
import type { DuplicateClass, Knowledge } from '../knowledge/index.js';
import type { IngredientMatch, MatchConfidence } from '../knowledge/drugs/match.js';
import { confidenceRank } from '../knowledge/drugs/match.js';
import { ingredientCache, perIngredient } from '../knowledge/drugs/ingredient-cache.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import {
  OVERRIDES,
  OVERRIDE_SYSTEM,
  TOPIC_SYSTEM,
  applyConfidence,
  indicatorRank,
  md,
  shorten,
  summary,
} from './cards.js';
import { dateText, medicationText } from './card-text.js';
import { type PairRule, type Pushed, ordered, pushed, pushVisit, sweepPairs } from './pair-sweep.js';

export interface DuplicateInput {
  drafts: ResolvedMedication[];
  active: ResolvedMedication[];
  knowledge: Knowledge;
  /** order-select: the selected drafts (see findDdi); absent at order-sign. */
  focus?: ReadonlySet<ResolvedMedication>;
  hook?: 'order-select' | 'order-sign';
  /** The call's time, for the dates on the card ("3 Oct 2026 (51 days ago)"). */
  now?: Date;
}

const TOPIC: Coding = { system: TOPIC_SYSTEM, code: 'duplicate-therapy', display: 'Duplicate therapy' };
const INTENDED: Coding = {
  system: OVERRIDE_SYSTEM,
  code: 'both-intended',
  display: 'Both are intended (switch in progress or planned combination)',
};

type Kind = 'ingredient' | 'class' | 'dual-raas';

/** One duplicate finding, as the sweep (or the literal reference loop) gathers it. */
export interface DuplicateFinding {
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

const classCache = ingredientCache<DuplicateClass[]>();

function classesOf(ing: IngredientMatch, k: Knowledge): DuplicateClass[] {
  return perIngredient(classCache, k, ing, () =>
    k.duplicateTherapy.classes.filter((c) =>
      c.members.some(
        (m) =>
          m.ingredient === ing.name ||
          (m.aliases ?? []).includes(ing.name) ||
          (m.rxcui !== undefined && m.rxcui === ing.rxcui),
      ),
    ),
  );
}

/** An ingredient's index tokens for the sweep: itself and its classes. */
const tokenCache = ingredientCache<string[]>();

function ingredientTokens(ing: IngredientMatch, k: Knowledge): string[] {
  return perIngredient(tokenCache, k, ing, () => [`ing:${ing.name}`, ...classesOf(ing, k).map((c) => `class:${c.id}`)]);
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

type Contribution = Omit<DuplicateFinding, 'drafts' | 'others'>;

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The same comparisons as findDdi (pair-sweep.ts), minus the same order and renewals: a draft renewing an active
 * order (priorPrescription) is not a duplicate of it, nor of the same product listed again in the active list.
 */
export function findDuplicateTherapy({
  drafts,
  active,
  knowledge: k,
  focus,
  hook = 'order-sign',
  now,
}: DuplicateInput): Card[] {
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
      out.push({
        kind: 'ingredient',
        key: `duplicate-ingredient:${names.join('+')}`,
        names,
        indicator: applyConfidence('warning', conf),
        textOnly: conf === 'text',
      });
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
          out.push({
            kind: 'class',
            key: `duplicate-class:${c.id}:${names.join('+')}`,
            names,
            cls: c,
            indicator: applyConfidence(c.indicator, conf),
            textOnly: conf === 'text',
          });
        }
        const aAce = ca.some((c) => c.id === aceId);
        const bAce = cb.some((c) => c.id === aceId);
        const aArb = ca.some((c) => c.id === arbId);
        const bArb = cb.some((c) => c.id === arbId);
        if ((aAce && bArb) || (aArb && bAce)) {
          const names = aAce ? [a.name, b.name] : [b.name, a.name];
          out.push({
            kind: 'dual-raas',
            key: `dual-raas:${names.join('+')}`,
            names,
            indicator: applyConfidence(raas.indicator, conf),
            textOnly: conf === 'text',
          });
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
  let indexes:
    | {
        activeById: Map<string, ResolvedMedication[]>;
        draftsById: Map<string, ResolvedMedication[]>;
        renewers: Map<string, ResolvedMedication[]>;
        activeByLabel: Map<string, ResolvedMedication[]>;
      }
    | undefined;
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

  const tokensOf = (m: ResolvedMedication): string[] => m.ingredients.flatMap((i) => ingredientTokens(i, k));
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
    const finding: DuplicateFinding = {
      ...f,
      drafts: [...ds.keys()].sort((x, y) => position.get(x)! - position.get(y)!),
      others: ordered(others),
    };
    return duplicateCard(finding, k, hook, focus, now);
  });
}

// ---------- what a same-ingredient finding really is (issue 12 §2) ----------
//
// Three patterns share an ingredient without being a second therapy; each is an info card that says what it looks
// like, instead of a duplicate warning:
// - two strengths ordered together for one dose (warfarin 5 mg + 1 mg for 6 mg; levothyroxine 100 + 25 mcg): drafts
//   only, none as needed, every product a different strength, all on the same stated schedule;
// - as-needed alternatives by different routes, as order sets write them (ondansetron by mouth or IV as needed):
//   every order as needed and each by another route;
// - a re-order of an active drug without priorPrescription: one draft, the same product as every active one.
// Anything else (same strength twice, another strength while active, a scheduled and an as-needed order) stays a
// duplicate.

type Pattern = 'dose-combination' | 'prn-alternatives' | 'reorder';

function firstDosage(m: ResolvedMedication): JsonObject | undefined {
  const list = [m.resource.dosageInstruction, m.resource.dosage].find((x) => Array.isArray(x)) as unknown[] | undefined;
  const d = list?.[0];
  return isObject(d) ? d : undefined;
}

/** As needed: asNeededBoolean true or an asNeeded reason (R4), or R5 `asNeeded` / `asNeededFor`. */
function asNeeded(m: ResolvedMedication): boolean {
  const d = firstDosage(m);
  if (!d) return false;
  return (
    d.asNeededBoolean === true ||
    d.asNeeded === true ||
    isObject(d.asNeededCodeableConcept) ||
    Array.isArray(d.asNeededFor)
  );
}

/**
 * The product an order names: its RxNorm code with its strength, else its name (lower case, single spaces). The
 * strength counts because the code may be an ingredient code ("29046" for both lisinopril 10 and 20 mg).
 */
function productOf(m: ResolvedMedication): string {
  const concept = m.resource.medicationCodeableConcept;
  const codings = isObject(concept) && Array.isArray(concept.coding) ? concept.coding : [];
  const code = codings
    .map((c) => (isObject(c) && str(c.system)?.includes('rxnorm') ? str(c.code) : undefined))
    .find((c) => c);
  const strength = strengthOf(m);
  const name = medicationText(m).toLowerCase().replace(/\s+/g, ' ').trim();
  return code ? `rxnorm:${code}|${strength ? `${strength.value} ${strength.unit}` : name}` : name;
}

// Starts only where a digit run does: the same match, in linear time (each start inside a long run was tried).
const STRENGTH = /(?<!\d)(\d+(?:\.\d+)?)\s*(MG|MCG|G|UNT|MEQ)\b(?!\s*\/)/i;

/** "5 MG" from "Warfarin Sodium 5 MG Oral Tablet": the strength of a single-ingredient solid product. */
function strengthOf(m: ResolvedMedication): { value: number; unit: string } | undefined {
  const hit = STRENGTH.exec(medicationText(m));
  return hit ? { value: Number(hit[1]), unit: hit[2]!.toLowerCase() } : undefined;
}

/** The schedule of the first dosage (timing code or repeat), or undefined when the order states none. */
function scheduleOf(m: ResolvedMedication): string | undefined {
  const timing = firstDosage(m)?.timing;
  if (!isObject(timing)) return undefined;
  const repeat = isObject(timing.repeat) ? timing.repeat : {};
  const parts = [timing.code, repeat.frequency, repeat.period, repeat.periodUnit, repeat.timeOfDay, repeat.when].map(
    (x) => JSON.stringify(x ?? null),
  );
  return parts.every((p) => p === 'null') ? undefined : parts.join('|');
}

/** The first dosage's dose and schedule, as stated ("-" where the order states none). */
function sigOf(m: ResolvedMedication): string {
  const d = firstDosage(m);
  const rate = Array.isArray(d?.doseAndRate) && isObject(d.doseAndRate[0]) ? d.doseAndRate[0] : undefined;
  const q = rate?.doseQuantity ?? d?.doseQuantity;
  const dose =
    isObject(q) && typeof q.value === 'number' ? `${q.value} ${String(q.unit ?? q.code ?? '').toLowerCase()}` : '-';
  return `${dose}|${scheduleOf(m) ?? '-'}`;
}

function pairwiseDistinct<T>(xs: T[]): boolean {
  return new Set(xs).size === xs.length;
}

export function patternOf(f: DuplicateFinding): Pattern | undefined {
  if (f.kind !== 'ingredient') return undefined;
  const all = [...f.drafts, ...f.others];
  if (all.length < 2) return undefined;
  if (all.every(asNeeded)) {
    const routes = all.map((m) => m.form);
    if (routes.every((r) => r !== undefined) && pairwiseDistinct(routes)) return 'prn-alternatives';
    return undefined;
  }
  if (all.some(asNeeded)) return undefined;
  if (f.others.length === 0) {
    // One dose: the same stated schedule on every order (an order without one could be anything).
    const strengths = f.drafts.map(strengthOf);
    const schedules = f.drafts.map(scheduleOf);
    const oneSchedule = schedules[0] !== undefined && schedules.every((x) => x === schedules[0]);
    if (
      oneSchedule &&
      strengths.every((x) => x !== undefined) &&
      pairwiseDistinct(strengths.map((x) => `${x!.value} ${x!.unit}`)) &&
      pairwiseDistinct(f.drafts.map(productOf))
    ) {
      return 'dose-combination';
    }
    return undefined;
  }
  if (f.drafts.length === 1) {
    // A renewal repeats the order as it is: the same product, dose and schedule. Another dose or schedule of the
    // same product (methotrexate 2.5 mg weekly, then daily) is a change or an error, and stays a warning.
    const product = productOf(f.drafts[0]!);
    const sig = sigOf(f.drafts[0]!);
    if (f.others.every((o) => productOf(o) === product && sigOf(o) === sig)) return 'reorder';
  }
  return undefined;
}

// ---------- card text ----------

const DAILYMED = (drug: string) =>
  `https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=${encodeURIComponent(drug)}`;

function startedOn(m: ResolvedMedication, now: Date | undefined): string | undefined {
  if (!now) return undefined;
  const r = m.resource;
  const period = isObject(r.effectivePeriod) ? r.effectivePeriod.start : undefined;
  for (const v of [r.authoredOn, r.dateWritten, r.whenHandedOver, period, r.effectiveDateTime]) {
    if (typeof v !== 'string') continue;
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return dateText(d, now);
  }
  return undefined;
}

/** One line per order or record: what it is and when, never its id. */
function involved(
  f: DuplicateFinding,
  hook: 'order-select' | 'order-sign',
  focus: ReadonlySet<ResolvedMedication> | undefined,
  now: Date | undefined,
): string[] {
  const lines: string[] = [];
  const how = (m: ResolvedMedication) => (asNeeded(m) ? ['as needed', m.form].filter((x) => x).join(', ') : '');
  for (const d of f.drafts) {
    const role = hook === 'order-sign' ? 'Being signed' : !focus || focus.has(d) ? 'Selected' : 'Other draft';
    const extra = how(d);
    lines.push(`- ${role}: ${md(medicationText(d))}${extra ? ` (${md(extra)})` : ''}`);
  }
  for (const o of f.others) {
    const when = startedOn(o, now);
    const kind =
      o.resourceType === 'MedicationRequest' || o.resourceType === 'MedicationOrder' ? 'Active order' : 'Taken';
    lines.push(`- ${kind}: ${md(medicationText(o))}${when ? `, since ${when}` : ''}`);
  }
  return lines;
}

function headline(f: DuplicateFinding, pattern: Pattern | undefined): string {
  const [a = '', b = ''] = f.names.map((n) => shorten(n, 40));
  const drug = shorten(f.names.join(' / '), 50);
  const Drug = drug.charAt(0).toUpperCase() + drug.slice(1);
  switch (pattern) {
    case 'dose-combination': {
      const parts = f.drafts.map(strengthOf).map((x) => `${x!.value} ${x!.unit}`);
      return `${Drug} ${parts.join(' + ')} ordered together: check they make one intended dose`;
    }
    case 'prn-alternatives':
      return `${Drug} as needed by ${f.drafts.length + f.others.length} routes: give one route per dose`;
    case 'reorder':
      return `${Drug} re-ordered while active: if this renews it, stop the old order`;
    default:
      break;
  }
  switch (f.kind) {
    case 'ingredient':
      return f.others.length > 0
        ? `Duplicate ${drug}: already taken. Keep one order`
        : `Duplicate ${drug}: ordered twice. Remove one order`;
    case 'dual-raas':
      return `Use one RAAS blocker: ${a} (ACE inhibitor) + ${b} (ARB)`;
    case 'class': {
      const label = f.cls!.label;
      return f.cls!.indicator === 'warning'
        ? `Two ${label}s: ${a} + ${b}, serious bleeding risk. Stop one`
        : `Two ${label}s: ${a} + ${b}. Keep one unless switching`;
    }
  }
}

export function duplicateCard(
  f: DuplicateFinding,
  k: Knowledge,
  hook: 'order-select' | 'order-sign',
  focus?: ReadonlySet<ResolvedMedication>,
  now?: Date,
): Card {
  const raas = k.duplicateTherapy.dualRaas;
  const pattern = patternOf(f);
  const indicator: Indicator = pattern ? 'info' : f.indicator;
  const key = pattern ? f.key.replace(/^duplicate-ingredient:/, `duplicate-${pattern}:`) : f.key;
  const lines: string[] = [];
  if (pattern === 'dose-combination') {
    lines.push(
      `- **Looks like:** one dose made of ${f.drafts.length} strengths of ${md(f.names.join(' / '))}, not a second therapy.`,
    );
    lines.push('- **Check:** the strengths add up to the intended dose, and the timing is the same on both orders.');
  } else if (pattern === 'prn-alternatives') {
    lines.push(`- **Looks like:** as-needed alternatives by different routes (an order set), not a second therapy.`);
    lines.push('- **Check:** the orders say to give one route or the other per dose, not both.');
  } else if (pattern === 'reorder') {
    lines.push('- **Looks like:** a renewal of the active order without a link to it (no prior prescription).');
    lines.push('- **Check:** stop the old order when this one replaces it, so the patient has one active order.');
  } else if (f.kind === 'ingredient') {
    lines.push('- **Risk:** the doses add up; a double dose is the usual harm.');
    lines.push(
      '- **Do:** if the new order replaces the existing one, stop the existing one; otherwise remove the new order.',
    );
  } else if (f.kind === 'class') {
    const c = f.cls!;
    lines.push(`- **Risk:** ${md(c.rationale)}.`);
    lines.push(
      c.indicator === 'warning'
        ? '- **Do:** do not give both. If switching, stop the other order and follow the switching instructions in the labels.'
        : '- **Do:** if switching, stop the other order; if both are intended, document why.',
    );
  } else {
    lines.push(`- **Risk:** ${md(raas.consequence)}`);
    lines.push(`- **Do:** ${md(raas.management)}`);
    lines.push(`- **Evidence:** ${md(raas.evidence)}.`);
  }
  if (f.textOnly)
    lines.push('- Matched by name, not by code: confirm the medication before acting (shown one tier lower).');
  lines.push(...involved(f, hook, focus, now));
  const source =
    f.kind === 'dual-raas'
      ? `${raas.evidence}; ACE-inhibitor and ARB labels (dual blockade of the renin-angiotensin system)`
      : f.kind === 'class'
        ? `${k.duplicateTherapy.source}; the drugs' FDA labels`
        : 'the drug’s FDA label (dosing); hookwise duplicate-therapy rule';
  lines.push('', `Source: ${md(source)}. hookwise knowledge ${k.version}.`);

  // Remove the new draft: with an active medication, each draft in focus; between drafts only, all but the first
  // listed (the one kept), preferring to keep a draft that is not selected. None for the look-alike patterns,
  // whose orders are usually intended.
  let removable = pattern ? [] : f.drafts.filter((d) => !focus || focus.has(d));
  if (f.others.length === 0 && removable.length === f.drafts.length) removable = removable.slice(1);
  const suggestions: Suggestion[] = [];
  for (const d of removable) {
    const resourceId = resourceKey(d.resource);
    if (!resourceId) continue;
    const drug = f.names.find((n) => d.ingredients.some((i) => i.name === n)) ?? medicationText(d);
    const label = `Remove the new ${shorten(drug, 60)} order`;
    suggestions.push({ label, actions: [{ type: 'delete', description: label, resourceId }] });
  }

  const draftKeys = f.drafts.map((d) => resourceKey(d.resource)).filter((id): id is string => id !== undefined);
  const otherKeys = f.others.map((o) => resourceKey(o.resource)).filter((id): id is string => id !== undefined);
  const codes = [
    ...new Set(
      [...f.drafts, ...f.others].flatMap((m) =>
        m.ingredients.filter((i) => f.names.includes(i.name) && i.rxcui).map((i) => `${RXNORM}|${i.rxcui}`),
      ),
    ),
  ];
  const links =
    f.kind === 'dual-raas'
      ? [
          {
            label: `${shorten(f.names[0] ?? 'ACE inhibitor', 40)} label (DailyMed): dual RAAS blockade`,
            url: DAILYMED(f.names[0] ?? 'lisinopril'),
            type: 'absolute' as const,
          },
        ]
      : f.names
          .slice(0, 2)
          .map((n) => ({ label: `${shorten(n, 40)} label (DailyMed)`, url: DAILYMED(n), type: 'absolute' as const }));
  const card: Card = {
    finding: {
      key,
      ...(draftKeys.length ? { drafts: draftKeys } : {}),
      trace: { ...(otherKeys.length ? { resources: otherKeys } : {}), ...(codes.length ? { codes } : {}) },
    },
    summary: summary(headline(f, pattern)),
    detail: lines.join('\n'),
    indicator,
    source: {
      label:
        f.kind === 'dual-raas'
          ? 'hookwise: dual RAAS blockade'
          : f.kind === 'ingredient'
            ? 'hookwise: duplicate therapy (same ingredient)'
            : 'hookwise: duplicate therapy (therapeutic class map)',
      url: links[0]!.url,
      topic: { ...TOPIC },
    },
    links,
    overrideReasons: [INTENDED, OVERRIDES.notTaking, OVERRIDES.benefitOutweighsRisk].map((c) => ({ ...c })),
  };
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = suggestions.length > 1 ? 'any' : 'at-most-one';
  }
  return card;
}
