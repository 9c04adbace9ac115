import { defineService } from '../src/cds/hook-module.js';
import { decidePatientView } from '../src/rules/index.js';
import { patientViewPrefetch } from '../prefetch/patient-view.js';

export const patientView = defineService({
  id: 'patient-view',
  hook: 'patient-view',
  title: 'hookwise medication safety on chart open',
  description:
    'When a chart is opened, checks active medications against recent labs and age: metformin with an eGFR below 30 ' +
    '(contraindicated) or 30–45 (reassess); critical (<2.8 or >6.2 mmol/L) or high (>5.0) potassium, naming ACE ' +
    'inhibitors, ARBs, spironolactone or trimethoprim; warfarin with an INR outside 2.0–3.0 or at 5 and over (INR ' +
    'matched by name); AGS Beers 2023 medications from age 65.',
  prefetch: patientViewPrefetch,
  decide: decidePatientView,
});
