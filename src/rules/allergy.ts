// order-select: drug–allergy conflicts between the selected draft orders and the patient's active allergies.
import { resourceKey } from '../fhir-read/datatypes.js';
import type { Card, Indicator, Suggestion } from '../cds/types.js';
import type { AllergyClass, Knowledge } from '../knowledge/index.js';
import type { ResolvedAllergy } from '../knowledge/allergies.js';
import { type MatchConfidence, confidenceRank } from '../knowledge/drugs/match.js';
import { type ResolvedMedication, medicationLabel } from '../knowledge/drugs/medications.js';
import { OVERRIDES, TOPICS, applyConfidence, indicatorRank, md, shorten, summary } from './cards.js';

type Relation = 'same-ingredient' | 'same-class' | 'related-class';

interface Conflict {
  relation: Relation;
  indicator: Indicator;
  orderIngredient: string;
  allergen: string;
  className?: string;
  rationale: string;
  source: string;
  textOnly: boolean;
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
          rationale: 'The ordered ingredient is the documented allergen.',
          source: k.allergy.source,
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
      out.push({
        relation: 'same-class',
        indicator: applyConfidence(cls.sameClassIndicator, conf),
        orderIngredient: oi.name,
        allergen: allergy.label,
        className: cls.label,
        rationale: `Same class (${cls.label}): ${cls.rationale}.`,
        source: k.allergy.source,
        textOnly: conf === 'text',
      });
    }
    // Related class / ingredient (graded cross-sensitivity).
    for (const x of k.allergy.crossSensitivities) {
      const orderSide = x.order.ingredient ? x.order.ingredient === oi.name : orderClasses.some((c) => c.id === x.order.class);
      if (!orderSide) continue;
      let allergyConf: MatchConfidence | undefined;
      if (x.allergen.ingredient) {
        allergyConf = allergy.ingredients.find((ai) => ai.name === x.allergen.ingredient)?.confidence;
      } else {
        const target = classById(x.allergen.class ?? '', k);
        allergyConf = allergy.classes.find((ac) => ac.classId === target?.id)?.confidence;
      }
      if (!allergyConf) continue;
      const conf = worst(allergyConf, oi.confidence);
      const relatedClass = x.order.class ? classById(x.order.class, k)?.label : undefined;
      const conflict: Conflict = {
        relation: 'related-class',
        indicator: applyConfidence(x.indicator, conf),
        orderIngredient: oi.name,
        allergen: allergy.label,
        rationale: x.rationale,
        source: x.source,
        textOnly: conf === 'text',
      };
      if (relatedClass) conflict.className = relatedClass;
      out.push(conflict);
    }
  }
  return out;
}

function strongest(list: Conflict[]): Conflict | undefined {
  return [...list].sort(
    (a, b) => indicatorRank(b.indicator) - indicatorRank(a.indicator) || RELATION_RANK[b.relation] - RELATION_RANK[a.relation],
  )[0];
}

const RELATION_TEXT: Record<Relation, string> = {
  'same-ingredient': 'same ingredient',
  'same-class': 'same class',
  'related-class': 'cross-sensitivity',
};

export function findAllergyConflicts(orders: ResolvedMedication[], allergies: ResolvedAllergy[], k: Knowledge): Card[] {
  const cards: Card[] = [];
  for (const order of orders) {
    for (const allergy of allergies) {
      const c = strongest(conflicts(order, allergy, k));
      if (c) cards.push(allergyCard(order, allergy, withRisk(c, allergy), k));
    }
  }
  return cards;
}

/**
 * An intolerance, a low-criticality entry or a mild reaction is at most an info card (Khan 2022: a non-immune
 * or mild reaction is no reason to withhold the drug). A high-risk entry keeps the tier the relation gives.
 */
function withRisk(c: Conflict, allergy: ResolvedAllergy): Conflict {
  return allergy.risk === 'low' ? { ...c, indicator: 'info' } : c;
}

function allergyCard(order: ResolvedMedication, allergy: ResolvedAllergy, c: Conflict, k: Knowledge): Card {
  const drug = shorten(c.orderIngredient, 40);
  const allergen = shorten(allergy.label, 40);
  const lead =
    allergy.risk === 'low'
      ? allergy.type === 'intolerance'
        ? 'Intolerance'
        : 'Mild reaction recorded'
      : c.indicator === 'critical'
        ? 'Allergy'
        : c.indicator === 'warning'
          ? 'Possible allergy'
          : 'Low cross-reactivity';
  // "allergy recorded: <allergen>" reads right whatever the allergen text is ("Penicillin G", "Allergy to
  // penicillin", free text).
  const recorded = allergy.type === 'intolerance' ? 'intolerance recorded' : 'allergy recorded';
  const text = `${lead}: ${drug} ordered; ${recorded}: ${allergen} (${RELATION_TEXT[c.relation]})`;

  const lines: string[] = [];
  lines.push(`**Order:** ${md(medicationLabel(order))}${order.key ? ` (${md(order.key)})` : ''}`);
  const allergyBits = [md(allergy.label)];
  if (allergy.criticality) allergyBits.push(`criticality ${md(allergy.criticality)}`);
  if (allergy.severity) allergyBits.push(`reaction severity ${md(allergy.severity)}`);
  if (allergy.reactions.length > 0) allergyBits.push(`reactions: ${allergy.reactions.map(md).join(', ')}`);
  lines.push(`**Documented allergy:** ${allergyBits.join('; ')}${allergy.id ? ` (AllergyIntolerance/${md(allergy.id)})` : ''}`);
  lines.push('');
  const relation =
    c.relation === 'same-ingredient'
      ? `The order contains ${md(c.orderIngredient)}, the documented allergen.`
      : c.relation === 'same-class'
        ? `${md(c.orderIngredient)} belongs to the ${md(c.className ?? '')} class named by the allergy.`
        : `${md(c.orderIngredient)}${c.className ? ` (${md(c.className)})` : ''} may cross-react with the documented allergen.`;
  lines.push(relation);
  lines.push(md(c.rationale));
  if (allergy.risk === 'low') {
    lines.push(
      '',
      allergy.type === 'intolerance'
        ? 'Recorded as an intolerance (not immune-mediated): not a reason on its own to avoid the drug; weigh the recorded reaction.'
        : 'Recorded as low criticality or a mild reaction: usually not a reason to avoid the drug; confirm the history.',
    );
  } else if (allergy.risk === 'high') {
    lines.push('', 'Recorded as high risk (high criticality, a severe reaction, or anaphylaxis/angioedema): avoid re-exposure.');
  }
  if (c.textOnly) lines.push('', 'Matched by name, not by code: confirm before acting (shown one tier lower).');
  lines.push('', `Source: ${md(c.source)}. hookwise knowledge ${k.version}.`);

  const draft = resourceKey(order.resource);
  const card: Card = {
    finding: {
      key: `allergy:${(c.className ?? allergy.label).toLowerCase()}:${c.orderIngredient}`,
      ...(draft ? { drafts: [draft] } : {}),
    },
    summary: summary(text),
    detail: lines.join('\n'),
    indicator: c.indicator,
    source: { label: 'hookwise: drug–allergy checks', topic: { ...TOPICS.allergy } },
    overrideReasons: [OVERRIDES.previouslyTolerated, OVERRIDES.allergyRecordInaccurate, OVERRIDES.benefitOutweighsRisk].map((x) => ({ ...x })),
  };
  const resourceId = resourceKey(order.resource);
  if (resourceId) {
    const label = `Remove the ${shorten(c.orderIngredient, 60)} order`;
    const suggestion: Suggestion = { label, actions: [{ type: 'delete', description: label, resourceId }] };
    card.suggestions = [suggestion];
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}
