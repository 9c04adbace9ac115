// AllergyIntolerance entries that count, with their allergen resolved to ingredients and allergy classes.
import type { JsonObject } from '../json.js';
import type { Knowledge } from './index.js';
import { isRxNorm, SNOMED, bundleResources, codings, conceptLabel, conceptText, isObject, objects, str } from '../fhir-read/datatypes.js';
import { type IngredientMatch, type MatchConfidence, betterConfidence, findBrandIngredients, findIngredientNames, tokens } from './drugs/match.js';
import { allergyCounts } from '../fhir-read/allergy-status.js';

export interface AllergyClassMatch {
  classId: string;
  confidence: MatchConfidence;
  /** 'class': the allergen names the class itself; 'ingredient': the allergen is a member ingredient. */
  via: 'class' | 'ingredient';
}

export interface ResolvedAllergy {
  resource: JsonObject;
  id?: string;
  /** The allergen as recorded (text or display or code). */
  label: string;
  criticality?: string;
  /** Highest reaction severity recorded (mild | moderate | severe). */
  severity?: string;
  reactions: string[];
  ingredients: IngredientMatch[];
  classes: AllergyClassMatch[];
  /** `allergy` (immune) or `intolerance` (non-immune), as recorded; absent when not recorded. */
  type?: 'allergy' | 'intolerance';
  /**
   * How dangerous a re-exposure is, from what is recorded: `high` (criticality high, a severe reaction, or
   * anaphylaxis, angioedema or a severe skin reaction), `low` (an intolerance, criticality low, or only mild
   * reactions), `unknown` (nothing recorded: most EHR entries, treated as a true allergy).
   */
  risk: 'high' | 'low' | 'unknown';
  /** A reaction recorded as angioedema (coded or in words): ACE-inhibitor labels contraindicate the whole class. */
  angioedema: boolean;
}

/** Reactions that make any re-exposure dangerous, whatever the criticality field says (matched by word). */
const HIGH_RISK_REACTION = /anaphyla|angioedema|angio-oedema|stevens|johnson|epidermal necrolysis|\bdress\b|drug reaction with eosinophilia|bronchospasm|laryngeal|throat (swelling|tightness)|\bshock\b/i;
/** SJS and TEN as abbreviations (upper case only: "ten" is a word). */
const HIGH_RISK_ABBREVIATION = /\bSJS\b|\bTEN\b/;
/** SNOMED CT: anaphylaxis, angioedema, Stevens-Johnson syndrome, toxic epidermal necrolysis. */
const HIGH_RISK_SNOMED = new Set(['39579001', '41291007', '73442001', '23067006', '402387002']);
/** SNOMED CT: angioedema (41291007) and allergic angioedema (402387002, VERIFIED in Synthea's allergy module). */
const ANGIOEDEMA_SNOMED = new Set(['41291007', '402387002']);
const ANGIOEDEMA = /angio-?edema|angio-?oedema|quincke/i;

function addIngredient(into: IngredientMatch[], name: string, confidence: MatchConfidence, k: Knowledge): void {
  const existing = into.find((m) => m.name === name);
  if (existing) {
    existing.confidence = betterConfidence(existing.confidence, confidence);
    return;
  }
  const rxcui = k.ingredients.byName.get(name)?.rxcui;
  into.push(rxcui ? { name, rxcui, confidence } : { name, confidence });
}

function addClass(into: AllergyClassMatch[], classId: string, confidence: MatchConfidence, via: 'class' | 'ingredient'): void {
  const existing = into.find((c) => c.classId === classId);
  if (!existing) {
    into.push({ classId, confidence, via });
    return;
  }
  if (betterConfidence(existing.confidence, confidence) !== existing.confidence) existing.confidence = confidence;
  if (via === 'class') existing.via = 'class';
}

function textMentions(text: string, phrase: string): boolean {
  const t = tokens(text);
  const p = tokens(phrase);
  if (p.length === 0) return false;
  for (let i = 0; i + p.length <= t.length; i++) if (p.every((w, j) => t[i + j] === w)) return true;
  return false;
}

/** Resolve an allergen CodeableConcept to ingredients and allergy classes. */
export function resolveAllergen(concept: unknown, k: Knowledge): { ingredients: IngredientMatch[]; classes: AllergyClassMatch[] } {
  const ingredients: IngredientMatch[] = [];
  const classes: AllergyClassMatch[] = [];
  const cs = codings(concept);
  for (const c of cs) {
    if (!c.code) continue;
    if (isRxNorm(c.system)) {
      for (const n of k.ingredients.byRxcui.get(c.code) ?? []) addIngredient(ingredients, n, 'code', k);
    } else if (c.system === SNOMED) {
      for (const cls of k.allergy.classes) {
        if (cls.snomedCodes.some((s) => s.code === c.code)) addClass(classes, cls.id, 'code', 'class');
      }
    }
  }
  if (ingredients.length === 0 && classes.length === 0) {
    // No verified code: names in the RxNorm display (rxnorm-name) or any other text (text).
    const texts: Array<[string, MatchConfidence]> = [];
    for (const c of cs) if (c.display) texts.push([c.display, isRxNorm(c.system) ? 'rxnorm-name' : 'text']);
    const text = conceptText(concept);
    if (text) texts.push([text, 'text']);
    for (const [t, conf] of texts) {
      for (const n of findIngredientNames(t, k)) addIngredient(ingredients, n, conf, k);
      for (const cls of k.allergy.classes) {
        if (cls.textNames.some((name) => textMentions(t, name))) addClass(classes, cls.id, 'text', 'class');
      }
    }
    // A brand name as the allergen ("Keflex", "Augmentin", "Motrin"): its ingredients, by name.
    if (ingredients.length === 0 && classes.length === 0) {
      for (const [t, conf] of texts) for (const n of findBrandIngredients(t, k)) addIngredient(ingredients, n, conf, k);
    }
  }
  for (const ing of ingredients) {
    for (const cls of k.allergy.classes) {
      if (cls.members.some((m) => m.ingredient === ing.name)) addClass(classes, cls.id, ing.confidence, 'ingredient');
    }
  }
  return { ingredients, classes };
}

function normaliseCriticality(x: unknown): string | undefined {
  const c = str(x)?.toLowerCase();
  if (!c) return undefined;
  return ({ crith: 'high', critl: 'low', critu: 'unable-to-assess' } as Record<string, string>)[c] ?? c;
}

const SEVERITY_RANK: Record<string, number> = { mild: 1, moderate: 2, severe: 3 };

export function resolveAllergy(r: JsonObject, k: Knowledge): ResolvedAllergy {
  const concept = r.code ?? r.substance; // DSTU2 uses `substance`
  const { ingredients, classes } = resolveAllergen(concept, k);
  const out: ResolvedAllergy = {
    resource: r,
    label: conceptLabel(concept) ?? 'unspecified allergen',
    reactions: [],
    ingredients,
    classes,
    risk: 'unknown',
    angioedema: false,
  };
  const id = str(r.id);
  if (id) out.id = id;
  const criticality = normaliseCriticality(r.criticality);
  if (criticality) out.criticality = criticality;
  // R4: a code; R5: a CodeableConcept.
  const type = (str(r.type) ?? codings(r.type).find((c) => c.code)?.code)?.toLowerCase();
  if (type === 'allergy' || type === 'intolerance') out.type = type;
  let highRiskCoded = false;
  for (const reaction of objects(r.reaction)) {
    const sev = str(reaction.severity)?.toLowerCase();
    if (sev && (SEVERITY_RANK[sev] ?? 0) > (SEVERITY_RANK[out.severity ?? ''] ?? 0)) out.severity = sev;
    for (const m of objects(reaction.manifestation)) {
      const concept = isObject(m.concept) ? m.concept : m; // R5 CodeableReference
      if (codings(concept).some((c) => c.code && HIGH_RISK_SNOMED.has(c.code))) highRiskCoded = true;
      if (codings(concept).some((c) => c.code && ANGIOEDEMA_SNOMED.has(c.code))) out.angioedema = true;
      const label = conceptLabel(concept);
      if (label && !out.reactions.includes(label)) out.reactions.push(label);
    }
    const description = str(reaction.description);
    if (description && !out.reactions.includes(description)) out.reactions.push(description);
  }
  if (out.reactions.some((x) => ANGIOEDEMA.test(x))) out.angioedema = true;
  out.risk = highRiskCoded || out.angioedema ? 'high' : allergyRisk(out);
  return out;
}

function allergyRisk(a: ResolvedAllergy): ResolvedAllergy['risk'] {
  if (a.criticality === 'high' || a.severity === 'severe' || a.reactions.some((r) => HIGH_RISK_REACTION.test(r) || HIGH_RISK_ABBREVIATION.test(r))) return 'high';
  if (a.type === 'intolerance' || a.criticality === 'low' || a.severity === 'mild') return 'low';
  return 'unknown';
}

/** AllergyIntolerance entries of a Bundle that count (see allergyCounts), resolved. */
export function activeAllergies(value: unknown, k: Knowledge): ResolvedAllergy[] {
  return bundleResources(value)
    .filter(allergyCounts)
    .map((r) => resolveAllergy(r, k));
}
