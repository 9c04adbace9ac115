// The example service's prefetch templates (what prefetch/<service>.ts holds for a shipped service).
import type { PrefetchSpec } from '../../../src/cds/hook-module.js';

export const problemListPrefetch: PrefetchSpec = {
  patient: {
    template: 'Patient/{{context.patientId}}',
    required: true,
    purpose: 'the patient, whose sex the card names',
  },
  problems: {
    template: 'Condition?patient={{context.patientId}}&clinical-status=active',
    required: false,
    purpose: 'the active problem list, counted on chart open',
  },
};
