// Where a medication acts: systemically, or only where it is applied (eye, ear, skin, nose). Interaction,
// duplicate, renal and Beers rules are about drug in the bloodstream; an eye ointment or a shampoo does not put
// enough there to matter (HL7 PDDI-CDS guide: topical and ophthalmic forms "not likely to increase risk").
//
// Read from words of a dose form or route as RxNorm names and FHIR route/form displays write them
// ("Ophthalmic Ointment", "Medicated Shampoo", "Topical Gel", "Otic route"). Unknown means systemic: a rule
// that cannot tell the form fires, because missing a real interaction is worse than one card too many.

/** `local`: applied to the eye, ear, nose or skin, with no meaningful systemic exposure. */
export type DoseSite = 'systemic' | 'local';

export interface DoseForm {
  site: DoseSite;
  /** The word that decided, for the card's trace: ophthalmic, otic, nasal, topical, shampoo, oral, … */
  form: string;
}

/**
 * Ingredients whose nasal products are given for a systemic effect (intranasal ketorolac, fentanyl, midazolam,
 * triptans, esketamine, desmopressin, butorphanol, naloxone): a nasal form of these stays systemic.
 */
const SYSTEMIC_NASAL = new Set([
  'ketorolac',
  'fentanyl',
  'midazolam',
  'sumatriptan',
  'zolmitriptan',
  'dihydroergotamine',
  'esketamine',
  'desmopressin',
  'butorphanol',
  'naloxone',
  'nicotine',
]);

// Order matters: the first rule that matches decides ("Oral Gel" is oral; "Rectal Foam" is not topical).
const RULES: Array<[RegExp, DoseForm]> = [
  [/\bophthalmic\b|\beye\b|\bintraocular\b|\bconjunctival\b/, { site: 'local', form: 'ophthalmic' }],
  [/\botic\b|\bauricular\b|\bear\b/, { site: 'local', form: 'otic' }],
  [/\bshampoo\b/, { site: 'local', form: 'shampoo' }],
  [/\bnasal\b|\bintranasal\b/, { site: 'local', form: 'nasal' }],
  [/\btransdermal\b/, { site: 'systemic', form: 'transdermal' }],
  [/\boral\b|\bmouth\b|\bsublingual\b|\bbuccal\b|\btablets?\b|\bcapsules?\b|\bchewable\b|\blozenge\b|\benteral\b/, { site: 'systemic', form: 'oral' }],
  [/\binject\w*|\bintravenous\b|\bintramuscular\b|\bsubcutaneous\b|\bprefilled\b|\bsyringe\b|\binfusion\b|\bcartridge\b|\bauto-?injector\b/, { site: 'systemic', form: 'injectable' }],
  [/\brectal\b|\benema\b|\bsuppositor\w*|\bvaginal\b|\bintrauterine\b|\binhal\w*|\bimplant\b/, { site: 'systemic', form: 'other' }],
  [/\btopical\b|\bcutaneous\b|\bdermal\b|\bskin\b|\bcream\b|\bointment\b|\blotion\b|\bgel\b|\bfoam\b|\bpaste\b|\bmedicated patch\b|\bmedicated pad\b|\bsolution, topical\b/, { site: 'local', form: 'topical' }],
];

/** The dose form a text names, or undefined when it names none. */
export function doseFormOf(text: string | undefined): DoseForm | undefined {
  if (!text) return undefined;
  const t = text.toLowerCase();
  for (const [pattern, form] of RULES) if (pattern.test(t)) return form;
  return undefined;
}

/** A local form of an ingredient that is given nasally for its systemic effect stays systemic. */
export function siteFor(form: DoseForm, ingredients: readonly string[]): DoseSite {
  if (form.form === 'nasal' && ingredients.some((i) => SYSTEMIC_NASAL.has(i))) return 'systemic';
  return form.site;
}
