// A service that exists only for tests (test/api/add-a-service.test.ts): what a new module in hooks/ looks like.
// It counts the active problems on chart open; its decide is pure, like every shipped one.
import type { Bundle, Condition, Patient } from 'fhir/r4.js';
import { defineService } from '../../../src/cds/hook-module.js';
import { problemListPrefetch } from './prefetch.js';

export const PROBLEM_LIST_ID = 'test-problem-list';

export const problemList = defineService({
  id: PROBLEM_LIST_ID,
  hook: 'patient-view',
  title: 'Test: active problem count',
  description: 'A test-only service: on chart open, one info card counting the active problems on file.',
  prefetch: problemListPrefetch,
  decide: ({ data }) => {
    const patient = data.patient as Patient | null | undefined;
    const problems = ((data.problems as Bundle<Condition> | null | undefined)?.entry ?? []).flatMap((e) =>
      e.resource ? [e.resource] : [],
    );
    if (!patient || problems.length === 0) return [];
    const names = problems.map((c) => c.code?.text ?? 'unnamed').join(', ');
    return [
      {
        summary: `${problems.length} active problems on file`,
        detail: `${patient.gender ?? 'sex unknown'}: ${names}.`,
        indicator: 'info',
        source: { label: 'hookwise test service' },
      },
    ];
  },
});
