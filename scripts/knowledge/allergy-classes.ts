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
    'NSAIDs/aspirin (Synthea allergy codes)': {
      id: 'nsaids-aspirin',
      textNames: ['nsaid', 'nsaids', 'non-steroidal anti-inflammatory', 'nonsteroidal anti-inflammatory', 'aerd', 'nerd'],
      sameClassIndicator: 'warning',
      rationale:
        'aspirin- or NSAID-exacerbated respiratory disease and NSAID-induced urticaria or angioedema are cross-reactive ' +
        'across NSAIDs that inhibit COX-1 (aspirin, ibuprofen, naproxen, diclofenac, ketorolac, indomethacin, meloxicam…); ' +
        'celecoxib (COX-2 selective) is generally tolerated',
    },
    'ACE inhibitors (Synthea intolerance codes)': { id: 'ace-inhibitors', textNames: ['ace inhibitor', 'ace inhibitors', 'ace-inhibitor', 'acei'], sameClassIndicator: 'warning', rationale: 'ACE-inhibitor intolerance (e.g. angioedema, cough) is usually class-wide; warn (design choice)' },
  };
const PRACTICE_PARAMETER =
    'Khan DA, Banerji A, Blumenthal KG, et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333-93. ' +
    'doi:10.1016/j.jaci.2022.08.028';
  const PRACTICE_PARAMETER_URL = 'https://doi.org/10.1016/j.jaci.2022.08.028';
  const ALLERGY_CITATION = `${PRACTICE_PARAMETER}; beta-lactam labels (Contraindications: serious hypersensitivity to the drug or other beta-lactams)`;
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
        source: /sulfonamide/i.test(cls)
          ? `${ALLERGY_CITATION}; ${SULFONAMIDE_CITATION}`
          : /NSAID|ACE/.test(cls)
            ? PRACTICE_PARAMETER
            : ALLERGY_CITATION,
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
  // Members beyond allergy_class_members.csv, from therapeutic_class_map.csv (RxCUI only when VERIFIED there) and,
  // for the older NSAIDs and cefprozil, by name only (no verified code in the research tables: matched by name).
  const classMap = read('therapeutic_class_map.csv');
  const fromClassMap = (cls: string, except: string[] = []) =>
    classMap
      .filter((r) => r.class === cls && !except.includes(normName(r.ingredient ?? '')))
      .map((r) => {
        const m: Record<string, string> = { ingredient: normName(col(r, 'ingredient', 'therapeutic_class_map.csv')), note: `therapeutic_class_map.csv (${cls})` };
        if (isVerified(r.rxcui_status) && r.rxcui_ingredient) {
          m.rxcui = r.rxcui_ingredient;
          m.rxcuiSources = r.rxcui_sources ?? '';
        }
        return m;
      });
  const extend = (csvClass: string, extra: Array<Record<string, string>>) => {
    const c = classes.get(csvClass);
    if (!c) throw new Error(`${f2}: class ${csvClass} missing`);
    for (const m of extra) if (!c.members.some((x) => x.ingredient === m.ingredient)) c.members.push(m);
  };
  // COX-1 inhibiting NSAIDs (celecoxib, COX-2 selective, is not a member: see the nsaid-celecoxib entry). The names
  // are those of the PDDI-CDS NSAID value set's systemic ingredients (bromfenac and nepafenac are eye drops only).
  extend('NSAIDs/aspirin (Synthea allergy codes)', [
    ...fromClassMap('NSAID (systemic, non-aspirin)', ['celecoxib']),
    ...['diflunisal', 'fenoprofen', 'flurbiprofen', 'ketoprofen', 'mefenamic acid', 'oxaprozin', 'sulindac', 'tolmetin'].map((ingredient) => ({
      ingredient,
      note: 'PDDI-CDS NSAID value set (name only)',
    })),
  ]);
  extend('ACE inhibitors (Synthea intolerance codes)', fromClassMap('ACE inhibitor'));
  extend('cephalosporins', [{ ingredient: 'cefprozil', note: 'name only: no verified RxCUI in the research tables' }]);
  classes.set('angiotensin II receptor blockers', {
    id: 'arbs',
    label: 'angiotensin II receptor blockers',
    textNames: ['arb', 'arbs', 'angiotensin receptor blocker', 'angiotensin receptor blockers', 'angiotensin ii receptor blocker'],
    rationale: 'no class-wide allergy alert; named for the ACE-inhibitor angioedema rule',
    source: ALLERGY_CITATION,
    provenance: 'shared/knowledge therapeutic_class_map.csv (class "Angiotensin II receptor blocker")',
    members: fromClassMap('Angiotensin II receptor blocker'),
    snomedCodes: [],
    unverifiedSnomedCodes: [],
  });

  // R1 side chains shared by aminopenicillins and cephalosporins (the practice parameter's side-chain guidance).
  const AMINOPENICILLINS = ['amoxicillin', 'ampicillin'];
  const AMINOCEPHALOSPORINS = ['cephalexin', 'cefadroxil', 'cefaclor', 'cefprozil'];
  const ACE_LABELS = 'ACE-inhibitor labels (e.g. lisinopril, enalapril, ramipril), Contraindications: history of angioedema related to previous ACE-inhibitor treatment';
  const ENTRESTO_LABEL = 'Entresto (sacubitril and valsartan) FDA label, Contraindications: history of angioedema related to previous ACE-inhibitor or ARB therapy';
  const ARB_LABELS = 'ARB labels (e.g. losartan, valsartan), Warnings: angioedema; use with caution after angioedema on an ACE inhibitor';
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
    // Each entry: `indicator` for an allergy recorded without risk details, `highRiskIndicator` for one recorded as
    // high risk (anaphylaxis, angioedema, criticality high, a severe reaction); `none` is no card. `reaction`: the
    // entry applies only when the allergy records that reaction.
    crossSensitivities: [
      {
        id: 'aminopenicillin-cephalosporin-r1',
        allergen: { ingredients: AMINOPENICILLINS },
        order: { ingredients: AMINOCEPHALOSPORINS },
        indicator: 'warning',
        rationale: 'Cephalexin, cefadroxil, cefaclor and cefprozil share or resemble the R1 side chain of amoxicillin and ampicillin: cross-reactivity is likely.',
        alternative: 'a cephalosporin with a dissimilar side chain (e.g. cefazolin, cefuroxime, ceftriaxone, cefdinir)',
        source: PRACTICE_PARAMETER,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'practice parameter, cephalosporin section (side-chain guidance); side-chain groups as commonly tabulated',
      },
      {
        id: 'aminocephalosporin-penicillin-r1',
        allergen: { ingredients: AMINOCEPHALOSPORINS },
        order: { ingredients: AMINOPENICILLINS },
        indicator: 'warning',
        rationale: 'Amoxicillin and ampicillin share or resemble the R1 side chain of cephalexin, cefadroxil, cefaclor and cefprozil: cross-reactivity is likely.',
        source: PRACTICE_PARAMETER,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'practice parameter, cephalosporin section (side-chain guidance)',
      },
      {
        id: 'penicillin-aminocephalosporin',
        allergen: { class: 'penicillins' },
        order: { ingredients: AMINOCEPHALOSPORINS },
        indicator: 'info',
        highRiskIndicator: 'warning',
        rationale:
          'This cephalosporin has the R1 side chain of amoxicillin and ampicillin. After a non-anaphylactic penicillin reaction, cephalosporins may be ' +
          'given without testing; after anaphylaxis, prefer one with a dissimilar side chain.',
        alternative: 'a cephalosporin with a dissimilar side chain (e.g. cefazolin, cefuroxime, ceftriaxone, cefdinir)',
        source: PRACTICE_PARAMETER,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'practice parameter, penicillin and cephalosporin sections',
      },
      {
        id: 'penicillin-cephalosporin',
        allergen: { class: 'penicillins' },
        order: { class: 'cephalosporins' },
        indicator: 'none',
        highRiskIndicator: 'info',
        rationale:
          'Cross-reactivity between penicillins and cephalosporins with a dissimilar side chain is low: the practice parameter supports giving them ' +
          'without testing, after anaphylaxis too.',
        source: PRACTICE_PARAMETER,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'practice parameter, penicillin and cephalosporin sections (replaces the earlier warning for every cephalosporin)',
      },
      {
        id: 'penicillin-carbapenem',
        allergen: { class: 'penicillins' },
        order: { class: 'carbapenems' },
        indicator: 'info',
        rationale: 'Penicillin allergy with a carbapenem order: very low cross-reactivity.',
        source: ALLERGY_CITATION,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'shared/knowledge README §3.3 (allergy_class_members.csv note)',
      },
      {
        id: 'ceftazidime-aztreonam',
        allergen: { ingredient: 'ceftazidime' },
        order: { ingredient: 'aztreonam' },
        indicator: 'warning',
        rationale: 'Aztreonam shares a side chain with ceftazidime.',
        source: ALLERGY_CITATION,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'shared/knowledge README §3.3 (allergy_class_members.csv note)',
      },
      {
        id: 'nsaid-celecoxib',
        allergen: { class: 'nsaids-aspirin' },
        order: { ingredient: 'celecoxib' },
        indicator: 'info',
        rationale: 'Celecoxib is COX-2 selective: generally tolerated after reactions to COX-1 inhibiting NSAIDs; a first dose under observation is usual.',
        source: PRACTICE_PARAMETER,
        url: PRACTICE_PARAMETER_URL,
        provenance: 'practice parameter, aspirin/NSAID section (COX-2 selective inhibitors)',
      },
      {
        id: 'ace-angioedema-ace',
        allergen: { class: 'ace-inhibitors' },
        order: { class: 'ace-inhibitors' },
        reaction: 'angioedema',
        indicator: 'critical',
        rationale: 'Angioedema on an ACE inhibitor: every ACE inhibitor is contraindicated (bradykinin-mediated, class-wide).',
        contraindicated: true,
        alternative: 'a drug from another class; an ARB only with caution',
        source: ACE_LABELS,
        url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=lisinopril',
        provenance: 'ACE-inhibitor FDA labels (DailyMed), Contraindications',
      },
      {
        id: 'ace-angioedema-sacubitril',
        allergen: { class: 'ace-inhibitors' },
        order: { ingredient: 'sacubitril' },
        reaction: 'angioedema',
        indicator: 'critical',
        rationale: 'Sacubitril/valsartan is contraindicated with a history of angioedema on an ACE inhibitor or ARB.',
        contraindicated: true,
        source: ENTRESTO_LABEL,
        url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=ENTRESTO',
        provenance: 'Entresto FDA label (DailyMed), Contraindications',
      },
      {
        id: 'ace-angioedema-arb',
        allergen: { class: 'ace-inhibitors' },
        order: { class: 'arbs' },
        reaction: 'angioedema',
        indicator: 'warning',
        rationale: 'Angioedema on an ACE inhibitor: ARBs have caused angioedema too; use with caution and tell the patient what to watch for.',
        source: ARB_LABELS,
        url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=losartan',
        provenance: 'ARB FDA labels (DailyMed), Warnings and Precautions: angioedema',
      },
    ],
  };
  return allergy;
}
