// The real app with the AI review on, pointed at a model server on 127.0.0.1, and a patient-view request whose
// data carries names, identifiers, ids and a birth date that must never reach the model.
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, MemoryLogStream } from '../../src/log.js';
import { createSecurity } from '../../src/auth/security.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ledger.js';
import { createMetrics } from '../../src/metrics.js';
import { startHookModules } from '../../hooks/index.js';
import { TEST_NOW, testKnowledge } from './app.js';

export async function buildAiApp(modelUrl: string, env: Record<string, string> = {}, store?: Store) {
  const config = loadConfig({
    HOOKWISE_PROFILE: 'test',
    RESPONSE_CONTRACT: 'throw',
    HOOK_DEADLINE_MS: '1000',
    AI_BASE_URL: modelUrl,
    AI_MODEL: 'test-model-7b',
    AI_TIMEOUT_MS: '2500',
    AI_SWITCH_POLL_MS: '100',
    AI_BREAKER_FAILURES: '3',
    AI_BREAKER_OPEN_MS: '60000',
    ...env,
  });
  const logs = new MemoryLogStream();
  const logger = createLogger({ level: 'debug', stream: logs });
  const clock = fixedClock(TEST_NOW);
  const ledger =
    store ?? (await openStore({ ...config, ledgerPath: ':memory:' }, { now: () => clock.now().getTime() }));
  const auth = createSecurity(config, ledger);
  const metrics = createMetrics({ defaultMetrics: false });
  const { modules, ai } = await startHookModules(config, {
    store: ledger,
    logger,
    registry: metrics.registry,
    knowledge: testKnowledge(),
  });
  const app = createApp({
    config,
    logger,
    knowledge: testKnowledge(),
    clock,
    modules,
    auth,
    ledger,
    metrics,
    ...(ai ? { ai } : {}),
  });
  return { app, logs, config, ledger, ai, metrics, clock };
}

const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(Date.parse(TEST_NOW) - days * DAY).toISOString();

export const PHI = {
  patientId: 'pt-ai-4471',
  family: 'Oyelaran-Whitcombe',
  given: 'Theodora',
  mrn: 'MRN-80417263',
  birthDate: '1947-06-21',
  address: '41 Larkspur Crescent',
  ids: ['mr-amlo-5521', 'mr-furo-5522', 'mr-lisi-5523', 'cond-htn-88', 'obs-k-1207', 'obs-cr-1208', 'allergy-pcn-3'],
};

const rx = (id: string, code: string, display: string, dose?: number) => ({
  fullUrl: `https://ehr.example.org/fhir/MedicationRequest/${id}`,
  resource: {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${PHI.patientId}`, display: `${PHI.given} ${PHI.family}` },
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code, display }],
      text: display,
    },
    note: [{ text: `Discussed with ${PHI.given} at ${PHI.address}` }],
    dosageInstruction: [
      {
        text: `Take one tablet daily, ${PHI.given}`,
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        ...(dose ? { doseAndRate: [{ doseQuantity: { value: dose, unit: 'mg' } }] } : {}),
      },
    ],
  },
});

const lab = (id: string, loinc: string, display: string, value: number, unit: string, daysAgo: number) => ({
  resource: {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }] },
    subject: { reference: `Patient/${PHI.patientId}` },
    effectiveDateTime: ago(daysAgo),
    valueQuantity: { value, unit },
  },
});

let n = 0;
/** amlodipine + furosemide (a classic cascade), lisinopril, hypertension, a potassium of 5.4 (the rule's card names lisinopril). */
export function aiRequest(overrides: { potassium?: number; extraLab?: boolean } = {}): Record<string, any> {
  n += 1;
  const labs = [
    lab('obs-k-1207', '2823-3', 'Potassium [Moles/volume] in Serum or Plasma', overrides.potassium ?? 5.4, 'mmol/L', 2),
  ];
  labs.push(lab('obs-cr-1208', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 1.1, 'mg/dL', 10));
  if (overrides.extraLab)
    labs.push(lab('obs-na-1209', '2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 131, 'mmol/L', 1));
  return {
    hook: 'patient-view',
    hookInstance: `5b1f0c2e-8d4a-4c7e-9f3b-${String(n).padStart(12, '0')}`,
    context: { userId: 'Practitioner/dr-1', patientId: PHI.patientId },
    prefetch: {
      patient: {
        resourceType: 'Patient',
        id: PHI.patientId,
        name: [{ family: PHI.family, given: [PHI.given] }],
        identifier: [{ system: 'http://hospital.example.org/mrn', value: PHI.mrn }],
        birthDate: PHI.birthDate,
        gender: 'female',
        address: [{ line: [PHI.address], city: 'Springfield' }],
      },
      medications: {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          rx('mr-amlo-5521', '308135', 'amlodipine 10 MG Oral Tablet', 10),
          rx('mr-furo-5522', '310429', 'furosemide 20 MG Oral Tablet', 20),
          rx('mr-lisi-5523', '314076', 'lisinopril 10 MG Oral Tablet', 10),
        ],
      },
      medicationRefs: null,
      conditions: {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'Condition',
              id: 'cond-htn-88',
              clinicalStatus: {
                coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
              },
              code: {
                coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertensive disorder' }],
                text: `HTN per ${PHI.given}`,
              },
              note: [{ text: `${PHI.family} reports headaches` }],
              subject: { reference: `Patient/${PHI.patientId}` },
            },
          },
        ],
      },
      labs: { resourceType: 'Bundle', type: 'searchset', entry: labs },
      allergies: {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'AllergyIntolerance',
              id: 'allergy-pcn-3',
              clinicalStatus: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
                ],
              },
              code: {
                coding: [
                  { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'penicillin G' },
                ],
              },
              patient: { reference: `Patient/${PHI.patientId}` },
            },
          },
        ],
      },
    },
  };
}

/** A grounded cascade finding: furosemide (M2) for amlodipine (M1) ankle oedema. */
export const CASCADE = {
  summary: 'Furosemide may be treating amlodipine-induced ankle oedema (prescribing cascade).',
  detail:
    'Amlodipine commonly causes dose-dependent peripheral oedema, which does not respond well to loop diuretics. Consider reducing amlodipine instead of adding furosemide.',
  category: 'prescribing-cascade',
  confidence: 0.86,
  evidence: ['M1', 'M2'],
  suggestion: 'consider-dose-change',
};
