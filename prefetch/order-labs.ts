// The labs the order checks read, in one search (one read when the EHR does not prefetch it): potassium, for a
// QT-prolonging pair (src/rules/ddi-qt.ts reads the last 7 days) and for digoxin + cyclosporine, and the digoxin
// level, magnesium and calcium (src/rules/digoxin-cyclosporine.ts, as the HL7 PDDI-CDS guide reads them: digoxin
// level last 30 days; electrolytes last year), by their shipped LOINC codes (10535-3; the potassium, magnesium and
// calcium groups, the last two from the guide's value sets). The newest 100 results keep a month of digoxin levels
// even beside several electrolyte results a day. Optional: without it the rule decides without the labs and says
// so. Serum creatinine comes from the renal dosing key `creatinine`.
import type { PrefetchKeySpec } from '../src/cds/hook-module.js';
import { ELECTROLYTE_LOOKBACK_DAYS } from '../src/rules/digoxin-cyclosporine.js';
import { POTASSIUM_LOINC, loincParam, shippedLoinc } from './loinc.js';

export const DIGOXIN_LOINC = shippedLoinc('digoxin');
export const MAGNESIUM_LOINC = shippedLoinc('magnesium');
export const CALCIUM_LOINC = shippedLoinc('calcium');

export const orderLabs: PrefetchKeySpec = {
  template: `Observation?patient={{context.patientId}}&code=${loincParam([...DIGOXIN_LOINC, ...POTASSIUM_LOINC, ...MAGNESIUM_LOINC, ...CALCIUM_LOINC])}&date=ge{{today() - ${ELECTROLYTE_LOOKBACK_DAYS} days}}&_sort=-date&_count=100`,
  required: false,
  purpose: `potassium, magnesium, calcium and digoxin levels of the last ${ELECTROLYTE_LOOKBACK_DAYS} days, newest first: a low potassium raises the tier of a QT-prolonging pair; digoxin with cyclosporine reads them all`,
  maxPages: 1,
};
