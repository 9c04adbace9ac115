// De-identification: FHIR data in, the facts a model may see out. Knows FHIR and the knowledge tables, nothing
// about the model. Minimum necessary: age in years and sex, coded drugs with a structured dose, coded conditions,
// coded allergies, laboratory results as value, unit and days ago. No names, identifiers, addresses, free text,
// dates or resource ids: every fact gets an opaque handle for this call only (M1, C1, L1, A1), and the map from
// handle to what it stands for stays inside hookwise.
import type { HookData, JsonObject } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { activeAllergies } from '../knowledge/allergies.js';
import { LOINC, SNOMED, bundleResources, codings, isObject, objects, statusCode, str } from '../fhir-read/datatypes.js';
import { resolveMedication } from '../knowledge/drugs/medications.js';
import { activeMedicationResources, medicationLookup } from '../fhir-read/medication-records.js';
import { effectiveOf } from '../fhir-read/observations.js';
import { ageInYears, patientResource } from '../fhir-read/patients.js';
import { DAY_MS } from '../util/time.js';

export type FactKind = 'medication' | 'condition' | 'lab' | 'allergy';

export interface MedicationFact {
  handle: string;
  drug: string;
  ingredients: string[];
  rxnorm?: string;
  dose?: string;
}
export interface ConditionFact {
  handle: string;
  condition: string;
  system: string;
  code: string;
}
export interface LabFact {
  handle: string;
  test: string;
  loinc?: string;
  value: number;
  comparator?: string;
  unit?: string;
  daysAgo: number;
}
export interface AllergyFact {
  handle: string;
  substance: string;
  ingredients: string[];
}

/** Exactly what the model is sent about the patient. */
export interface ReviewFacts {
  /** Age in years; 90 and over is sent as 90 with ageBand "90+" (HIPAA Safe Harbor: ages over 89 identify). */
  patient: { ageYears?: number; ageBand?: '90+'; sex?: 'female' | 'male' | 'other' | 'unknown' };
  medications: MedicationFact[];
  conditions: ConditionFact[];
  labs: LabFact[];
  allergies: AllergyFact[];
}

/** What a handle stands for, for grounding and card text; never sent anywhere. */
export interface HandleFact {
  kind: FactKind;
  /** The fact as shown in a card's evidence list, e.g. "potassium 5.9 mmol/L (2 days ago)". */
  label: string;
  /** Ingredient names (medications and allergies), lower case. */
  ingredients: string[];
}

export interface Deidentified {
  facts: ReviewFacts;
  handles: Map<string, HandleFact>;
}

export interface DeidentifyInput {
  data: HookData;
  patientId?: string;
  knowledge: Knowledge;
  now: Date;
}

const MAX_LABS = 25;
const MAX_CONDITIONS = 30;
const SYSTEM_NAMES: Record<string, string> = {
  [SNOMED]: 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
};

function value(data: HookData, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
}

/** A number or a short code-like token only: anything that could be free text is left out. */
function safeToken(s: string | undefined, max = 60): string | undefined {
  if (!s) return undefined;
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 0 && t.length <= max ? t : undefined;
}

/** The structured dose of the first dosageInstruction: "500 mg, 2 times per 1 d". Never dosageInstruction.text. */
function structuredDose(r: JsonObject): string | undefined {
  const dosage = objects(r.dosageInstruction)[0];
  if (!dosage) return undefined;
  const parts: string[] = [];
  const rate = objects(dosage.doseAndRate)[0];
  const q =
    rate && isObject(rate.doseQuantity)
      ? rate.doseQuantity
      : isObject(dosage.doseQuantity)
        ? dosage.doseQuantity
        : undefined;
  if (q && typeof q.value === 'number')
    parts.push([q.value, safeToken(str(q.unit) ?? str(q.code), 20)].filter((x) => x !== undefined).join(' '));
  const repeat = isObject(dosage.timing) && isObject(dosage.timing.repeat) ? dosage.timing.repeat : undefined;
  if (repeat && typeof repeat.frequency === 'number' && typeof repeat.period === 'number') {
    const unit = safeToken(str(repeat.periodUnit), 4);
    parts.push(`${repeat.frequency} times per ${repeat.period} ${unit ?? ''}`.trim());
  }
  return parts.length ? parts.join(', ') : undefined;
}

function medicationFacts(data: HookData, k: Knowledge): Array<Omit<MedicationFact, 'handle'>> {
  const medsValue = value(data, 'medications');
  const lookup = medicationLookup(medsValue, value(data, 'medicationRefs'));
  const out: Array<Omit<MedicationFact, 'handle'>> = [];
  for (const r of activeMedicationResources(medsValue)) {
    const m = resolveMedication(r, k, lookup);
    const ingredients = m.ingredients.map((i) => i.name.toLowerCase());
    const concept = isObject(r.medicationCodeableConcept)
      ? r.medicationCodeableConcept
      : isObject(r.medication)
        ? r.medication.concept
        : undefined;
    const coded = codings(concept).find((c) => c.code && c.display);
    // A coded display, else the matched ingredients: never the free text of the order.
    const drug = safeToken(coded?.display, 120) ?? (ingredients.length ? ingredients.join(' / ') : undefined);
    if (!drug) continue;
    const fact: Omit<MedicationFact, 'handle'> = { drug, ingredients };
    const rx = codings(concept).find((c) => c.code && c.system?.includes('rxnorm'));
    if (rx?.code && /^\d{1,10}$/.test(rx.code)) fact.rxnorm = rx.code;
    const dose = structuredDose(r);
    if (dose) fact.dose = dose;
    if (!out.some((o) => o.drug === fact.drug && o.dose === fact.dose)) out.push(fact);
  }
  return out;
}

function conditionFacts(data: HookData): Array<Omit<ConditionFact, 'handle'>> {
  const out: Array<Omit<ConditionFact, 'handle'>> = [];
  for (const r of bundleResources(value(data, 'conditions'))) {
    if (r.resourceType !== 'Condition') continue;
    const clinical = statusCode(r.clinicalStatus);
    if (clinical && !['active', 'recurrence', 'relapse'].includes(clinical)) continue;
    const verification = statusCode(r.verificationStatus);
    if (verification && ['refuted', 'entered-in-error'].includes(verification)) continue;
    const coded = codings(r.code).find((c) => c.system && SYSTEM_NAMES[c.system] && c.code && c.display);
    if (!coded) continue;
    const condition = safeToken(coded.display, 120);
    if (!condition || out.some((o) => o.code === coded.code)) continue;
    out.push({ condition, system: SYSTEM_NAMES[coded.system!]!, code: coded.code! });
  }
  return out.slice(0, MAX_CONDITIONS);
}

function labFacts(data: HookData, now: Date): Array<Omit<LabFact, 'handle'> & { at: number }> {
  const out: Array<Omit<LabFact, 'handle'> & { at: number }> = [];
  for (const o of bundleResources(value(data, 'labs'))) {
    if (o.resourceType !== 'Observation') continue;
    const status = str(o.status)?.toLowerCase();
    if (status && ['entered-in-error', 'cancelled', 'preliminary', 'registered'].includes(status)) continue;
    const q = o.valueQuantity;
    if (!isObject(q) || typeof q.value !== 'number' || !Number.isFinite(q.value)) continue;
    const eff = effectiveOf(o);
    if (!eff) continue;
    const daysAgo = Math.floor((now.getTime() - eff.date.getTime()) / DAY_MS);
    if (daysAgo < -1) continue;
    const cs = codings(o.code);
    const loinc = cs.find((c) => c.system === LOINC && c.code && /^\d{1,7}-\d$/.test(c.code));
    const test = safeToken(loinc?.display ?? cs.find((c) => c.display && c.code)?.display, 100);
    if (!test) continue;
    const fact: Omit<LabFact, 'handle'> & { at: number } = {
      test,
      value: q.value,
      daysAgo: Math.max(0, daysAgo),
      at: eff.date.getTime(),
    };
    if (loinc?.code) fact.loinc = loinc.code;
    const unit = safeToken(str(q.unit) ?? str(q.code), 20);
    if (unit) fact.unit = unit;
    const comparator = str(q.comparator);
    if (comparator && ['<', '<=', '>=', '>'].includes(comparator)) fact.comparator = comparator;
    if (!out.some((x) => x.test === fact.test && x.at === fact.at && x.value === fact.value)) out.push(fact);
  }
  return out.sort((a, b) => b.at - a.at).slice(0, MAX_LABS);
}

function allergyFacts(data: HookData, k: Knowledge): Array<Omit<AllergyFact, 'handle'>> {
  const out: Array<Omit<AllergyFact, 'handle'>> = [];
  for (const a of activeAllergies(value(data, 'allergies'), k)) {
    const ingredients = a.ingredients.map((i) => i.name.toLowerCase());
    const coded = codings(a.resource.code).find((c) => c.code && c.display);
    const cls = a.classes.find((c) => c.via === 'class')?.classId;
    const substance =
      (cls ? cls.replace(/[-_]/g, ' ') : undefined) ??
      (ingredients.length ? ingredients.join(' / ') : safeToken(coded?.display, 80));
    if (!substance || out.some((o) => o.substance === substance)) continue;
    out.push({ substance, ingredients });
  }
  return out;
}

function sexOf(patient: JsonObject | undefined): ReviewFacts['patient']['sex'] {
  const g = str(patient?.gender)?.toLowerCase();
  return g === 'female' || g === 'male' || g === 'other' || g === 'unknown' ? g : undefined;
}

function days(n: number): string {
  return n === 0 ? 'today' : n === 1 ? '1 day ago' : `${n} days ago`;
}

/** The de-identified facts of one call and the handle map that stays behind. Pure; never throws. */
export function deidentify(input: DeidentifyInput): Deidentified {
  const { data, knowledge, now } = input;
  const handles = new Map<string, HandleFact>();
  const patient = patientResource(value(data, 'patient'), input.patientId);
  const facts: ReviewFacts = { patient: {}, medications: [], conditions: [], labs: [], allergies: [] };
  const age = patient ? ageInYears(patient.birthDate, now) : undefined;
  if (age !== undefined && age > 89) {
    facts.patient.ageYears = 90;
    facts.patient.ageBand = '90+';
  } else if (age !== undefined) facts.patient.ageYears = age;
  const sex = sexOf(patient);
  if (sex) facts.patient.sex = sex;

  medicationFacts(data, knowledge).forEach((m, i) => {
    const handle = `M${i + 1}`;
    facts.medications.push({ handle, ...m });
    handles.set(handle, {
      kind: 'medication',
      label: m.dose ? `${m.drug} (${m.dose})` : m.drug,
      ingredients: m.ingredients,
    });
  });
  conditionFacts(data).forEach((c, i) => {
    const handle = `C${i + 1}`;
    facts.conditions.push({ handle, ...c });
    handles.set(handle, { kind: 'condition', label: c.condition, ingredients: [] });
  });
  labFacts(data, now).forEach(({ at: _at, ...l }, i) => {
    const handle = `L${i + 1}`;
    facts.labs.push({ handle, ...l });
    const shown = `${l.test} ${l.comparator ?? ''}${l.value}${l.unit ? ` ${l.unit}` : ''} (${days(l.daysAgo)})`;
    handles.set(handle, { kind: 'lab', label: shown, ingredients: [] });
  });
  allergyFacts(data, knowledge).forEach((a, i) => {
    const handle = `A${i + 1}`;
    facts.allergies.push({ handle, ...a });
    handles.set(handle, { kind: 'allergy', label: `allergy: ${a.substance}`, ingredients: a.ingredients });
  });
  return { facts, handles };
}
