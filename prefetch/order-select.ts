import type { PrefetchSpec } from '../src/cds/hook-module.js';
import { draftMedications } from './medications.js';

export const orderSelectPrefetch: PrefetchSpec = {
  allergies: {
    template: 'AllergyIntolerance?patient={{context.patientId}}',
    required: true,
    purpose: 'allergies and intolerances, checked against the selected orders',
  },
  draftMedications,
};
