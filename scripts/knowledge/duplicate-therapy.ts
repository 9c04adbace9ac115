// duplicate-therapy.json: therapeutic classes for duplicate therapy, and the dual RAAS rule.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

export function buildDuplicateTherapy({ read }: BuildContext) {
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
  return duplicateTherapy;
}
