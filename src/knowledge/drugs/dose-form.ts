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
  'diazepam',
  'zavegepant',
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

/**
 * The dose form a text names, or undefined when it names none. A text that names both a systemic and a local form
 * ("Oral Topical Solution") is systemic: missing a real interaction is worse than one card too many.
 */
export function doseFormOf(text: string | undefined): DoseForm | undefined {
  if (!text) return undefined;
  if (text.length > FORM_MEMO_TEXT_MAX) return doseFormOfUncached(text);
  // `null`: the text names no form (kept too: most texts asked about are the same few drug names, every call).
  let form = formMemo.get(text);
  if (form === undefined) {
    if (formMemo.size >= FORM_MEMO_MAX) formMemo.clear();
    form = doseFormOfUncached(text) ?? null;
    formMemo.set(text, form);
  }
  return form ?? undefined;
}

/**
 * doseFormOf is a pure function of the text, and nine patterns per text showed in the profile of a big call: the
 * answers are kept (at most FORM_MEMO_MAX texts, then started afresh; longer texts are never kept). The forms are
 * the shared constants of RULES, so handing them out is safe.
 */
const FORM_MEMO_MAX = 10_000;
const FORM_MEMO_TEXT_MAX = 256;
const formMemo = new Map<string, DoseForm | null>();

function doseFormOfUncached(text: string): DoseForm | undefined {
  const t = text.toLowerCase();
  const found = RULES.filter(([pattern]) => pattern.test(t)).map(([, form]) => form);
  return found.find((f) => f.site === 'systemic') ?? found[0];
}

/** SNOMED CT route of administration codes (the FHIR route value set) and the form each means. */
const SNOMED_ROUTES: Record<string, DoseForm> = {
  '54485002': { site: 'local', form: 'ophthalmic' },
  '10547007': { site: 'local', form: 'otic' },
  '6064005': { site: 'local', form: 'topical' },
  '46713006': { site: 'local', form: 'nasal' },
  '26643006': { site: 'systemic', form: 'oral' },
  '37839007': { site: 'systemic', form: 'oral' },
  '47625008': { site: 'systemic', form: 'injectable' },
  '78421000': { site: 'systemic', form: 'injectable' },
  '34206005': { site: 'systemic', form: 'injectable' },
  '45890007': { site: 'systemic', form: 'transdermal' },
  '37161004': { site: 'systemic', form: 'other' },
  '16857009': { site: 'systemic', form: 'other' },
};

/** The form a coded route names (SNOMED CT), or undefined. */
export function routeForm(code: string | undefined): DoseForm | undefined {
  return code ? SNOMED_ROUTES[code] : undefined;
}

/** Skin products given for a systemic effect (nitroglycerin ointment, hormone gels, patches read as topical). */
const SYSTEMIC_TOPICAL = new Set(['nitroglycerin', 'testosterone', 'estradiol', 'fentanyl', 'buprenorphine', 'clonidine', 'scopolamine', 'rivastigmine', 'rotigotine', 'nicotine', 'methylphenidate', 'selegiline']);

/** A local form of an ingredient that is given nasally or on the skin for its systemic effect stays systemic. */
export function siteFor(form: DoseForm, ingredients: readonly string[]): DoseSite {
  if (form.form === 'nasal' && ingredients.some((i) => SYSTEMIC_NASAL.has(i))) return 'systemic';
  if (form.form === 'topical' && ingredients.some((i) => SYSTEMIC_TOPICAL.has(i))) return 'systemic';
  return form.site;
}
