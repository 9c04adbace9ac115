import type { HookModule } from '../src/cds/hook-module.js';
import type { PatientViewContext } from '../src/cds/types.js';
import { decidePatientView } from '../src/rules/index.js';
import { patientViewPrefetch } from '../prefetch/patient-view.js';

export const patientView: HookModule<PatientViewContext> = {
  id: 'patient-view',
  hook: 'patient-view',
  title: 'hookwise medication safety on chart open',
  description:
    'When a chart is opened, checks active medications against recent labs: metformin with an eGFR below 30 ' +
    '(contraindicated) or 30–45 (reassess), per the FDA 2016 metformin safety communication.',
  prefetch: patientViewPrefetch,
  decide: decidePatientView,
};
