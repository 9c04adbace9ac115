// renal-rules.json: renal dosing rules whose source is VERIFIED (and R15, below), with their label links and doses.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

// What hookwise adds to the research table (renal_dosing_rules.csv):
// Each rule's FDA label on DailyMed (`url`), the indication its numbers are for (`indication`: the order's reason
// decides which rules apply), and the labelled dose an order is compared with (`labelDoses`). Corrections from the
// labels are applied here, each with its reason.
const dailyMed = (query: string): string => `https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=${encodeURIComponent(query)}`;
const METFORMIN_DSC =
  'https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-fda-revises-warnings-regarding-use-diabetes-medicine-metformin-certain';
const BEERS_2023 = 'https://doi.org/10.1111/jgs.18372';
const RENAL_LABEL: Record<string, Record<string, unknown>> = {
  R01: { url: METFORMIN_DSC },
  R02: { url: METFORMIN_DSC },
  R03: { url: METFORMIN_DSC },
  R04: { url: METFORMIN_DSC },
  R05: { url: METFORMIN_DSC },
  R06: { url: dailyMed('nitrofurantoin macrocrystals') },
  R07: { url: BEERS_2023 },
  R08: { url: dailyMed('Pradaxa'), indication: 'af', labelDoses: [{ mg: 75, dosesPerDay: 2, text: '75 mg twice daily' }] },
  R09: { url: dailyMed('Pradaxa'), indication: 'af' },
  R10: { url: dailyMed('Pradaxa'), indication: 'vte' },
  R11: { url: dailyMed('Pradaxa'), indication: 'af' },
  // Xarelto USPI 2.2: nonvalvular AF, CrCl <= 50 mL/min: 15 mg once daily with the evening meal (20 mg above 50).
  R12: { url: dailyMed('Xarelto'), indication: 'af', labelDoses: [{ mg: 15, dosesPerDay: 1, text: '15 mg once daily with the evening meal' }] },
  // Correction: the label's "avoid below CrCl 15" is for the DVT/PE indications (treatment, reduction in the risk
  // of recurrence, prophylaxis); for nonvalvular AF the label has no such threshold (15 mg once daily, R12). The
  // research row (population NVAF, from the manufacturer's page) is re-labelled to the indication the label gives.
  R13: {
    url: dailyMed('Xarelto'),
    indication: 'vte',
    population: 'DVT/PE (treatment, reduction in the risk of recurrence, prophylaxis)',
    actionDetail: 'Avoid use when CrCl <15 mL/min (DVT/PE indications; the label has no such threshold for nonvalvular AF)',
    source: 'Xarelto (rivaroxaban) USPI section 2 (dosage in renal impairment)',
  },
  // Eliquis USPI 2.2, nonvalvular AF: 5 mg twice daily; 2.5 mg twice daily with at least two of age >= 80 y,
  // weight <= 60 kg, serum creatinine >= 1.5 mg/dL.
  R14: { url: dailyMed('Eliquis'), indication: 'af', labelDoses: [{ mg: 2.5, dosesPerDay: 2, text: '2.5 mg twice daily' }] },
  // Lovenox USPI 2 (renal impairment), CrCl < 30 mL/min: prophylaxis 30 mg once daily; treatment 1 mg/kg once daily.
  R15: {
    url: dailyMed('Lovenox'),
    labelDoses: [
      { use: 'prophylaxis', mg: 30, dosesPerDay: 1, text: '30 mg once daily' },
      { use: 'treatment', mgPerKg: 1, dosesPerDay: 1, text: '1 mg/kg once daily' },
    ],
  },
  R16: { url: dailyMed('Arixtra') },
  R17: { url: dailyMed('Tikosyn'), labelDoses: [{ mg: 0.25, dosesPerDay: 2, text: '250 mcg twice daily' }] },
  R18: { url: dailyMed('Tikosyn'), labelDoses: [{ mg: 0.125, dosesPerDay: 2, text: '125 mcg twice daily' }] },
  R19: { url: dailyMed('Tikosyn') },
};
for (const id of ['R20', 'R21', 'R22', 'R23', 'R24', 'R25', 'R26', 'R27', 'R28', 'R29', 'R30', 'R31', 'R32', 'R33', 'R34', 'R35', 'R36', 'R37', 'R38']) {
  RENAL_LABEL[id] = { url: BEERS_2023 };
}
/**
 * Rules shipped although the research table marks them PARTIAL. R15 (enoxaparin below CrCl 30): the dose table for
 * severe renal impairment in the Lovenox label (section 2), applied by decision of issue 12; its ingredient code
 * (67108) is VERIFIED.
 */
const RENAL_SHIPPED_PARTIAL = new Set(['R15']);

export function buildRenalRules({ read, addIngredient }: BuildContext) {
  const f3 = 'renal_dosing_rules.csv';
  const renal = {
    source: 'shared/knowledge renal_dosing_rules.csv; metformin: FDA Drug Safety Communication 2016-04-08',
    rules: read(f3)
      .filter((r) => isVerified(col(r, 'source_verification', f3)) || RENAL_SHIPPED_PARTIAL.has(col(r, 'rule_id', f3)))
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
        return { ...rule, ...RENAL_LABEL[rule.id as string] };
      }),
  };
  for (const id of ['R01', 'R02', 'R03']) {
    if (!renal.rules.some((r) => r.id === id)) throw new Error(`${f3}: rule ${id} missing or not VERIFIED`);
  }
  return renal;
}
