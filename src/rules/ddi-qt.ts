// ONC pair 8 (QT-prolonging agents): not every pair is critical. A warning by default; critical when a label
// contraindicates the combination (thioridazine, pimozide, dronedarone: knowledge qtTiering) or when the patient's
// latest potassium is low (hypokalaemia predisposes to torsade de pointes: Drew BJ et al., AHA/ACCF scientific
// statement, Circulation 2010;121:1047-60); one tier lower for a one-time dose (ondansetron with sevoflurane at
// induction). QTc and magnesium are not read: no LOINC code for either is VERIFIED in the research tables.
// Pure: (resources, potassium Observations, now, knowledge) -> tier and the factors that set it.
import type { Indicator, JsonObject } from '../cds/types.js';
import { asArray, isObject, str } from '../fhir-read/datatypes.js';
import { type Knowledge, type QtTiering, labCodes } from '../knowledge/index.js';
import type { ResolvedMedication } from '../knowledge/drugs/medications.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { lowerIndicator } from './cards.js';
import { dateText, valueText } from './card-text.js';

/** What raised (or lowered) a QT pair's tier, for the card: a short phrase and a full line. */
export interface QtFactor {
  short: string;
  line: string;
  /** The label contraindicating the pair, when that is the factor. */
  link?: { label: string; url: string };
  /** The potassium result, when that is the factor. */
  lab?: LabResult;
}

export interface QtTier {
  indicator: Indicator;
  raisedBy: QtFactor[];
  /** Every resource of one side is a one-time dose: one tier lower. */
  oneTime: boolean;
}

/**
 * A one-time dose: a MedicationRequest (or DSTU2 MedicationOrder) whose every dosage says `timing.repeat.count` 1
 * and is not as-needed; a MedicationAdministration given during a procedure (`partOf` a Procedure); or an inhaled
 * anaesthetic (given only during anaesthesia, under ECG monitoring).
 */
export function isOneTimeDose(m: ResolvedMedication, qt: QtTiering): boolean {
  if (m.ingredients.length > 0 && m.ingredients.every((i) => qt.anaesthetics.includes(i.name))) return true;
  const r = m.resource;
  if (m.resourceType === 'MedicationAdministration') {
    return asArray(r.partOf).some((p) => isObject(p) && /^Procedure\//.test(str(p.reference) ?? ''));
  }
  if (m.resourceType !== 'MedicationRequest' && m.resourceType !== 'MedicationOrder') return false;
  const dosages = asArray(r.dosageInstruction).filter(isObject);
  if (dosages.length === 0) return false;
  return dosages.every((d: JsonObject) => {
    if (d.asNeededBoolean === true || isObject(d.asNeededCodeableConcept)) return false;
    const repeat = isObject(d.timing) && isObject(d.timing.repeat) ? d.timing.repeat : undefined;
    return repeat?.count === 1;
  });
}

/** The latest potassium in mmol/L (or mEq/L, the same number) of the potassium rule's look-back, if any. */
export function latestPotassium(value: unknown, now: Date, k: Knowledge): LabResult | undefined {
  const rule = k.labRules.potassium;
  const accepted = new Set(rule.acceptedUnits.map((u) => u.toLowerCase()));
  return latestObservation(value, {
    codes: labCodes(k, rule.labGroup),
    now,
    lookbackDays: rule.lookbackDays,
    acceptUnit: (unit) => unit !== undefined && accepted.has(unit.replace(/\s+/g, '').toLowerCase()),
    tieBreak: 'lowest',
  });
}

/** True only when the result proves the value is below `t` (">3" cannot). */
function provesBelow(lab: LabResult, t: number): boolean {
  if (lab.comparator === '>' || lab.comparator === '>=') return false;
  return lab.comparator === '<' ? lab.value <= t : lab.value < t;
}

/**
 * The tier of a QT pair between the ingredients `a` and `b`, held by `sideA` and `sideB` (the resources of each
 * side), given the latest potassium.
 */
export function qtTier(
  qt: QtTiering,
  names: { a: string[]; b: string[] },
  sides: { a: ResolvedMedication[]; b: ResolvedMedication[] },
  potassium: LabResult | undefined,
  now: Date | undefined,
  k: Knowledge,
): QtTier {
  const raisedBy: QtFactor[] = [];
  for (const c of qt.labelContraindications) {
    if (![...names.a, ...names.b].includes(c.ingredient)) continue;
    raisedBy.push({ short: `${c.ingredient} label`, line: `${c.text}.`, link: { label: c.label, url: c.url } });
  }
  const low = k.labRules.potassium.low;
  if (potassium && provesBelow(potassium, low)) {
    const value = valueText(potassium.value, potassium.unit);
    const when = now ? ` on ${dateText(potassium.effective, now)}` : '';
    raisedBy.push({
      short: `potassium ${potassium.comparator ?? ''}${value}`,
      line: `Potassium ${potassium.comparator ?? ''}${value}${when}, below ${low}: ${qt.lowPotassium}.`,
      lab: potassium,
    });
  }
  const oneTime = [sides.a, sides.b].some((list) => list.length > 0 && list.every((m) => isOneTimeDose(m, qt)));
  let indicator: Indicator = raisedBy.length > 0 ? 'critical' : qt.defaultTier;
  // A one-time dose lowers only the default tier: a label contraindication or a low potassium holds for one dose too.
  if (oneTime && raisedBy.length === 0) indicator = lowerIndicator(indicator);
  return { indicator, raisedBy, oneTime };
}
