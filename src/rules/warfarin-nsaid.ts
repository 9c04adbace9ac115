// order-select / order-sign: warfarin + an NSAID, as the HL7 PDDI-CDS implementation guide specifies
// (http://hl7.org/fhir/uv/pddi/, WarfarinNSAIDsCDSLogic; CC0). The guide fires when an NSAID is ordered for a patient
// who takes warfarin, and answers with one card per branch; hookwise gives the same branches as one card (its
// indicator the worst of them), so the clinician reads one card per ordered NSAID:
//   topical diclofenac → info, no special precautions (poor systemic absorption);
//   systemic NSAID → warning; critical when neither a PPI nor misoprostol is taken; the detail states the age
//   (over 65), a history of upper GI bleeding or peptic ulcer, and corticosteroids, aldosterone antagonists or
//   another NSAID taken, which the guide names as raising the risk.
// Pure: (ordered drafts, what the patient takes, patient, conditions, knowledge) -> cards.
import type { Card, CardTrace, Indicator, JsonObject, Suggestion } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import {
  RXNORM,
  bundleResources,
  codings,
  conceptLabel,
  isObject,
  parseDate,
  resourceKey,
  str,
} from '../fhir-read/datatypes.js';
import { applyConfidence, md, OVERRIDES, shorten, summary, TOPICS } from './cards.js';
import { dateText } from './card-text.js';
import { medicationOrder } from './suggested-orders.js';

export const PDDI_GUIDE_URL = 'http://hl7.org/fhir/uv/pddi/';
const SNOMED = 'http://snomed.info/sct';

/** The guide's substitution (ActivityDefinition ad102): Acetaminophen 500 MG Oral Tablet. */
const ACETAMINOPHEN_500 = { code: '198440', display: 'Acetaminophen 500 MG Oral Tablet' } as const;
/** The narrative's "add a PPI" action: pantoprazole 40 MG Delayed Release Oral Tablet (the guide's PPI value set). */
const PANTOPRAZOLE_40 = { code: '314200', display: 'pantoprazole 40 MG Delayed Release Oral Tablet' } as const;
/** The warfarin label: NSAIDs raise the bleeding risk (Coumadin, drug interactions). */
export const COUMADIN_LABEL_URL = 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=COUMADIN';
/** "Older than 65" in the guide's CQL is AgeInYears() > 65. */
const AGE_OVER = 65;

export interface WarfarinNsaidInput {
  /** The drafts this hook is about (selected at order-select, all at order-sign), every form. */
  drafts: ResolvedMedication[];
  /** What the patient takes (systemic forms). */
  taking: ResolvedMedication[];
  /** Age in years, when the Patient was obtained. */
  age?: number;
  /** The `conditions` prefetch value: Conditions coded in the guide's history-of-upper-GI-bleed set. */
  conditions: unknown;
  patientId: string;
  knowledge: Knowledge;
  /** The clock of the call, for "8 days ago" in the card. */
  now: Date;
}

function inClass(m: ResolvedMedication, cls: string, k: Knowledge): boolean {
  const set = k.products.pddiClasses[cls];
  return set !== undefined && m.ingredients.some((i) => set.has(i.name));
}

function namesIn(meds: ResolvedMedication[], cls: string, k: Knowledge): string[] {
  const set = k.products.pddiClasses[cls];
  return [...new Set(meds.flatMap((m) => m.ingredients.map((i) => i.name).filter((n) => set?.has(n))))];
}

/** The guide's topical diclofenac: a product of its set, or diclofenac applied to the skin. */
function isTopicalDiclofenac(m: ResolvedMedication, k: Knowledge): boolean {
  const coded = codings(
    isObject(m.resource.medicationCodeableConcept) ? m.resource.medicationCodeableConcept : undefined,
  ).some((c) => c.code !== undefined && k.products.topicalDiclofenac.has(c.code));
  return coded || (m.site === 'local' && m.form === 'topical' && m.ingredients.some((i) => i.name === 'diclofenac'));
}

/** A recorded history of upper GI bleeding or peptic ulcer (the guide applies no look-back and no status filter). */
function ugibHistory(
  value: unknown,
  k: Knowledge,
): { label: string; date?: Date; key?: string; code?: string } | undefined {
  for (const c of bundleResources(value)) {
    if (
      c.resourceType !== 'Condition' ||
      str((c.verificationStatus as JsonObject | undefined)?.text) === 'entered-in-error'
    )
      continue;
    const verification = codings(c.verificationStatus).map((x) => x.code);
    if (verification.includes('entered-in-error') || verification.includes('refuted')) continue;
    const coded = codings(c.code).find(
      (x) => (x.system === undefined || x.system === SNOMED) && x.code && k.products.ugibSnomed.has(x.code),
    );
    if (!coded) continue;
    const date = parseDate(c.recordedDate) ?? parseDate(c.onsetDateTime) ?? parseDate(c.assertedDate);
    const key = resourceKey(c);
    return {
      label: conceptLabel(c.code) ?? 'upper GI bleeding',
      ...(date ? { date } : {}),
      ...(key ? { key } : {}),
      ...(coded.code ? { code: coded.code } : {}),
    };
  }
  return undefined;
}

/** The records and codes a card rests on, for integrators. */
function traceOf(
  meds: ResolvedMedication[],
  names: Set<string>,
  extra: { resources?: string[]; codes?: string[] } = {},
): CardTrace {
  const resources = [
    ...new Set([
      ...meds.map((m) => resourceKey(m.resource)).filter((x): x is string => x !== undefined),
      ...(extra.resources ?? []),
    ]),
  ];
  const codes = [
    ...new Set([
      ...meds.flatMap((m) =>
        m.ingredients.filter((i) => names.has(i.name) && i.rxcui).map((i) => `${RXNORM}|${i.rxcui}`),
      ),
      ...(extra.codes ?? []),
    ]),
  ];
  return { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) };
}

export function warfarinNsaidCards(input: WarfarinNsaidInput): Card[] {
  const k = input.knowledge;
  const warfarin = input.taking.filter((m) => inClass(m, 'warfarin', k));
  if (warfarin.length === 0) return [];
  // One card per NSAID ordered (several orders of one NSAID, e.g. two strengths, share it), and one for topical
  // diclofenac.
  const groups = new Map<string, ResolvedMedication[]>();
  for (const draft of input.drafts) {
    const topical = isTopicalDiclofenac(draft, k);
    if (!topical && (draft.site !== 'systemic' || !inClass(draft, 'NSAIDS', k))) continue;
    const key = topical ? 'topical-diclofenac' : (namesIn([draft], 'NSAIDS', k)[0] ?? 'nsaid');
    groups.set(key, [...(groups.get(key) ?? []), draft]);
  }
  return [...groups.entries()].map(([key, drafts]) =>
    key === 'topical-diclofenac' ? topicalCard(drafts, warfarin, k) : systemicCard(key, drafts, warfarin, input),
  );
}

function warfarinLine(warfarin: ResolvedMedication[]): string {
  return `- **Warfarin taken:** ${warfarin.map((m) => md(medicationLabel(m))).join('; ')}`;
}

function draftKeys(drafts: ResolvedMedication[]): string[] {
  return drafts.map((d) => resourceKey(d.resource)).filter((x): x is string => x !== undefined);
}

function orderedLine(drafts: ResolvedMedication[], note = ''): string {
  return `- **Ordered:** ${drafts.map((d) => md(medicationLabel(d))).join('; ')}${note}`;
}

function base(drafts: ResolvedMedication[], key: string): Pick<Card, 'finding' | 'source' | 'links'> {
  const keys = draftKeys(drafts);
  return {
    finding: { key, ...(keys.length ? { drafts: keys } : {}) },
    source: { label: 'HL7 PDDI-CDS guide: warfarin + NSAIDs', url: PDDI_GUIDE_URL, topic: { ...TOPICS.ddi } },
    links: [
      { label: 'HL7 PDDI-CDS implementation guide: warfarin + NSAIDs', url: PDDI_GUIDE_URL, type: 'absolute' },
      {
        label: 'Coumadin (warfarin) FDA label on DailyMed: NSAIDs raise the bleeding risk',
        url: COUMADIN_LABEL_URL,
        type: 'absolute',
      },
    ],
  };
}

function topicalCard(drafts: ResolvedMedication[], warfarin: ResolvedMedication[], k: Knowledge): Card {
  const lines = [
    warfarinLine(warfarin),
    orderedLine(drafts, ' (topical)'),
    '',
    'Topical diclofenac reaches the blood poorly (16 g a day of gel gives about 6% of the exposure of 150 mg a day by ' +
      'mouth): no special precautions beyond the usual INR monitoring.',
    '',
    `Source: [HL7 PDDI-CDS implementation guide, warfarin + NSAIDs](${PDDI_GUIDE_URL}) (CC0). hookwise knowledge ${k.version}.`,
  ];
  const b = base(drafts, 'pddi-warfarin-nsaid:topical-diclofenac');
  return {
    ...b,
    finding: { ...b.finding!, trace: traceOf([...drafts, ...warfarin], new Set(['warfarin', 'diclofenac'])) },
    summary: summary('No special precautions for topical diclofenac with warfarin: little reaches the blood'),
    detail: lines.join('\n'),
    indicator: 'info',
    overrideReasons: [{ ...OVERRIDES.alreadyAddressed }],
  };
}

function systemicCard(
  nsaid: string,
  drafts: ResolvedMedication[],
  warfarin: ResolvedMedication[],
  input: WarfarinNsaidInput,
): Card {
  const k = input.knowledge;
  const protective = [...namesIn(input.taking, 'PPIS', k), ...namesIn(input.taking, 'misoprostol', k)];
  const bleed = ugibHistory(input.conditions, k);
  const older = input.age !== undefined && input.age > AGE_OVER;
  const ordered = new Set(drafts);
  const others = input.taking.filter((m) => !ordered.has(m));
  const steroids = namesIn(others, 'SCS', k);
  const aldosterone = namesIn(others, 'AAS', k);
  const otherNsaids = namesIn(others, 'NSAIDS', k);

  // The guide's worst card: critical exactly when neither a PPI nor misoprostol is taken; else warning.
  let indicator: Indicator = protective.length === 0 ? 'critical' : 'warning';
  const textOnly = (m: ResolvedMedication) => m.ingredients.every((i) => i.confidence === 'text');
  const matchedByName = drafts.every(textOnly) || warfarin.every(textOnly);
  if (matchedByName) indicator = applyConfidence(indicator, 'text');

  const drug = shorten(nsaid, 30);
  const text =
    protective.length === 0
      ? `Prefer acetaminophen to ${drug} with warfarin: high GI bleeding risk and no PPI. Use only if benefit outweighs risk`
      : `Prefer acetaminophen to ${drug} with warfarin: bleeding risk, lowered by ${protective[0]}. Assess and watch for bleeding`;

  const risk: string[] = [];
  if (older) risk.push(`age ${input.age} (over ${AGE_OVER})`);
  if (bleed)
    risk.push(`history of ${md(bleed.label)}${bleed.date ? `, recorded ${dateText(bleed.date, input.now)}` : ''}`);
  const coMeds = [
    ...steroids.map((s) => `${s} (systemic corticosteroid)`),
    ...aldosterone.map((s) => `${s} (aldosterone antagonist)`),
    ...otherNsaids.map((s) => `${s} (another NSAID)`),
  ];
  const lines = [
    warfarinLine(warfarin),
    orderedLine(drafts, matchedByName ? ' (matched by name)' : ''),
    `- **PPI or misoprostol:** ${protective.length ? `${protective.map(md).join(', ')}: lowers the upper GI bleeding risk` : 'none taken'}`,
    `- **Age or GI bleed history:** ${risk.length ? risk.join('; ') : 'neither found'}`,
    `- **Also raising the risk:** ${coMeds.length ? coMeds.map(md).join(', ') : 'no corticosteroid, aldosterone antagonist or other NSAID found'}`,
    '',
    'NSAIDs inhibit platelets and cause peptic ulcers: with warfarin most of the excess bleeding is upper GI, and it ' +
      'can be serious. Corticosteroids and aldosterone antagonists raise that risk further (Masclee et al., ' +
      'Gastroenterology 2014;147:784-92).',
    'For pain or fever prefer acetaminophen (check the INR if more than 2 g a day for several days); for severe pain a ' +
      'short opioid course.',
    '',
    `Source: [HL7 PDDI-CDS implementation guide, warfarin + NSAIDs](${PDDI_GUIDE_URL}) (CC0); [Coumadin (warfarin) label](${COUMADIN_LABEL_URL}). ` +
      `hookwise knowledge ${k.version}.`,
  ];

  const suggestions: Suggestion[] = [];
  const keys = draftKeys(drafts);
  // Replacing or removing the draft needs its id; adding a PPI does not (the guide's order-sign drafts carry none).
  const removals = keys.map((resourceId) => ({
    type: 'delete' as const,
    description: `Remove the ${drug} order`,
    resourceId,
  }));
  if (keys.length)
    suggestions.push({
      label: `Replace ${drug} with acetaminophen 500 mg as needed`,
      isRecommended: true,
      actions: [
        ...removals,
        {
          type: 'create',
          description: 'Order acetaminophen 500 mg, at most 2 g a day',
          resource: medicationOrder(
            `Patient/${input.patientId}`,
            ACETAMINOPHEN_500,
            '500 mg by mouth every 4 to 6 hours as needed; no more than 2 g a day while on warfarin',
          ),
        },
      ],
    });
  // The guide's narrative also offers "add a PPI" when none is taken: the NSAID stays, with GI protection.
  if (protective.length === 0) {
    suggestions.push({
      label: `Keep ${drug} and add pantoprazole 40 mg a day`,
      actions: [
        {
          type: 'create',
          description: 'Order pantoprazole 40 mg once a day',
          resource: medicationOrder(
            `Patient/${input.patientId}`,
            PANTOPRAZOLE_40,
            '40 mg by mouth once a day while taking the NSAID with warfarin',
          ),
        },
      ],
    });
  }
  if (keys.length) suggestions.push({ label: `Remove the ${drug} order`, actions: removals });
  const b = base(drafts, `pddi-warfarin-nsaid:${nsaid}`);
  const protectiveMeds = input.taking.filter((m) => m.ingredients.some((i) => protective.includes(i.name)));
  const coMedNames = new Set([...steroids, ...aldosterone, ...otherNsaids]);
  const coMedMeds = others.filter((m) => m.ingredients.some((i) => coMedNames.has(i.name)));
  const names = new Set(['warfarin', nsaid, ...protective, ...coMedNames]);
  const card: Card = {
    ...b,
    finding: {
      ...b.finding!,
      trace: traceOf([...drafts, ...warfarin, ...protectiveMeds, ...coMedMeds], names, {
        ...(bleed?.key ? { resources: [bleed.key] } : {}),
        ...(bleed?.code ? { codes: [`${SNOMED}|${bleed.code}`] } : {}),
      }),
    },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator,
    overrideReasons: [{ ...OVERRIDES.benefitOutweighsRisk }, { ...OVERRIDES.notTaking }],
  };
  if (suggestions.length) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}
