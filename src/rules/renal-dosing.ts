// order-select / order-sign: renal dosing of the draft orders (knowledge/renal-rules.json, VERIFIED rules only).
// Pure: (orders, kidney function, knowledge, clock) -> cards.
//
// Applied: R01, R02 (metformin, eGFR), R06, R07 (nitrofurantoin), R08, R09 (+ R10 as a note) (dabigatran),
// R12, R13 (rivaroxaban), R16 (fondaparinux), R17, R18, R19 (dofetilide), Beers Table 6: R20 (amiloride),
// R21 (aspirin), R22 (celecoxib), R23 (other systemic NSAIDs), R24 (baclofen, eGFR), R25 (cimetidine),
// R26 (ciprofloxacin).
// Not applied: R03/R05 (patient-view, active metformin), R04 (needs an iodinated-contrast order), R11 (needs
// the P-gp inhibitor and the indication), R14 (apixaban composite: apixaban has no VERIFIED RxCUI).
//
// Decisions:
// - Tier: the table's suggested tier (`indicator`), e.g. R06 nitrofurantoin label contraindication is a warning
//   and R07 (Beers, CrCl <30, age >= 65) critical, as the table chose. A drug matched by name only drops a tier.
// - CrCl rules use the Cockcroft-Gault CrCl (src/clinical-calc/crcl.ts), truncated to a whole mL/min before comparing
//   and shown so (labels use whole numbers; truncating is the conservative side, as every rule alerts below a
//   bound: 29.6 counts as 29, below 30). When it cannot be computed, hookwise uses the
//   eGFR instead: only an eGFR of the creatinine window (90 days) is used, the card says so and drops one tier.
// - Ranges are inclusive (15–30 includes 15 and 30). Several rules of one drug at once: one card, for the most
//   severe; equal tiers: the band with the higher lower bound (dofetilide at 40 → R17, 250 mcg, as the label).
// - Indication cannot be read from an order: dabigatran's DVT/PE rule R10 (CrCl <= 30: no dose) is shown as a
//   note on the NVAF card (R08/R09), not as its own tier.
// - Aspirin (R21) is "NSAID-dose aspirin": a strength below 325 mg read from the order name gives no card; an
//   unreadable strength drops one tier. NSAIDs (R21–R23) apply to oral/parenteral forms: topical, ophthalmic and
//   transdermal products give no card.
// - R02 (do not start metformin at eGFR 30–45) applies to a NEW metformin: when `activeMedications` is given and
//   holds metformin, the draft continues therapy and R02 does not fire (R03 belongs to patient-view).
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { Knowledge, RenalRule } from '../knowledge/index.js';
import { type KidneyFunction, describeCrCl } from '../clinical-calc/crcl.js';
import { resourceKey } from '../fhir-read/datatypes.js';
import type { IngredientMatch, MatchConfidence } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import type { LabResult } from '../fhir-read/observations.js';
import { OVERRIDES, TOPICS, applyConfidence, formatDate, indicatorRank, lowerIndicator, md, shorten, summary } from './cards.js';

/** Rule ids this module applies; every other rule in renal-rules.json is ignored here. */
export const RENAL_DOSING_RULE_IDS = [
  'R01', 'R02', 'R06', 'R07', 'R08', 'R09', 'R10', 'R12', 'R13', 'R16', 'R17', 'R18', 'R19',
  'R20', 'R21', 'R22', 'R23', 'R24', 'R25', 'R26',
] as const;

/** Shown as a note on the drug's card, never deciding it (the indication is not in the order). */
const NOTE_ONLY = new Set(['R10']);
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

type Basis = 'crcl' | 'egfr';

interface Measurement {
  basis: Basis;
  value: number;
  /** "CrCl 38 mL/min (Cockcroft-Gault)" / "eGFR 25 mL/min/1.73 m²". */
  label: string;
  lab?: LabResult;
}

interface Fired {
  rule: RenalRule;
  m: Measurement;
}

const ACTION_TEXT: Record<string, string> = {
  contraindicated: 'contraindicated',
  avoid: 'avoid',
  'reduce-dose': 'reduce dose',
  'do-not-initiate': 'do not start',
};

function isCrClRule(r: RenalRule): boolean {
  return r.measure.toLowerCase() === 'crcl';
}

function needs65(r: RenalRule): boolean {
  return /age\s*>=\s*65/i.test(r.population);
}

function displayUnit(unit: string | undefined): string {
  return unit ? unit.replace(/\{?1\.73_?m2\}?/i, '1.73 m²') : 'mL/min/1.73 m²';
}

function egfrText(lab: LabResult): string {
  return `${lab.comparator ?? ''}${lab.value} ${displayUnit(lab.unit)}`;
}

/** The value a rule is compared with, or undefined (no card): the rule never guesses. */
function measurementFor(r: RenalRule, kidney: KidneyFunction): Measurement | undefined {
  const usable = (lab: LabResult | undefined): lab is LabResult => lab !== undefined && !lab.comparator?.startsWith('>');
  if (isCrClRule(r)) {
    if (kidney.crcl) {
      const v = Math.floor(kidney.crcl.value);
      return { basis: 'crcl', value: v, label: `CrCl ${v} mL/min (Cockcroft-Gault)` };
    }
    // A CrCl rule is skipped silently when CrCl cannot be computed (knowledge issue): eGFR is not CrCl, and a
    // card built on a substitute would claim more than the data shows.
    return undefined;
  }
  if (r.measure.toLowerCase() === 'egfr' && usable(kidney.egfr)) {
    return { basis: 'egfr', value: kidney.egfr.value, label: `eGFR ${egfrText(kidney.egfr)}`, lab: kidney.egfr };
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
  if (r.comparator === '<') return `below ${r.thresholdHigh}`;
  if (r.comparator === '<=') return `at or below ${r.thresholdHigh}`;
  return `in ${r.thresholdLow}–${r.thresholdHigh}`;
}

/** The rules of the table that concern one ingredient: its own rows, else the NSAID class row. */
function rulesFor(ing: IngredientMatch, k: Knowledge): RenalRule[] {
  const applied = k.renal.rules.filter((r) => (RENAL_DOSING_RULE_IDS as readonly string[]).includes(r.id));
  const own = applied.filter((r) => r.id !== NSAID_CLASS_RULE && (r.drug.toLowerCase() === ing.name || (r.rxcui !== undefined && r.rxcui === ing.rxcui)));
  if (own.length > 0) return own;
  if (nsaidClassMembers(k).has(ing.name)) return applied.filter((r) => r.id === NSAID_CLASS_RULE);
  return [];
}

/** Strength in mg of `ingredient` read from an RxNorm-style name ("Aspirin 81 MG Oral Tablet"). */
function strengthMg(label: string, ingredient: string): number | undefined {
  const re = new RegExp(`${ingredient}\\b[^/\\d]*?(\\d+(?:\\.\\d+)?)\\s*mg\\b`, 'i');
  const m = re.exec(label);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
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

function severity(f: Fired): [number, number] {
  return [indicatorRank(f.rule.indicator), f.rule.thresholdLow ?? -1];
}

export function renalDosingCards(
  orders: ResolvedMedication[],
  kidney: KidneyFunction,
  k: Knowledge,
  now: Date,
  options: RenalDosingOptions = {},
): Card[] {
  void now; // every window was applied when kidney function was gathered; kept for the rule signature
  const cards: Card[] = [];
  for (const order of orders) {
    const label = medicationLabel(order);
    for (const ing of order.ingredients) {
      const notes: string[] = [];
      let lowerBy = 0;
      const fired: Fired[] = [];
      for (const rule of rulesFor(ing, k)) {
        if (needs65(rule) && (kidney.ageYears === undefined || kidney.ageYears < 65)) continue;
        if (NEW_ORDER_ONLY.has(rule.id) && takes(options.activeMedications, ing)) continue;
        if (NSAID_RULES.has(rule.id) && NOT_SYSTEMIC.test(label)) continue;
        const m = measurementFor(rule, kidney);
        if (!m || !matches(rule, m.value)) continue;
        fired.push({ rule, m });
      }
      const deciding = fired.filter((f) => !NOTE_ONLY.has(f.rule.id));
      if (deciding.length === 0) continue;
      deciding.sort((a, b) => {
        const [ia, la] = severity(a);
        const [ib, lb] = severity(b);
        return ib - ia || lb - la;
      });
      const primary = deciding[0]!;
      if (primary.rule.id === ASPIRIN_RULE) {
        const mg = strengthMg(label, ing.name);
        if (mg !== undefined && mg < ASPIRIN_NSAID_DOSE_MG) continue;
        if (mg === undefined) {
          lowerBy++;
          notes.push(`The aspirin strength could not be read from the order: this applies to NSAID (analgesic) doses, not low-dose aspirin (shown one tier lower).`);
        }
      }
      const others = fired.filter((f) => f !== primary);
      cards.push(renalCard(order, ing, primary, others, kidney, k, options, notes, lowerBy));
    }
  }
  return cards;
}

function renalCard(
  order: ResolvedMedication,
  ing: IngredientMatch,
  primary: Fired,
  others: Fired[],
  kidney: KidneyFunction,
  k: Knowledge,
  options: RenalDosingOptions,
  notes: string[],
  lowerBy: number,
): Card {
  const { rule, m } = primary;
  let indicator: Indicator = applyConfidence(rule.indicator, ing.confidence as MatchConfidence);
  for (let i = 0; i < lowerBy; i++) indicator = lowerIndicator(indicator);

  const drug = shorten(ing.name, 40);
  const Drug = drug.charAt(0).toUpperCase() + drug.slice(1);
  let action = ACTION_TEXT[rule.action] ?? rule.action.replace(/-/g, ' ');
  // A contraindication the table does not grade critical (R06: the label's, stricter than Beers) says whose it is.
  if (rule.action === 'contraindicated' && rule.indicator !== 'critical') action = 'label contraindication';
  const text = `${Drug}: ${action} — ${m.label} is ${thresholdText(rule)}${needs65(rule) && kidney.ageYears !== undefined ? `, age ${kidney.ageYears}` : ''}`;

  const lines: string[] = [];
  lines.push(`**Order:** ${md(medicationLabel(order))}${order.key ? ` (${md(order.key)})` : ''}`);
  if (m.basis === 'crcl' && kidney.crcl) {
    const c = kidney.crcl;
    lines.push(`**Kidney function:** ${md(describeCrCl(c))}.`);
    lines.push(
      `Creatinine: LOINC ${md(c.inputs.creatinine.code)}${c.inputs.creatinine.id ? ` (Observation/${md(c.inputs.creatinine.id)})` : ''}; ` +
        `weight: LOINC ${md(c.inputs.weight.code)}${c.inputs.weight.id ? ` (Observation/${md(c.inputs.weight.id)})` : ''}; actual body weight.`,
    );
  } else if (m.lab) {
    const lab = m.lab;
    lines.push(
      `**Kidney function:** eGFR ${md(egfrText(lab))} on ${md(formatDate(lab.effective))} (LOINC ${md(lab.code)}${lab.display ? ` ${md(lab.display)}` : ''}${lab.id ? `, Observation/${md(lab.id)}` : ''}).`,
    );
  }
  lines.push('');
  lines.push(`**Rule ${md(rule.id)}** (${md(rule.population)}; ${md(rule.measure)} ${md(thresholdText(rule))} ${md(rule.units)}): ${md(rule.actionDetail)}.`);
  if (rule.id === NSAID_CLASS_RULE) lines.push(`${md(Drug)} is taken as a member of this class by hookwise (class membership is hookwise's, not the source's list).`);
  if (rule.id === 'R02' && options.activeMedications === undefined) {
    lines.push('If this order continues metformin the patient already takes, assess the benefit and risk of continuing instead (R03).');
  }
  for (const o of others) {
    const lead = NOTE_ONLY.has(o.rule.id)
      ? `If the indication is ${md(o.rule.population)} (rule ${md(o.rule.id)})`
      : `Also rule ${md(o.rule.id)} (${md(o.rule.population)})`;
    lines.push(`${lead}: ${md(o.rule.actionDetail)}.`);
  }
  for (const n of notes) lines.push(md(n));
  if (ing.confidence === 'text') lines.push('', `${md(Drug)} was matched by name, not by code: confirm before acting (shown one tier lower).`);
  const sources = [rule.source, ...others.map((o) => o.rule.source).filter((s) => s !== rule.source)];
  lines.push('', `Source: ${sources.map(md).join('; ')}. Rule ${md(rule.id)}, hookwise knowledge ${k.version}.`);

  const draft = resourceKey(order.resource);
  const card: Card = {
    finding: { key: `renal:${ing.name}:${rule.id}`, ...(draft ? { drafts: [draft] } : {}) },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator,
    source: { label: 'hookwise: renal dosing', topic: { ...TOPICS.renal } },
    overrideReasons: [OVERRIDES.doseAdjusted, OVERRIDES.benefitOutweighsRisk].map((x) => ({ ...x })),
  };
  if (indicator === 'critical' && draft) {
    const label = `Remove the ${shorten(ing.name, 60)} order`;
    const suggestion: Suggestion = { label, actions: [{ type: 'delete', description: label, resourceId: draft }] };
    card.suggestions = [suggestion];
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}
