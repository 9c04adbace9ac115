// Labs for digoxin + cyclosporine (src/rules/digoxin-cyclosporine.ts), as the HL7 PDDI-CDS guide reads them: a
// digoxin level of the last 30 days and potassium of the last year, each by its shipped LOINC codes (10535-3; the
// potassium group). Optional: without them the rule decides without the labs and says so (serum creatinine comes
// from the renal dosing key `creatinine`). Magnesium and calcium have no shipped LOINC code, so they are not read.
import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { DIGOXIN_LEVEL_LOOKBACK_DAYS, ELECTROLYTE_LOOKBACK_DAYS } from '../src/rules/digoxin-cyclosporine.js';
import { POTASSIUM_LOINC, loincParam, shippedLoinc } from './loinc.js';

export const DIGOXIN_LOINC = shippedLoinc('digoxin');

export const digoxinPrefetch: PrefetchSpec = {
  digoxinLevel: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(DIGOXIN_LOINC)}&date=ge{{today() - ${DIGOXIN_LEVEL_LOOKBACK_DAYS} days}}&_sort=-date&_count=5`,
    required: false,
    purpose: `digoxin levels of the last ${DIGOXIN_LEVEL_LOOKBACK_DAYS} days, newest first, for digoxin with cyclosporine`,
    maxPages: 1,
  },
  electrolytes: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(POTASSIUM_LOINC)}&date=ge{{today() - ${ELECTROLYTE_LOOKBACK_DAYS} days}}&_sort=-date&_count=5`,
    required: false,
    purpose: `potassium results of the last ${ELECTROLYTE_LOOKBACK_DAYS} days, newest first, for digoxin with cyclosporine`,
    maxPages: 1,
  },
};
