// Labs for digoxin + cyclosporine (src/rules/digoxin-cyclosporine.ts), as the HL7 PDDI-CDS guide reads them: the
// digoxin level (last 30 days) and potassium (last year), by their shipped LOINC codes (10535-3; the potassium
// group), in one search: one read when the EHR does not prefetch it. The newest 100 results keep a month of
// digoxin levels even beside several potassium results a day. Optional: without it the rule decides without the
// labs and says so. Serum creatinine comes from the renal dosing key `creatinine`. Magnesium and calcium have no
// shipped LOINC code, so they are not read.
import type { PrefetchKeySpec } from '../src/cds/hook-module.js';
import { ELECTROLYTE_LOOKBACK_DAYS } from '../src/rules/digoxin-cyclosporine.js';
import { POTASSIUM_LOINC, loincParam, shippedLoinc } from './loinc.js';

export const DIGOXIN_LOINC = shippedLoinc('digoxin');

export const digoxinLabs: PrefetchKeySpec = {
  template: `Observation?patient={{context.patientId}}&code=${loincParam([...DIGOXIN_LOINC, ...POTASSIUM_LOINC])}&date=ge{{today() - ${ELECTROLYTE_LOOKBACK_DAYS} days}}&_sort=-date&_count=100`,
  required: false,
  purpose: `digoxin levels and potassium of the last ${ELECTROLYTE_LOOKBACK_DAYS} days, newest first, for digoxin with cyclosporine`,
  maxPages: 1,
};
