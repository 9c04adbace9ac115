// order-select and order-sign: drug–allergy conflicts between the draft orders and the patient's active allergies.
// Relations: the same ingredient; a class the allergy names, or whose member it names, when the class alerts
// class-wide (penicillins, sulfonamide antibacterials, COX-1 inhibiting NSAIDs, ACE inhibitors…); and graded
// cross-sensitivities (knowledge/allergy-classes.json `crossSensitivities`): R1 side chains shared by aminopenicillins
// and cephalexin-like cephalosporins, penicillin → other cephalosporins (quiet unless the allergy is high risk), NSAID →
// celecoxib (info), angioedema on an ACE inhibitor → ACE inhibitor or sacubitril/valsartan (contraindicated) and
// → ARB (caution). Sources: Khan DA et al., Drug allergy: a 2022 practice parameter update, J Allergy Clin Immunol
// 2022;150:1333-93 (doi:10.1016/j.jaci.2022.08.028); ACE-inhibitor, Entresto and ARB labels on DailyMed.
// Pure: (orders, allergies, knowledge, now) -> cards.
import { isObject, objects, parseDate, resourceKey, str, RXNORM } from '../fhir-read/datatypes.js';
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { AllergyClass, CrossSensitivity, Knowledge } from '../knowledge/index.js';
import type { ResolvedAllergy } from '../knowledge/allergies.js';
import { type MatchConfidence, confidenceRank } from '../knowledge/drugs/match.js';
import type { ResolvedMedication } from '../knowledge/drugs/medications.js';
import { OVERRIDES, TOPICS, applyConfidence, indicatorRank, md, shorten, summary } from './cards.js';
import { dateText, medicationText } from './card-text.js';
import { medicationOrder } from './suggested-orders.js';

type Relation = 'same-ingredient' | 'same-class' | 'related-class';

const PRACTICE_PARAMETER_URL = 'https://doi.org/10.1016/j.jaci.2022.08.028';
/** The HL7 PDDI-CDS guide's acetaminophen substitution (ActivityDefinition ad102): Acetaminophen 500 MG Oral Tablet. */
const ACETAMINOPHEN_500 = { code: '198440', display: 'Acetaminophen 500 MG Oral Tablet' } as const;

interface Conflict {
  relation: Relation;
  indicator: Indicator;
  orderIngredient: string;
  /** The allergen ingredient behind the conflict (same ingredient, or the member named), when one is. */
  allergen?: string;
  className?: string;
  rationale: string;
  source: string;
  url: string;
  textOnly: boolean;
  cross?: CrossSensitivity;
}

const RELATION_RANK: Record<Relation, number> = { 'same-ingredient': 3, 'same-class': 2, 'related-class': 1 };

function worst(a: MatchConfidence, b: MatchConfidence): MatchConfidence {
  return confidenceRank(a) <= confidenceRank(b) ? a : b;
}

function classesOf(ingredient: string, k: Knowledge): AllergyClass[] {
  return k.allergy.classes.filter((c) => c.members.some((m) => m.ingredient === ingredient));
}

function classById(id: string, k: Knowledge): AllergyClass | undefined {
  return k.allergy.classes.find((c) => c.id === id || c.label === id);
}

/** The tier of a cross-sensitivity for this allergy as recorded; undefined when it gives no card. */
function crossTier(x: CrossSensitivity, allergy: ResolvedAllergy): Indicator | undefined {
  if (x.reaction === 'angioedema' && !allergy.angioedema) return undefined;
  const tier = allergy.risk === 'high' ? (x.highRiskIndicator ?? x.indicator) : x.indicator;
  return tier === 'none' ? undefined : tier;
}

/** How sure the allergy side of a cross-sensitivity matched, or undefined when it does not apply. */
function allergenSide(
  x: CrossSensitivity,
  allergy: ResolvedAllergy,
  k: Knowledge,
): { confidence: MatchConfidence; allergen?: string } | undefined {
  const names = x.allergen.ingredients ?? (x.allergen.ingredient ? [x.allergen.ingredient] : undefined);
  if (names) {
    const hit = allergy.ingredients.find((ai) => names.includes(ai.name));
    return hit ? { confidence: hit.confidence, allergen: hit.name } : undefined;
  }
  const target = classById(x.allergen.class ?? '', k);
  const hit = allergy.classes.find((ac) => ac.classId === target?.id);
  if (!hit) return undefined;
  const member = allergy.ingredients.find((ai) => target?.members.some((m) => m.ingredient === ai.name));
  return member ? { confidence: hit.confidence, allergen: member.name } : { confidence: hit.confidence };
}

function orderSide(x: CrossSensitivity, ingredient: string, orderClasses: AllergyClass[]): boolean {
  if (x.order.ingredients) return x.order.ingredients.includes(ingredient);
  if (x.order.ingredient) return x.order.ingredient === ingredient;
  return orderClasses.some((c) => c.id === x.order.class);
}

/** Every conflict between one order and one allergy; the caller keeps the strongest. */
function conflicts(order: ResolvedMedication, allergy: ResolvedAllergy, k: Knowledge): Conflict[] {
  const out: Conflict[] = [];
  for (const oi of order.ingredients) {
    // Same ingredient: re-exposure to the documented allergen.
    for (const ai of allergy.ingredients) {
      if (ai.name === oi.name || (ai.rxcui !== undefined && ai.rxcui === oi.rxcui)) {
        const conf = worst(ai.confidence, oi.confidence);
        out.push({
          relation: 'same-ingredient',
          indicator: applyConfidence('critical', conf),
          orderIngredient: oi.name,
          allergen: ai.name,
          rationale: 'The ordered drug is the recorded allergen.',
          source: k.allergy.source,
          url: PRACTICE_PARAMETER_URL,
          textOnly: conf === 'text',
        });
      }
    }
    const orderClasses = classesOf(oi.name, k);
    // Same class: the allergy names the class, or a member of it, and the class alerts class-wide.
    for (const ac of allergy.classes) {
      const cls = orderClasses.find((c) => c.id === ac.classId);
      if (!cls?.sameClassIndicator) continue;
      if (ac.via === 'ingredient' && allergy.ingredients.some((ai) => ai.name === oi.name)) continue; // counted above
      const conf = worst(ac.confidence, oi.confidence);
      const member = allergy.ingredients.find((ai) => cls.members.some((m) => m.ingredient === ai.name));
      out.push({
        relation: 'same-class',
        indicator: applyConfidence(cls.sameClassIndicator, conf),
        orderIngredient: oi.name,
        ...(member ? { allergen: member.name } : {}),
        className: cls.label,
        rationale: `Same class (${cls.label}): ${cls.rationale}.`,
        source: cls.source,
        url: PRACTICE_PARAMETER_URL,
        textOnly: conf === 'text',
      });
    }
    // Graded cross-sensitivity (side chains, COX-2 selectivity, angioedema).
    for (const x of k.allergy.crossSensitivities) {
      if (!orderSide(x, oi.name, orderClasses)) continue;
      const side = allergenSide(x, allergy, k);
      const tier = side ? crossTier(x, allergy) : undefined;
      if (!side || !tier) continue;
      const conf = worst(side.confidence, oi.confidence);
      const relatedClass = x.order.class ? classById(x.order.class, k)?.label : undefined;
      out.push({
        relation: 'related-class',
        indicator: applyConfidence(tier, conf),
        orderIngredient: oi.name,
        ...(side.allergen ? { allergen: side.allergen } : {}),
        ...(relatedClass ? { className: relatedClass } : {}),
        rationale: x.rationale,
        source: x.source,
        url: x.url ?? PRACTICE_PARAMETER_URL,
        textOnly: conf === 'text',
        cross: x,
      });
    }
  }
  return out;
}

/**
 * The strongest conflict. A cross-sensitivity entry that grades a pair more finely than the class rule (angioedema
 * on an ACE inhibitor, celecoxib after an NSAID reaction) wins over the class rule at the same tier.
 */
function strongest(list: Conflict[]): Conflict | undefined {
  return [...list].sort(
    (a, b) =>
      indicatorRank(b.indicator) - indicatorRank(a.indicator) ||
      Number(b.cross?.contraindicated ?? false) - Number(a.cross?.contraindicated ?? false) ||
      RELATION_RANK[b.relation] - RELATION_RANK[a.relation],
  )[0];
}

/**
 * An intolerance, a low-criticality entry or a mild reaction is at most an info card (Khan 2022: a non-immune
 * or mild reaction is no reason to withhold the drug). A high-risk entry keeps the tier the relation gives.
 */
function withRisk(c: Conflict, allergy: ResolvedAllergy): Conflict {
  return allergy.risk === 'low' ? { ...c, indicator: 'info' } : c;
}

export function findAllergyConflicts(
  orders: ResolvedMedication[],
  allergies: ResolvedAllergy[],
  k: Knowledge,
  now: Date,
  patientId?: string,
): Card[] {
  const cards: Card[] = [];
  for (const order of orders) {
    for (const allergy of allergies) {
      const c = strongest(conflicts(order, allergy, k));
      if (c) cards.push(allergyCard(order, allergy, withRisk(c, allergy), k, now, patientId));
    }
  }
  return cards;
}

// ---------- card text ----------

/** "Amoxicillin", "Penicillin", "Allergy to penicillin" → the allergen as a reader names it. */
function allergenName(allergy: ResolvedAllergy): string {
  // (?<!\s): the match starts where a whitespace run starts, as the leftmost match does anyway, so a long run in
  // the EHR's text is scanned once instead of from each of its characters (quadratic: seconds per 100k spaces).
  const label = allergy.label
    .replace(/^\s*(allergy|intolerance|hypersensitivity)\s+(to|of)\s+/i, '')
    .replace(/(?<!\s)\s+(allergy|intolerance|hypersensitivity)\s*$/i, '')
    .trim();
  // A code without display or text ("29046"): the resolved allergen instead.
  if (/^[\d\s|.-]*$/.test(label)) return allergy.ingredients.map((i) => i.name).join(' / ') || 'unnamed allergen';
  return label;
}

/** The recorded reaction in a few words: the first reaction, else "high criticality". */
function reactionWords(allergy: ResolvedAllergy): string | undefined {
  const r = allergy.reactions[0]?.replace(
    /(?<!\s)\s*\((disorder|finding|morphologic abnormality|observable entity)\)\s*$/i, // (?<!\s): see allergenName
    '',
  );
  if (r) return shorten(r.toLowerCase(), 30);
  if (allergy.criticality === 'high') return 'high criticality';
  return undefined;
}

/** "amoxicillin allergy (anaphylaxis)", "lisinopril intolerance (angioedema)". */
function allergyPhrase(allergy: ResolvedAllergy): string {
  const kind = allergy.type === 'intolerance' ? 'intolerance' : 'allergy';
  const reaction = reactionWords(allergy);
  return `${shorten(allergenName(allergy), 40)} ${kind}${reaction ? ` (${reaction})` : ''}`;
}

/** The short reason of a cross-sensitivity entry, for the summary. */
const CROSS_SHORT: Record<string, string> = {
  'aminopenicillin-cephalosporin-r1': 'similar side chain',
  'aminocephalosporin-penicillin-r1': 'similar side chain',
  'penicillin-aminocephalosporin': 'amoxicillin-like side chain',
  'penicillin-cephalosporin': 'dissimilar side chain, low cross-reactivity',
  'penicillin-carbapenem': 'low cross-reactivity',
  'ceftazidime-aztreonam': 'shared side chain',
  'nsaid-celecoxib': 'COX-2 selective, usually tolerated',
  'ace-angioedema-ace': 'contraindicated',
  'ace-angioedema-sacubitril': 'contraindicated',
  'ace-angioedema-arb': 'ARBs can cause angioedema too',
};
/** Entries whose pair is usually safe to give: their info card says "may be given". */
const USUALLY_SAFE = new Set(['penicillin-cephalosporin', 'penicillin-carbapenem', 'nsaid-celecoxib']);

/** A low-risk allergy (not an intolerance) to the ordered drug itself or its class: worded as "confirm", not "safe". */
function lowRiskSameDrug(c: Conflict, allergy: ResolvedAllergy): boolean {
  return (
    allergy.risk === 'low' &&
    allergy.type !== 'intolerance' &&
    !c.cross &&
    (c.relation === 'same-ingredient' || c.relation === 'same-class')
  );
}

function headline(c: Conflict, allergy: ResolvedAllergy, order: ResolvedMedication): string {
  // A combination product is named whole ("sacubitril / valsartan"), a single drug by its ingredient.
  const drug = shorten(
    order.ingredients.length > 1 ? order.ingredients.map((i) => i.name).join(' / ') : c.orderIngredient,
    40,
  );
  const Drug = drug.charAt(0).toUpperCase() + drug.slice(1);
  const phrase = allergyPhrase(allergy);
  const why = c.cross
    ? CROSS_SHORT[c.cross.id]
    : c.relation === 'same-class'
      ? `same class: ${c.className ?? ''}`
      : undefined;
  const tail = why && why !== 'contraindicated' ? `; ${why}` : '';
  if (c.cross?.contraindicated && c.indicator !== 'info') return `Do not give ${drug}: ${phrase}, contraindicated`;
  if (c.indicator === 'critical') return `Avoid ${drug}: ${phrase}${tail}`;
  if (c.indicator === 'warning') {
    return c.cross?.id === 'ace-angioedema-arb'
      ? `Use ${drug} with caution: ${phrase}${tail}`
      : `Avoid ${drug}: ${phrase}${tail}`;
  }
  if (allergy.risk === 'low') {
    const Phrase = `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}`;
    // The drug itself, or its class, after a recorded allergy (an immune reaction, even a mild one): confirm first.
    return lowRiskSameDrug(c, allergy)
      ? `${Phrase} recorded (low risk): confirm tolerance before giving ${drug}`
      : `${Phrase} recorded: usually no reason to avoid ${drug}`;
  }
  if (c.cross && USUALLY_SAFE.has(c.cross.id)) return `${Drug} may be given: ${phrase}${tail}`;
  return `Check ${drug}: ${phrase}${tail}${c.textOnly ? ' (matched by name)' : ''}`;
}

const RELATION_TEXT: Record<Relation, string> = {
  'same-ingredient': 'same drug',
  'same-class': 'same class',
  'related-class': 'cross-reactivity',
};

function recordedOn(allergy: ResolvedAllergy, now: Date): string | undefined {
  const r = allergy.resource;
  for (const v of [r.recordedDate, r.onsetDateTime, r.assertedDate, r.lastOccurrence]) {
    const d = parseDate(v);
    if (d) return dateText(d, now);
  }
  return undefined;
}

/** A safer choice to offer as an order: an oral cephalosporin whose R1 side chain differs from amoxicillin's. */
const SWAPS: Record<string, { ingredient: string; why: string }> = {
  'aminopenicillin-cephalosporin-r1': { ingredient: 'cefuroxime', why: 'dissimilar side chain' },
  'penicillin-aminocephalosporin': { ingredient: 'cefuroxime', why: 'dissimilar side chain' },
};

/** The codes behind a card: RxNorm ingredients matched by code, and the allergy's own codings. */
function traceCodes(order: ResolvedMedication, allergy: ResolvedAllergy, c: Conflict): string[] {
  const codes: string[] = [];
  for (const i of order.ingredients) if (i.name === c.orderIngredient && i.rxcui) codes.push(`${RXNORM}|${i.rxcui}`);
  for (const i of allergy.ingredients) if (i.name === c.allergen && i.rxcui) codes.push(`${RXNORM}|${i.rxcui}`);
  const concept = allergy.resource.code ?? allergy.resource.substance;
  for (const coding of isObject(concept) ? objects(concept.coding) : []) {
    const system = str(coding.system);
    const code = str(coding.code);
    if (system && code) codes.push(`${system}|${code}`);
  }
  return [...new Set(codes)];
}

function allergyCard(
  order: ResolvedMedication,
  allergy: ResolvedAllergy,
  c: Conflict,
  k: Knowledge,
  now: Date,
  patientId?: string,
): Card {
  const drug = c.orderIngredient;
  const nsaidAllergy = allergy.classes.some((x) => x.classId === 'nsaids-aspirin') && c.indicator !== 'info';
  const lines: string[] = [];
  lines.push(`- **Order:** ${md(medicationText(order))}`);
  const facts: string[] = [allergy.type === 'intolerance' ? 'intolerance' : 'allergy'];
  if (allergy.criticality) facts.push(`criticality ${md(allergy.criticality)}`);
  if (allergy.severity) facts.push(`${md(allergy.severity)} reaction`);
  if (allergy.reactions.length > 0) facts.push(`reaction: ${allergy.reactions.map((r) => md(r)).join(', ')}`);
  const when = recordedOn(allergy, now);
  lines.push(`- **Recorded:** ${md(allergenName(allergy))} (${facts.join('; ')})${when ? `, ${when}` : ''}`);
  const relation =
    c.relation === 'same-ingredient'
      ? `${md(drug)} is the recorded allergen.`
      : c.relation === 'same-class'
        ? `${md(drug)} belongs to the ${md(c.className ?? '')} class the allergy names.`
        : `${md(drug)}${c.className ? ` (${md(c.className)})` : ''} and the recorded allergen: ${RELATION_TEXT[c.relation]}.`;
  lines.push(`- **Why:** ${relation} ${c.relation === 'same-ingredient' ? '' : md(c.rationale)}`.trimEnd());
  if (c.cross?.contraindicated) lines.push(`- **Label:** contraindicated (${md(c.cross.source)}).`);
  if (allergy.risk === 'low') {
    lines.push(
      allergy.type === 'intolerance'
        ? '- **As recorded:** an intolerance (not immune-mediated): not a reason on its own to avoid the drug; weigh the recorded reaction.'
        : lowRiskSameDrug(c, allergy)
          ? '- **As recorded:** low criticality or a mild reaction to this drug or its class: confirm the history (what happened, and whether it was tolerated since) before giving it.'
          : '- **As recorded:** low criticality or a mild reaction: usually not a reason to avoid the drug; confirm the history.',
    );
  } else if (allergy.risk === 'high' && c.indicator !== 'info') {
    lines.push(
      '- **As recorded:** high risk (high criticality, a severe reaction, anaphylaxis or angioedema): avoid re-exposure.',
    );
  }
  const alternative =
    c.indicator !== 'info'
      ? (c.cross?.alternative ??
        (nsaidAllergy
          ? 'acetaminophen for pain or fever; celecoxib (COX-2 selective) is usually tolerated'
          : undefined))
      : undefined;
  if (alternative) lines.push(`- **Instead:** ${md(alternative)}.`);
  if (c.textOnly) lines.push('- Matched by name, not by code: confirm before acting (shown one tier lower).');
  lines.push('', `Source: ${md(c.source)}. hookwise knowledge ${k.version}.`);

  const draft = resourceKey(order.resource);
  const card: Card = {
    finding: {
      key: `allergy:${(c.className ?? allergy.label).toLowerCase()}:${c.orderIngredient}`,
      ...(draft ? { drafts: [draft] } : {}),
      trace: {
        ...(allergy.id ? { resources: [`AllergyIntolerance/${allergy.id}`] } : {}),
        codes: traceCodes(order, allergy, c),
      },
    },
    summary: summary(headline(c, allergy, order)),
    detail: lines.join('\n'),
    indicator: c.indicator,
    source: {
      label: c.cross?.contraindicated
        ? 'hookwise: drug–allergy checks (FDA label)'
        : 'hookwise: drug–allergy checks (AAAAI/ACAAI 2022)',
      url: c.url,
      topic: { ...TOPICS.allergy },
    },
    links: [
      {
        label: c.url.includes('dailymed') ? 'FDA label (DailyMed)' : 'Drug allergy: a 2022 practice parameter update',
        url: c.url,
        type: 'absolute',
      },
    ],
    // A contraindication is not overridden because the drug was "tolerated before"; the record may still be wrong.
    overrideReasons: (c.cross?.contraindicated
      ? [OVERRIDES.allergyRecordInaccurate, OVERRIDES.benefitOutweighsRisk]
      : [OVERRIDES.previouslyTolerated, OVERRIDES.allergyRecordInaccurate, OVERRIDES.benefitOutweighsRisk]
    ).map((x) => ({ ...x })),
  };
  // Info cards say the drug may usually be given: no suggestion, except removing a drug that is itself the allergen.
  if (draft && (c.indicator !== 'info' || c.relation === 'same-ingredient')) {
    const label = `Remove the ${shorten(drug, 60)} order`;
    const suggestions: Suggestion[] = [];
    const swap = c.indicator !== 'info' && c.cross ? SWAPS[c.cross.id] : undefined;
    const swapCode = swap ? k.ingredients.byName.get(swap.ingredient)?.rxcui : undefined;
    const subject = patientId ? `Patient/${patientId}` : undefined;
    if (swap && swapCode && subject) {
      suggestions.push({
        label: `Replace ${shorten(drug, 40)} with ${swap.ingredient} (${swap.why})`,
        actions: [
          { type: 'delete', description: label, resourceId: draft },
          {
            type: 'create',
            description: `Order ${swap.ingredient}: choose the dose`,
            resource: medicationOrder(subject, { code: swapCode, display: swap.ingredient }),
          },
        ],
      });
    }
    if (subject && nsaidAllergy && c.orderIngredient !== 'acetaminophen') {
      suggestions.push({
        label: `Replace ${shorten(drug, 40)} with acetaminophen 500 mg as needed`,
        isRecommended: true,
        actions: [
          { type: 'delete', description: label, resourceId: draft },
          {
            type: 'create',
            description: 'Order acetaminophen 500 mg as needed',
            resource: medicationOrder(
              subject,
              ACETAMINOPHEN_500,
              '500 mg by mouth every 6 hours as needed for pain; no more than 3 g a day',
            ),
          },
        ],
      });
    }
    suggestions.push({ label, actions: [{ type: 'delete', description: label, resourceId: draft }] });
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}
