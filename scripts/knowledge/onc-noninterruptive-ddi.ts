// onc-noninterruptive-ddi.json: the ONC non-interruptive DDI list (Phansalkar 2013), cards only where marked.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

export function buildOncNonInterruptiveDdi({ read }: BuildContext) {
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
  return nonInterruptive;
}
