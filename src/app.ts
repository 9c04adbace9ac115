// createApp(deps): middleware and routes, no globals, so every test builds its own app.
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { clientKeyOf, invoke } from './cds/invoke.js';
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
}

interface Locals {
  arrivalMs: number;
  requestId: string;
  logged?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;
const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

function locals(res: Response): Locals {
  return res.locals as Locals;
}

function sendProblem(res: Response, status: number, problems: Problem[], headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/fhir+json').send(JSON.stringify(operationOutcome(problems)));
}

export function createApp(deps: AppDeps): express.Express {
  const { config, logger } = deps;
  const services = registerServices(deps.modules);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Arrival time first: the deadline counts from here, body parsing included.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const l = locals(res);
    l.arrivalMs = Date.now();
    l.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', l.requestId);
    res.on('finish', () => {
      if (l.logged) return;
      logger.info('request', {
        requestId: l.requestId,
        method: req.method,
        route: req.route?.path ?? 'unmatched',
        status: res.statusCode,
        latencyMs: Date.now() - l.arrivalMs,
      });
    });
    next();
  });

  // CORS for browser clients such as the CDS Hooks Sandbox: preflight answered without auth.
  app.use(
    cors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      credentials: config.corsAllowCredentials,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
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

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', knowledgeVersion: deps.knowledge.version, services: services.size });
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
      request = validateHookRequest(req.body, service.module.hook);
    } catch (error) {
      l.logged = true;
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
    const result = await invoke(service, request, l.arrivalMs, { ...deps, ...(deps.auth.backend ? { backend: deps.auth.backend } : {}) }, logFields, (res.locals as { client?: ClientIdentity }).client);
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
        if (result.status === 'stored') counts[f.outcome] += 1;
        else if (result.status === 'duplicate') counts.duplicate += 1;
        else counts.unknownCard += 1;
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
    logger.error('unhandled error', { requestId: locals(res).requestId, ...errorFields(error) });
    sendProblem(res, 500, [{ code: 'exception', diagnostics: 'internal error' }]);
  });

  return app;
}
