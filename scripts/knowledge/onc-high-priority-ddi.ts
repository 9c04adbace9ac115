// onc-high-priority-ddi.json: the ONC high-priority DDI list (Phansalkar 2012), pairs and members with their
// alert tier; RxCUIs only when VERIFIED.
import { type Row, col, doseCap, isVerified, normName, readScriptData } from './csv.js';
import type { BuildContext } from './context.js';

const ONC_DOI = '10.1136/amiajnl-2011-000612';
const ONC_URL = 'https://doi.org/10.1136/amiajnl-2011-000612';
const ONC_CITATION =
  'Phansalkar S, Desai AA, Bell D, et al. High-priority drug–drug interactions for use in electronic health records. ' +
  'J Am Med Inform Assoc 2012;19(5):735–43. doi:10.1136/amiajnl-2011-000612';

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

const DAILYMED_SEARCH = 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=';

/**
 * What each ONC pair's card tells the clinician to do (scripts/data/onc-ddi-actions.csv): per pair, rows matched in
 * order by the ingredients found (`*` for any member); the last row of every pair matches any. `{o}` and `{p}`
 * stand for the object and precipitant found. `tier` overrides the members' tier (rifabutin: a dose adjustment);
 * `contraindicated` says whether the label calls the combination contraindicated (then no "dose adjusted" override
 * reason is offered). `url` is a DailyMed search for the label named in `label`. `dose_cap` (`ingredient|mg`):
 * the label's daily cap for the object named by the row; the card then compares the ordered dose with it.
 * `alternative_order`: see orderOf.
 */
/**
 * `alternative_order` (`object|pravastatin`, `precipitant|azithromycin`): the ingredient the card offers to order in
 * place of a draft on that side. The card orders it by its ingredient RxCUI from the knowledge (none: no order).
 */
function orderOf(r: Row, f: string, seq: number): { side: 'object' | 'precipitant'; ingredient: string } | undefined {
  const raw = (r.alternative_order ?? '').trim();
  if (!raw) return undefined;
  const [side, ingredient] = raw.split('|').map((x) => x.trim());
  if ((side !== 'object' && side !== 'precipitant') || !ingredient) throw new Error(`${f}: pair ${seq}: alternative_order ${raw}`);
  if (!col(r, 'alternative', f)) throw new Error(`${f}: pair ${seq}: an alternative order needs its alternative text`);
  return { side, ingredient: normName(ingredient) };
}

export function buildDdiActions(rows: Row[], pairs: Array<{ seq: number; object: Member[]; precipitant: Member[] }>) {
  const f = 'onc-ddi-actions.csv';
  const bySeq = new Map<number, Array<Record<string, unknown>>>();
  for (const r of rows) {
    const seq = Number(col(r, 'pair_seq', f));
    const pair = pairs.find((p) => p.seq === seq);
    if (!pair) throw new Error(`${f}: no ONC pair ${seq}`);
    const side = (name: 'object' | 'precipitant') => {
      const v = col(r, name, f);
      if (v === '*') return undefined;
      const names = v.split(';').map(normName).filter(Boolean);
      for (const n of names) if (!pair[name].some((m) => m.ingredient === n)) throw new Error(`${f}: pair ${seq}: ${n} is not on the ${name} side`);
      return names;
    };
    const tier = col(r, 'tier', f);
    if (tier && tier !== 'critical' && tier !== 'warning') throw new Error(`${f}: pair ${seq}: tier ${tier}`);
    const contraindicated = col(r, 'contraindicated', f);
    if (contraindicated !== 'true' && contraindicated !== 'false') throw new Error(`${f}: pair ${seq}: contraindicated must be true or false`);
    const summary = col(r, 'summary', f);
    if (summary.length > 110) throw new Error(`${f}: pair ${seq}: summary over 110 characters (the names must fit under 140)`);
    const object = side('object');
    const precipitant = side('precipitant');
    const alternative = col(r, 'alternative', f);
    const alternativeOrder = orderOf(r, f, seq);
    const action: Record<string, unknown> = {
      ...(object ? { object } : {}),
      ...(precipitant ? { precipitant } : {}),
      ...(tier ? { tier } : {}),
      contraindicated: contraindicated === 'true',
      summary,
      ...(alternative ? { alternative } : {}),
      ...(alternativeOrder ? { alternativeOrder } : {}),
      label: col(r, 'label', f),
      url: DAILYMED_SEARCH + col(r, 'url', f).replace(/ /g, '+'),
      // The label caps the object's daily dose with this precipitant (simvastatin, lovastatin): a warning-tier action.
      ...(object ? doseCap(r, f, `pair ${seq}`, object) : {}),
    };
    if (action.doseCap && (action.contraindicated || tier === 'critical')) throw new Error(`${f}: pair ${seq}: a dose cap is a warning-tier action, not a contraindication`);
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), action]);
  }
  for (const p of pairs) {
    const list = bySeq.get(p.seq);
    const last = list?.[list.length - 1];
    if (!last || last.object || last.precipitant) throw new Error(`${f}: pair ${p.seq} needs a last row for any member (* and *)`);
  }
  return bySeq;
}

/**
 * ONC pair 8 (QT-prolonging agents) is not critical for every pair: a warning unless the combination is one a label
 * contraindicates, or the patient's potassium is low; one tier lower for a one-time dose (ondansetron with
 * sevoflurane at induction). QTc and magnesium have no LOINC code VERIFIED in the research tables
 * (shared/knowledge lab_loinc_codes.csv), so they are not read.
 */
export const QT_TIERING = {
  defaultTier: 'warning',
  criticalSummary: 'Avoid {o} with {p}: both prolong QT ({factor})',
  singleDoseSummary: 'One-time dose: {o} with {p} both prolong QT; monitor the ECG',
  labelContraindications: [
    {
      ingredient: 'thioridazine',
      text: 'the thioridazine label contraindicates other drugs that prolong the QTc interval',
      label: 'Thioridazine label (DailyMed), Contraindications',
      url: `${DAILYMED_SEARCH}thioridazine`,
    },
    {
      ingredient: 'pimozide',
      text: 'the Orap (pimozide) label contraindicates other drugs that prolong the QT interval',
      label: 'Orap (pimozide) label (DailyMed), Contraindications',
      url: `${DAILYMED_SEARCH}pimozide`,
    },
    {
      ingredient: 'dronedarone',
      text: 'the Multaq (dronedarone) label contraindicates drugs that prolong the QT interval and may cause torsade de pointes',
      label: 'Multaq (dronedarone) label (DailyMed), Contraindications',
      url: `${DAILYMED_SEARCH}MULTAQ`,
    },
  ],
  lowPotassium: 'potassium below the usual reference limit raises the risk of torsade de pointes (Drew BJ et al., AHA/ACCF scientific statement, Circulation 2010;121:1047-60)',
  anaesthetics: ['sevoflurane'],
  singleDoseRule:
    'a one-time dose: a MedicationRequest whose timing gives repeat.count 1 and that is not as-needed, or a ' +
    'MedicationAdministration given during a procedure (partOf a Procedure) or of an inhaled anaesthetic',
  // QTc and magnesium: no LOINC code for either is VERIFIED in shared/knowledge lab_loinc_codes.csv: not read.
  notRead: 'QTc and magnesium are not read by hookwise: check them on the ECG and the labs',
};

export function buildOncHighPriorityDdi({ read, addIngredient }: BuildContext) {
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
  const actions = buildDdiActions(readScriptData('onc-ddi-actions.csv'), pairs as unknown as Array<{ seq: number; object: Member[]; precipitant: Member[] }>);
  for (const p of pairs) {
    p.actions = actions.get(p.seq as number);
    if (p.seq === 8) p.qtTiering = QT_TIERING;
  }
  const ddi = {
    source: { citation: ONC_CITATION, doi: ONC_DOI, url: ONC_URL, pmc: 'PMC3422823' },
    pairs,
  };
  return ddi;
}
