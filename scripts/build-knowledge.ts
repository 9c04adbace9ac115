// Builds the committed knowledge/*.json files from the researched CSV tables.
//
//   npx tsx scripts/build-knowledge.ts ../shared/knowledge
//
// This is the only code that reads the shared research folder; the service and its tests read knowledge/ only.
// Shipping rule: an RxCUI / LOINC / SNOMED code is written as a code ONLY when its status column says VERIFIED.
// Anything else keeps its name (for text matching) and no code. Every entry carries its source.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doseFormOf, siteFor, type DoseSite } from '../src/knowledge/dose-form.js';

export const KNOWLEDGE_VERSION = '2026.12.0';
export const ONC_DOI = '10.1136/amiajnl-2011-000612';
export const ONC_URL = 'https://doi.org/10.1136/amiajnl-2011-000612';
export const ONC_CITATION =
  'Phansalkar S, Desai AA, Bell D, et al. High-priority drug–drug interactions for use in electronic health records. ' +
  'J Am Med Inform Assoc 2012;19(5):735–43. doi:10.1136/amiajnl-2011-000612';

type Row = Record<string, string>;

/** RFC 4180-style CSV: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  const [header, ...body] = records;
  if (!header) return [];
  const names = header.map((h) => h.trim());
  return body.map((cells, n) => {
    if (cells.length !== names.length) {
      throw new Error(`CSV: row ${n + 2} has ${cells.length} fields, header has ${names.length}`);
    }
    const row: Row = {};
    names.forEach((name, i) => {
      row[name] = (cells[i] ?? '').trim();
    });
    return row;
  });
}

const isVerified = (status: string | undefined): boolean => /^VERIFIED\b/.test(status ?? '');

/** Lower-case, straight apostrophes, single spaces. */
export function normName(s: string): string {
  return s.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

function col(row: Row, name: string, file: string): string {
  const v = row[name];
  if (v === undefined) throw new Error(`${file}: missing column ${name}`);
  return v;
}

interface Member {
  ingredient: string;
  rxcui?: string;
  tier: 'critical' | 'warning';
  tierReason?: string;
  note?: string;
  rxcuiSources?: string;
}

function memberTier(pair: number, side: string, ingredient: string, note: string): { tier: 'critical' | 'warning'; reason?: string } {
  const moderate = /\b(moderate|weak)\b/i.test(note);
  if (pair === 5 && side === 'precipitant' && moderate) {
    return { tier: 'warning', reason: 'moderate/weak CYP3A4 inhibitor: label advises caution, not avoidance' };
  }
  if (pair === 9 && side === 'precipitant' && ingredient !== 'fluvoxamine') {
    return { tier: 'warning', reason: 'ramelteon label bars fluvoxamine only; caution with other CYP1A2 inhibitors' };
  }
  if (pair === 11 && side === 'precipitant') {
    if (['verapamil', 'diltiazem', 'amiodarone'].includes(ingredient)) {
      return { tier: 'warning', reason: 'statin dose cap in the simvastatin/lovastatin labels, not a contraindication' };
    }
    if (moderate) return { tier: 'warning', reason: 'moderate CYP3A4 inhibitor: not in the label contraindication list' };
  }
  if (pair === 13 && side === 'precipitant' && !['ciprofloxacin', 'fluvoxamine'].includes(ingredient)) {
    return { tier: 'warning', reason: 'tizanidine label contraindicates fluvoxamine and ciprofloxacin only; avoid or start low with others' };
  }
  return { tier: 'critical' };
}

export const PDDI_CITATION =
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

/**
 * Interaction pairs taken from FDA labels and safety communications (each row names its source and a link): the
 * checks a hospital expects first beyond the ONC lists. Sides are ingredient names; `{a}` and `{b}` in the texts
 * stand for the ingredients found.
 */
/**
 * A row's safer alternative, `side|rxcui|display|dosage text`: when the draft is on that side, its card offers to
 * order the alternative instead. The RxCUI must be a product the research tables hold (PDDI-CDS value sets, or the
 * guide's own ActivityDefinition for acetaminophen 500 mg).
 */
function alternative(r: Row, f: string): { alternative?: { side: 'a' | 'b'; rxcui: string; display: string; dosage: string } } {
  const raw = (r.alternative ?? '').trim();
  if (!raw) return {};
  const [side, rxcui, display, dosage] = raw.split('|').map((x) => x.trim());
  if ((side !== 'a' && side !== 'b') || !rxcui || !/^\d+$/.test(rxcui) || !display || !dosage) throw new Error(`${f}: ${r.id}: alternative ${raw}`);
  return { alternative: { side, rxcui, display, dosage } };
}

export function buildLabelInteractions(rows: Row[]) {
  const f = 'label-interactions.csv';
  const interactions = rows.map((r) => {
    const side = (name: string) => col(r, name, f).split(';').map(normName).filter(Boolean);
    const indicator = col(r, 'indicator', f);
    if (!['info', 'warning', 'critical'].includes(indicator)) throw new Error(`${f}: ${r.id}: indicator ${indicator}`);
    return {
      id: col(r, 'id', f),
      a: side('a'),
      b: side('b'),
      indicator,
      summary: col(r, 'summary', f),
      management: col(r, 'management', f),
      mechanism: col(r, 'mechanism', f),
      source: col(r, 'source', f),
      url: col(r, 'url', f),
      overrides: col(r, 'overrides', f).split(';').map((x) => x.trim()).filter(Boolean),
      ...alternative(r, f),
    };
  });
  return {
    source: 'hookwise: interactions from FDA labels (DailyMed), FDA Drug Safety Communications and the HL7 PDDI-CDS guide',
    interactions,
  };
}

function build(srcDir: string, outDir: string): void {
  const read = (f: string): Row[] => {
    try {
      return parseCsv(readFileSync(join(srcDir, f), 'utf8'));
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`, { cause: e });
    }
  };

  // ---------- ingredient index (all tables) ----------
  const ingredientMap = new Map<string, { name: string; rxcui?: string; sources: Set<string>; tables: Set<string> }>();
  const addIngredient = (rawName: string, rxcui: string, status: string, source: string, file: string): void => {
    let name = normName(rawName);
    if (!name || /\bclass\b|\(all\b/.test(name) || /^CLASS/.test(status)) return;
    const aliases: string[] = [];
    const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(name);
    if (paren && paren[1] && paren[2]) {
      name = paren[1].trim();
      aliases.push(paren[2].trim());
    }
    for (const n of [name, ...aliases]) {
      const entry = ingredientMap.get(n) ?? { name: n, sources: new Set<string>(), tables: new Set<string>() };
      entry.tables.add(file);
      if (isVerified(status) && rxcui) {
        if (entry.rxcui && entry.rxcui !== rxcui) {
          throw new Error(`${file}: ${n} has RxCUI ${rxcui} but another table gives ${entry.rxcui}`);
        }
        entry.rxcui = rxcui;
        if (source) entry.sources.add(source);
      }
      ingredientMap.set(n, entry);
    }
  };

  // ---------- ONC high-priority DDI ----------
  const pairsCsv = read('onc_high_priority_ddi_pairs.csv');
  const membersCsv = read('onc_high_priority_ddi_members.csv');
  const f1 = 'onc_high_priority_ddi_members.csv';
  const pairs = pairsCsv.map((p) => {
    const seq = Number(col(p, 'pair_seq', 'onc_high_priority_ddi_pairs.csv'));
    const object: Member[] = [];
    const precipitant: Member[] = [];
    const seen = new Set<string>();
    let membershipSource = '';
    for (const m of membersCsv) {
      if (Number(col(m, 'pair_seq', f1)) !== seq) continue;
      const side = col(m, 'side', f1);
      const ingredient = normName(col(m, 'ingredient', f1));
      const key = `${side}|${ingredient}`;
      if (seen.has(key)) continue; // the source lists a few members twice
      seen.add(key);
      const note = col(m, 'note', f1);
      const status = col(m, 'rxcui_status', f1);
      const rxcui = col(m, 'rxcui_ingredient', f1);
      addIngredient(ingredient, rxcui, status, col(m, 'rxcui_sources', f1), f1);
      const { tier, reason } = memberTier(seq, side, ingredient, note);
      const member: Member = { ingredient, tier };
      if (isVerified(status) && rxcui) {
        member.rxcui = rxcui;
        member.rxcuiSources = col(m, 'rxcui_sources', f1);
      }
      if (reason) member.tierReason = reason;
      if (note) member.note = note;
      membershipSource = col(m, 'membership_source', f1);
      if (side === 'object') object.push(member);
      else if (side === 'precipitant') precipitant.push(member);
      else throw new Error(`${f1}: pair ${seq}: unknown side ${side}`);
    }
    if (object.length === 0 || precipitant.length === 0) throw new Error(`${f1}: pair ${seq} has an empty side`);
    const entry: Record<string, unknown> = {
      id: `onc-hp-${String(seq).padStart(2, '0')}`,
      seq,
      paperRow: Number(p.paper_row),
      objectClass: p.object_class,
      precipitantClass: p.precipitant_class,
      consequence: p.clinical_consequence,
      management: p.recommended_management,
      suggestedTier: p.suggested_alert_tier,
      labelBasis: p.label_basis,
      source: p.list_source,
      consequenceManagementStatus: p.consequence_management_source_status,
      membershipSource,
      object,
      precipitant,
    };
    if (seq === 8) {
      entry.membershipNote =
        'Membership is the 2014 CredibleMeds known-TdP-risk copy (dbmi-pitt/public-PDDI-analysis), shipped pending ' +
        'review against FDA label QT warnings; CredibleMeds terms restrict redistribution and the current list differs.';
    }
    return entry;
  });
  const ddi = {
    source: { citation: ONC_CITATION, doi: ONC_DOI, url: ONC_URL, pmc: 'PMC3422823' },
    pairs,
  };

  // ---------- allergy classes ----------
  const f2 = 'allergy_class_members.csv';
  const allergyRows = read(f2);
  const snomedRows = read('allergy_snomed_codes.csv');
  const classDefs: Record<string, { id: string; textNames: string[]; sameClassIndicator?: 'critical' | 'warning' | 'info'; rationale: string; snomedUse?: string }> = {
    penicillins: { id: 'penicillins', textNames: ['penicillin', 'penicillins', 'pcn', 'pcns'], sameClassIndicator: 'critical', rationale: 'documented penicillin allergy applies to the whole class', snomedUse: 'penicillin class allergen' },
    cephalosporins: { id: 'cephalosporins', textNames: ['cephalosporin', 'cephalosporins'], sameClassIndicator: 'warning', rationale: 'cross-reactivity within cephalosporins depends on side chains; warn', snomedUse: 'cephalosporin class allergen' },
    carbapenems: { id: 'carbapenems', textNames: ['carbapenem', 'carbapenems'], sameClassIndicator: 'warning', rationale: 'same beta-lactam class; warn' },
    monobactam: { id: 'monobactam', textNames: ['monobactam'], rationale: 'single member (aztreonam)' },
    'sulfonamide antibacterials': { id: 'sulfonamide-antibacterials', textNames: ['sulfonamide antibiotic', 'sulfonamide antibiotics', 'sulfonamide', 'sulfonamides', 'sulfa', 'sulfa drugs'], sameClassIndicator: 'critical', rationale: 'sulfonamide antibiotic allergy applies to the sulfonamide antibacterials', snomedUse: 'sulfonamide allergen' },
    'non-antibacterial sulfonamides (do not hard-alert)': { id: 'non-antibacterial-sulfonamides', textNames: [], rationale: 'cross-reactivity with sulfonamide-antibiotic allergy not supported (Strom BL et al. NEJM 2003;349:1628); no class-level alert, same-ingredient only' },
    'NSAIDs/aspirin (Synthea allergy codes)': { id: 'nsaids-aspirin', textNames: ['nsaid', 'nsaids'], sameClassIndicator: 'warning', rationale: 'NSAID/aspirin cross-sensitivity is possible; warn (design choice)' },
    'ACE inhibitors (Synthea intolerance codes)': { id: 'ace-inhibitors', textNames: ['ace inhibitor', 'ace inhibitors'], sameClassIndicator: 'warning', rationale: 'ACE-inhibitor intolerance (e.g. angioedema, cough) is usually class-wide; warn (design choice)' },
  };
const ALLERGY_CITATION =
    'Khan DA, Banerji A, Blumenthal KG, et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333-93; ' +
    'beta-lactam labels (Contraindications: serious hypersensitivity to the drug or other beta-lactams)';
  const SULFONAMIDE_CITATION = 'Strom BL, Schinnar R, Apter AJ, et al. Absence of cross-reactivity between sulfonamide antibiotics and sulfonamide nonantibiotics. N Engl J Med 2003;349:1628-35';
  const classes = new Map<string, Record<string, unknown> & { members: Array<Record<string, string>> }>();
  for (const r of allergyRows) {
    const cls = col(r, 'allergen_class', f2);
    const def = classDefs[cls];
    if (!def) throw new Error(`${f2}: unknown allergen_class ${cls}; add it to classDefs`);
    let c = classes.get(cls);
    if (!c) {
      c = {
        id: def.id,
        label: cls.replace(/\s*\((do not hard-alert|Synthea [a-z]+ codes)\)/, ''),
        textNames: def.textNames,
        rationale: def.rationale,
        source: /sulfonamide/i.test(cls) ? `${ALLERGY_CITATION}; ${SULFONAMIDE_CITATION}` : ALLERGY_CITATION,
        provenance: `shared/knowledge ${f2} (class "${cls}"); README §3.3`,
        members: [],
        snomedCodes: [],
        unverifiedSnomedCodes: [],
      };
      if (def.sameClassIndicator) c.sameClassIndicator = def.sameClassIndicator;
      classes.set(cls, c);
    }
    const ingredient = normName(col(r, 'ingredient', f2));
    const status = col(r, 'rxcui_status', f2);
    const rxcui = col(r, 'rxcui_ingredient', f2);
    addIngredient(ingredient, rxcui, status, col(r, 'rxcui_sources', f2), f2);
    const m: Record<string, string> = { ingredient };
    if (isVerified(status) && rxcui) {
      m.rxcui = rxcui;
      m.rxcuiSources = col(r, 'rxcui_sources', f2);
    }
    const note = col(r, 'note', f2);
    if (note) m.note = note;
    c.members.push(m);
  }
  for (const s of snomedRows) {
    const use = s.use ?? '';
    const target = [...classes.entries()].find(([k]) => classDefs[k]?.snomedUse && use.startsWith(classDefs[k]!.snomedUse!));
    if (!target) continue; // reaction / finding codes: not allergen classes
    const entry = { code: s.snomed_ct ?? '', display: s.display ?? '', verification: s.verification ?? '', source: s.source ?? '' };
    if (isVerified(s.verification)) (target[1].snomedCodes as unknown[]).push(entry);
    else (target[1].unverifiedSnomedCodes as unknown[]).push(entry);
  }
  const allergy = {
    notes:
      'snomedCodes are matched as codes. unverifiedSnomedCodes (PARTIAL/UNVERIFIED in the research tables) are NOT matched ' +
      'as codes: an allergy carrying one is matched by the coding display / text against textNames and member names instead, ' +
      'at text confidence. RxCUIs are shipped only when VERIFIED.',
    source: ALLERGY_CITATION,
    provenance: 'shared/knowledge/README.md §3; RxCUIs per member rxcuiSources (CPIC, PharmGKB, Synthea)',
    classes: [...classes.values()],
    multiIngredientAllergens: [
      { rxcui: '10831', display: 'sulfamethoxazole / trimethoprim', ingredients: ['sulfamethoxazole', 'trimethoprim'], source: 'CPIC+Synthea (VERIFIED)' },
    ],
    crossSensitivities: [
      {
        id: 'penicillin-cephalosporin',
        allergen: { class: 'penicillins' },
        order: { class: 'cephalosporins' },
        indicator: 'warning',
        rationale: 'Penicillin allergy with a cephalosporin order: cross-reactivity is low; lower tier than same class.',
        source: ALLERGY_CITATION,
        provenance: 'shared/knowledge README §3.3 (practice parameter recalled, not re-read when compiled)',
      },
      {
        id: 'penicillin-carbapenem',
        allergen: { class: 'penicillins' },
        order: { class: 'carbapenems' },
        indicator: 'info',
        rationale: 'Penicillin allergy with a carbapenem order: very low cross-reactivity.',
        source: ALLERGY_CITATION,
        provenance: 'shared/knowledge README §3.3 (allergy_class_members.csv note)',
      },
      {
        id: 'ceftazidime-aztreonam',
        allergen: { ingredient: 'ceftazidime' },
        order: { ingredient: 'aztreonam' },
        indicator: 'warning',
        rationale: 'Aztreonam shares a side chain with ceftazidime.',
        source: ALLERGY_CITATION,
        provenance: 'shared/knowledge README §3.3 (allergy_class_members.csv note)',
      },
    ],
  };

  // ---------- renal rules ----------
  const f3 = 'renal_dosing_rules.csv';
  const renal = {
    source: 'shared/knowledge renal_dosing_rules.csv; metformin: FDA Drug Safety Communication 2016-04-08',
    rules: read(f3)
      .filter((r) => isVerified(col(r, 'source_verification', f3)))
      .map((r) => {
        const rule: Record<string, unknown> = {
          id: col(r, 'rule_id', f3),
          drug: normName(col(r, 'drug_or_class', f3)),
          measure: r.kidney_measure,
          comparator: r.comparator,
          units: r.units,
          population: r.population_or_indication,
          action: r.action,
          actionDetail: r.action_detail,
          indicator: r.suggested_alert_tier,
          source: r.source,
          sourceVerification: r.source_verification,
        };
        if (isVerified(r.rxcui_status) && r.rxcui_ingredient) rule.rxcui = r.rxcui_ingredient;
        if (r.threshold_low) rule.thresholdLow = Number(r.threshold_low);
        if (r.threshold_high) rule.thresholdHigh = Number(r.threshold_high);
        addIngredient(col(r, 'drug_or_class', f3), r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', f3);
        return rule;
      }),
  };
  for (const id of ['R01', 'R02', 'R03']) {
    if (!renal.rules.some((r) => r.id === id)) throw new Error(`${f3}: rule ${id} missing or not VERIFIED`);
  }

  // ---------- lab codes ----------
  const f4 = 'lab_loinc_codes.csv';
  const groupOf = (use: string): string => {
    const u = use.toLowerCase();
    if (u.startsWith('egfr')) return 'egfr';
    if (u.includes('creatinine')) return 'creatinine';
    if (u.startsWith('potassium')) return 'potassium';
    if (u.startsWith('inr')) return 'inr';
    if (u.startsWith('glucose')) return 'glucose';
    if (u.startsWith('sodium')) return 'sodium';
    if (u.startsWith('weight')) return 'bodyWeight';
    if (u.startsWith('hba1c')) return 'hba1c';
    if (u.startsWith('digoxin')) return 'digoxin';
    if (u.startsWith('hemoglobin')) return 'hemoglobin';
    if (u.startsWith('platelets')) return 'platelets';
    if (u === 'sbp') return 'systolicBp';
    if (u === 'dbp') return 'diastolicBp';
    if (u === 'bmi') return 'bmi';
    return 'other';
  };
  const labs: Record<string, Array<Record<string, string>>> = {};
  const labRows = read(f4);
  for (const r of labRows) {
    if (!isVerified(col(r, 'verification', f4))) continue;
    const g = groupOf(col(r, 'use_in_hookwise', f4));
    (labs[g] ??= []).push({
      code: col(r, 'loinc', f4),
      display: col(r, 'long_common_name_as_found', f4),
      unit: r.ucum_unit_typical ?? '',
      source: r.source ?? '',
    });
  }
  const labCodes = {
    system: 'http://loinc.org',
    notes: 'Only LOINC codes marked VERIFIED in shared/knowledge/lab_loinc_codes.csv are shipped.',
    notice: 'This material contains content from LOINC (http://loinc.org). LOINC is copyright Regenstrief Institute, Inc. and the LOINC Committee and is available at no cost under the license at http://loinc.org/license.',
    groups: labs,
  };

  // ---------- patient-view lab rules: critical potassium, warfarin and INR ----------
  // README §5. Codes: potassium LOINC from lab-codes (VERIFIED only). INR LOINC codes are PARTIAL/UNVERIFIED in
  // lab_loinc_codes.csv, so none is shipped: INR results are matched by their name (text confidence).
  const classRows = read('therapeutic_class_map.csv');
  const renalRows = read(f3);
  const drugEntry = (ingredient: string, rows: Row[], file: string, label: string): Record<string, string> => {
    const row = rows.find((r) => normName(r.ingredient ?? r.drug_or_class ?? '') === ingredient && isVerified(r.rxcui_status));
    const entry: Record<string, string> = { ingredient, class: label };
    if (row?.rxcui_ingredient) {
      entry.rxcui = row.rxcui_ingredient;
      entry.rxcuiSources = `${row.rxcui_sources ?? ''} (${file})`;
      addIngredient(ingredient, row.rxcui_ingredient, row.rxcui_status ?? '', row.rxcui_sources ?? '', file);
    } else {
      addIngredient(ingredient, '', '', '', file);
    }
    return entry;
  };
  const potassiumRaising: Array<Record<string, string>> = [];
  for (const r of classRows) {
    const cls = r.class ?? '';
    const label = cls === 'ACE inhibitor' ? 'ACE inhibitor' : cls === 'Angiotensin II receptor blocker' ? 'ARB' : undefined;
    if (!label) continue;
    potassiumRaising.push(drugEntry(normName(r.ingredient ?? ''), [r], 'therapeutic_class_map.csv', label));
  }
  // Spironolactone and trimethoprim: ingredient RxCUIs VERIFIED in renal_dosing_rules.csv (their renal rules are not).
  potassiumRaising.push(drugEntry('spironolactone', renalRows, f3, 'potassium-sparing diuretic'));
  potassiumRaising.push(drugEntry('trimethoprim', renalRows, f3, 'trimethoprim'));
  const warfarinRow = classRows.find((r) => normName(r.ingredient ?? '') === 'warfarin');
  const warfarin: Record<string, string> = { ingredient: 'warfarin' };
  if (warfarinRow && isVerified(warfarinRow.rxcui_status) && warfarinRow.rxcui_ingredient) {
    warfarin.rxcui = warfarinRow.rxcui_ingredient;
    warfarin.rxcuiSources = `${warfarinRow.rxcui_sources ?? ''} (therapeutic_class_map.csv)`;
  }
  const potassiumCodes = labs.potassium ?? [];
  if (potassiumCodes.length === 0) throw new Error(`${f4}: no VERIFIED potassium codes`);
  const inrRows = labRows.filter((r) => groupOf(r.use_in_hookwise ?? '') === 'inr');
  const labRules = {
    notes:
      'Rules of patient-view built on labs, with their sources and verification. Potassium is matched by VERIFIED LOINC ' +
      '(lab-codes.json group "potassium"); INR by VERIFIED LOINC (group "inr", ' + inrRows.filter((r) => isVerified(r.verification)).length +
      ' codes) or else by name, one tier lower.',
    potassium: {
      labGroup: 'potassium',
      lookbackDays: 7,
      lookbackReason: 'hookwise design choice: a potassium older than a week no longer describes the patient for a critical alert',
      acceptedUnits: ['mmol/L', 'mEq/L'],
      unitNote: 'mEq/L equals mmol/L for K+ (monovalent). Any other unit (e.g. mg/dL for 22760-3) is not converted: no card.',
      criticalLow: 2.8,
      criticalHigh: 6.2,
      high: 5.0,
      criticalSource:
        "Survey means of US hospital critical limits (Kost GJ, 'Table of Critical Limits', MLO Clinical Laboratory Reference 2023-24): " +
        'adult potassium low 2.8 mmol/L (SD 0.3), high 6.2 mmol/L (SD 0.4). Cf. Wagar EA et al., Arch Pathol Lab Med 2007;131:1769-75 (CAP Q-Probes, 163 labs)',
      criticalVerification: 'PARTIAL (read via a secondary copy of the table)',
      highSource: 'upper limit of a typical adult reference interval (hookwise design choice, not a published critical limit)',
      highRule: 'above this limit a card is shown only when a potassium-raising drug is active',
      warningHigh: 5.5,
      warningHighSource:
        'hyperkalaemia from 5.5 mmol/L (European Resuscitation Council Guidelines 2021, special circumstances: mild 5.5-5.9, moderate 6.0-6.4, severe 6.5 and above; recalled, not re-read)',
      low: 3.5,
      lowSource:
        'hypokalaemia below 3.5 mmol/L (usual adult reference limit). It predisposes to digoxin toxicity (digoxin labels, e.g. Lanoxin) and to torsade de pointes with QT-prolonging drugs (Drew BJ et al., AHA/ACCF scientific statement, Circulation 2010;121:1047-60); recalled, not re-read',
      lowDrugs: [{ ingredient: 'digoxin', class: 'digoxin' }],
      lowDrugsQtPair: 'onc-hp-08',
      raisingDrugs: potassiumRaising,
      raisingDrugsSource: 'shared/knowledge therapeutic_class_map.csv (ACE inhibitors, ARBs) and renal_dosing_rules.csv (spironolactone, trimethoprim RxCUIs); README §5',
    },
    warfarinInr: {
      drug: warfarin,
      lookbackDays: 30,
      lookbackReason: 'hookwise design choice: the latest INR of the last 30 days',
      textNames: ['inr', 'international normalized ratio', 'international normalised ratio', 'coagulation tissue factor induced.inr'],
      excludeWords: ['goal', 'target', 'range'],
      acceptedUnits: ['', '{INR}', 'INR', '1', '{ratio}', 'ratio'],
      unitNote: 'INR is a ratio without unit; a result in seconds or % is a prothrombin time or activity, not an INR: not used.',
      targetLow: 2.0,
      targetHigh: 3.0,
      targetSource: 'Holbrook A et al. Evidence-based management of anticoagulant therapy (ACCP Antithrombotic Therapy and Prevention of Thrombosis guidelines, 9th ed.), CHEST 2012: target INR 2.0-3.0 for most indications (Grade 1B)',
      targetVerification: 'VERIFIED against the CHEST 2012 abstract',
      critical: 5.0,
      criticalSource: 'INR >= 5 is a common laboratory critical limit (single-laboratory study)',
      criticalVerification: 'PARTIAL',
      vitaminKNote: 'CHEST 2012: INR 4.5-10 without bleeding: routine vitamin K not suggested; INR > 10 without bleeding: oral vitamin K suggested (PARTIAL in the research tables).',
    },
  };
  for (const d of [...potassiumRaising, warfarin]) if (!d.rxcui) process.stderr.write(`note: ${d.ingredient} has no VERIFIED RxCUI: matched by name only\n`);

  // ---------- AGS Beers 2023 (age >= 65) ----------
  const f5 = 'beers_2023_subset.csv';
  const BEERS_CITATION = '2023 American Geriatrics Society (AGS) Beers Criteria®. J Am Geriatr Soc 2023;71:2052-81. doi:10.1111/jgs.18372';
  const beersRows = read(f5);
  const beersEntries = beersRows
    .filter((r) => isVerified(col(r, 'criterion_verification', f5).replace(/^criterion\s+/i, '')))
    .map((r) => {
      const raw = normName(col(r, 'ingredient', f5));
      const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(raw);
      const ingredient = paren?.[1]?.trim() ?? raw;
      const e: Record<string, unknown> = {
        criterion: col(r, 'criterion', f5),
        ingredient,
        recommendation: col(r, 'recommendation', f5),
        table: /Table\s*(\d+)/.exec(col(r, 'source', f5))?.[1] ?? '2',
        criterionVerification: col(r, 'criterion_verification', f5),
      };
      if (paren?.[2]) e.aliases = [paren[2].trim()];
      if (isVerified(col(r, 'rxcui_status', f5)) && r.rxcui_ingredient) {
        e.rxcui = r.rxcui_ingredient;
        e.rxcuiSources = r.rxcui_sources ?? '';
      }
      if (r.exception_note && (/diphenhydramine/.test(r.exception_note) ? ingredient === 'diphenhydramine' : true)) e.exception = r.exception_note;
      // "Avoid starting warfarin … continuing long-term well-controlled warfarin may be reasonable": the criterion
      // is about a new start, so it applies only to a warfarin the patient began within this many days.
      if (ingredient === 'warfarin') {
        e.newStartDays = 90;
        e.newStartNote = 'hookwise design choice: a warfarin whose earliest order, statement, dispense or administration is within 90 days, without a prior prescription, is a new start';
      }
      return e;
    });
  const beersSkipped = beersRows.filter((r) => !isVerified((r.criterion_verification ?? '').replace(/^criterion\s+/i, '')));
  const beers = {
    notes:
      'Only rows whose criterion_verification is VERIFIED are shipped (' + beersEntries.length + ' of ' + beersRows.length + '). ' +
      'Not shipped: ' + [...new Set(beersSkipped.map((r) => `${r.criterion} (${(r.criterion_verification ?? '').replace(/^criterion\s+/i, '').split(' ')[0]})`))].join('; ') + '. ' +
      'AGS Beers Criteria® are AGS copyright and trademark: drug-level facts are cited, not reproduced; check AGS licensing before commercial use.',
    minimumAge: 65,
    citation: BEERS_CITATION,
    doi: '10.1111/jgs.18372',
    url: 'https://doi.org/10.1111/jgs.18372',
    entries: beersEntries,
  };

  // ---------- duplicate therapy: therapeutic classes (README §4) ----------
  // Classes are the hand-set `class` column of therapeutic_class_map.csv; the ATC group is kept as a reference only
  // (the ATC/DDD index is WHOCC copyright and is not shipped). Members: RxCUI only when VERIFIED; others by name.
  const f6 = 'therapeutic_class_map.csv';
  const DUP_CLASSES: Record<string, { id: string; label: string; indicator: 'info' | 'warning'; rationale: string }> = {
    PPI: { id: 'ppi', label: 'proton pump inhibitor', indicator: 'info', rationale: 'two PPIs add no benefit over one' },
    'HMG-CoA reductase inhibitor (statin)': { id: 'statin', label: 'statin', indicator: 'info', rationale: 'two statins add myopathy risk without a recognised benefit' },
    SSRI: { id: 'ssri', label: 'SSRI', indicator: 'info', rationale: 'two SSRIs add serotonergic risk; usually a switch in progress' },
    SNRI: { id: 'snri', label: 'SNRI', indicator: 'info', rationale: 'two SNRIs add serotonergic and blood-pressure effects; usually a switch in progress' },
    'ACE inhibitor': { id: 'ace-inhibitor', label: 'ACE inhibitor', indicator: 'info', rationale: 'two ACE inhibitors block the same enzyme; usually a switch in progress' },
    'Angiotensin II receptor blocker': { id: 'arb', label: 'angiotensin II receptor blocker', indicator: 'info', rationale: 'two ARBs block the same receptor; usually a switch in progress' },
    'NSAID (systemic, non-aspirin)': { id: 'nsaid', label: 'NSAID', indicator: 'info', rationale: 'two systemic NSAIDs add gastrointestinal, renal and cardiovascular risk without added benefit' },
    'Oral anticoagulant': { id: 'oral-anticoagulant', label: 'oral anticoagulant', indicator: 'warning', rationale: 'two oral anticoagulants together carry a serious bleeding risk; usually a switch whose stop order is missing' },
    'Low-molecular-weight heparin / factor Xa (parenteral)': { id: 'lmwh', label: 'low-molecular-weight heparin', indicator: 'warning', rationale: 'two parenteral anticoagulant orders carry a serious bleeding risk' },
    'P2Y12 inhibitor': { id: 'p2y12', label: 'P2Y12 inhibitor', indicator: 'warning', rationale: 'two P2Y12 inhibitors together carry a serious bleeding risk; usually a switch whose stop order is missing' },
    Benzodiazepine: { id: 'benzodiazepine', label: 'benzodiazepine', indicator: 'info', rationale: 'two benzodiazepines add sedation and respiratory depression' },
    'Opioid agonist': { id: 'opioid', label: 'opioid', indicator: 'info', rationale: 'two opioids add respiratory depression; a long-acting plus a breakthrough opioid may be intended' },
    Sulfonylurea: { id: 'sulfonylurea', label: 'sulfonylurea', indicator: 'info', rationale: 'two sulfonylureas add hypoglycaemia risk without added benefit' },
    'Loop diuretic': { id: 'loop-diuretic', label: 'loop diuretic', indicator: 'info', rationale: 'two loop diuretics add volume and electrolyte risk; usually a switch in progress' },
  };
  const dupClasses = new Map<string, Record<string, unknown> & { members: Array<Record<string, unknown>>; unverifiedMembers: string[]; atcGroupReference: string[] }>();
  for (const r of read(f6)) {
    const cls = col(r, 'class', f6);
    const def = DUP_CLASSES[cls];
    if (!def) throw new Error(`${f6}: unknown class ${cls}; add it to DUP_CLASSES`);
    let c = dupClasses.get(def.id);
    if (!c) {
      c = { id: def.id, label: def.label, sourceClass: cls, indicator: def.indicator, rationale: def.rationale, atcGroupReference: [], members: [], unverifiedMembers: [] };
      dupClasses.set(def.id, c);
    }
    const atc = col(r, 'atc_group_reference_only', f6);
    if (atc && !c.atcGroupReference.includes(atc)) c.atcGroupReference.push(atc);
    const raw = normName(col(r, 'ingredient', f6));
    const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(raw);
    const ingredient = paren?.[1]?.trim() ?? raw;
    const m: Record<string, unknown> = { ingredient };
    if (paren?.[2]) m.aliases = [paren[2].trim()];
    const status = col(r, 'rxcui_status', f6);
    if (isVerified(status) && r.rxcui_ingredient) {
      m.rxcui = r.rxcui_ingredient;
      m.rxcuiSources = r.rxcui_sources ?? '';
    } else {
      c.unverifiedMembers.push(`${ingredient} (${status.split(' ')[0]})`);
    }
    c.members.push(m);
  }
  for (const id of ['ace-inhibitor', 'arb', 'oral-anticoagulant']) if (!dupClasses.has(id)) throw new Error(`${f6}: class ${id} missing`);
  const duplicateTherapy = {
    notes:
      'Duplicate therapy (README §4): same ingredient in two orders (warning), two members of one class (the class indicator: ' +
      'warning for anticoagulants and P2Y12 inhibitors, info otherwise), ACE inhibitor + ARB as dual RAAS blockade (warning). ' +
      'Members carry an RxCUI only when VERIFIED; the others (unverifiedMembers) are matched by name at lower confidence.',
    source:
      'hookwise therapeutic class map (hand-set classes in the sense of the FDA Established Pharmacologic Class); ' +
      'ingredient RxCUIs from CPIC, PharmGKB, PDDI-CDS, Synthea and CDC-MME',
    provenance: 'shared/knowledge therapeutic_class_map.csv (ATC groups recorded as a reference only, WHOCC copyright)',
    classes: [...dupClasses.values()].map((c) => (c.unverifiedMembers.length ? c : (({ unverifiedMembers: _u, ...rest }) => rest)(c))),
    dualRaas: {
      id: 'dual-raas',
      classes: ['ace-inhibitor', 'arb'],
      indicator: 'warning',
      consequence: 'ACE inhibitor plus ARB (dual RAAS blockade) raises the risk of hyperkalaemia, hypotension and acute kidney injury without a shown benefit on outcomes.',
      management: 'Use one RAAS blocker. If switching, stop the other; if both are intended, monitor potassium, creatinine and blood pressure.',
      evidence: 'ONTARGET (NEJM 2008) and VA NEPHRON-D (NEJM 2013)',
      evidenceVerification: 'recalled in the research notes (README §4), not re-read when compiled',
      nonInterruptiveNote:
        'The ONC non-interruptive list (Phansalkar 2013, pair 23) counts ACE inhibitor + ARB among pairs that need no interruptive alert; ' +
        'hookwise still shows a warning card (not a hard stop) because the combination is rarely intended (design choice, README §1b).',
    },
  };

  // ---------- ONC non-interruptive DDI list (Phansalkar 2013, README §1b) ----------
  // Shipped as data. Members: only those with a VERIFIED RxCUI; rows the research flags "exclude" are dropped;
  // class-only rows (acetaminophen, niacin, vitamin E, omeprazole as a class) are listed by name, not matched.
  // Cards: only pairs with a `card` entry (a short monitoring note helps); the rest stay silent by design.
  const f7 = 'onc_noninterruptive_ddi_members.csv';
  const NI_PAIRS = [
    'ACE inhibitors–salicylates', 'niacin–statins', 'β-blockers–SSRIs', 'iron salts–PPIs', 'thiazides–ACE inhibitors',
    'thyroid hormones–calcium salts', 'thyroid hormones–statins', 'thiazides–NSAIDs', 'β-blockers–thyroid hormones',
    'tacrolimus/sirolimus/everolimus–corticosteroids', 'antacids–oral corticosteroids', 'bisphosphonates–calcium salts',
    'vitamin B12–omeprazole', 'folic acid–methotrexate', 'sulfonylureas–ACE inhibitors', 'iron salts–thyroid hormones',
    'anticoagulants–corticosteroids', 'anticoagulants–acetaminophen', 'antacids–oral iron', 'anticoagulants–PPIs',
    'PPIs–imidazole antifungals', 'β-blockers–oral calcium salts', 'ACE inhibitors–ARBs', 'anticoagulants–statins',
    'omeprazole–benzodiazepines', 'anticoagulants–vitamin E', 'oral zinc–oral quinolones', 'NSAIDs–β-blockers',
    'clopidogrel–salicylates', 'oral contraceptives–corticosteroids', 'β-blockers–dihydropyridine CCBs',
    'corticosteroids–anticholinesterases', 'ACE inhibitors–NSAIDs',
  ];
  const niRows = read(f7);
  const NI_CARDS: Record<number, Record<string, unknown>> = {
    33: {
      indicator: 'info',
      summary: 'ACE inhibitor + NSAID: check blood pressure, kidney function and potassium',
      note:
        'NSAIDs can blunt the blood-pressure effect of ACE inhibitors and, together with them, reduce kidney function and raise potassium, ' +
        'most in older, volume-depleted or CKD patients (and with a diuretic: the "triple whammy"). Usually acceptable: check blood pressure, ' +
        'creatinine and potassium after starting.',
      noteBasis:
        'hookwise summary of the NSAID interaction in US ACE inhibitor labels, written from memory and not re-read when compiled (UNVERIFIED); ' +
        'the "triple whammy" is a design judgement of the research notes (README §1b), not from the paper',
      excludeIngredients: ['aspirin', 'salsalate', 'diflunisal'],
      excludeWhy:
        'salicylates belong to pair 1 (ACE inhibitors–salicylates, silent: low-dose aspirin with an ACE inhibitor is routine); the transcribed ' +
        'pair 1 has no usable salicylate member (its rows are flagged "exclude"), so the salicylates in the NSAID list are named here',
      why: 'a short monitoring note helps and nothing else in hookwise covers it',
    },
  };
  const nonInterruptive = {
    notes:
      'All 33 pairs of the ONC non-interruptive list are shipped as data. Cards only for pairs with `card` (info): pair 33 ACE inhibitor + NSAID. ' +
      'Silent by design: pair 23 ACE inhibitor + ARB (covered by the dual RAAS duplicate-therapy card); pairs whose co-prescription is routine ' +
      'or intended (clopidogrel + aspirin, anticoagulant + statin/PPI, beta-blocker + dihydropyridine CCB, folic acid + methotrexate, ...); ' +
      'absorption/timing pairs (iron, calcium, zinc, antacids, thyroid hormones, bisphosphonates) where a card at ordering adds no action; ' +
      'class-only members (acetaminophen, niacin, vitamin E) that have no ingredient to match. The pair list was not checked line by line against the paper.',
    source: {
      citation:
        'Phansalkar S, van der Sijs H, Tucker AD, et al. Drug–drug interactions that should be non-interruptive in order to reduce alert fatigue ' +
        'in electronic health records. J Am Med Inform Assoc 2013;20(3):489–93. doi:10.1136/amiajnl-2012-001089',
      doi: '10.1136/amiajnl-2012-001089',
      url: 'https://doi.org/10.1136/amiajnl-2012-001089',
      transcription: 'dbmi-pitt/public-PDDI-analysis, ONC Non-interuptive List_Imported.xlsx (shared/knowledge onc_noninterruptive_ddi_members.csv)',
    },
    pairs: NI_PAIRS.map((name, i) => {
      const seq = i + 1;
      const rows = niRows.filter((r) => Number(col(r, 'pair_id', f7)) === seq);
      if (rows.length === 0) throw new Error(`${f7}: pair ${seq} has no rows`);
      const side = (s: string): { classLabel: string; members: Array<Record<string, string>>; classOnly: string[]; unshipped: number } => {
        const sideRows = rows.filter((r) => col(r, 'side', f7) === s);
        const members: Array<Record<string, string>> = [];
        const classOnly: string[] = [];
        let unshipped = 0;
        for (const r of sideRows) {
          const ingredient = normName(col(r, 'ingredient', f7));
          if (/\bexclude\b/i.test(col(r, 'note', f7))) continue;
          if (!ingredient) {
            classOnly.push(col(r, 'class_label', f7));
            continue;
          }
          if (!isVerified(col(r, 'rxcui_status', f7)) || !r.rxcui_ingredient) {
            unshipped++;
            continue;
          }
          if (!members.some((m) => m.ingredient === ingredient)) members.push({ ingredient, rxcui: r.rxcui_ingredient });
        }
        return { classLabel: sideRows[0]?.class_label ?? '', members, classOnly, unshipped };
      };
      const o = side('object');
      const p = side('precipitant');
      const entry: Record<string, unknown> = {
        id: `onc-ni-${String(seq).padStart(2, '0')}`,
        seq,
        name,
        objectClass: o.classLabel,
        precipitantClass: p.classLabel,
        object: o.members,
        precipitant: p.members,
        membersNotShipped: o.unshipped + p.unshipped,
      };
      const classOnly = [...o.classOnly, ...p.classOnly];
      if (classOnly.length) entry.classOnly = classOnly;
      const card = NI_CARDS[seq];
      if (card) entry.card = card;
      return entry;
    }),
  };

  // ---------- remaining tables feed the ingredient index ----------
  for (const r of read('onc_noninterruptive_ddi_members.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'onc_noninterruptive_ddi_members.csv');
  }
  for (const r of read('therapeutic_class_map.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'therapeutic_class_map.csv');
  }
  for (const r of read('beers_2023_subset.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'beers_2023_subset.csv');
  }
  const ingredients = {
    notes: 'Ingredient name -> RxCUI (TTY=IN) from all research tables; rxcui only when VERIFIED. Names are lower-case.',
    source: 'shared/knowledge README §0 (CPIC, PharmGKB, PDDI-CDS, Synthea, CDC-MME); per-entry sources list which',
    saltWords: [
      'hydrochloride', 'hcl', 'dihydrochloride', 'sodium', 'potassium', 'calcium', 'magnesium', 'maleate', 'mesylate',
      'succinate', 'tartrate', 'bitartrate', 'besylate', 'citrate', 'sulfate', 'acetate', 'fumarate', 'hyclate',
      'phosphate', 'bromide', 'hydrobromide', 'chloride', 'monohydrate', 'dihydrate', 'trihydrate', 'anhydrous',
      'mononitrate', 'nitrate', 'tosylate', 'malate', 'lactate', 'gluconate', 'oxalate', 'napsylate', 'pamoate',
      'dipropionate', 'propionate', 'disodium', 'trometamol', 'tromethamine', 'salicylate', 'estolate',
      'ethylsuccinate', 'stearate', 'lactobionate', 'xinafoate', 'medoxomil', 'axetil', 'proxetil', 'pivoxil',
    ],
    ingredients: [...ingredientMap.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => {
        const tables = [...e.tables].sort();
        return e.rxcui ? { name: e.name, rxcui: e.rxcui, rxcuiSources: [...e.sources].join('+'), tables } : { name: e.name, tables };
      }),
    multiIngredient: allergy.multiIngredientAllergens.map((m) => ({ rxcui: m.rxcui, ingredients: m.ingredients, source: m.source })),
  };

  // ---------- RxNorm products and brands (PDDI-CDS value sets + FDA-label brand names) ----------
  const brandFile = join(dirname(fileURLToPath(import.meta.url)), 'data', 'brand-names.csv');
  const ugibFile = join(dirname(fileURLToPath(import.meta.url)), 'data', 'pddi-ugib-snomed.csv');
  const products = buildProducts(read('pddi_rxnorm_products.csv'), parseCsv(readFileSync(brandFile, 'utf8')), parseCsv(readFileSync(ugibFile, 'utf8')));

  // ---------- interactions from FDA labels and safety communications (scripts/data/label-interactions.csv) ----------
  const labelFile = join(dirname(fileURLToPath(import.meta.url)), 'data', 'label-interactions.csv');
  const labelInteractions = buildLabelInteractions(parseCsv(readFileSync(labelFile, 'utf8')));

  const generated = new Date().toISOString().slice(0, 10);
  mkdirSync(outDir, { recursive: true });
  const files: Array<[string, unknown]> = [
    ['onc-high-priority-ddi.json', ddi],
    ['allergy-classes.json', allergy],
    ['renal-rules.json', renal],
    ['lab-codes.json', labCodes],
    ['ingredients.json', ingredients],
    ['patient-view-lab-rules.json', labRules],
    ['beers-2023.json', beers],
    ['duplicate-therapy.json', duplicateTherapy],
    ['onc-noninterruptive-ddi.json', nonInterruptive],
    ['rxnorm-products.json', products],
    ['label-interactions.json', labelInteractions],
  ];
  for (const [name, content] of files) {
    const stamped = { knowledgeVersion: KNOWLEDGE_VERSION, ...(content as Record<string, unknown>) };
    writeFileSync(join(outDir, name), JSON.stringify(stamped, null, 2) + '\n');
  }
  const manifest = {
    name: 'hookwise-knowledge',
    version: KNOWLEDGE_VERSION,
    generated,
    builtFrom: 'shared/knowledge/*.csv via scripts/build-knowledge.ts',
    files: files.map(([name]) => name),
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const counts = {
    ddiPairs: pairs.length,
    ddiMembers: pairs.reduce((n, p) => n + (p.object as unknown[]).length + (p.precipitant as unknown[]).length, 0),
    allergyClasses: allergy.classes.length,
    renalRules: renal.rules.length,
    labCodes: Object.values(labs).reduce((n, g) => n + g.length, 0),
    ingredients: ingredients.ingredients.length,
    ingredientsWithRxcui: ingredients.ingredients.filter((i) => 'rxcui' in i).length,
    potassiumRaisingDrugs: potassiumRaising.length,
    beersEntries: beersEntries.length,
    duplicateClasses: duplicateTherapy.classes.length,
    duplicateClassMembers: duplicateTherapy.classes.reduce((n, c) => n + c.members.length, 0),
    nonInterruptivePairs: nonInterruptive.pairs.length,
    nonInterruptiveMembers: nonInterruptive.pairs.reduce((n, p) => n + (p.object as unknown[]).length + (p.precipitant as unknown[]).length, 0),
    nonInterruptiveCardPairs: nonInterruptive.pairs.filter((p) => p.card).length,
    products: products.products.length,
    localProducts: products.products.filter((p) => p.site === 'local').length,
    brands: products.brands.length,
    labelInteractions: labelInteractions.interactions.length,
  };
  process.stdout.write(`knowledge ${KNOWLEDGE_VERSION} written to ${outDir}: ${JSON.stringify(counts)}\n`);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const src = process.argv[2];
  if (!src) {
    process.stderr.write('usage: tsx scripts/build-knowledge.ts <shared/knowledge dir> [out dir]\n');
    process.exit(2);
  }
  const out = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'knowledge');
  build(resolve(src), resolve(out));
}
