// Ingredients of medication-bearing resources, read leniently: R4/R5 MedicationRequest and MedicationStatement,
// STU3 MedicationRequest, DSTU2 MedicationOrder. Never throws; a resource with no medication has no ingredients.
import type { JsonObject } from '../../json.js';
import type { Knowledge, Product } from '../index.js';
import { SNOMED, isRxNorm, codings, conceptLabel, conceptText, isObject, objects, resourceKey, str } from '../../fhir-read/datatypes.js';
import {
  type IngredientMatch,
  type MatchConfidence,
  betterConfidence,
  findBrandIngredients,
  findIngredientNames,
  namesLocalBrand,
  ingredientsFromRxNormName,
} from './match.js';
import { doseFormOf, routeForm, siteFor, type DoseForm, type DoseSite } from './dose-form.js';
import { type MedicationLookup, medicationOf, resolveReference } from '../../fhir-read/medication-records.js';

export type { IngredientMatch, MatchConfidence } from './match.js';

export interface ResolvedMedication {
  resource: JsonObject;
  resourceType: string;
  id?: string;
  /** "Type/id" when the resource has an id. */
  key?: string;
  /** Human label for card text (concept text or display), or undefined when nothing names the medication. */
  label?: string;
  ingredients: IngredientMatch[];
  /**
   * Where it acts: `local` (eye, ear, nose, skin, shampoo) products do not trigger systemic rules. From the RxNorm
   * product table, else the route or dose form the resource states, else the names; systemic when nothing says.
   */
  site: DoseSite;
  /** The dose form or route word that decided `site` (ophthalmic, topical, oral, …), when one did. */
  form?: string;
}

function mergeMatches(into: IngredientMatch[], names: string[], confidence: MatchConfidence, k: Knowledge): void {
  for (const name of names) {
    const existing = into.find((m) => m.name === name);
    if (existing) {
      existing.confidence = betterConfidence(existing.confidence, confidence);
      continue;
    }
    const rxcui = k.ingredients.byName.get(name)?.rxcui;
    into.push(rxcui ? { name, rxcui, confidence } : { name, confidence });
  }
}

/** The RxNorm product concept (PDDI-CDS value sets) a CodeableConcept codes, if any. */
export function conceptProduct(concept: unknown, k: Knowledge): Product | undefined {
  for (const c of codings(concept)) {
    if (!isRxNorm(c.system) || !c.code) continue;
    const product = k.products.byRxcui.get(c.code);
    if (product) return product;
  }
  return undefined;
}

/**
 * Ingredients of a CodeableConcept, in match order: (a) an RxNorm code that is a known ingredient RxCUI, or a
 * product, pack or brand RxCUI of the shipped product table; (b) the display of an RxNorm coding parsed as an
 * SCD/SBD name, or naming a brand; (c) text or non-RxNorm displays, ingredient or brand names.
 * The first tier that yields anything wins.
 */
export function conceptIngredients(concept: unknown, k: Knowledge, extraText?: string): IngredientMatch[] {
  const out: IngredientMatch[] = [];
  const cs = codings(concept);
  const rx = cs.filter((c) => isRxNorm(c.system));
  for (const c of rx) {
    if (!c.code) continue;
    const names = k.ingredients.byRxcui.get(c.code) ?? k.products.byRxcui.get(c.code)?.ingredients;
    if (names) mergeMatches(out, [...names], 'code', k);
  }
  if (out.length > 0) return out;
  for (const c of rx) {
    if (!c.display) continue;
    const names = ingredientsFromRxNormName(c.display, k);
    mergeMatches(out, names.length > 0 ? names : findBrandIngredients(c.display, k), 'rxnorm-name', k);
  }
  if (out.length > 0) return out;
  const texts = [conceptText(concept), ...cs.filter((c) => !isRxNorm(c.system)).map((c) => c.display), extraText];
  for (const t of texts) if (t) mergeMatches(out, findIngredientNames(t, k), 'text', k);
  if (out.length > 0) return out;
  for (const t of texts) if (t) mergeMatches(out, findBrandIngredients(t, k), 'text', k);
  return out;
}

function medicationResourceIngredients(med: JsonObject, k: Knowledge): IngredientMatch[] {
  const fromCode = conceptIngredients(med.code, k);
  if (fromCode.length > 0) return fromCode;
  const out: IngredientMatch[] = [];
  for (const ing of objects(med.ingredient)) {
    // R4 itemCodeableConcept, R5 item.concept
    const concept = ing.itemCodeableConcept ?? (isObject(ing.item) ? ing.item.concept : undefined);
    for (const m of conceptIngredients(concept, k)) {
      if (!out.some((o) => o.name === m.name)) out.push(m);
    }
  }
  return out;
}

/** The concept's text or first display: a name a clinician reads, never a bare code. */
function namedLabel(concept: unknown): string | undefined {
  return conceptText(concept) ?? codings(concept).find((c) => c.display)?.display;
}

/**
 * Where the dose form or route is stated, most trustworthy first: the coded route of each dosage, its text or
 * display, the Medication's form, the RxNorm codings' names, then the other names. The sig (`dosage.text`) is
 * never read: it says why and how ("for ear infection", "apply behind the ear"), not the form.
 */
function* formSources(resource: JsonObject, med: JsonObject | undefined, concept: unknown): Generator<DoseForm | string> {
  const dosages = [...objects(resource.dosageInstruction), ...objects(resource.dosage), ...(isObject(resource.dosage) ? [resource.dosage] : [])];
  for (const d of dosages) {
    for (const c of codings(d.route)) {
      const coded = c.system === SNOMED || c.system === undefined ? routeForm(c.code) : undefined;
      if (coded) yield coded;
    }
  }
  for (const d of dosages) {
    yield* displays(d.route, false);
    const text = conceptText(d.route);
    if (text) yield text;
  }
  if (med) {
    for (const f of [med.form, med.doseForm]) {
      yield* displays(f, false);
      const text = conceptText(f);
      if (text) yield text;
    }
  }
  for (const c of [concept, med?.code]) yield* displays(c, true);
  for (const c of [concept, med?.code]) {
    const text = conceptText(c);
    if (text) yield text;
    yield* displays(c, false);
  }
}

/** The codings' displays (of RxNorm codings only, with `rxnormOnly`). */
function* displays(c: unknown, rxnormOnly: boolean): Generator<string> {
  for (const x of codings(c)) if ((!rxnormOnly || isRxNorm(x.system)) && x.display !== undefined) yield x.display;
}

/**
 * Where a medication acts: a product-table entry that states a form (a clinical or branded drug, a pack) decides;
 * an ingredient or brand entry does not (the route or form the resource states does); else the first form the
 * sources give; systemic when nothing says.
 */
function siteOf(product: Product | undefined, sourcesOf: () => Iterable<DoseForm | string>, ingredients: IngredientMatch[], k: Knowledge): { site: DoseSite; form?: string } {
  if (product && (product.form || product.site === 'local')) return product.form ? { site: product.site, form: product.form } : { site: product.site };
  // Read in order and only until one states a form (usually the RxNorm display, well before the last source).
  const sources: Array<DoseForm | string> = [];
  for (const s of sourcesOf()) {
    sources.push(s);
    const form = typeof s === 'string' ? doseFormOf(s) : s;
    if (form) return { site: siteFor(form, ingredients.map((i) => i.name)), form: form.form };
  }
  if (sources.some((s) => typeof s === 'string' && namesLocalBrand(s, k))) return { site: 'local', form: 'local brand' };
  return { site: 'systemic' };
}

export function resolveMedication(resource: unknown, k: Knowledge, lookup?: MedicationLookup): ResolvedMedication {
  const res: JsonObject = isObject(resource) ? resource : {};
  const resourceType = str(res.resourceType) ?? 'Unknown';
  const out: ResolvedMedication = { resource: res, resourceType, ingredients: [], site: 'systemic' };
  const id = str(res.id);
  if (id) out.id = id;
  const key = resourceKey(res);
  if (key) out.key = key;
  const { concept, reference } = medicationOf(res);
  let product: Product | undefined;
  let med: JsonObject | undefined;
  if (concept !== undefined) {
    out.ingredients = conceptIngredients(concept, k);
    product = conceptProduct(concept, k);
    const label = namedLabel(concept) ?? product?.display ?? conceptLabel(concept);
    if (label) out.label = label;
  }
  if (reference !== undefined) med = resolveReference(reference, res, lookup);
  if (out.ingredients.length === 0 && reference !== undefined) {
    if (med) {
      out.ingredients = medicationResourceIngredients(med, k);
      product = conceptProduct(med.code, k);
      const label = namedLabel(med.code) ?? product?.display ?? conceptLabel(med.code);
      if (label) out.label = label;
    }
    const display = isObject(reference) ? str(reference.display) : undefined;
    if (out.ingredients.length === 0 && display) {
      out.ingredients = conceptIngredients(undefined, k, display);
    }
    if (!out.label && display) out.label = display;
  }
  // The sources are read only when the product table does not decide (most coded products are decided by it).
  function* sourcesOf(): Generator<DoseForm | string> {
    yield* formSources(res, med, concept);
    if (out.label) yield out.label;
  }
  const { site, form } = siteOf(product, sourcesOf, out.ingredients, k);
  out.site = site;
  if (form) out.form = form;
  return out;
}

/** Only the medications that act systemically: what interaction, duplicate, renal and Beers rules are about. */
export function systemic(meds: ResolvedMedication[]): ResolvedMedication[] {
  return meds.filter((m) => m.site === 'systemic');
}

/**
 * Card text label: the ordered/recorded medication's name, else its ingredients, else a neutral word. A label that
 * is only a code (a product or ingredient code sent without a display: "2231") is not a name: the ingredients are.
 */
export function medicationLabel(m: { label?: string; ingredients: ReadonlyArray<{ name: string }> }): string {
  const label = m.label?.trim();
  if (label && !/^[\d\s|.-]+$/.test(label)) return label;
  if (m.ingredients.length > 0) return m.ingredients.map((i) => i.name).join(' / ');
  return 'unnamed medication';
}
