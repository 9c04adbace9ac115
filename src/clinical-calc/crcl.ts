// Kidney function for renal dosing at order time: the latest eGFR, and creatinine clearance by Cockcroft-Gault
// (Cockcroft & Gault, Nephron 1976;16:31) from age, sex, actual body weight and serum creatinine.
// Pure; reads prefetch data leniently and never throws.
//
// Design choices (hookwise's own, documented in docs/clinical-rules.md):
// - Serum creatinine: VERIFIED LOINC codes of lab group "creatinine" (2160-0 mg/dL, 77140-2 µmol/L); read in
//   mg/dL or µmol/L (mg/dL = µmol/L ÷ 88.4); any other unit, or a censored value ("<0.3"), is not used.
//   Look-back CREATININE_LOOKBACK_DAYS (90): an older value no longer describes the kidney at the time of ordering.
// - Body weight: LOINC 29463-7 (group "bodyWeight") in kg or [lb_av]; look-back WEIGHT_LOOKBACK_DAYS (365).
// - Age from Patient.birthDate on `now` (a partial date counts as its latest day); sex from Patient.gender
//   (male/female only: "other"/"unknown" give no CrCl, as the formula needs one of the two).
// - Adults only (18 to 120 years): Cockcroft-Gault is not validated in children.
// - CrCl is computed only when every input is present and within its window; otherwise it is undefined and the
//   caller decides (no silent substitute).
// - eGFR: the VERIFIED eGFR codes, EGFR_LOOKBACK_DAYS (365, as patient-view). `egfrRecent` is the same result
//   only when it is within CREATININE_LOOKBACK_DAYS, for use in place of an uncomputable CrCl.
import type { Knowledge } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { bundleResources, isObject, str } from '../fhir-read/datatypes.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { ageInYears, patientResource } from '../fhir-read/patients.js';

export const CREATININE_LOOKBACK_DAYS = 90;
export const WEIGHT_LOOKBACK_DAYS = 365;
export const EGFR_LOOKBACK_DAYS = 365;
/** µmol/L per mg/dL of creatinine (molar mass 113.12 g/mol). */
export const CREATININE_UMOL_PER_MG_DL = 88.4;
export const KG_PER_LB = 0.45359237;
export const CG_MIN_AGE = 18;
export const CG_MAX_AGE = 120;

export type Sex = 'female' | 'male';

export interface CockcroftGaultInputs {
  ageYears: number;
  sex: Sex;
  weightKg: number;
  scrMgDl: number;
}

/**
 * Cockcroft-Gault creatinine clearance in mL/min: (140 − age) × weight / (72 × SCr), × 0.85 if female, with actual
 * body weight. Unrounded. NaN when an input is out of range (age outside 18–120, weight or SCr not positive).
 */
export function creatinineClearance({ ageYears, sex, weightKg, scrMgDl }: CockcroftGaultInputs): number {
  if (!Number.isFinite(ageYears) || ageYears < CG_MIN_AGE || ageYears > CG_MAX_AGE) return Number.NaN;
  if (!Number.isFinite(weightKg) || weightKg <= 0 || !Number.isFinite(scrMgDl) || scrMgDl <= 0) return Number.NaN;
  const crcl = ((140 - ageYears) * weightKg) / (72 * scrMgDl);
  return sex === 'female' ? crcl * 0.85 : crcl;
}

/** A measured input with the Observation it came from. */
export interface MeasuredInput {
  /** In the unit the formula uses (kg, mg/dL). */
  value: number;
  /** The value and unit as reported, e.g. "115 umol/L". */
  reported: string;
  date: Date;
  dateText: string;
  code: string;
  id?: string;
}

export interface CrClResult {
  /** mL/min, unrounded. */
  value: number;
  inputs: {
    ageYears: number;
    sex: Sex;
    weight: MeasuredInput;
    creatinine: MeasuredInput;
  };
}

export interface KidneyFunction {
  /** The latest eGFR of the last EGFR_LOOKBACK_DAYS. */
  egfr?: LabResult;
  /** The same eGFR only when it is within CREATININE_LOOKBACK_DAYS (recent enough to stand in for CrCl). */
  egfrRecent?: LabResult;
  crcl?: CrClResult;
  /** Why CrCl is undefined, e.g. ["no body weight in the last 365 days"]; empty when computed. */
  crclMissing: string[];
  ageYears?: number;
  sex?: Sex;
  /** The latest usable body weight (kg) and serum creatinine (mg/dL), also when CrCl cannot be computed. */
  weight?: MeasuredInput;
  creatinine?: MeasuredInput;
}

/** The prefetch keys kidneyFunction reads (prefetch/renal.ts). */
export interface KidneyData {
  patient?: unknown;
  creatinine?: unknown;
  weight?: unknown;
  egfr?: unknown;
}

function normUnit(u: unknown): string | undefined {
  const s = str(u);
  return s?.toLowerCase().replace(/\s+/g, '').replace(/[µμ]/g, 'u');
}

function quantityUnits(o: Record<string, unknown>): string[] {
  const q = o.valueQuantity;
  if (!isObject(q)) return [];
  return [normUnit(q.code), normUnit(q.unit)].filter((u): u is string => u !== undefined);
}

const CREATININE_FACTORS: Record<string, number> = {
  'mg/dl': 1,
  'umol/l': 1 / CREATININE_UMOL_PER_MG_DL,
  'micromol/l': 1 / CREATININE_UMOL_PER_MG_DL,
};
const WEIGHT_FACTORS: Record<string, number> = {
  kg: 1,
  '[lb_av]': KG_PER_LB,
  lb: KG_PER_LB,
  lbs: KG_PER_LB,
};

function factorOf(o: Record<string, unknown>, table: Record<string, number>): number | undefined {
  for (const u of quantityUnits(o)) {
    // Own keys only: a unit written "constructor" or "toString" must not find Object.prototype's function (NaN).
    const f = Object.hasOwn(table, u) ? table[u] : undefined;
    if (typeof f === 'number') return f;
  }
  return undefined;
}

function uncensored(o: Record<string, unknown>): boolean {
  const q = o.valueQuantity;
  return isObject(q) && str(q.comparator) === undefined;
}

/**
 * The newest usable Observation (code in `codes`, unit in `table`, not censored, within the window), converted to
 * the formula's unit. Results at the same time: the one giving the lower CrCl (higher creatinine, lower weight).
 */
function measured(
  value: unknown,
  codes: ReadonlySet<string>,
  table: Record<string, number>,
  now: Date,
  lookbackDays: number,
  prefer: 'highest' | 'lowest',
): MeasuredInput | undefined {
  let best: MeasuredInput | undefined;
  for (const o of bundleResources(value)) {
    if (!uncensored(o)) continue;
    const factor = factorOf(o, table);
    if (factor === undefined) continue;
    const lab = latestObservation(o, { codes, now, lookbackDays });
    if (!lab || lab.value <= 0) continue;
    const converted = lab.value * factor;
    if (best) {
      const dt = lab.effective.getTime() - best.date.getTime();
      if (dt < 0) continue;
      if (dt === 0 && (prefer === 'highest' ? converted <= best.value : converted >= best.value)) continue;
    }
    const m: MeasuredInput = {
      value: converted,
      reported: `${lab.value}${lab.unit ? ` ${lab.unit}` : ''}`,
      date: lab.effective,
      dateText: lab.effectiveText,
      code: lab.code,
    };
    if (lab.id) m.id = lab.id;
    best = m;
  }
  return best;
}

function sexOf(patient: Record<string, unknown> | undefined): Sex | undefined {
  const g = str(patient?.gender)?.toLowerCase();
  return g === 'female' || g === 'male' ? g : undefined;
}

/**
 * Kidney function from prefetch data: the latest eGFR and, when every input is present and recent, the
 * Cockcroft-Gault CrCl with the inputs it used. `patientId` guards against a Patient of another chart.
 */
export function kidneyFunction(data: KidneyData, now: Date, knowledge: Knowledge, patientId?: string): KidneyFunction {
  const out: KidneyFunction = { crclMissing: [] };
  const DAY_MS = 86_400_000;

  const egfr = latestObservation(data.egfr, {
    codes: labCodes(knowledge, 'egfr'),
    now,
    lookbackDays: EGFR_LOOKBACK_DAYS,
  });
  if (egfr) {
    out.egfr = egfr;
    if (egfr.effective.getTime() >= now.getTime() - CREATININE_LOOKBACK_DAYS * DAY_MS) out.egfrRecent = egfr;
  }

  const patient = patientResource(data.patient, patientId);
  const age = patient ? ageInYears(patient.birthDate, now) : undefined;
  const sex = sexOf(patient);
  if (age !== undefined) out.ageYears = age;
  if (sex) out.sex = sex;

  // Byte-for-byte same code sets as knowledge/lab-codes.json; a lab group that is absent yields no input.
  const creatinine = measured(
    data.creatinine,
    labCodes(knowledge, 'creatinine'),
    CREATININE_FACTORS,
    now,
    CREATININE_LOOKBACK_DAYS,
    'highest',
  );
  const weight = measured(
    data.weight,
    labCodes(knowledge, 'bodyWeight'),
    WEIGHT_FACTORS,
    now,
    WEIGHT_LOOKBACK_DAYS,
    'lowest',
  );

  if (weight) out.weight = weight;
  if (creatinine) out.creatinine = creatinine;
  if (age === undefined) out.crclMissing.push('no birth date');
  else if (age < CG_MIN_AGE || age > CG_MAX_AGE) out.crclMissing.push(`age ${age} outside ${CG_MIN_AGE}–${CG_MAX_AGE}`);
  if (!sex) out.crclMissing.push('sex not recorded as female or male');
  if (!weight) out.crclMissing.push(`no body weight in kg or lb in the last ${WEIGHT_LOOKBACK_DAYS} days`);
  if (!creatinine)
    out.crclMissing.push(`no serum creatinine in mg/dL or µmol/L in the last ${CREATININE_LOOKBACK_DAYS} days`);
  if (out.crclMissing.length > 0 || age === undefined || !sex || !weight || !creatinine) return out;

  const value = creatinineClearance({ ageYears: age, sex, weightKg: weight.value, scrMgDl: creatinine.value });
  if (!Number.isFinite(value) || value <= 0) {
    out.crclMissing.push('inputs out of range');
    return out;
  }
  out.crcl = { value, inputs: { ageYears: age, sex, weight, creatinine } };
  return out;
}

/**
 * "CrCl 32 mL/min by Cockcroft-Gault from age 82, female, weight 61 kg on 2026-10-01, SCr 1.3 mg/dL on 2026-11-20"
 * (whole mL/min, truncated: the value the renal rules compare).
 */
export function describeCrCl(c: CrClResult): string {
  const { ageYears, sex, weight, creatinine } = c.inputs;
  const w = `${round1(weight.value)} kg${/kg/i.test(weight.reported) ? '' : ` (reported ${weight.reported})`}`;
  const s = `${round2(creatinine.value)} mg/dL${/mg\/dl/i.test(creatinine.reported) ? '' : ` (reported ${creatinine.reported})`}`;
  return (
    `CrCl ${Math.floor(c.value)} mL/min by Cockcroft-Gault from age ${ageYears}, ${sex}, ` +
    `weight ${w} on ${day(weight.date)}, SCr ${s} on ${day(creatinine.date)}`
  );
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
