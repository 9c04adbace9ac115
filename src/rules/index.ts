// The decision functions behind the three hooks. Pure: (context, data, knowledge, now) -> cards.
// No I/O, no clock reads, no logging. Cards carry no uuid (the pipeline stamps them).
//
// Prefetch keys read (a key's value may be a Bundle, null for "no data", or absent when not obtained):
//   patient-view: medications (active MedicationRequest Bundle), egfr (eGFR Observations, last 365 days),
//                 potassium (optional: potassium Observations, last 7 days; also read by the QT pairs)
//   order-select: allergies (AllergyIntolerance Bundle), draftMedications (optional: Medications drafts reference),
//                 medications (optional: active MedicationRequest Bundle), medicationRefs (optional, as below)
//   order-sign:   medications (active MedicationRequest Bundle), draftMedications (optional, as above),
//                 medicationRefs (optional: Medications the active MedicationRequests reference)
//   both order hooks also: orderLabs (optional: potassium, magnesium, calcium and digoxin level, one search): a low
//                 potassium makes a QT pair critical; digoxin + cyclosporine reads them all, with creatinine
import type { DecisionInput } from '../cds/hook-module.js';
import type {
  Card,
  HookData,
  JsonObject,
  OrderSelectContext,
  OrderSignContext,
  PatientViewContext,
  Suggestion,
} from '../cds/types.js';
import { type ResolvedAllergy, activeAllergies } from '../knowledge/allergies.js';
import { bundleResources, resourceKey, str } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, resolveMedication, systemic } from '../knowledge/drugs/medications.js';
import {
  MEDICATION_RECORD_TYPES,
  type MedicationLookup,
  activeMedicationResources,
  isMedicationResource,
  medicationLookup,
  takenRecently,
} from '../fhir-read/medication-records.js';
import type { Knowledge } from '../knowledge/index.js';
import { RECENT_MEDICATION_DAYS } from '../../prefetch/medications.js';
import { findAllergyConflicts } from './allergy.js';
import { kidneyFunction } from '../clinical-calc/crcl.js';
import { renalDosingCards } from './renal-dosing.js';
import { findDdi, findNonInterruptive } from './ddi.js';
import { foldLabelRepeats } from './ddi-overlap.js';
import { findDuplicateTherapy } from './duplicate-therapy.js';
import { beersCards } from './beers.js';
import { indicatorRank } from './cards.js';
import { potassiumCards } from './potassium.js';
import { metforminRenalCards } from './renal.js';
import { warfarinInrCards } from './warfarin-inr.js';
import { warfarinNsaidCards } from './warfarin-nsaid.js';
import { digoxinCyclosporineCards } from './digoxin-cyclosporine.js';
import { serotoninWashoutCards } from './serotonin-washout.js';
import { labelInteractionCards } from './label-interactions.js';
import { acetaminophenMaxCards } from './acetaminophen-max.js';
import { patientAge } from '../fhir-read/patients.js';

export { TOPIC_SYSTEM, OVERRIDE_SYSTEM } from './cards.js';

// Which forms each rule reads. An allergy applies to every form (a penicillin allergy is an allergy to the eye
// drop too); every other rule is about drug in the bloodstream and reads only systemic medications, so an eye
// ointment, ear drop, nasal spray, skin product or shampoo never triggers it (HL7 PDDI-CDS: topical and ophthalmic
// forms are "not likely to increase risk"). See src/knowledge/drugs/dose-form.ts.
//   drug–allergy: all forms · interactions, duplicates, non-interruptive, renal dosing, metformin/eGFR,
//   potassium-raising drugs, warfarin/INR, Beers: systemic only

function isBundle(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { resourceType?: unknown }).resourceType === 'Bundle';
}

function dataValue(data: HookData | undefined, key: string): unknown {
  if (!data || !Object.prototype.hasOwnProperty.call(data, key)) return undefined;
  return data[key] ?? null;
}

/** The prefetch keys of statements, dispenses and administrations (prefetch/medications.ts). */
const RECORD_KEYS = ['medicationStatements', 'medicationDispenses', 'medicationAdministrations'];

/**
 * What the patient takes: the active orders, plus each drug that a recent statement, dispense or administration
 * records and no active order already covers (one entry per drug, so a dispensed order does not count twice).
 */
function currentMedications(
  data: HookData | undefined,
  knowledge: Knowledge,
  lookup: MedicationLookup,
  now: Date,
): ResolvedMedication[] {
  return takenRecords(data, knowledge, lookup, now).current;
}

/** `current`: one entry per drug (as above); `all`: every record, for rules that read a drug's history (Beers). */
function takenRecords(
  data: HookData | undefined,
  knowledge: Knowledge,
  lookup: MedicationLookup,
  now: Date,
): { current: ResolvedMedication[]; all: ResolvedMedication[] } {
  const current = activeMedicationResources(dataValue(data, 'medications')).map((r) =>
    resolveMedication(r, knowledge, lookup),
  );
  const all = [...current];
  const covered = new Set(current.map(drugKey));
  for (const key of RECORD_KEYS) {
    for (const r of bundleResources(dataValue(data, key))) {
      if (
        !(MEDICATION_RECORD_TYPES as readonly string[]).includes(String(r.resourceType)) ||
        !takenRecently(r, now, RECENT_MEDICATION_DAYS)
      )
        continue;
      const m = resolveMedication(r, knowledge, lookup);
      if (m.ingredients.length === 0) continue;
      all.push(m);
      const k = drugKey(m);
      if (covered.has(k)) continue;
      covered.add(k);
      current.push(m);
    }
  }
  return { current, all };
}

/** One drug: its ingredients and where it acts (an eye drop and a tablet of one ingredient are two drugs). */
function drugKey(m: ResolvedMedication): string {
  return `${m.site}:${m.ingredients
    .map((i) => i.name)
    .sort()
    .join('+')}`;
}

export function decidePatientView(input: DecisionInput<PatientViewContext>): Card[] {
  const { context, data, knowledge, now } = input;
  const medsValue = dataValue(data, 'medications');
  const lookup = medicationLookup(
    medsValue,
    dataValue(data, 'medicationRefs'),
    ...RECORD_KEYS.map((k) => dataValue(data, k)),
  );
  const taken = takenRecords(data, knowledge, lookup, now);
  const meds = systemic(taken.current);
  const cards: Card[] = [];
  const egfrValue = dataValue(data, 'egfr');
  if (medsValue && egfrValue) cards.push(...metforminRenalCards(meds, egfrValue, now, knowledge));
  // Potassium needs no medication to fire; the medications only add the potassium-raising drugs to the card.
  cards.push(...potassiumCards(meds, dataValue(data, 'potassium'), now, knowledge));
  if (medsValue) {
    cards.push(...warfarinInrCards(meds, dataValue(data, 'inr'), now, knowledge));
    const patientId = typeof context.patientId === 'string' ? context.patientId : undefined;
    cards.push(...beersCards(meds, dataValue(data, 'patient'), patientId, now, knowledge, taken.all));
  }
  // Interactions among drugs already taken (one tier lower than at ordering): the ONC pairs and the label pairs,
  // one card per drug pair.
  const pv = foldLabelRepeats(
    findDdi({
      drafts: meds,
      active: [],
      knowledge,
      hook: 'patient-view',
      potassium: dataValue(data, 'potassium'),
      now,
    }),
    labelInteractionCards({ subjects: meds, others: meds, knowledge, hook: 'patient-view' }),
  );
  cards.push(...pv.ddi, ...pv.label);
  cards.push(...acetaminophenMaxCards({ ordered: [], taking: meds, knowledge, hook: 'patient-view' }));
  // Most urgent first; the order within a tier is the rules' order.
  return cards
    .map((c, i) => ({ c, i }))
    .sort((a, b) => indicatorRank(b.c.indicator) - indicatorRank(a.c.indicator) || a.i - b.i)
    .map((x) => x.c);
}

export function decideOrderSelect(input: DecisionInput<OrderSelectContext>): Card[] {
  const { context, data, knowledge } = input;
  const selections = Array.isArray(context.selections)
    ? context.selections.filter((s): s is string => typeof s === 'string')
    : [];
  if (selections.length === 0) return [];
  const medsValue = dataValue(data, 'medications');
  const lookup = orderLookup(context.draftOrders, data);
  const isSelected = (r: JsonObject): boolean => {
    const key = resourceKey(r);
    const id = str(r.id);
    return selections.some((s) => s === key || (!s.includes('/') && s === id));
  };
  const drafts = bundleResources(context.draftOrders)
    .filter(isMedicationResource)
    .map((r) => ({ r, m: resolveMedication(r, knowledge, lookup) }))
    .filter((x) => x.m.ingredients.length > 0);
  const selected = drafts.filter((x) => isSelected(x.r)).map((x) => x.m);
  if (selected.length === 0) return [];
  const cards: Card[] = [];
  const allergiesValue = dataValue(data, 'allergies');
  const allergies = allergiesValue ? activeAllergies(allergiesValue, knowledge) : [];
  if (allergies.length > 0)
    cards.push(...findAllergyConflicts(selected, allergies, knowledge, input.now, context.patientId));
  // Drug pairs: each selected draft with the active medications and with every other draft; two drafts that are
  // not selected are left to their own selection (or to order-sign).
  const focus = new Set(systemic(selected));
  const all = systemic(drafts.map((x) => x.m));
  const active = systemic(
    currentMedications(data, knowledge, lookup, input.now).filter((m) => m.ingredients.length > 0),
  );
  const pairInput = { drafts: all, active, knowledge, focus, hook: 'order-select' as const, now: input.now };
  const ddi = findDdi({ ...pairInput, potassium: dataValue(data, 'orderLabs') });
  const label = foldLabelRepeats(
    ddi,
    labelInteractionCards({
      subjects: [...focus],
      others: [...active, ...all],
      knowledge,
      hook: 'order-select',
      patientId: context.patientId,
    }),
  );
  cards.push(...label.ddi, ...findDuplicateTherapy(pairInput), ...findNonInterruptive(pairInput));
  // Only a medication list actually obtained says whether metformin is new (R02) or continued.
  const knownActive = isBundle(medsValue) ? { activeMedications: active } : {};
  cards.push(
    ...renalDosingCards(
      [...focus],
      kidneyFunction(data, input.now, knowledge, context.patientId),
      knowledge,
      input.now,
      knownActive,
    ),
  );
  cards.push(...warfarinNsaidCards(pddiInput(selected, active, data, input.now, context.patientId, knowledge)));
  cards.push(
    ...digoxinCyclosporineCards(digoxinInput([...focus], active, all, data, input.now, context.patientId, knowledge)),
  );
  cards.push(
    ...serotoninWashoutCards({
      drafts: [...focus],
      taking: active,
      statements: statements(data, knowledge, lookup),
      now: input.now,
      knowledge,
    }),
  );
  cards.push(...label.label);
  cards.push(
    ...acetaminophenMaxCards({ ordered: [...focus], taking: [...active, ...all], knowledge, hook: 'order-select' }),
  );
  return byIndicator(withoutAllergenicOrders(oneCardPerPair(cards), allergies, knowledge, input.now));
}

export function decideOrderSign(input: DecisionInput<OrderSignContext>): Card[] {
  const { context, data, knowledge } = input;
  const medsValue = dataValue(data, 'medications');
  const lookup = orderLookup(context.draftOrders, data);
  const ordered = bundleResources(context.draftOrders)
    .filter(isMedicationResource)
    .map((r) => resolveMedication(r, knowledge, lookup))
    .filter((m) => m.ingredients.length > 0);
  if (ordered.length === 0) return [];
  // The allergy check reads every form (an eye drop of the allergen too); the other rules only systemic ones.
  const allergiesValue = dataValue(data, 'allergies');
  const allergies = allergiesValue ? activeAllergies(allergiesValue, knowledge) : [];
  const allergyCards =
    allergies.length > 0 ? findAllergyConflicts(ordered, allergies, knowledge, input.now, context.patientId) : [];
  const drafts = systemic(ordered);
  const active = systemic(
    currentMedications(data, knowledge, lookup, input.now).filter((m) => m.ingredients.length > 0),
  );
  const pairInput = { drafts, active, knowledge, hook: 'order-sign' as const, now: input.now };
  const kidney = kidneyFunction(data, input.now, knowledge, context.patientId);
  const label = foldLabelRepeats(
    findDdi({ ...pairInput, potassium: dataValue(data, 'orderLabs') }),
    labelInteractionCards({
      subjects: drafts,
      others: [...active, ...drafts],
      knowledge,
      hook: 'order-sign',
      patientId: context.patientId,
    }),
  );
  return byIndicator(
    withoutAllergenicOrders(
      oneCardPerPair([
        ...allergyCards,
        ...label.ddi,
        ...findDuplicateTherapy(pairInput),
        ...findNonInterruptive(pairInput),
        ...renalDosingCards(
          drafts,
          kidney,
          knowledge,
          input.now,
          isBundle(medsValue) ? { activeMedications: active } : {},
        ),
        ...warfarinNsaidCards(pddiInput(ordered, active, data, input.now, context.patientId, knowledge)),
        ...digoxinCyclosporineCards(
          digoxinInput(drafts, active, drafts, data, input.now, context.patientId, knowledge),
        ),
        ...serotoninWashoutCards({
          drafts,
          taking: active,
          statements: statements(data, knowledge, lookup),
          now: input.now,
          knowledge,
        }),
        ...label.label,
        ...acetaminophenMaxCards({ ordered: drafts, taking: active, knowledge, hook: 'order-sign' }),
      ]),
      allergies,
      knowledge,
      input.now,
    ),
  );
}

/**
 * A card never suggests ordering what the patient is recorded as allergic to: a suggestion creating a medication
 * that the allergy check would warn about (azithromycin offered in place of clarithromycin to a patient with a
 * macrolide allergy) is left out. Every rule's suggested orders go through this one check.
 */
function withoutAllergenicOrders(cards: Card[], allergies: ResolvedAllergy[], knowledge: Knowledge, now: Date): Card[] {
  if (allergies.length === 0) return cards;
  const risky = (s: Suggestion): boolean =>
    (s.actions ?? []).some((a) => {
      if (a.type !== 'create' || a.resource?.resourceType !== 'MedicationRequest') return false;
      const med = resolveMedication(a.resource as unknown as JsonObject, knowledge, medicationLookup());
      return findAllergyConflicts([med], allergies, knowledge, now).some((c) => c.indicator !== 'info');
    });
  return cards.map((card) => {
    if (!card.suggestions?.some(risky)) return card;
    const suggestions = card.suggestions.filter((s) => !risky(s));
    const { suggestions: _s, selectionBehavior: _b, ...rest } = card;
    return suggestions.length
      ? { ...rest, suggestions, selectionBehavior: card.selectionBehavior ?? 'at-most-one' }
      : rest;
  });
}

/** Medications that drafts, active orders and records reference, wherever the call carries them. */
function orderLookup(draftOrders: unknown, data: HookData | undefined): MedicationLookup {
  return medicationLookup(
    draftOrders,
    dataValue(data, 'draftMedications'),
    dataValue(data, 'medications'),
    dataValue(data, 'medicationRefs'),
    ...RECORD_KEYS.map((k) => dataValue(data, k)),
  );
}

/** The PDDI-CDS rules' input: the drafts of this hook (every form), what is taken, age and conditions. */
function pddiInput(
  drafts: ResolvedMedication[],
  taking: ResolvedMedication[],
  data: HookData | undefined,
  now: Date,
  patientId: string,
  knowledge: Knowledge,
) {
  const age = patientAge(dataValue(data, 'patient'), now, patientId);
  return {
    drafts,
    taking,
    conditions: dataValue(data, 'giBleedHistory'),
    patientId,
    knowledge,
    now,
    ...(age !== undefined ? { age } : {}),
  };
}

/** Every MedicationStatement of the `medicationStatements` key, whatever its status: the washout rule reads stopped ones. */
function statements(data: HookData | undefined, knowledge: Knowledge, lookup: MedicationLookup): ResolvedMedication[] {
  return bundleResources(dataValue(data, 'medicationStatements'))
    .filter((r) => r.resourceType === 'MedicationStatement')
    .map((r) => resolveMedication(r, knowledge, lookup));
}

/** Digoxin + cyclosporine: the drafts in focus, what is taken, every draft, and the labs the guide reads. */
function digoxinInput(
  drafts: ResolvedMedication[],
  taking: ResolvedMedication[],
  allDrafts: ResolvedMedication[],
  data: HookData | undefined,
  now: Date,
  patientId: string,
  knowledge: Knowledge,
) {
  const labs = {
    digoxin: dataValue(data, 'orderLabs'),
    potassium: dataValue(data, 'orderLabs'),
    magnesium: dataValue(data, 'orderLabs'),
    calcium: dataValue(data, 'orderLabs'),
    creatinine: dataValue(data, 'creatinine'),
  };
  return { drafts, taking, allDrafts, labs, now, patientId, knowledge };
}

const WASHOUT = /^serotonin-washout:(.+)$/;
const ONC = /^ddi:(.+)$/;
const LABEL = /^label-ddi:[^:]+:(.+)$/;

/** The drug pair a card's finding key names after `re`'s prefix, its drugs in order; undefined for other cards. */
function pairOf(c: Card, re: RegExp): string | undefined {
  const m = re.exec(c.finding?.key ?? '')?.[1];
  return m === undefined ? undefined : m.split('+').sort().join('+');
}

/**
 * One combination, one card. A stopped antidepressant within its washout gets the washout card, which says when it
 * stopped: the concurrent-pair cards for the same two drugs are dropped. An ONC high-priority pair outranks a label
 * row for the same two drugs (the label table is for what the ONC list does not cover).
 */
function oneCardPerPair(cards: Card[]): Card[] {
  const washouts = new Set(cards.map((c) => pairOf(c, WASHOUT)).filter((x) => x !== undefined));
  const onc = new Set(cards.map((c) => pairOf(c, ONC)).filter((x) => x !== undefined));
  if (washouts.size === 0 && onc.size === 0) return cards;
  return cards.filter((c) => {
    const o = pairOf(c, ONC);
    if (o !== undefined) return !washouts.has(o);
    const l = pairOf(c, LABEL);
    return l === undefined || (!washouts.has(l) && !onc.has(l));
  });
}

/** Most urgent first; the order within a tier is the rules' order. */
function byIndicator(cards: Card[]): Card[] {
  return cards
    .map((c, i) => ({ c, i }))
    .sort((a, b) => indicatorRank(b.c.indicator) - indicatorRank(a.c.indicator) || a.i - b.i)
    .map((x) => x.c);
}
