// rxnorm-products.json: RxNorm products, packs and brands of the HL7 PDDI-CDS value sets → ingredients and where
// they act; brand names; the guide's class sets.
import { doseFormOf, siteFor, type DoseSite } from '../../src/knowledge/drugs/dose-form.js';
import { type Row, col, normName } from './csv.js';

const PDDI_CITATION =
  'HL7 Potential Drug-Drug Interaction (PDDI) CDS Implementation Guide, value sets (CC0 1.0), HL7/PDDI-CDS@018be88';

/** Words that end a product's name in RxNorm's dose-form groups ("Advil Oral Product", "Advil Pill"). */
const GROUP_SUFFIX = /\b(oral|topical|ophthalmic|otic|nasal|rectal|vaginal|injectable|inhalant|chewable|granule|oral liquid|oral powder|disintegrating oral)?\s*(product|pill)$/;

/**
 * RxNorm products (SCD, SBD, GPCK, BPCK, brand names) → ingredients and where they act, from the PDDI-CDS guide's
 * value sets; and brand names → ingredients, from those value sets and from hookwise's own list of brands named
 * on FDA labels (scripts/data/brand-names.csv). A product in one of the guide's `-exclude` sets is local unless
 * its name says oral or injectable (the guide's exclude sets hold a few systemic forms).
 */
export function buildProducts(rows: Row[], brandRows: Row[], ugibRows: Row[] = []) {
  const f = 'pddi_rxnorm_products.csv';
  const byRxcui = new Map<string, { display: string; ingredients: string; excluded: boolean; included: boolean }>();
  for (const r of rows) {
    const rxcui = col(r, 'rxcui', f);
    if (!/^\d+$/.test(rxcui)) throw new Error(`${f}: RxCUI "${rxcui}" is not digits`);
    const ingredients = col(r, 'ingredient', f);
    const seen = byRxcui.get(rxcui);
    if (seen && seen.ingredients !== ingredients) throw new Error(`${f}: RxCUI ${rxcui} has two ingredient lists`);
    const entry = seen ?? { display: col(r, 'display', f), ingredients, excluded: false, included: false };
    if (col(r, 'included', f) === 'false') entry.excluded = true;
    else entry.included = true;
    byRxcui.set(rxcui, entry);
  }
  const products = [...byRxcui.entries()]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([rxcui, p]) => {
      const ingredients = p.ingredients.split('+').map(normName);
      const form = doseFormOf(p.display);
      let site: DoseSite = form ? siteFor(form, ingredients) : 'systemic';
      if (p.excluded && !(form && (form.form === 'oral' || form.form === 'injectable' || form.form === 'transdermal'))) site = 'local';
      return { rxcui, display: p.display, ingredients, site, ...(form ? { form: form.form } : {}) };
    });

  const brands = new Map<string, { ingredients: string; source: string; sites: Set<DoseSite> } | 'ambiguous'>();
  /** `site`: where a product of the brand acts, when its name states a form (a brand concept alone says nothing). */
  const addBrand = (rawName: string, ingredients: string, source: string, site: DoseSite | undefined): void => {
    const name = normName(rawName).replace(GROUP_SUFFIX, '').trim();
    if (name.length < 4 || /\d/.test(name)) return;
    const known = brands.get(name);
    if (known === undefined) brands.set(name, { ingredients, source, sites: new Set(site ? [site] : []) });
    else if (known !== 'ambiguous' && known.ingredients !== ingredients) brands.set(name, 'ambiguous');
    else if (known !== 'ambiguous' && site) known.sites.add(site);
  };
  const ingredientWords = new Set(products.flatMap((p) => p.ingredients.flatMap((i) => i.split(' '))));
  for (const p of products) {
    const ingredients = p.ingredients.join('+');
    // A pack names its components' brands inside; only the pack's own trailing [Brand] names all of it.
    const own = p.display.startsWith('{') ? /\]\s*\}?\s*pack\s*\[([^\]]+)\]\s*$/i.exec(p.display)?.[1] : /\[([^\]]+)\]\s*$/.exec(p.display)?.[1];
    if (own) addBrand(own, ingredients, PDDI_CITATION, p.form ? p.site : undefined);
    // A name without strength or bracket that does not start with an ingredient's word is a brand ("Alka-Seltzer").
    const first = normName(p.display).split(/[\s-]/)[0] ?? '';
    if (!/[\d[{/]/.test(p.display) && !ingredientWords.has(first)) addBrand(p.display, ingredients, PDDI_CITATION, p.form ? p.site : undefined);
  }
  const fb = 'brand-names.csv';
  for (const r of brandRows) {
    const name = normName(col(r, 'brand', fb));
    const ingredients = col(r, 'ingredients', fb).split('+').map(normName).join('+');
    const known = brands.get(name);
    if (known && known !== 'ambiguous' && known.ingredients !== ingredients) {
      throw new Error(`${fb}: ${name} is ${ingredients}, but the PDDI-CDS value sets say ${known.ingredients}`);
    }
    const site: DoseSite = r.site === 'local' ? 'local' : 'systemic';
    brands.set(name, { ingredients, source: col(r, 'source', fb), sites: new Set([site]) });
  }
  const brandList = [...brands.entries()]
    .filter((e): e is [string, { ingredients: string; source: string; sites: Set<DoseSite> }] => e[1] !== 'ambiguous')
    .sort(([a], [b]) => a.localeCompare(b))
    // A brand whose every product is an eye, ear, nose or skin product (Acular, Restasis) is local.
    .map(([name, b]) => ({ name, ingredients: b.ingredients.split('+'), source: b.source, ...(b.sites.size === 1 && b.sites.has('local') ? { site: 'local' } : {}) }));
  // The guide's class sets by ingredient (valueset-ibuprofen → ibuprofen), members only: NSAIDS, PPIS, SCS
  // (systemic corticosteroids), AAS (aldosterone antagonists), LOOPDIURETIC, plus its single-drug sets.
  const classes: Record<string, Set<string>> = {};
  const topicalDiclofenac = new Set<string>();
  for (const r of rows) {
    if (col(r, 'included', f) !== 'true') continue;
    const set = col(r, 'valueset', f).replace(/^valueset-/, '');
    if (set === 'topicaldiclofenac') topicalDiclofenac.add(col(r, 'rxcui', f));
    const cls = (r.ig_class ?? '').replace(/^valueset-/, '') || set;
    const own = set === 'ethacrynate' ? 'ethacrynic acid' : set === 'mefenamate' ? 'mefenamic acid' : set;
    if (cls !== 'topicaldiclofenac') (classes[cls] ??= new Set()).add(own);
  }
  const pddiClasses = Object.fromEntries(Object.entries(classes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
  return {
    pddiClasses,
    topicalDiclofenac: [...topicalDiclofenac].sort((a, b) => Number(a) - Number(b)),
    ugibSnomed: ugibRows.map((r) => col(r, 'snomed', 'pddi-ugib-snomed.csv')),
    notes:
      'RxNorm product, pack and brand codes of the HL7 PDDI-CDS value sets → ingredients (all rows: the guide lists ' +
      'codes by RxCUI, VERIFIED as read). site: where the product acts, from its name; local (eye, ear, nose, skin) ' +
      'products do not trigger systemic rules. Brands: from bracketed SBD names and brand concepts of the same sets, ' +
      'plus hookwise’s list of brand names from FDA labels; brand names are matched as names, never as codes.',
    source: PDDI_CITATION,
    products,
    brands: brandList,
  };
}
