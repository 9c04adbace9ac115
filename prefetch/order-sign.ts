import type { PrefetchSpec } from '../src/cds/hook-module.js';

export const orderSignPrefetch: PrefetchSpec = {
  medications: {
    template: 'MedicationRequest?patient={{context.patientId}}&status=active',
    required: true,
    purpose: 'active medications, checked with the orders being signed for high-priority interactions',
  },
};
