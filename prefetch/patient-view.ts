import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { EGFR_LOINC, loincParam } from './loinc.js';

export const patientViewPrefetch: PrefetchSpec = {
  medications: {
    template: 'MedicationRequest?patient={{context.patientId}}&status=active',
    required: true,
    purpose: 'active medications, the subject of every patient-view rule',
  },
  egfr: {
    template: `Observation?patient={{context.patientId}}&code=${loincParam(EGFR_LOINC)}&date=ge{{today() - 365 days}}&_sort=-date&_count=10`,
    required: false,
    purpose: 'eGFR results of the last 365 days, newest first, for renal dosing',
    maxPages: 1,
  },
};
