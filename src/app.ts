// createApp(deps): the middleware every call passes (arrival, CORS, the EHR's JWT, JSON bodies), the routers of
// src/routes/ (discovery, operations, hook calls, feedback), 404 and the error answer. No globals, so every test
// builds its own app.
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { LoopLag } from './cds/loop-lag.js';
import type { HookModule } from './cds/hook-module.js';
import { HttpProblem } from './cds/operation-outcome.js';
import { registerServices } from './cds/registry.js';
import { clientAuth } from './auth/client-jwt.js';
import type { Security } from './auth/security.js';
import type { Store } from './store/ledger.js';
import type { Knowledge } from './knowledge/index.js';
import { errorFields, type Logger } from './log.js';
import { clientErrorProblem } from './http-errors.js';
import { countJwtFailure, createMetrics, type Metrics } from './metrics.js';
import { discoveryRoutes } from './routes/discovery.js';
import { feedbackRoutes } from './routes/feedback.js';
import { hookRoutes } from './routes/hook.js';
import { locals, sendProblem } from './routes/http.js';
import { operationsRoutes } from './routes/operations.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  knowledge: Knowledge;
  clock: Clock;
  modules: HookModule[];
  auth: Security;
  /** The ledger (issued cards, feedback, suppression) and JWT replay store. */
  ledger: Store;
  /** True once the process is shutting down: /ready answers 503 so the load balancer stops sending calls. */
  isDraining?: () => boolean;
  /** How late the event loop runs: a hook's deadline counts the time its request waited for the loop. */
  loopLag?: LoopLag;
  /** The app's metrics (GET /metrics); a fresh registry per app when absent. */
  metrics?: Metrics;
  /** The AI review, when configured: /ready shows its kill switch (on, off, unknown) without failing on it. */
  ai?: { readonly switchStatus: string };
}

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;
/** Probes and scrapes come every few seconds: they are not logged line by line. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);
const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

export function createApp(deps: AppDeps): express.Express {
  const { config, logger } = deps;
  // A mode naming an unknown service throws here: the process refuses to start.
  const services = registerServices(deps.modules, config.serviceModes);
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Arrival time first: the deadline counts from here, body parsing included.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const l = locals(res);
    l.arrivalMs = Date.now();
    l.arrivalPerf = performance.now();
    l.waitedMs = deps.loopLag?.current() ?? 0;
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
  });

  // CORS for browser clients such as the CDS Hooks Sandbox: preflight answered without auth.
  app.use(
    cors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      credentials: config.corsAllowCredentials,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      // Server-Timing: a browser client (the Sandbox) may read where the time of a call went.
      exposedHeaders: ['X-Request-Id', 'Server-Timing'],
      maxAge: 600,
    }),
  );

  // The EHR's JWT on every /cds-services call, before the body is read (preflight passes without one).
  app.use(
    '/cds-services',
    clientAuth({
      issuers: deps.auth.issuers,
      replay: deps.auth.replay,
      algorithms: config.jwtAlgorithms,
      skewS: config.jwtClockSkewS,
      maxBytes: config.jwtMaxBytes,
      requireToken: config.profile === 'production',
      logger,
      now: () => deps.clock.now().getTime(),
      onFailure: (reason) => countJwtFailure(metrics, reason),
    }),
  );

  // POST bodies must be JSON (415 otherwise) and fit the limit (413), generous enough for real prefetch.
  app.use((req, _res, next) => {
    if (req.method !== 'POST') return next();
    if (!req.is(JSON_TYPES)) {
      return next(
        new HttpProblem(415, [{ code: 'not-supported', diagnostics: 'the request body must be JSON (Content-Type: application/json)' }]),
      );
    }
    next();
  });
  app.use(express.json({ limit: config.bodyLimit, type: JSON_TYPES, strict: false }));

  // One router per surface (src/routes/): each answers its paths, then 405 for a known path's other methods.
  const hookDeps = { ...deps, metrics, ...(deps.auth.backend ? { backend: deps.auth.backend } : {}) };
  app.use(discoveryRoutes(services, deps.auth));
  app.use(operationsRoutes({ ...deps, metrics }));
  app.use(hookRoutes(services, hookDeps));
  app.use(feedbackRoutes(services, { ...deps, metrics }));

  app.use((_req, _res, next) => next(new HttpProblem(404, [{ code: 'not-found', diagnostics: 'no such endpoint' }])));

  // Errors: an OperationOutcome with the right status; never a stack trace or an internal message.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpProblem) return sendProblem(res, error.status, error.problems, error.headers);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      return sendProblem(res, 400, [{ code: 'structure', diagnostics: 'the request body is not valid JSON' }]);
    }
    if (type === 'entity.too.large') {
      return sendProblem(res, 413, [{ code: 'too-costly', diagnostics: `the request body exceeds ${config.bodyLimit}` }]);
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
  });

  return app;
}
