// Acetaminophen over 4 g a day across every product the patient takes or is ordered (combination products such
// as hydrocodone/acetaminophen included): the labelled adult maximum (FDA). Each product's daily amount comes from
// its strength (the RxNorm name: "Acetaminophen 325 MG / Oxycodone …", "Acetaminophen 160 MG/5ML …") and its
// structured dosage (dose quantity × doses a day, the most the timing allows for an as-needed order, capped by
// maxDosePerPeriod). A product whose daily amount cannot be computed is named but not added.
// order-select / order-sign: only when an ordered product contains acetaminophen. patient-view: what is taken.
// Pure: (ordered, taken, knowledge) -> cards.
import type { Card, JsonObject, Suggestion } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { isObject, objects, resourceKey, RXNORM } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { OVERRIDES, TOPIC_SYSTEM, md, summary } from './cards.js';
import { HOURS, dosesPerDay, quantity } from './ordered-dose.js';
import { medicationText } from './card-text.js';

export const MAX_MG_PER_DAY = 4000;
const SOURCE = 'FDA: acetaminophen labelling, maximum 4,000 mg a day for adults (prescription and OTC products)';
const SOURCE_URL = 'https://www.fda.gov/drugs/information-drug-class/acetaminophen-information';
const TOPIC = { system: TOPIC_SYSTEM, code: 'dose-limit', display: 'Maximum daily dose' } as const;

/** mg of acetaminophen per unit (tablet, capsule) or per mL, from an RxNorm-style name. */
export function strengthOf(label: string): { mg: number; perMl?: number } | undefined {
  // The spaces before "ML" follow a volume only: with no volume the spaces after "/" were split two ways, n² on a
  // long run of spaces (~1 s for 40 000); the first split tried is the one that matched before.
  const m = /acetaminophen\s+([\d.]+)\s*MG(?:\s*\/\s*([\d.]*)(?:(?<=[\d.])\s*)?ML)?/i.exec(label);
  if (!m) return undefined;
  const mg = Number(m[1]);
  if (!Number.isFinite(mg) || mg <= 0) return undefined;
  if (m[2] !== undefined) return { mg, perMl: m[2] === '' ? 1 : Number(m[2]) };
  return { mg };
}

/** mg in one dose, from the dose quantity and the product strength. */
function doseMg(dose: { value: number; unit: string }, strength: { mg: number; perMl?: number }): number | undefined {
  if (dose.unit === 'mg') return dose.value;
  if (dose.unit === 'g') return dose.value * 1000;
  if (dose.unit === 'ml') return strength.perMl ? (dose.value * strength.mg) / strength.perMl : undefined;
  if (strength.perMl) return undefined;
  return dose.value * strength.mg; // tablets, capsules, {tbl}, 1, unitless
}

/** The daily mg of one product, or undefined when its dosage does not say. */
export function dailyMg(med: ResolvedMedication): number | undefined {
  const strength = strengthOf(medicationLabel(med));
  const dosages = [...objects(med.resource.dosageInstruction), ...objects(med.resource.dosage)];
  const d = dosages[0];
  if (!strength || !d) return undefined;
  const rate = objects(d.doseAndRate)[0];
  const dose = quantity(rate?.doseQuantity ?? d.doseQuantity);
  const perDose = dose ? doseMg(dose, strength) : undefined;
  const perDay = dosesPerDay(d.timing);
  if (perDose === undefined || perDay === undefined) return undefined;
  let mg = perDose * perDay;
  // A prescriber's own ceiling (e.g. "no more than 8 tablets in 24 hours") caps the amount.
  const max = isObject(d.maxDosePerPeriod) ? d.maxDosePerPeriod : undefined;
  const num = quantity(max?.numerator);
  const den = quantity(max?.denominator);
  if (num && den && den.value > 0) {
    const capMg = doseMg(num, strength);
    const hours = HOURS[den.unit] ?? (den.unit === 'day' || den.unit === 'days' ? 24 : undefined);
    if (capMg !== undefined && hours) mg = Math.min(mg, (capMg * 24) / (den.value * hours));
  }
  return mg;
}

const hasAcetaminophen = (m: ResolvedMedication) => m.ingredients.some((i) => i.name === 'acetaminophen');

export function acetaminophenMaxCards(input: {
  ordered: ResolvedMedication[];
  taking: ResolvedMedication[];
  hook: 'patient-view' | 'order-select' | 'order-sign';
  knowledge: Knowledge;
}): Card[] {
  const ordered = input.ordered.filter(hasAcetaminophen);
  if (input.hook !== 'patient-view' && ordered.length === 0) return [];
  const products = [...new Set([...ordered, ...input.taking.filter(hasAcetaminophen)])];
  const amounts = products.map((m) => ({ m, mg: dailyMg(m) }));
  const total = amounts.reduce((sum, a) => sum + (a.mg ?? 0), 0);
  if (total <= MAX_MG_PER_DAY) return [];
  const grams = (mg: number) => `${(mg / 1000).toFixed(1).replace(/\.0$/, '')} g`;
  const lines = [
    ...amounts.map(
      ({ m, mg }) =>
        `- ${md(medicationText(m))}: ${mg === undefined ? 'dose not stated in a computable form (not counted)' : `up to ${grams(mg)} a day`}${ordered.includes(m) ? ' (ordered)' : ''}`,
    ),
    `- **Total:** up to ${grams(total)} of acetaminophen a day, above the ${grams(MAX_MG_PER_DAY)} labelled adult maximum.`,
    '- **Risk:** liver injury; at lower doses too with liver disease, heavy alcohol use or low body weight.',
    '- **Do:** stop one product, or lower a dose or the as-needed maximum; tell the patient to avoid OTC products with acetaminophen.',
    '',
    `Source: ${SOURCE}. hookwise knowledge ${input.knowledge.version}.`,
  ];
  const drafts = ordered.map((m) => resourceKey(m.resource)).filter((x): x is string => x !== undefined);
  const taken = products
    .filter((m) => !ordered.includes(m))
    .map((m) => m.key)
    .filter((x): x is string => x !== undefined);
  const codes = [
    ...new Set(
      products.flatMap((m) =>
        m.ingredients.filter((i) => i.name === 'acetaminophen' && i.rxcui).map((i) => `${RXNORM}|${i.rxcui}`),
      ),
    ),
  ];
  const card: Card = {
    finding: {
      key: `acetaminophen-max:${Math.round(total / 500) * 500}`,
      ...(drafts.length ? { drafts } : {}),
      ...(taken.length || codes.length
        ? { trace: { ...(taken.length ? { resources: taken } : {}), ...(codes.length ? { codes } : {}) } }
        : {}),
    },
    summary: summary(
      `Acetaminophen up to ${grams(total)} a day across ${products.length} product${products.length === 1 ? '' : 's'}: above the 4 g maximum. Reduce the total`,
    ),
    detail: lines.join('\n'),
    indicator: 'warning',
    source: { label: 'hookwise: acetaminophen maximum daily dose (FDA)', url: SOURCE_URL, topic: { ...TOPIC } },
    links: [{ label: 'FDA: acetaminophen information', url: SOURCE_URL, type: 'absolute' }],
    overrideReasons: [OVERRIDES.doseAdjusted, OVERRIDES.notTaking, OVERRIDES.benefitOutweighsRisk].map((r) => ({
      ...r,
    })),
  };
  if (drafts.length) {
    const suggestions: Suggestion[] = [];
    // The safer choice: keep the one new order, capped so that everything together stays within 4 g a day.
    const only = ordered.length === 1 ? amounts.find((a) => a.m === ordered[0]) : undefined;
    const others = total - (only?.mg ?? 0);
    const room = Math.floor((MAX_MG_PER_DAY - others) / 100) * 100;
    const draftId = only ? resourceKey(only.m.resource) : undefined;
    if (only?.mg !== undefined && draftId && room >= 325 && room < only.mg) {
      const updated = capped(only.m.resource, room);
      if (updated) {
        suggestions.push({
          label: `Cap the new order at ${grams(room)} of acetaminophen a day`,
          isRecommended: true,
          actions: [
            {
              type: 'update',
              description: `Add a maximum of ${room} mg of acetaminophen a day`,
              resource: updated as never,
            },
          ],
        });
      }
    }
    suggestions.push({
      label: 'Remove the acetaminophen order',
      actions: drafts.map((resourceId) => ({
        type: 'delete' as const,
        description: 'Remove the acetaminophen order',
        resourceId,
      })),
    });
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return [card];
}

/** The order with a prescriber's ceiling of `mg` acetaminophen a day on its first dosage (maxDosePerPeriod, mg per day). */
function capped(resource: JsonObject, mg: number): JsonObject | undefined {
  const dosages = objects(resource.dosageInstruction);
  if (dosages.length === 0) return undefined;
  const [first, ...rest] = dosages;
  const maxDosePerPeriod = {
    numerator: { value: mg, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    denominator: { value: 1, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
  };
  return { ...resource, dosageInstruction: [{ ...first, maxDosePerPeriod }, ...rest] };
}
