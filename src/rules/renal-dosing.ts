// order-select / order-sign: renal dosing of the draft orders (knowledge/renal-rules.json, VERIFIED rules, plus
// R15 as stated in the build script). Pure: (orders, kidney function, knowledge, clock) -> cards.
//
// Applied: R01, R02 (metformin, eGFR), R06, R07 (nitrofurantoin), R08, R09, R10 (dabigatran), R12, R13
// (rivaroxaban), R14 (apixaban, 2 of 3 criteria), R15 (enoxaparin), R16 (fondaparinux), R17, R18, R19
// (dofetilide), Beers Table 6: R20 (amiloride), R21 (aspirin), R22 (celecoxib), R23 (other systemic NSAIDs),
// R24 (baclofen, eGFR), R25 (cimetidine), R26 (ciprofloxacin).
// Not applied: R03/R05 (patient-view, active metformin), R04 (needs an iodinated-contrast order), R11 (needs
// the P-gp inhibitor).
//
// Decisions:
// - Tier: the table's suggested tier (`indicator`), e.g. R06 nitrofurantoin label contraindication is a warning
//   and R07 (Beers, CrCl <30, age >= 65) critical, as the table chose. A drug matched by name only drops a tier.
// - CrCl rules use the Cockcroft-Gault CrCl (src/clinical-calc/crcl.ts), truncated to a whole mL/min before comparing
//   and shown so (labels use whole numbers; truncating is the conservative side, as every rule alerts below a
//   bound: 29.6 counts as 29, below 30). When it cannot be computed a CrCl rule is skipped silently: eGFR is not
//   CrCl, and a card built on a substitute would claim more than the data shows.
// - Ranges are inclusive (15–30 includes 15 and 30). Several rules of one drug at once: one card, for the most
//   severe; equal tiers: the band with the higher lower bound (dofetilide at 40 → R17, 250 mcg, as the label).
// - Indication (src/rules/indication.ts): rules with an `indication` (af, vte) apply only to an order for it when
//   the order states one. When it does not, the card says what applies for each indication, and is critical only
//   when every indication's rule is (rivaroxaban below CrCl 15: avoid for DVT/PE, 15 mg daily for atrial
//   fibrillation → warning).
// - Dose (src/rules/renal-labelled-dose.ts): a dose-change rule with a labelled dose compares the order with it: at
//   or below it, no card; above it, the card states both; not readable, the card says so.
// - Apixaban (R14, Eliquis label, nonvalvular AF): 2.5 mg twice daily when at least two of age >= 80, weight <=
//   60 kg, creatinine >= 1.5 mg/dL. A 5 mg order with 2 or 3 criteria met: warning. A 2.5 mg order for atrial
//   fibrillation (stated on the order) with every criterion recorded and fewer than 2 met: info (the label gives
//   2.5 mg twice daily in AF only with 2 criteria; it is the labelled dose for DVT/PE prophylaxis, so an order
//   that states no indication gives no card).
// - Aspirin (R21) is "NSAID-dose aspirin": a strength below 325 mg read from the order name gives no card; an
//   unreadable strength drops one tier. NSAIDs (R21–R23) apply to oral/parenteral forms: topical, ophthalmic and
//   transdermal products give no card.
// - R02 (do not start metformin at eGFR 30–45) applies to a NEW metformin: when `activeMedications` is given and
//   holds metformin, the draft continues therapy and R02 does not fire (R03 belongs to patient-view).
// - Text (§4 of issue 12): no rule ids, FHIR ids, LOINC codes or ISO dates; those go in `finding.trace`.
import type { Card, Coding, Indicator, Link, Suggestion } from '../cds/types.js';
import type { Knowledge, RenalRule } from '../knowledge/index.js';
import type { KidneyFunction, MeasuredInput } from '../clinical-calc/crcl.js';
import { LOINC, RXNORM, resourceKey } from '../fhir-read/datatypes.js';
import type { IngredientMatch, MatchConfidence } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import type { LabResult } from '../fhir-read/observations.js';
import { calendarDate, dateText, valueText } from './card-text.js';
import { OVERRIDES, TOPICS, applyConfidence, indicatorRank, lowerIndicator, md, shorten, summary } from './cards.js';
import { INDICATION_TEXT, type Indication, orderIndication } from './indication.js';
import {
  type Criterion,
  type DoseComparison,
  apixabanCriteria,
  compareWithLabel,
  orderedText,
} from './renal-labelled-dose.js';
import { orderedDose, unitDoseMg } from './ordered-dose.js';

import { ingredientCache, perIngredient } from '../knowledge/drugs/ingredient-cache.js';

/** Rule ids this module applies; every other rule in renal-rules.json is ignored here. */
export const RENAL_DOSING_RULE_IDS = [
  'R01',
  'R02',
  'R06',
  'R07',
  'R08',
  'R09',
  'R10',
  'R12',
  'R13',
  'R14',
  'R15',
  'R16',
  'R17',
  'R18',
  'R19',
  'R20',
  'R21',
  'R22',
  'R23',
  'R24',
  'R25',
  'R26',
] as const;

const NSAID_CLASS_RULE = 'R23';
const ASPIRIN_RULE = 'R21';
const NSAID_RULES = new Set(['R21', 'R22', 'R23']);
const NEW_ORDER_ONLY = new Set(['R02']);
/** Below this strength an aspirin order is low-dose, not "NSAID-dose" (design choice). */
const ASPIRIN_NSAID_DOSE_MG = 325;
/**
 * R23 members: the systemic NSAID class of the shipped class map (knowledge/duplicate-therapy.json, "NSAID
 * (systemic, non-aspirin)"). Aspirin and celecoxib have their own rows (R21, R22).
 */
export function nsaidClassMembers(k: Knowledge): Set<string> {
  return new Set(k.duplicateTherapy.classes.find((c) => c.id === 'nsaid')?.members.map((m) => m.ingredient) ?? []);
}
const NOT_SYSTEMIC = /\b(topical|gel|cream|ointment|lotion|patch|transdermal|ophthalmic|otic|eye|drops?)\b/i;

export interface RenalDosingOptions {
  /** The patient's active medications (order-sign `medications`), to tell a new metformin from a continued one. */
  activeMedications?: ResolvedMedication[];
}

interface Measurement {
  basis: 'crcl' | 'egfr';
  value: number;
  /** "CrCl 38 mL/min" / "eGFR 25 mL/min/1.73 m²". */
  short: string;
  lab?: LabResult;
}

interface Fired {
  rule: RenalRule;
  m?: Measurement;
  dose?: DoseComparison;
  /** Apixaban: the three criteria as found. */
  criteria?: Criterion[];
  /** Apixaban 2.5 mg in AF with fewer than 2 criteria: possibly below the labelled dose. */
  underdose?: boolean;
}

function needs65(r: RenalRule): boolean {
  return /age\s*>=\s*65/i.test(r.population);
}

function isBeers(r: RenalRule): boolean {
  return /Beers/i.test(r.source);
}

/** The value a rule is compared with, or undefined (no card): the rule never guesses. */
function measurementFor(r: RenalRule, kidney: KidneyFunction): Measurement | undefined {
  const measure = r.measure.toLowerCase();
  if (measure === 'crcl') {
    if (!kidney.crcl) return undefined;
    const v = Math.floor(kidney.crcl.value);
    return { basis: 'crcl', value: v, short: `CrCl ${v} mL/min` };
  }
  const lab = kidney.egfr;
  if (measure === 'egfr' && lab && !lab.comparator?.startsWith('>')) {
    return {
      basis: 'egfr',
      value: lab.value,
      short: `eGFR ${lab.comparator ?? ''}${valueText(lab.value, lab.unit ?? 'mL/min/{1.73_m2}')}`,
      lab,
    };
  }
  return undefined;
}

function matches(r: RenalRule, v: number): boolean {
  const lo = r.thresholdLow;
  const hi = r.thresholdHigh;
  switch (r.comparator) {
    case '<':
      return hi !== undefined && v < hi;
    case '<=':
      return hi !== undefined && v <= hi;
    case 'range':
      return lo !== undefined && hi !== undefined && v >= lo && v <= hi;
    default:
      return false;
  }
}

function thresholdText(r: RenalRule): string {
  if (r.comparator === '2-of-3') return 'at least 2 of 3 criteria';
  const what = r.measure.toLowerCase() === 'crcl' ? 'CrCl' : 'eGFR';
  if (r.comparator === '<') return `${what} below ${r.thresholdHigh}`;
  if (r.comparator === '<=') return `${what} ${r.thresholdHigh} or below`;
  return `${what} ${r.thresholdLow}–${r.thresholdHigh}`;
}

/** The table's shorthand as a reader writes it: "NVAF" spelt out, ">=" and "<=" as symbols. */
function plain(text: string): string {
  return text
    .replace(/\bNVAF\b/g, 'nonvalvular atrial fibrillation')
    .replace(/>=\s*/g, '≥ ')
    .replace(/<=\s*/g, '≤ ');
}

/** The rules of the table that concern one ingredient: its own rows, else the NSAID class row. */
/** The renal rules of an ingredient: a pure function of the ingredient and the knowledge, so kept per both. */
const rulesCache = ingredientCache<RenalRule[]>();

function rulesFor(ing: IngredientMatch, k: Knowledge): RenalRule[] {
  return perIngredient(rulesCache, k, ing, () => findRules(ing, k));
}

function findRules(ing: IngredientMatch, k: Knowledge): RenalRule[] {
  const applied = k.renal.rules.filter((r) => (RENAL_DOSING_RULE_IDS as readonly string[]).includes(r.id));
  const own = applied.filter(
    (r) =>
      r.id !== NSAID_CLASS_RULE &&
      (r.drug.toLowerCase() === ing.name || (r.rxcui !== undefined && r.rxcui === ing.rxcui)),
  );
  if (own.length > 0) return own;
  if (nsaidClassMembers(k).has(ing.name)) return applied.filter((r) => r.id === NSAID_CLASS_RULE);
  return [];
}

/** The ingredient names and codes of a medication list, built once per list (not once per order). */
const taken = new WeakMap<ResolvedMedication[], { names: Set<string>; rxcuis: Set<string | undefined> }>();

function takes(meds: ResolvedMedication[] | undefined, ing: IngredientMatch): boolean {
  if (!meds) return false;
  let t = taken.get(meds);
  if (!t) {
    t = { names: new Set(), rxcuis: new Set() };
    for (const m of meds) {
      for (const i of m.ingredients) {
        t.names.add(i.name);
        t.rxcuis.add(i.rxcui);
      }
    }
    taken.set(meds, t);
  }
  return t.names.has(ing.name) || (ing.rxcui !== undefined && t.rxcuis.has(ing.rxcui));
}

function ruleIndicator(f: Fired): Indicator {
  return f.underdose ? 'info' : f.rule.indicator;
}

function severity(f: Fired): [number, number] {
  return [indicatorRank(ruleIndicator(f)), f.rule.thresholdLow ?? -1];
}

function ruleApplies(
  rule: RenalRule,
  kidney: KidneyFunction,
  options: RenalDosingOptions,
  ing: IngredientMatch,
  label: string,
  indication: Indication | undefined,
): boolean {
  if (needs65(rule) && (kidney.ageYears === undefined || kidney.ageYears < 65)) return false;
  if (NEW_ORDER_ONLY.has(rule.id) && takes(options.activeMedications, ing)) return false;
  if (NSAID_RULES.has(rule.id) && NOT_SYSTEMIC.test(label)) return false;
  return !(rule.indication && indication && rule.indication !== indication);
}

/**
 * Inclusive ranges meet at their bounds (dofetilide: 40–60 and 20–40 both hold 40). Where two dose bands of the same
 * tier and measure both match, the label's band is the one with the higher lower bound (CrCl 40: 250 mcg twice
 * daily, R17): the lower band is not compared at all, so an order at the right band's dose gets no card.
 */
function withoutOverlappedBands(rules: RenalRule[], kidney: KidneyFunction): RenalRule[] {
  const bands = rules.filter(
    (r) => r.action === 'reduce-dose' && r.comparator === 'range' && r.thresholdLow !== undefined,
  );
  const matched = bands.filter((r) => {
    const m = measurementFor(r, kidney);
    return m !== undefined && matches(r, m.value);
  });
  return rules.filter(
    (r) =>
      !matched.includes(r) ||
      !matched.some(
        (o) =>
          o !== r &&
          o.indicator === r.indicator &&
          o.measure === r.measure &&
          (o.indication ?? '') === (r.indication ?? '') &&
          o.thresholdLow! > r.thresholdLow!,
      ),
  );
}

/** Apixaban (R14): fires with 2 or more criteria on a dose above 2.5 mg; info for 2.5 mg in AF with fewer. */
function apixabanFired(
  rule: RenalRule,
  order: ResolvedMedication,
  ing: IngredientMatch,
  kidney: KidneyFunction,
  indication: Indication | undefined,
): Fired | undefined {
  const criteria = apixabanCriteria(kidney);
  const met = criteria.filter((c) => c.met === true).length;
  const unknown = criteria.filter((c) => c.met === undefined).length;
  const dose = compareWithLabel(order, ing.name, rule, kidney);
  if (!dose) return undefined;
  if (met >= 2) return dose.verdict === 'at-or-below' ? undefined : { rule, criteria, dose };
  const labelled = rule.labelDoses?.[0]?.mg;
  const o = orderedDose(order, ing.name);
  const perDose = unitDoseMg(o);
  if (
    indication === 'af' &&
    unknown === 0 &&
    labelled !== undefined &&
    perDose !== undefined &&
    perDose <= labelled + 1e-9
  ) {
    return { rule, criteria, dose, underdose: true };
  }
  return undefined;
}

export function renalDosingCards(
  orders: ResolvedMedication[],
  kidney: KidneyFunction,
  k: Knowledge,
  now: Date,
  options: RenalDosingOptions = {},
): Card[] {
  const cards: Card[] = [];
  for (const order of orders) {
    // Most orders have no renal rule at all: their label and indication are not read.
    if (order.ingredients.every((ing) => rulesFor(ing, k).length === 0)) continue;
    const label = medicationLabel(order);
    const indication = orderIndication(order.resource);
    for (const ing of order.ingredients) {
      const notes: string[] = [];
      let lowerBy = 0;
      const fired: Fired[] = [];
      const candidates = rulesFor(ing, k);
      const applicable = candidates.filter((rule) => ruleApplies(rule, kidney, options, ing, label, indication));
      for (const rule of withoutOverlappedBands(applicable, kidney)) {
        if (rule.comparator === '2-of-3') {
          const f = apixabanFired(rule, order, ing, kidney, indication);
          if (f) fired.push(f);
          continue;
        }
        const m = measurementFor(rule, kidney);
        if (!m || !matches(rule, m.value)) continue;
        const dose = rule.action === 'reduce-dose' ? compareWithLabel(order, ing.name, rule, kidney) : undefined;
        if (dose?.verdict === 'at-or-below') {
          notes.push(
            `${dose.orderedText ? `The ordered ${dose.orderedText} is` : 'The order is'} at or below the labelled dose${rule.indication ? ` for ${INDICATION_TEXT[rule.indication]}` : ''} (${dose.labelText}).`,
          );
          continue;
        }
        fired.push({ rule, m, ...(dose ? { dose } : {}) });
      }
      if (fired.length === 0) continue;
      fired.sort((a, b) => {
        const [ia, la] = severity(a);
        const [ib, lb] = severity(b);
        return ib - ia || lb - la;
      });
      const primary = fired[0]!;
      if (primary.rule.id === ASPIRIN_RULE) {
        const mg = orderedDose(order, ing.name).strength?.mg;
        if (mg !== undefined && mg < ASPIRIN_NSAID_DOSE_MG) continue;
        if (mg === undefined) {
          lowerBy++;
          notes.push(
            'The aspirin strength could not be read from the order: this applies to NSAID (analgesic) doses, not low-dose aspirin (shown one tier lower).',
          );
        }
      }
      if (primary.dose?.verdict === 'frequency-not-stated') lowerBy += 2;
      cards.push(
        renalCard({
          order,
          ing,
          primary,
          others: fired.slice(1),
          candidates,
          indication,
          kidney,
          k,
          now,
          options,
          notes,
          lowerBy,
        }),
      );
    }
  }
  return cards;
}

interface CardInput {
  order: ResolvedMedication;
  ing: IngredientMatch;
  primary: Fired;
  others: Fired[];
  candidates: RenalRule[];
  indication: Indication | undefined;
  kidney: KidneyFunction;
  k: Knowledge;
  now: Date;
  options: RenalDosingOptions;
  notes: string[];
  lowerBy: number;
}

/** The action in a few words, for the summary and for "if for …" lines. */
function actionPhrase(f: Fired, drug: string): string {
  const r = f.rule;
  if (r.action === 'reduce-dose') return f.dose ? `reduce ${drug} to ${f.dose.labelText}` : `reduce the ${drug} dose`;
  if (r.action === 'contraindicated')
    return r.indicator === 'critical'
      ? `do not give ${drug}: contraindicated`
      : `avoid ${drug}: contraindicated in its label at ${thresholdText(r)}`;
  if (r.action === 'do-not-initiate') return `do not start ${drug}`;
  return `avoid ${drug}`;
}

/**
 * A source as a reader cites it: ISO dates written out ("FDA Drug Safety Communication 2016-04-08" → "…,
 * 8 Apr 2016") and the research table's pointers ("-> all metformin labels") dropped.
 */
export function citation(source: string): string {
  return source
    .replace(/\s*->.*$/, '')
    .replace(
      /\s+(\d{4})-(\d{2})-(\d{2})\b/g,
      (_m, y: string, mo: string, d: string) =>
        `, ${calendarDate(new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))))}`,
    );
}

/** A rule's action detail; "As R21" (the research table pointing at another row) becomes that row's detail. */
function actionDetail(r: RenalRule, k: Knowledge): string {
  const ref = /^As (R\d+)$/.exec(r.actionDetail.trim())?.[1];
  return (ref ? k.renal.rules.find((x) => x.id === ref)?.actionDetail : undefined) ?? r.actionDetail;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function measuredLine(name: string, input: MeasuredInput, shown: string, now: Date): string {
  return `${name} ${shown} on ${dateText(input.date, now)}`;
}

function kidneyLines(f: Fired, kidney: KidneyFunction, now: Date): string[] {
  if (f.m?.basis === 'crcl' && kidney.crcl) {
    const { ageYears, sex, weight, creatinine } = kidney.crcl.inputs;
    const reported = /mg\/dl/i.test(creatinine.reported)
      ? ''
      : ` (reported ${md(creatinine.reported.replace(/umol/i, 'µmol'))})`;
    return [
      `**Kidney function:** CrCl ${Math.floor(kidney.crcl.value)} mL/min (Cockcroft-Gault, actual body weight)`,
      `- Age ${ageYears}, ${sex}`,
      `- ${measuredLine('Creatinine', creatinine, `${Math.round(creatinine.value * 100) / 100} mg/dL${reported}`, now)}`,
      `- ${measuredLine('Weight', weight, `${Math.round(weight.value * 10) / 10} kg`, now)}`,
    ];
  }
  if (f.m?.lab) return [`**Kidney function:** ${md(f.m.short)} on ${dateText(f.m.lab.effective, now)}`];
  if (f.criteria) {
    return [
      `**Dose-reduction criteria** (2.5 mg twice daily needs at least 2 of 3):`,
      ...f.criteria.map((c) => {
        const state = c.met === undefined ? 'not recorded' : c.met ? 'met' : 'not met';
        const value = c.value
          ? `${capitalise(c.value)}${c.date ? ` on ${dateText(c.date, now)}` : ''}`
          : capitalise(c.name);
        return `- ${value} (${c.bound}): ${state}`;
      }),
    ];
  }
  return [];
}

function sourceLink(rule: RenalRule): Link | undefined {
  if (!rule.url) return undefined;
  const label = rule.url.includes('dailymed')
    ? `${rule.source.split(/\s+(USPI|HCP)\b/)[0]} label on DailyMed`
    : rule.url.includes('fda.gov')
      ? 'FDA Drug Safety Communication'
      : isBeers(rule)
        ? 'AGS Beers Criteria 2023'
        : rule.source;
  return { label: shorten(label, 80), url: rule.url, type: 'absolute' };
}

function renalCard(input: CardInput): Card {
  const { order, ing, primary, others, candidates, indication, kidney, k, now, options, notes } = input;
  const { rule } = primary;
  const drug = shorten(ing.name, 40);
  const Drug = capitalise(drug);

  // An indication-specific rule on an order that states none: what applies for each indication.
  const ruleIndications = [
    ...new Set(candidates.map((r) => r.indication).filter((i): i is Indication => i !== undefined)),
  ];
  const unknownIndication = indication === undefined && rule.indication !== undefined;
  const all = [primary, ...others];
  let indicator: Indicator = applyConfidence(ruleIndicator(primary), ing.confidence as MatchConfidence);
  for (let i = 0; i < input.lowerBy; i++) indicator = lowerIndicator(indicator);
  if (unknownIndication && indicator === 'critical') {
    const everyCritical = ruleIndications.every((ind) =>
      all.some((f) => f.rule.indication === ind && ruleIndicator(f) === 'critical'),
    );
    if (!everyCritical) indicator = 'warning';
  }

  const why = primary.m
    ? `${primary.m.short}${needs65(rule) && kidney.ageYears !== undefined ? `, age ${kidney.ageYears}` : ''}`
    : (primary.criteria ?? [])
        .filter((c) => c.met)
        .map((c) => c.value)
        .join(', ');
  let text: string;
  if (primary.underdose) {
    const met = primary.criteria?.filter((c) => c.met).length ?? 0;
    text = `Check the apixaban dose: 5 mg twice daily in atrial fibrillation unless 2 of 3 criteria (${met} met)`;
  } else if (unknownIndication && ruleIndications.length > 1) {
    const byIndication = ruleIndications
      .map((ind) => {
        const f = all.find((x) => x.rule.indication === ind);
        return f ? `${actionPhrase(f, drug).replace(` ${drug}`, '')} if for ${INDICATION_TEXT[ind]}` : undefined;
      })
      .filter((s): s is string => s !== undefined);
    text =
      byIndication.length > 1
        ? `${Drug} at ${why}: ${byIndication.join('; ')}`
        : `${capitalise(actionPhrase(primary, drug))} if for ${INDICATION_TEXT[rule.indication!]} (${why})`;
  } else {
    text = `${capitalise(actionPhrase(primary, drug))}${unknownIndication ? ` if for ${INDICATION_TEXT[rule.indication!]}` : ''} (${why})`;
  }

  const blocks: string[] = [];
  const dose = primary.dose;
  const ordered = dose?.orderedText ?? orderedText(orderedDose(order, ing.name));
  const orderLine = [`**Ordered:** ${md(medicationLabel(order))}${ordered ? `: ${md(ordered)}` : ''}`];
  if (dose) {
    const at = primary.m ? ` at ${md(primary.m.short)}` : '';
    const forWhat = rule.indication ? ` (${INDICATION_TEXT[rule.indication]})` : '';
    orderLine.push(
      `**Labelled dose${at}${forWhat}:** ${md(dose.labelText)}${dose.useNote ? ` (${md(dose.useNote)})` : ''}`,
    );
    if (dose.verdict === 'above') orderLine.push(`The ordered dose is above the labelled dose.`);
    if (dose.verdict === 'not-stated')
      orderLine.push('The ordered dose could not be read from the order: check it against the labelled dose.');
    if (dose.verdict === 'frequency-not-stated')
      orderLine.push('The frequency is not stated yet: check it against the labelled dose (shown at info tier).');
  }
  blocks.push(orderLine.join('\n\n'));
  const kidneyBlock = kidneyLines(primary, kidney, now);
  if (kidneyBlock.length > 0) blocks.push(kidneyBlock.join('\n'));

  const what: string[] = [];
  if (primary.underdose) {
    what.push(
      'In atrial fibrillation the Eliquis label gives 5 mg twice daily, and 2.5 mg twice daily only with at least 2 of: age 80 or over, ' +
        'weight 60 kg or less, creatinine 1.5 mg/dL or more. Fewer are met: 2.5 mg may be below the labelled dose.',
    );
  } else {
    what.push(
      `**${isBeers(rule) ? 'AGS Beers Criteria (65 and over)' : 'Label'}** (${md(plain(rule.population))}; ${md(thresholdText(rule))}): ${md(plain(actionDetail(rule, k)))}.`,
    );
  }
  if (rule.id === NSAID_CLASS_RULE)
    what.push(
      `${md(Drug)} is taken as a member of this class by hookwise (class membership is hookwise's, not the source's list).`,
    );
  if (rule.id === 'R02' && options.activeMedications === undefined) {
    what.push(
      'If this order continues metformin the patient already takes, assess the benefit and risk of continuing instead.',
    );
  }
  blocks.push(what.join('\n\n'));

  if (unknownIndication) {
    const lines = [`**Indication:** not stated on the order. The label's numbers differ by indication:`];
    for (const ind of ruleIndications) {
      const f = all.find((x) => x.rule.indication === ind);
      lines.push(
        `- If for ${INDICATION_TEXT[ind]}: ${f ? md(actionPhrase(f, drug)) : 'no renal change applies at this kidney function'}`,
      );
    }
    blocks.push(lines.join('\n'));
  } else if (indication && rule.indication) {
    blocks.push(`**Indication:** ${INDICATION_TEXT[indication]} (from the order's reason).`);
  }
  const alsoLines = others
    .filter((o) => !(unknownIndication && o.rule.indication && o.rule.indication !== rule.indication))
    .map(
      (o) =>
        `- Also: ${md(plain(o.rule.population))}, ${md(thresholdText(o.rule))}: ${md(plain(actionDetail(o.rule, k)))}.`,
    );
  if (alsoLines.length > 0) blocks.push(alsoLines.join('\n'));
  if (notes.length > 0) blocks.push(notes.map(md).join('\n\n'));
  if (ing.confidence === 'text')
    blocks.push(`${md(Drug)} was matched by name, not by code: confirm before acting (shown one tier lower).`);
  const sourceRules = [rule, ...others.map((o) => o.rule)];
  const sources = [...new Set(sourceRules.map((r) => r.source))];
  blocks.push(`Source: ${sources.map((x) => md(citation(x))).join('; ')}. hookwise knowledge ${k.version}.`);

  const draft = resourceKey(order.resource);
  const labs: Array<MeasuredInput | LabResult> = [];
  if (primary.m?.basis === 'crcl' && kidney.crcl) labs.push(kidney.crcl.inputs.creatinine, kidney.crcl.inputs.weight);
  if (primary.m?.lab) labs.push(primary.m.lab);
  if (primary.criteria) {
    if (kidney.weight) labs.push(kidney.weight);
    if (kidney.creatinine) labs.push(kidney.creatinine);
  }
  const resources = [...new Set(labs.filter((l) => l.id).map((l) => `Observation/${l.id}`))];
  const codes = [
    ...new Set([...(ing.rxcui ? [`${RXNORM}|${ing.rxcui}`] : []), ...labs.map((l) => `${LOINC}|${l.code}`)]),
  ];
  const links = [
    ...new Map(
      sourceRules
        .map(sourceLink)
        .filter((l): l is Link => l !== undefined)
        .map((l) => [l.url, l]),
    ).values(),
  ];

  const doseChange = rule.action === 'reduce-dose';
  const overrides: Coding[] = doseChange
    ? [OVERRIDES.doseAdjusted, OVERRIDES.resultNotRepresentative, OVERRIDES.benefitOutweighsRisk]
    : [OVERRIDES.resultNotRepresentative, OVERRIDES.benefitOutweighsRisk];
  const card: Card = {
    finding: {
      key: `renal:${ing.name}:${rule.id}`,
      ...(draft ? { drafts: [draft] } : {}),
      trace: { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) },
    },
    summary: summary(text),
    detail: blocks.join('\n\n'),
    indicator,
    source: { label: 'hookwise: renal dosing', ...(links[0] ? { url: links[0].url } : {}), topic: { ...TOPICS.renal } },
    overrideReasons: overrides.map((x) => ({ ...x })),
  };
  if (links.length > 0) card.links = links;
  if (indicator === 'critical' && draft) {
    const label = `Remove the ${shorten(ing.name, 60)} order`;
    const suggestion: Suggestion = { label, actions: [{ type: 'delete', description: label, resourceId: draft }] };
    card.suggestions = [suggestion];
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}
