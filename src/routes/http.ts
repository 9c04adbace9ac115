// What every surface shares: the arrival stamp (request id, arrival time, the generic log line), the JSON-only
// rule for bodies, the 405 for a known path called with the wrong method, and the OperationOutcome answer of errors.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { LoopLag } from '../cds/loop-lag.js';
import { HttpProblem, operationOutcome, type Problem } from '../cds/operation-outcome.js';
import { clientErrorProblem } from '../http-errors.js';
import { errorFields, type Logger } from '../log.js';

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;
/** Probes and scrapes come every few seconds: they are not logged line by line. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);
export const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

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

export function sendProblem(
  res: Response,
  status: number,
  problems: Problem[],
  headers: Record<string, string> = {},
): void {
  res
    .status(status)
    .set(headers)
    .type('application/fhir+json')
    .send(JSON.stringify(operationOutcome(problems)));
}

/** Known path, wrong method: 405 with Allow. */
export function allow(methods: string) {
  return (_req: Request, _res: Response, next: NextFunction) =>
    next(
      new HttpProblem(405, [{ code: 'not-supported', diagnostics: `method not allowed; use ${methods}` }], {
        Allow: methods,
      }),
    );
}

/** The first middleware: stamps the arrival and request id, and logs the request when no route logged it. */
export function arrival(logger: Logger, loopLag?: LoopLag): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const l = locals(res);
    l.arrivalMs = Date.now();
    l.arrivalPerf = performance.now();
    l.waitedMs = loopLag?.current() ?? 0;
    l.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', l.requestId);
    res.on('finish', () => {
      if (l.logged || (QUIET_PATHS.has(req.path) && res.statusCode < 500 && req.method === 'GET')) return;
      logger.info('request', {
        requestId: l.requestId,
        method: req.method,
        route: req.route?.path ?? 'unmatched',
        status: res.statusCode,
        latencyMs: Date.now() - l.arrivalMs,
      });
    });
    // Everything else waits for the next turn of the loop: when many calls arrive at once, each is stamped
    // with its arrival before any of them starts its work, so no deadline starts late.
    setImmediate(next);
  };
}

/** A POST body must be JSON: 415 otherwise. */
export const jsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'POST') return next();
  if (!req.is(JSON_TYPES)) {
    return next(
      new HttpProblem(415, [
        { code: 'not-supported', diagnostics: 'the request body must be JSON (Content-Type: application/json)' },
      ]),
    );
  }
  next();
};

/** The error answer: an OperationOutcome with the right status; never a stack trace or an internal message. */
export function errorAnswer(bodyLimit: string, logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof HttpProblem) return sendProblem(res, error.status, error.problems, error.headers);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      return sendProblem(res, 400, [{ code: 'structure', diagnostics: 'the request body is not valid JSON' }]);
    }
    if (type === 'entity.too.large') {
      return sendProblem(res, 413, [{ code: 'too-costly', diagnostics: `the request body exceeds ${bodyLimit}` }]);
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendProblem(res, 415, [{ code: 'not-supported', diagnostics: 'unsupported body encoding or charset' }]);
    }
    if (type === 'request.aborted') return;
    // A 4xx the error carries: an undecodable compressed body, malformed percent-encoding in the path.
    const client = clientErrorProblem(error);
    if (client) return sendProblem(res, client.status, client.problems);
    logger.error('unhandled error', { requestId: locals(res).requestId, ...errorFields(error) });
    sendProblem(res, 500, [{ code: 'exception', diagnostics: 'internal error' }]);
  };
}
