// createApp(deps): middleware and routes, no globals, so every test builds its own app.
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { clientKeyOf, invoke, type PhaseTimings } from './cds/invoke.js';
import type { LoopLag } from './cds/loop-lag.js';
import type { ClientIdentity } from './auth/client-jwt.js';
import type { HookModule } from './cds/hook-module.js';
import { HttpProblem, operationOutcome, type Problem } from './cds/operation-outcome.js';
import { registerServices, type RegisteredService } from './cds/registry.js';
import { toFeedbackRecord, validateFeedback } from './cds/feedback.js';
import { validateHookRequest } from './cds/validate-request.js';
import { clientAuth } from './auth/client-jwt.js';
import type { Security } from './auth/security.js';
import { publicJwks } from './auth/keys.js';
import type { Store } from './store/ledger.js';
import type { Knowledge } from './knowledge/index.js';
import { errorFields, type Logger } from './log.js';
import { clientErrorProblem } from './http-errors.js';
import { countJwtFailure, createMetrics, type Metrics } from './metrics.js';

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

interface Locals {
  arrivalMs: number;
  /** performance.now() at arrival: Server-Timing and the latency histogram. */
  arrivalPerf: number;
  /** How long the request is estimated to have waited for a busy event loop before arrivalMs. */
  waitedMs: number;
  requestId: string;
  logged?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;
/** /ready waits this long for the store to answer a trivial query. */
const READY_PING_MS = 1000;
/** Probes and scrapes come every few seconds: they are not logged line by line. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);
const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

function locals(res: Response): Locals {
  return res.locals as Locals;
}

/** `gather;dur=12.3, decide;dur=0.8, ledger;dur=0.4, total;dur=14.1` (ms, one decimal): what is known. */
export function serverTiming(timings: PhaseTimings, totalMs: number): string {
  const parts = (['gather', 'decide', 'ledger'] as const)
    .filter((name) => timings[name] !== undefined)
    .map((name) => `${name};dur=${timings[name]!.toFixed(1)}`);
  return [...parts, `total;dur=${totalMs.toFixed(1)}`].join(', ');
}

/** True when the store answers a trivial query within `ms`; never throws. */
async function storeAnswers(store: Store, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => store.ping()).then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

function sendProblem(res: Response, status: number, problems: Problem[], headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/fhir+json').send(JSON.stringify(operationOutcome(problems)));
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

  app.get('/cds-services', (_req, res) => {
    res.json({ services: [...services.values()].map((s) => s.definition) });
  });

  // hookwise's public keys, for registering it as a SMART Backend Services client.
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(publicJwks(deps.auth.signingKeys));
  });

  // Operations, outside /cds-services (no JWT: scraped and probed from inside the network). None of them tells
  // versions, URLs, database names or error messages.
  app.get('/metrics', async (_req, res, next) => {
    try {
      const text = await metrics.registry.metrics();
      res.status(200).set('Content-Type', metrics.contentType).set('Cache-Control', 'no-store').send(text);
    } catch (error) {
      next(error);
    }
  });

  // Liveness: the process answers.
  app.get('/health', (_req, res) => {
    res.status(200).set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Readiness: the store answers within a second, the knowledge is loaded, and the process is not draining.
  app.get('/ready', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const l = locals(res);
    // Names and states only: never an error message, a URL or a version.
    let checks: Record<string, 'ok' | 'fail' | 'draining'>;
    if (deps.isDraining?.()) checks = { process: 'draining' };
    else {
      checks = {
        process: 'ok',
        store: (await storeAnswers(deps.ledger, READY_PING_MS)) ? 'ok' : 'fail',
        knowledge: typeof deps.knowledge?.version === 'string' && deps.knowledge.version.length > 0 ? 'ok' : 'fail',
      };
    }
    const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    const ai = deps.ai ? { ai: deps.ai.switchStatus } : {};
    if (failing.length === 0) {
      res.status(200).json({ status: 'ready', ...ai });
      return;
    }
    l.logged = true;
    logger.warn('not ready', { requestId: l.requestId, route: req.path, status: 503, checks });
    res.status(503).json({ status: 'not-ready', checks, ...ai });
  });

  const findService = (id: string): RegisteredService => {
    const service = services.get(id);
    if (!service) throw new HttpProblem(404, [{ code: 'not-found', diagnostics: `no CDS service with id '${id}'` }]);
    return service;
  };

  app.post('/cds-services/:id', async (req, res, next) => {
    const l = locals(res);
    let service: RegisteredService;
    try {
      service = findService(req.params.id);
    } catch (error) {
      return next(error);
    }
    const logFields = { requestId: l.requestId, route: '/cds-services/:id' };
    let request;
    try {
      request = validateHookRequest(req.body, service.module.hook, { maxDraftOrders: config.maxDraftOrders, maxPrefetchEntries: config.maxPrefetchEntries });
    } catch (error) {
      l.logged = true;
      metrics.hookDuration.observe({ service: service.module.id, outcome: 'invalid' }, (performance.now() - l.arrivalPerf) / 1000);
      logger.info('hook invocation', {
        ...logFields,
        service: service.module.id,
        status: error instanceof HttpProblem ? error.status : 500,
        outcome: 'invalid',
        latencyMs: Date.now() - l.arrivalMs,
      });
      return next(error);
    }
    l.logged = true;
    const result = await invoke(
      service,
      request,
      // The EHR's clock started before a busy loop let the request in: the deadline counts that wait too.
      l.arrivalMs - Math.round(l.waitedMs),
      { ...deps, metrics, ...(deps.auth.backend ? { backend: deps.auth.backend } : {}) },
      logFields,
      (res.locals as { client?: ClientIdentity }).client,
    );
    const totalMs = performance.now() - l.arrivalPerf;
    metrics.hookDuration.observe({ service: service.module.id, outcome: result.outcome }, totalMs / 1000);
    res.set('Server-Timing', serverTiming(result.timings ?? {}, totalMs));
    if (result.status === 200) res.status(200).json(result.body);
    else res.status(result.status).type('application/fhir+json').send(JSON.stringify(result.body));
  });

  // Feedback (spec §2.5): an override silences the same finding for the same patient for a while.
  app.post('/cds-services/:id/feedback', async (req, res, next) => {
    try {
      const service = findService(req.params.id);
      const feedback = validateFeedback(req.body);
      const counts = { accepted: 0, overridden: 0, duplicate: 0, unknownCard: 0 };
      const receivedAt = deps.clock.now().getTime();
      const client = clientKeyOf((res.locals as { client?: ClientIdentity }).client);
      // Stored one by one, each durably, before the 200: what is acknowledged is on disk.
      for (const f of feedback) {
        const result = await deps.ledger.recordFeedback(toFeedbackRecord(f, receivedAt), client, service.module.id);
        if (result.status === 'stored') {
          counts[f.outcome] += 1;
          metrics.feedback.inc({ service: service.module.id, rule: result.rule, outcome: f.outcome });
        } else if (result.status === 'duplicate') {
          counts.duplicate += 1;
          metrics.feedbackDuplicate.inc({ service: service.module.id });
        } else {
          counts.unknownCard += 1;
          metrics.feedbackUnknownCard.inc({ service: service.module.id });
        }
      }
      const l = locals(res);
      l.logged = true;
      logger.info('feedback', {
        requestId: l.requestId,
        route: '/cds-services/:id/feedback',
        service: service.module.id,
        feedback: counts,
        status: 200,
        latencyMs: Date.now() - l.arrivalMs,
      });
      res.status(200).json({});
    } catch (error) {
      next(error);
    }
  });

  // Known paths, wrong method: 405 with Allow.
  const allow = (methods: string) => (_req: Request, _res: Response, next: NextFunction) =>
    next(new HttpProblem(405, [{ code: 'not-supported', diagnostics: `method not allowed; use ${methods}` }], { Allow: methods }));
  app.all('/cds-services', allow('GET, OPTIONS'));
  app.all('/cds-services/:id', allow('POST, OPTIONS'));
  app.all('/cds-services/:id/feedback', allow('POST, OPTIONS'));
  app.all(['/metrics', '/health', '/ready'], allow('GET, OPTIONS'));

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
