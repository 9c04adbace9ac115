// createApp(deps): the middleware every call passes (arrival, CORS, the EHR's JWT, JSON bodies), the routers of
// src/routes/ (discovery, operations, hook calls, feedback), 404 and the error answer. No globals, so every test
// builds its own app.
import cors from 'cors';
import express from 'express';
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
import type { Logger } from './log.js';
import { countJwtFailure, createMetrics, type Metrics } from './metrics.js';
import { discoveryRoutes } from './routes/discovery.js';
import { feedbackRoutes } from './routes/feedback.js';
import { hookRoutes } from './routes/hook.js';
import { arrival, errorAnswer, JSON_TYPES, jsonOnly } from './routes/http.js';
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

export function createApp(deps: AppDeps): express.Express {
  const { config, logger } = deps;
  // A mode naming an unknown service throws here: the process refuses to start.
  const services = registerServices(deps.modules, config.serviceModes);
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Arrival time first: the deadline counts from here, body parsing included.
  app.use(arrival(logger, deps.loopLag));

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
  app.use(jsonOnly);
  app.use(express.json({ limit: config.bodyLimit, type: JSON_TYPES, strict: false }));

  // One router per surface (src/routes/): each answers its paths, then 405 for a known path's other methods.
  const hookDeps = { ...deps, metrics, ...(deps.auth.backend ? { backend: deps.auth.backend } : {}) };
  app.use(discoveryRoutes(services, deps.auth));
  app.use(operationsRoutes({ ...deps, metrics }));
  app.use(hookRoutes(services, hookDeps));
  app.use(feedbackRoutes(services, { ...deps, metrics }));

  app.use((_req, _res, next) => next(new HttpProblem(404, [{ code: 'not-found', diagnostics: 'no such endpoint' }])));

  // Errors: an OperationOutcome with the right status; never a stack trace or an internal message.
  app.use(errorAnswer(config.bodyLimit, logger));

  return app;
}
