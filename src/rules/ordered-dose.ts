// What an order gives: the product strength (from the RxNorm name: "Rivaroxaban 15 MG Oral Tablet",
// "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe", "Dofetilide 0.25 MG Oral Capsule") and the structured
// dosage (dose quantity × doses a day, from dosageInstruction). Pure; reads FHIR leniently and never throws.
// The free-text sig (`dosage.text`) is never parsed: a dose that is not structured is "not stated".
import { isObject, objects, str } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';

/** Doses a day of the HL7 timing abbreviations (v3 GTSAbbreviation). */
const TIMING_CODES: Record<string, number> = {
  QD: 1,
  BID: 2,
  TID: 3,
  QID: 4,
  AM: 1,
  PM: 1,
  Q4H: 6,
  Q6H: 4,
  Q8H: 3,
  Q12H: 2,
  QOD: 0.5,
};
/** Hours in one UCUM time unit of Timing.repeat.periodUnit. */
export const HOURS: Record<string, number> = { s: 1 / 3600, min: 1 / 60, h: 1, d: 24, wk: 168, mo: 720, a: 8760 };

export function quantity(q: unknown): { value: number; unit: string } | undefined {
  if (!isObject(q) || typeof q.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  return { value: q.value, unit: (str(q.unit) ?? str(q.code) ?? '').toLowerCase() };
}

/**
 * The most doses a day the timing allows (as-needed orders: the shortest interval and the highest frequency). Times
 * of day (`timeOfDay`: 08:00 and 20:00) and events (`when`: morning and evening) count as doses too: a timing may
 * state its doses that way instead of by frequency, and the larger count wins.
 */
export function dosesPerDay(timing: unknown): number | undefined {
  if (!isObject(timing)) return undefined;
  const code = str(
    isObject(timing.code) ? (objects(timing.code.coding)[0]?.code ?? timing.code.text) : undefined,
  )?.toUpperCase();
  const repeat = isObject(timing.repeat) ? timing.repeat : undefined;
  if (repeat) {
    const frequency =
      typeof repeat.frequencyMax === 'number'
        ? repeat.frequencyMax
        : typeof repeat.frequency === 'number'
          ? repeat.frequency
          : 1;
    const times = Math.max(
      Array.isArray(repeat.timeOfDay) ? repeat.timeOfDay.length : 0,
      Array.isArray(repeat.when) ? repeat.when.length : 0,
    );
    const period = typeof repeat.period === 'number' ? repeat.period : undefined;
    const hours = HOURS[str(repeat.periodUnit) ?? ''];
    if (period && period > 0 && hours) {
      // Times of day name doses within each day; a longer period (weekly) keeps its own frequency.
      const perPeriod =
        times > 0 && period * hours <= 24 ? Math.max(frequency, times * ((period * hours) / 24)) : frequency;
      return (perPeriod * 24) / (period * hours);
    }
    if (times > 0) return Math.max(times, code ? (TIMING_CODES[code] ?? 0) : 0);
  }
  return code ? TIMING_CODES[code] : undefined;
}

/** Strength of one unit (tablet, capsule, syringe) in mg, and mg per mL for a liquid. */
export interface Strength {
  /** mg in one unit; for a liquid without a unit volume, mg in one mL. */
  mg: number;
  mgPerMl?: number;
  /** True when `mg` is one discrete unit (a tablet, a capsule, a syringe of stated volume), not a concentration. */
  unit: boolean;
}

const MG_PER: Record<string, number> = { mg: 1, mcg: 0.001, ug: 0.001, µg: 0.001, g: 1000 };
// Linear on any text: an amount starts only where a digit run does (a start inside the run can only find what the
// run's start finds, and trying each was quadratic in a long run of digits), and the volume's digits have one way
// to split ("\d*\.?\d*" had n² on a long run before a missing "ML"), and the spaces before "ML" follow a volume
// only (with no volume, the spaces after "/" split two ways: n² on a long run). It matches what it matched before.
const AMOUNT = String.raw`(?<!\d)(\d+(?:\.\d+)?)\s*(MG|MCG|UG|µG|G)\b(?:\s*/\s*((?:\d+(?:\.\d*)?|\.\d*)?)(?:(?<=[\d.])\s*)?ML\b)?`;

/**
 * What /<name>\b[^/\d]*?AMOUNT/i finds, in linear time. That regex scanned from every mention of the name to the
 * next "/" or digit: a name repeated many times before one took quadratic time. The amount can only start at the
 * first "/" or digit after a mention (its first character is a digit, and nothing between may be one), so every
 * mention before the same one gives the same answer: each such stop is tried once.
 */
function amountAfter(label: string, escapedName: string): RegExpExecArray | null {
  const mention = new RegExp(`${escapedName}\\b`, 'gi');
  const stop = /[/\d]/g;
  const amount = new RegExp(AMOUNT, 'iy');
  let tried = -1;
  for (let m = mention.exec(label); m; m = mention.exec(label)) {
    mention.lastIndex = m.index + 1; // mentions may overlap, as the regex's starts did
    const end = m.index + m[0].length;
    if (end <= tried) continue; // the same stop as the mention before: it gave nothing
    stop.lastIndex = end;
    const at = stop.exec(label);
    if (!at) return null;
    tried = at.index;
    amount.lastIndex = at.index;
    const hit = amount.exec(label);
    if (hit) return hit;
  }
  return null;
}

/**
 * The strength of `ingredient` in an RxNorm-style name: the amount after the ingredient's name, else (a single-
 * ingredient product, brand names included: "Xarelto 20 MG Oral Tablet") the first amount in the name. A leading
 * volume ("0.4 ML … 100 MG/ML") makes the unit that volume.
 */
export function strengthIn(label: string, ingredient: string, singleIngredient: boolean): Strength | undefined {
  const escaped = ingredient.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = amountAfter(label, escaped) ?? (singleIngredient ? new RegExp(AMOUNT, 'i').exec(label) : null);
  if (!m) return undefined;
  const perUnit = MG_PER[m[2]!.toLowerCase()];
  const amount = Number(m[1]);
  if (perUnit === undefined || !Number.isFinite(amount) || amount <= 0) return undefined;
  const mg = amount * perUnit;
  if (m[3] === undefined) return { mg, unit: true };
  const ml = m[3] === '' ? 1 : Number(m[3]);
  if (!Number.isFinite(ml) || ml <= 0) return undefined;
  const mgPerMl = mg / ml;
  const volume = /^\s*(\d+(?:\.\d+)?)\s*ML\b/i.exec(label);
  // "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe": one syringe holds 0.4 mL, 40 mg.
  if (volume) return { mg: mgPerMl * Number(volume[1]), mgPerMl, unit: true };
  // "Rivaroxaban 1 MG/ML Oral Suspension": a concentration, not a dose.
  return { mg, mgPerMl, unit: false };
}

/** mg in one dose, from the dose quantity and the product strength; undefined when the units do not say. */
function doseMg(dose: { value: number; unit: string }, strength: Strength | undefined): number | undefined {
  const per = MG_PER[dose.unit];
  if (per !== undefined) return dose.value * per;
  if (dose.unit === 'ml') return strength?.mgPerMl !== undefined ? dose.value * strength.mgPerMl : undefined;
  if (!strength || /\/|kg/.test(dose.unit)) return undefined;
  return dose.value * strength.mg; // tablets, capsules, syringes, {tbl}, 1, unitless: units of the product
}

export interface OrderedDose {
  /** The product strength of one unit, when the name states it. */
  strength?: Strength;
  /** mg per dose, from the structured dose. */
  perDoseMg?: number;
  /** Doses a day, from the structured timing (the most it allows). */
  perDay?: number;
}

/** The ordered dose of one ingredient: strength, mg per dose and doses a day, each when stated. */
export function orderedDose(med: ResolvedMedication, ingredient: string): OrderedDose {
  const out: OrderedDose = {};
  const strength = strengthIn(medicationLabel(med), ingredient, med.ingredients.length === 1);
  if (strength) out.strength = strength;
  const dosages = [...objects(med.resource.dosageInstruction), ...objects(med.resource.dosage)];
  // Several dosage entries (a split schedule, a taper) are not summed here: the dose is "not stated", so a rule
  // never calls an order within the label on a part of it.
  const d = dosages.length === 1 ? dosages[0] : undefined;
  if (!d) return out;
  const rate = objects(d.doseAndRate)[0];
  const dose = quantity(rate?.doseQuantity ?? d.doseQuantity);
  const mg = dose ? doseMg(dose, strength) : undefined;
  if (mg !== undefined) out.perDoseMg = mg;
  const perDay = dosesPerDay(d.timing);
  if (perDay !== undefined) out.perDay = perDay;
  return out;
}

/** mg in one dose: the structured dose, else one unit of the product (never a liquid's concentration). */
export function unitDoseMg(o: OrderedDose): number | undefined {
  return o.perDoseMg ?? (o.strength?.unit ? o.strength.mg : undefined);
}

/** "once daily", "twice daily", "3 times a day", "every other day". */
export function frequencyText(perDay: number): string {
  if (perDay === 1) return 'once daily';
  if (perDay === 2) return 'twice daily';
  if (perDay === 0.5) return 'every other day';
  return `${Number(perDay.toPrecision(3))} times a day`;
}

/** "250 mcg" below 1 mg, else "15 mg". */
export function mgText(mg: number): string {
  if (mg < 1) return `${Number((mg * 1000).toPrecision(4))} mcg`;
  return `${Number(mg.toPrecision(4))} mg`;
}
