// allergy-classes.json: drug allergy classes, their members and SNOMED CT allergen codes, cross-sensitivities.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

export function buildAllergyClasses({ read, addIngredient }: BuildContext) {
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
  return allergy;
}
