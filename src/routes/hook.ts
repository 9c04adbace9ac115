// A hook call (spec §2.3: POST /cds-services/{id}): validate the request, run it (src/cds/invoke.ts), answer
// with its Server-Timing. Every call, an invalid one included, is logged and counted by reportInvocation.
import { Router } from 'express';
import type { ClientIdentity } from '../auth/client-jwt.js';
import { invoke, type InvokeDeps, type PhaseTimings } from '../cds/invoke.js';
import { reportInvocation } from '../cds/invocation-report.js';
import { HttpProblem } from '../cds/operation-outcome.js';
import type { RegisteredService } from '../cds/registry.js';
import { validateHookRequest } from '../cds/validate-request.js';
import type { HookRequest } from '../cds/types.js';
import type { Metrics } from '../metrics.js';
import { allow, locals } from './http.js';
import { findService } from './services.js';

export type HookDeps = InvokeDeps & { metrics: Metrics };

/** `gather;dur=12.3, decide;dur=0.8, ledger;dur=0.4, total;dur=14.1` (ms, one decimal): what is known. */
export function serverTiming(timings: PhaseTimings, totalMs: number): string {
  const parts = (['gather', 'decide', 'ledger'] as const)
    .filter((name) => timings[name] !== undefined)
    .map((name) => `${name};dur=${timings[name]!.toFixed(1)}`);
  return [...parts, `total;dur=${totalMs.toFixed(1)}`].join(', ');
}

export function hookRoutes(services: ReadonlyMap<string, RegisteredService>, deps: HookDeps): Router {
  const { config } = deps;
  const router = Router();
  router.post('/cds-services/:id', async (req, res, next) => {
    const l = locals(res);
    let service: RegisteredService;
    try {
      service = findService(services, req.params.id);
    } catch (error) {
      return next(error);
    }
    const logFields = { requestId: l.requestId, route: '/cds-services/:id' };
    let request: HookRequest;
    try {
      request = validateHookRequest(req.body, service.module.hook, {
        maxDraftOrders: config.maxDraftOrders,
        maxPrefetchEntries: config.maxPrefetchEntries,
      });
    } catch (error) {
      l.logged = true;
      reportInvocation(deps, {
        service: service.module.id,
        status: error instanceof HttpProblem ? error.status : 500,
        outcome: 'invalid',
        fields: { ...logFields, service: service.module.id },
        arrivalMs: l.arrivalMs,
        arrivalPerf: l.arrivalPerf,
      });
      return next(error);
    }
    l.logged = true;
    const result = await invoke(
      service,
      request,
      // The EHR's clock started before a busy loop let the request in: the deadline counts that wait too.
      l.arrivalMs - Math.round(l.waitedMs),
      deps,
      logFields,
      (res.locals as { client?: ClientIdentity }).client,
      l.arrivalPerf,
    );
    res.set('Server-Timing', serverTiming(result.timings ?? {}, result.totalMs ?? performance.now() - l.arrivalPerf));
    if (result.status === 200) res.status(200).json(result.body);
    else res.status(result.status).type('application/fhir+json').send(JSON.stringify(result.body));
  });
  router.all('/cds-services/:id', allow('POST, OPTIONS'));
  return router;
}
