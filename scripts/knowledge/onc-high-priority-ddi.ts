// onc-high-priority-ddi.json: the ONC high-priority DDI list (Phansalkar 2012), pairs and members with their
// alert tier; RxCUIs only when VERIFIED.
import { col, isVerified, normName } from './csv.js';
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
  const ddi = {
    source: { citation: ONC_CITATION, doi: ONC_DOI, url: ONC_URL, pmc: 'PMC3422823' },
    pairs,
  };
  return ddi;
}
