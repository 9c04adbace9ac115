// FHIR OperationOutcome bodies for every non-2xx answer (CDS Hooks 3.0 SHOULD, https://cds-hooks.hl7.org/).
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

export interface Problem {
  code: OperationOutcomeIssue['code'];
  /** What is wrong, in words for an integrator. Never echoes request values. */
  diagnostics: string;
  /** Where in the request, as a path such as context.patientId. */
  expression?: string;
  severity?: OperationOutcomeIssue['severity'];
}

export function operationOutcome(problems: Problem[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => {
      const issue: OperationOutcomeIssue = {
        severity: p.severity ?? 'error',
        code: p.code,
        diagnostics: p.diagnostics,
      };
      if (p.expression) issue.expression = [p.expression];
      return issue;
    }),
  };
}

/** An error that ends a request with a given status and an OperationOutcome body. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly problems: Problem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(problems.map((p) => p.diagnostics).join('; '));
    this.name = 'HttpProblem';
  }
}
