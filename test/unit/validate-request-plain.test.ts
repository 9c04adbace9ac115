// validateHookRequest checks a plainly valid request by hand and leaves the rest to zod (src/cds/validate-request.ts).
// The hand check must never accept what the hook's context schema refuses, nor return anything else than it: this
// holds it to the schema, so a contract tightened in hook-contracts.ts without the hand check fails here.
import { describe, expect, it } from '@jest/globals';
import { HOOK_CONTRACTS, HOOK_NAMES, type HookName } from '../../src/cds/hook-contracts.js';
import { validateHookRequest } from '../../src/cds/validate-request.js';

const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'p1',
  'x'.repeat(64),
  'x'.repeat(65),
  'a b',
  'Practitioner/1',
  'PractitionerRole/r-1',
  'Patient/p.1',
  'RelatedPerson/9',
  'Device/1',
  'practitioner/1',
  'MedicationRequest/m1',
  3,
  [],
  ['MedicationRequest/m1'],
  ['MedicationRequest/m1', 'x'],
  { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MedicationRequest', id: 'm1' } }] },
  { resourceType: 'Patient' },
];
/** The members each context schema declares (others are passed through untouched). */
const fieldsOf = (hook: HookName): string[] => Object.keys(HOOK_CONTRACTS[hook].context.shape);

function contextOf(hook: HookName): Record<string, unknown> {
  const context: Record<string, unknown> = { userId: 'Practitioner/1', patientId: 'p1', encounterId: 'e1' };
  if (hook !== 'patient-view') context.draftOrders = VALUES[18];
  if (hook === 'order-select') context.selections = ['MedicationRequest/m1'];
  return context;
}

function outcome(hook: HookName, context: Record<string, unknown>): unknown {
  try {
    return validateHookRequest({ hook, hookInstance: 'i-1', context }, hook).context;
  } catch {
    return 'refused';
  }
}

describe('the hand check of a plainly valid request', () => {
  it.each(HOOK_NAMES)('accepts and returns what the %s context schema does', (hook) => {
    for (const field of fieldsOf(hook)) {
      for (const value of VALUES) {
        const context = { ...contextOf(hook), [field]: value };
        const schema = HOOK_CONTRACTS[hook].context.safeParse(context);
        const expected = schema.success ? { ...context, ...(schema.data as Record<string, unknown>) } : 'refused';
        expect({ field, value, got: outcome(hook, context) }).toEqual({ field, value, got: expected });
      }
    }
  });
});
