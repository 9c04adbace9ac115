// order-select / order-sign: digoxin + cyclosporine, as the HL7 PDDI-CDS implementation guide specifies
// (http://hl7.org/fhir/uv/pddi/, DigoxinCyclosporineCDS; CC0). Cyclosporine inhibits P-glycoprotein, which pumps
// digoxin out: digoxin levels rise (Lanoxin label, drug interactions; Dorian et al. 1987, 1988).
//
// The guide fires when cyclosporine is ordered for a patient who takes digoxin, or digoxin for one who takes
// cyclosporine, and answers with up to three cards; hookwise gives them as one card per ordered drug, its indicator
// the worst of the guide's branches, each branch a line of the detail:
//   base      continued order (the ordered drug is already taken): info when a normal digoxin level, no loop
//             diuretic or aldosterone antagonist and normal labs; else warning. New order: warning.
//   level     only when digoxin is already taken: cyclosporine newly ordered → critical without a digoxin level
//             under 0.9 ng/mL in the last 30 days, warning with one; otherwise warning without, info with.
//   labs      info when potassium (above 3.5, below 5.0 mmol/L), magnesium (above 0.7, below 1.1 mmol/L), calcium
//             (above 8.5, below 10.2 mg/dL) and creatinine (above 0.6, below 1.2 mg/dL) are normal within a year;
//             else warning.
// Magnesium and calcium are read by the guide's LOINC value sets (valueset-magnesium-LOINC, valueset-calcium-LOINC):
// magnesium in mmol/L, mg/dL (× 0.4114) or mEq/L (÷ 2); calcium in mg/dL or mmol/L (× 4.008). The guide's ionized
// calcium codes are not shipped: an ionized calcium (about half the total) never falls in the total-calcium range.
// Departures, each said on the card or in docs/clinical-rules.md: the latest value of each lab decides (the guide's
// CQL accepts any normal value in the window); creatinine is read from the order hooks' `creatinine` key (90 days),
// eGFR is not compared with a creatinine range.
// Pure: (drafts, what is taken, lab prefetch values, now, knowledge) -> cards.
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { labCodes } from '../knowledge/index.js';
import { LOINC, RXNORM, resourceKey } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { type LabResult, latestObservation } from '../fhir-read/observations.js';
import { CREATININE_UMOL_PER_MG_DL } from '../clinical-calc/crcl.js';
import { dateText, valueText } from './card-text.js';
import { OVERRIDES, TOPICS, applyConfidence, indicatorRank, maxIndicator, md, summary } from './cards.js';
import { PDDI_GUIDE_URL } from './warfarin-nsaid.js';
import { labOrder, medicationOrder } from './suggested-orders.js';

export const LANOXIN_LABEL_URL = 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=LANOXIN';
/** The guide's look-backs: a digoxin level within 30 days; electrolytes and renal function within 365 days. */
export const DIGOXIN_LEVEL_LOOKBACK_DAYS = 30;
export const ELECTROLYTE_LOOKBACK_DAYS = 365;
/** A digoxin level under 0.9 ng/mL (1.2 nmol/L) counts as normal (the guide's CQL). */
const DIGOXIN_NORMAL_BELOW = 0.9;
const DIGOXIN_NMOL_PER_NG_ML = 1.28;
const POTASSIUM = { low: 3.5, high: 5.0 };
/** mmol/L. */
const MAGNESIUM = { low: 0.7, high: 1.1 };
/** Total calcium, mg/dL. */
const CALCIUM = { low: 8.5, high: 10.2 };
/** Molar masses: Mg 24.305 g/mol (1 mg/dL = 0.4114 mmol/L), Ca 40.08 g/mol (1 mmol/L = 4.008 mg/dL). */
const MAGNESIUM_MMOL_PER_MG_DL = 0.4114;
const CALCIUM_MG_DL_PER_MMOL = 4.008;
const CREATININE = { low: 0.6, high: 1.2 };
/** The guide's "New Digoxin" suggestion (ActivityDefinition ad204), as an oral tablet of its value set. */
const DIGOXIN_125 = { code: '197604', display: 'Digoxin 0.125 MG Oral Tablet' } as const;

export interface DigoxinCyclosporineInput {
  /** The drafts this hook is about (selected at order-select, all at order-sign), systemic forms. */
  drafts: ResolvedMedication[];
  /** What the patient takes (systemic forms). */
  taking: ResolvedMedication[];
  /** Every draft of the call (systemic forms): a partner drafted in the same session counts as a new order. */
  allDrafts: ResolvedMedication[];
  /**
   * Prefetch values (Bundles, null or absent): digoxin level, potassium, magnesium and calcium (one search,
   * `orderLabs`), `creatinine`.
   */
  labs: { digoxin: unknown; potassium: unknown; magnesium: unknown; calcium: unknown; creatinine: unknown };
  now: Date;
  patientId: string;
  knowledge: Knowledge;
}

type Drug = 'digoxin' | 'cyclosporine';
const other = (d: Drug): Drug => (d === 'digoxin' ? 'cyclosporine' : 'digoxin');
const has = (m: ResolvedMedication, d: Drug) => m.ingredients.some((i) => i.name === d);

interface Lab {
  result: LabResult;
  /** In the rule's unit (ng/mL, mmol/L, mg/dL). */
  value: number;
}

function readLab(
  value: unknown,
  codes: ReadonlySet<string>,
  now: Date,
  days: number,
  convert: (v: number, unit: string) => number | undefined,
): Lab | undefined {
  const result = latestObservation(value, {
    codes,
    now,
    lookbackDays: days,
    acceptUnit: (u) => u !== undefined && convert(1, u) !== undefined,
  });
  if (!result || result.comparator) return undefined;
  const v = convert(result.value, result.unit ?? '');
  return v === undefined ? undefined : { result, value: v };
}

const unitKey = (u: string) => u.replace(/\s+/g, '').toLowerCase();
const digoxinUnit = (v: number, u: string) =>
  ['ng/ml', 'ug/l', 'µg/l', 'mcg/l'].includes(unitKey(u))
    ? v
    : unitKey(u) === 'nmol/l'
      ? v / DIGOXIN_NMOL_PER_NG_ML
      : undefined;
const potassiumUnit = (v: number, u: string) => (['mmol/l', 'meq/l'].includes(unitKey(u)) ? v : undefined);
const magnesiumUnit = (v: number, u: string) =>
  unitKey(u) === 'mmol/l'
    ? v
    : unitKey(u) === 'mg/dl'
      ? v * MAGNESIUM_MMOL_PER_MG_DL
      : unitKey(u) === 'meq/l'
        ? v / 2
        : undefined;
const calciumUnit = (v: number, u: string) =>
  unitKey(u) === 'mg/dl' ? v : unitKey(u) === 'mmol/l' ? v * CALCIUM_MG_DL_PER_MMOL : undefined;
const creatinineUnit = (v: number, u: string) =>
  unitKey(u) === 'mg/dl' ? v : ['umol/l', 'µmol/l'].includes(unitKey(u)) ? v / CREATININE_UMOL_PER_MG_DL : undefined;

export function digoxinCyclosporineCards(input: DigoxinCyclosporineInput): Card[] {
  const cards: Card[] = [];
  for (const ordered of ['cyclosporine', 'digoxin'] as const) {
    const drafts = input.drafts.filter((d) => has(d, ordered) && !has(d, other(ordered)));
    if (drafts.length === 0) continue;
    const draftSet = new Set(drafts);
    const partners = [...new Set([...input.taking, ...input.allDrafts])].filter(
      (m) => !draftSet.has(m) && has(m, other(ordered)),
    );
    if (partners.length === 0) continue;
    // When both are drafted together, the cyclosporine card speaks for the pair.
    if (ordered === 'digoxin' && cards.length > 0 && partners.every((p) => input.allDrafts.includes(p))) continue;
    cards.push(card(ordered, drafts, partners, input));
  }
  return cards;
}

function card(
  ordered: Drug,
  drafts: ResolvedMedication[],
  partners: ResolvedMedication[],
  input: DigoxinCyclosporineInput,
): Card {
  const { knowledge: k, now } = input;
  const draftSet = new Set(drafts);
  const takenBefore = (d: Drug) => input.taking.some((m) => !draftSet.has(m) && has(m, d));
  const continued = takenBefore(ordered);
  const digoxinTaken = takenBefore('digoxin');
  const level = readLab(input.labs.digoxin, labCodes(k, 'digoxin'), now, DIGOXIN_LEVEL_LOOKBACK_DAYS, digoxinUnit);
  const potassium = readLab(
    input.labs.potassium,
    labCodes(k, 'potassium'),
    now,
    ELECTROLYTE_LOOKBACK_DAYS,
    potassiumUnit,
  );
  const magnesium = readLab(
    input.labs.magnesium,
    labCodes(k, 'magnesium'),
    now,
    ELECTROLYTE_LOOKBACK_DAYS,
    magnesiumUnit,
  );
  const calcium = readLab(input.labs.calcium, labCodes(k, 'calcium'), now, ELECTROLYTE_LOOKBACK_DAYS, calciumUnit);
  const creatinine = readLab(
    input.labs.creatinine,
    labCodes(k, 'creatinine'),
    now,
    ELECTROLYTE_LOOKBACK_DAYS,
    creatinineUnit,
  );
  const normalLevel = level !== undefined && level.value < DIGOXIN_NORMAL_BELOW;
  const within = (l: Lab | undefined, r: { low: number; high: number }) =>
    l !== undefined && l.value > r.low && l.value < r.high;
  const normalK = within(potassium, POTASSIUM);
  const normalMg = within(magnesium, MAGNESIUM);
  const normalCa = within(calcium, CALCIUM);
  const normalCr = within(creatinine, CREATININE);
  // The guide's "normal electrolytes" and "normal renal function" together: a missing lab is not normal.
  const labsNormal = normalK && normalMg && normalCa && normalCr;
  const diuretics = [
    ...new Set(
      input.taking.flatMap((m) =>
        m.ingredients
          .map((i) => i.name)
          .filter((n) => k.products.pddiClasses.AAS?.has(n) || k.products.pddiClasses.LOOPDIURETIC?.has(n)),
      ),
    ),
  ];

  const base: Indicator = continued && normalLevel && diuretics.length === 0 && labsNormal ? 'info' : 'warning';
  let levelTier: Indicator | undefined;
  if (digoxinTaken)
    levelTier =
      ordered === 'cyclosporine' && !continued
        ? normalLevel
          ? 'warning'
          : 'critical'
        : normalLevel
          ? 'info'
          : 'warning';
  const labsTier: Indicator = labsNormal ? 'info' : 'warning';
  let indicator = [base, labsTier, ...(levelTier ? [levelTier] : [])].reduce(maxIndicator);
  const textOnly = [...drafts, ...partners].every((m) =>
    m.ingredients
      .filter((i) => i.name === 'digoxin' || i.name === 'cyclosporine')
      .every((i) => i.confidence === 'text'),
  );
  if (textOnly) indicator = applyConfidence(indicator, 'text');

  const text =
    ordered === 'cyclosporine' && !continued && digoxinTaken && !normalLevel
      ? 'Check a digoxin level before starting cyclosporine (none normal in 30 days), and consider a lower digoxin dose'
      : ordered === 'cyclosporine' && !continued
        ? 'Cyclosporine raises digoxin levels: recheck digoxin within 24 hours of starting, and adjust its dose'
        : ordered === 'digoxin' && !continued
          ? 'Start digoxin low with cyclosporine, and check a digoxin trough within 24 hours'
          : 'Digoxin with cyclosporine: keep checking the digoxin level, electrolytes and creatinine';

  const when = (l: Lab) => dateText(l.result.effective, now);
  const levelLine = level
    ? `${valueText(level.result.value, level.result.unit)} on ${when(level)}: ${normalLevel ? 'below 0.9 ng/mL' : '0.9 ng/mL or above'}`
    : 'none in the last 30 days';
  // The value as reported; converted too when the rule compares it in another unit ("2 mg/dL (0.82 mmol/L)").
  const labLine = (
    l: Lab | undefined,
    normal: boolean,
    range: string,
    opts: { days?: string; unit?: string; none?: string } = {},
  ) => {
    if (!l) return `none in the last ${opts.days ?? 'year'}${opts.none ?? ''}`;
    const reported = valueText(l.result.value, l.result.unit);
    const converted =
      opts.unit && unitKey(l.result.unit ?? '') !== unitKey(opts.unit)
        ? ` (${valueText(Math.round(l.value * 100) / 100, opts.unit)})`
        : '';
    return `${reported}${converted} on ${when(l)}: ${normal ? 'normal' : `outside ${range}`}`;
  };
  const lines = [
    `- **Ordered:** ${drafts.map((d) => md(medicationLabel(d))).join('; ')} (${continued ? 'already taken' : 'new'})`,
    `- **Taking:** ${partners.map((d) => md(medicationLabel(d))).join('; ')}`,
    `- **Digoxin level:** ${levelLine}`,
    `- **Potassium:** ${labLine(potassium, normalK, '3.5–5.0 mmol/L')}`,
    `- **Magnesium:** ${labLine(magnesium, normalMg, '0.7–1.1 mmol/L', { unit: 'mmol/L' })}`,
    `- **Calcium:** ${labLine(calcium, normalCa, '8.5–10.2 mg/dL', {
      unit: 'mg/dL',
      none: ' (an ionized calcium is not compared with the total-calcium range)',
    })}`,
    `- **Creatinine:** ${labLine(creatinine, normalCr, '0.6–1.2 mg/dL', { days: '90 days' })}`,
    `- **Loop diuretic or aldosterone antagonist:** ${diuretics.length ? diuretics.map(md).join(', ') : 'none found'}`,
    '',
    'Cyclosporine inhibits P-glycoprotein, which clears digoxin: levels rise and toxicity follows (nausea, vomiting, ' +
      'visual changes, arrhythmias). Low potassium or magnesium, high calcium and changing kidney function make it worse.',
    '',
    digoxinTaken
      ? normalLevel
        ? 'With a normal level, expect it to rise once cyclosporine starts: check it again and adjust the digoxin dose.'
        : 'Without a recent normal level, use only if the benefit outweighs the risk, with a lower digoxin dose and close monitoring.'
      : 'Start digoxin at a low dose and check a trough level within 24 hours.',
    ...(textOnly ? ['', 'Matched by name, not by code: confirm before acting (shown one tier lower).'] : []),
    '',
    `Source: [HL7 PDDI-CDS implementation guide, digoxin + cyclosporine](${PDDI_GUIDE_URL}) (CC0); ` +
      `[Lanoxin (digoxin) label](${LANOXIN_LABEL_URL}). hookwise knowledge ${k.version}.`,
  ];

  const keys = drafts.map((d) => resourceKey(d.resource)).filter((x): x is string => x !== undefined);
  const suggestions = suggestionsFor({
    ordered,
    drafts,
    keys,
    patient: `Patient/${input.patientId}`,
    needsLevel: (ordered === 'digoxin' && !continued) || (ordered === 'cyclosporine' && digoxinTaken),
    recommendLevel: indicatorRank(indicator) >= indicatorRank('warning'),
    normal: { potassium: normalK, magnesium: normalMg, calcium: normalCa, creatinine: normalCr },
  });

  const labs = [level, potassium, magnesium, calcium, creatinine].filter((l): l is Lab => l !== undefined);
  const resources = [
    ...partners.map((m) => resourceKey(m.resource)),
    ...labs.map((l) => (l.result.id ? `Observation/${l.result.id}` : undefined)),
  ].filter((x): x is string => x !== undefined);
  const codes = [
    ...new Set([
      ...[...drafts, ...partners].flatMap((m) =>
        m.ingredients
          .filter((i) => (i.name === 'digoxin' || i.name === 'cyclosporine') && i.rxcui)
          .map((i) => `${RXNORM}|${i.rxcui}`),
      ),
      ...labs.map((l) => `${LOINC}|${l.result.code}`),
    ]),
  ];
  const result: Card = {
    finding: {
      key: `pddi-digoxin-cyclosporine:${ordered}`,
      ...(keys.length ? { drafts: keys } : {}),
      trace: { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) },
    },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator,
    source: { label: 'HL7 PDDI-CDS guide: digoxin + cyclosporine', url: PDDI_GUIDE_URL, topic: { ...TOPICS.ddi } },
    links: [
      { label: 'HL7 PDDI-CDS implementation guide: digoxin + cyclosporine', url: PDDI_GUIDE_URL, type: 'absolute' },
      { label: 'Lanoxin (digoxin) FDA label on DailyMed', url: LANOXIN_LABEL_URL, type: 'absolute' },
    ],
    overrideReasons: [
      { ...OVERRIDES.benefitOutweighsRisk },
      { ...OVERRIDES.alreadyAddressed },
      { ...OVERRIDES.notTaking },
    ],
  };
  if (suggestions.length) {
    result.suggestions = suggestions;
    result.selectionBehavior = 'at-most-one';
  }
  return result;
}

/**
 * The guide's suggestions: a digoxin trough, digoxin 0.125 mg in place of a higher digoxin order, the labs that are
 * missing or abnormal, and removing the order. Replacing or removing needs the draft's id; ordering does not.
 */
function suggestionsFor(o: {
  ordered: Drug;
  drafts: ResolvedMedication[];
  /** The drafts' ids (none for a draft sent without one). */
  keys: string[];
  patient: string;
  needsLevel: boolean;
  recommendLevel: boolean;
  normal: { potassium: boolean; magnesium: boolean; calcium: boolean; creatinine: boolean };
}): Suggestion[] {
  const { ordered, drafts, keys, patient, needsLevel, recommendLevel, normal } = o;
  const suggestions: Suggestion[] = [];
  const removals = keys.map((resourceId) => ({
    type: 'delete' as const,
    description: `Remove the ${ordered} order`,
    resourceId,
  }));
  if (needsLevel) {
    suggestions.push({
      label: 'Order a digoxin trough level within 24 hours',
      isRecommended: recommendLevel,
      actions: [
        {
          type: 'create',
          description: 'Order a digoxin level (trough)',
          resource: labOrder(patient, '10535-3', 'Digoxin level (trough, within 24 hours)'),
        },
      ],
    });
  }
  if (keys.length && ordered === 'digoxin' && !drafts.some(isLowDose)) {
    suggestions.push({
      label: 'Order digoxin 0.125 mg instead',
      actions: [
        ...removals,
        {
          type: 'create',
          description: 'Order digoxin 0.125 mg',
          resource: medicationOrder(
            patient,
            DIGOXIN_125,
            '0.125 mg by mouth once a day; check a digoxin trough level within 24 hours of starting cyclosporine',
          ),
        },
      ],
    });
  }
  const missing = [
    ...(normal.potassium ? [] : [['2823-3', 'Potassium']]),
    ...(normal.magnesium ? [] : [['19123-9', 'Magnesium']]),
    ...(normal.calcium ? [] : [['17861-6', 'Calcium']]),
    ...(normal.creatinine ? [] : [['2160-0', 'Creatinine']]),
  ] as Array<[string, string]>;
  if (missing.length) {
    const names = missing.map(([, n]) => n.toLowerCase());
    suggestions.push({
      label: `Order ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]}`,
      actions: missing.map(([code, name]) => ({
        type: 'create' as const,
        description: `Order ${name.toLowerCase()}`,
        resource: labOrder(patient, code, name),
      })),
    });
  }
  if (keys.length) suggestions.push({ label: `Remove the ${ordered} order`, actions: removals });
  return suggestions;
}

/** A digoxin order already at 0.125 mg or less (from its RxNorm name, "Digoxin 0.125 MG Oral Tablet"). */
function isLowDose(m: ResolvedMedication): boolean {
  // One way to read each number: "\d*\.?\d+" split a run of digits n ways before a missing "MG" (quadratic).
  const mg = /digoxin\s+(\d+(?:\.\d+)?|\.\d+)\s*MG\b/i.exec(medicationLabel(m));
  return mg?.[1] !== undefined && Number(mg[1]) <= 0.125;
}
