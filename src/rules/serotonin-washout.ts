// order-select / order-sign: an MAOI (including linezolid and methylene blue) ordered before the washout after a
// recently stopped SSRI or SNRI. The labels contraindicate starting an MAOI intended to treat psychiatric
// disorders within 5 weeks of stopping fluoxetine (Prozac label, Contraindications: its metabolite norfluoxetine
// stays for weeks) and within 14 days of stopping the other SSRIs (e.g. Zoloft, Paxil, Celexa, Lexapro labels);
// the SNRI labels give 5 days (duloxetine, Cymbalta) and 7 days (venlafaxine, Effexor XR; desvenlafaxine, Pristiq).
// Linezolid and intravenous methylene blue inhibit MAO too: FDA Drug Safety Communications (2011) and the Zyvox
// label advise the same caution, as a warning rather than a contraindication.
//
// What "recently stopped" reads: MedicationStatement records (the `medicationStatements` key, 100 days) whose
// `effectivePeriod.end` says when the drug stopped (R4: status stopped or completed, or any period that has ended).
// An R4 MedicationRequest has no stop date, so a stopped order cannot say when it stopped; it is not read. A drug
// the patient still takes (an active order, a dispense, a statement whose period has not ended) is not "stopped":
// the concurrent MAOI pairs (ONC high-priority pair 4, the linezolid/methylene blue label row) give that card. When
// this rule fires, the concurrent card for the same two drugs is dropped (rules/index.ts): one combination, one card.
// Pure: (drafts, what is taken, statements, now, knowledge) -> cards.
import type { Card, Coding, Indicator } from '../cds/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { RXNORM, isObject, parseDate, resourceKey, statusCode } from '../fhir-read/datatypes.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { calendarDate, dateText } from './card-text.js';
import { OVERRIDES, TOPICS, applyConfidence, md, summary } from './cards.js';

const DAY_MS = 86_400_000;

/** MAOIs intended to treat psychiatric disorders (contraindicated in the washout) and the MAO-inhibiting anti-infective and dye (warning). */
const MAOI: Record<string, { psychiatric: boolean }> = {
  phenelzine: { psychiatric: true },
  tranylcypromine: { psychiatric: true },
  isocarboxazid: { psychiatric: true },
  selegiline: { psychiatric: true },
  linezolid: { psychiatric: false },
  'methylene blue': { psychiatric: false },
};

/** Days from the last dose before an MAOI may start, and the label that says so. */
const WASHOUT: Record<string, { days: number; label: string; query: string }> = {
  fluoxetine: { days: 35, label: 'Prozac (fluoxetine)', query: 'PROZAC' },
  sertraline: { days: 14, label: 'Zoloft (sertraline)', query: 'ZOLOFT' },
  paroxetine: { days: 14, label: 'Paxil (paroxetine)', query: 'PAXIL' },
  citalopram: { days: 14, label: 'Celexa (citalopram)', query: 'CELEXA' },
  escitalopram: { days: 14, label: 'Lexapro (escitalopram)', query: 'LEXAPRO' },
  fluvoxamine: { days: 14, label: 'fluvoxamine', query: 'fluvoxamine' },
  venlafaxine: { days: 7, label: 'Effexor XR (venlafaxine)', query: 'EFFEXOR' },
  desvenlafaxine: { days: 7, label: 'Pristiq (desvenlafaxine)', query: 'PRISTIQ' },
  duloxetine: { days: 5, label: 'Cymbalta (duloxetine)', query: 'CYMBALTA' },
};

const dailyMed = (query: string) =>
  `https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=${encodeURIComponent(query)}`;
export const MAOI_DSC_URL =
  'https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-updated-information-about-drug-interaction-between-methylene-blue-methylthioninium';

export interface SerotoninWashoutInput {
  /** The drafts this hook is about (selected at order-select, all at order-sign), systemic forms. */
  drafts: ResolvedMedication[];
  /** What the patient takes now (systemic forms). */
  taking: ResolvedMedication[];
  /** MedicationStatements of the `medicationStatements` key, resolved (any status). */
  statements: ResolvedMedication[];
  now: Date;
  knowledge: Knowledge;
}

const SKIP = new Set(['entered-in-error', 'not-taken']);

/** When a statement says the drug stopped: its period's end, if that is past. */
export function stoppedOn(m: ResolvedMedication, now: Date): Date | undefined {
  const r = m.resource;
  if (r.resourceType !== 'MedicationStatement') return undefined;
  const status = statusCode(r.status)?.toLowerCase();
  if (status && SKIP.has(status)) return undefined;
  const end = isObject(r.effectivePeriod) ? parseDate(r.effectivePeriod.end) : undefined;
  return end && end.getTime() <= now.getTime() ? end : undefined;
}

interface Stopped {
  med: ResolvedMedication;
  ingredient: string;
  end: Date;
  days: number;
}

export function serotoninWashoutCards(input: SerotoninWashoutInput): Card[] {
  const { now } = input;
  // Still taken: a record that is not a statement whose period has ended (the medication list counts those for 100
  // days, as the PDDI-CDS guide does; here they are what "stopped" means).
  const takenNames = new Set(
    input.taking.filter((m) => !stoppedOn(m, now)).flatMap((m) => m.ingredients.map((i) => i.name)),
  );
  // The latest stop of each antidepressant inside its washout (a later statement of the same drug wins).
  const stopped = new Map<string, Stopped>();
  for (const m of input.statements) {
    if (m.site !== 'systemic') continue;
    const end = stoppedOn(m, now);
    if (!end) continue;
    for (const i of m.ingredients) {
      const w = WASHOUT[i.name];
      if (!w || takenNames.has(i.name)) continue;
      const days = Math.floor((now.getTime() - end.getTime()) / DAY_MS);
      if (days >= w.days) continue;
      const prev = stopped.get(i.name);
      if (!prev || prev.end < end) stopped.set(i.name, { med: m, ingredient: i.name, end, days });
    }
  }
  if (stopped.size === 0) return [];
  const cards: Card[] = [];
  for (const maoi of Object.keys(MAOI)) {
    const drafts = input.drafts.filter((d) => d.ingredients.some((i) => i.name === maoi));
    if (drafts.length === 0) continue;
    for (const s of stopped.values()) cards.push(card(maoi, drafts, s, input));
  }
  return cards;
}

function card(maoi: string, drafts: ResolvedMedication[], s: Stopped, input: SerotoninWashoutInput): Card {
  const { now, knowledge: k } = input;
  const w = WASHOUT[s.ingredient]!;
  const psychiatric = MAOI[maoi]!.psychiatric;
  const textOnly = [...drafts, s.med].some((m) => m.ingredients.every((i) => i.confidence === 'text'));
  const indicator: Indicator = applyConfidence(psychiatric ? 'critical' : 'warning', textOnly ? 'text' : 'code');
  const until = new Date(s.end.getTime() + w.days * DAY_MS);
  const ago = s.days === 0 ? 'today' : s.days === 1 ? 'yesterday' : `${s.days} days ago`;
  const weeks = w.days % 7 === 0 && w.days > 7 ? `${w.days / 7} weeks` : `${w.days} days`;
  const drug = s.ingredient[0]!.toUpperCase() + s.ingredient.slice(1);
  const text = psychiatric
    ? `${drug} stopped ${ago}: do not start ${maoi} until ${weeks} after it (serotonin syndrome)`
    : `${drug} stopped ${ago}: ${maoi} risks serotonin syndrome within ${weeks}. Use an alternative, or monitor closely`;
  const url = dailyMed(w.query);
  const lines = [
    `- **Ordered:** ${drafts.map((d) => md(medicationLabel(d))).join('; ')}`,
    `- **Stopped:** ${md(medicationLabel(s.med))}, last taken ${dateText(s.end, now)}`,
    `- **Washout in its label:** ${weeks} after the last ${s.ingredient} dose, until ${calendarDate(until)}`,
    '',
    psychiatric
      ? `Starting an MAOI within ${weeks} of stopping ${s.ingredient} is contraindicated: serotonin syndrome (agitation, ` +
        'hyperthermia, clonus, autonomic instability) can be fatal. Wait, or choose a treatment that is not an MAOI.'
      : `${maoi[0]!.toUpperCase()}${maoi.slice(1)} inhibits monoamine oxidase. Within ${weeks} of stopping ${s.ingredient}, use another ` +
        `treatment where one exists; if ${maoi} is urgent, watch for serotonin syndrome (agitation, hyperthermia, clonus) for 2 weeks ` +
        `or until 24 hours after the last ${maoi} dose, whichever comes first.`,
    ...(s.ingredient === 'fluoxetine'
      ? ['Fluoxetine and its metabolite norfluoxetine stay in the body for weeks after the last dose.']
      : []),
    ...(textOnly ? ['', 'Matched by name, not by code: confirm before acting (shown one tier lower).'] : []),
    '',
    `Source: [${w.label} label: contraindications](${url})` +
      (psychiatric
        ? ''
        : `; [FDA Drug Safety Communication (2011): linezolid and methylene blue with serotonergic drugs](${MAOI_DSC_URL})`) +
      `. hookwise knowledge ${k.version}.`,
  ];
  const keys = drafts.map((d) => resourceKey(d.resource)).filter((x): x is string => x !== undefined);
  const codes = [
    ...new Set(
      [...drafts, s.med].flatMap((m) =>
        m.ingredients
          .filter((i) => i.rxcui && (i.name === maoi || i.name === s.ingredient))
          .map((i) => `${RXNORM}|${i.rxcui}`),
      ),
    ),
  ];
  const stoppedKey = resourceKey(s.med.resource);
  const overrides: Coding[] = [{ ...OVERRIDES.alreadyAddressed }, { ...OVERRIDES.benefitOutweighsRisk }];
  const result: Card = {
    finding: {
      key: `serotonin-washout:${maoi}+${s.ingredient}`,
      ...(keys.length ? { drafts: keys } : {}),
      trace: { ...(stoppedKey ? { resources: [stoppedKey] } : {}), ...(codes.length ? { codes } : {}) },
    },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator,
    source: { label: `hookwise: ${w.label} label`, url, topic: { ...TOPICS.ddi } },
    links: [
      { label: `${w.label} label on DailyMed`, url, type: 'absolute' },
      ...(psychiatric
        ? []
        : [
            {
              label: 'FDA Drug Safety Communication (2011): MAO-inhibiting drugs with serotonergic drugs',
              url: MAOI_DSC_URL,
              type: 'absolute' as const,
            },
          ]),
    ],
    overrideReasons: overrides,
  };
  if (keys.length) {
    result.suggestions = [
      {
        label: `Remove the ${maoi} order`,
        actions: keys.map((resourceId) => ({
          type: 'delete' as const,
          description: `Remove the ${maoi} order`,
          resourceId,
        })),
      },
    ];
    result.selectionBehavior = 'at-most-one';
  }
  return result;
}
