// What every surface shares: the per-request locals the first middleware stamps, the OperationOutcome answer,
// and the 405 for a known path called with the wrong method.
import type { NextFunction, Request, Response } from 'express';
import { HttpProblem, operationOutcome, type Problem } from '../cds/operation-outcome.js';

export interface Locals {
  arrivalMs: number;
  /** performance.now() at arrival: Server-Timing and the latency histogram. */
  arrivalPerf: number;
  /** How long the request is estimated to have waited for a busy event loop before arrivalMs. */
  waitedMs: number;
  requestId: string;
  /** Set once a route has written its own log line: the generic 'request' line is then left out. */
  logged?: boolean;
}

export function locals(res: Response): Locals {
  return res.locals as Locals;
}

export function sendProblem(res: Response, status: number, problems: Problem[], headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/fhir+json').send(JSON.stringify(operationOutcome(problems)));
}

/** Known path, wrong method: 405 with Allow. */
export function allow(methods: string) {
  return (_req: Request, _res: Response, next: NextFunction) =>
    next(new HttpProblem(405, [{ code: 'not-supported', diagnostics: `method not allowed; use ${methods}` }], { Allow: methods }));
}
