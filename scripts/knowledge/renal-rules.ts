// renal-rules.json: renal dosing rules whose source is VERIFIED.
import { col, isVerified, normName } from './csv.js';
import type { BuildContext } from './context.js';

export function buildRenalRules({ read, addIngredient }: BuildContext) {
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
  return renal;
}
