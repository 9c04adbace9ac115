// Operations, outside /cds-services (no JWT: scraped and probed from inside the network): metrics, liveness,
// readiness. None of them tells versions, URLs, database names or error messages.
import { Router } from 'express';
import type { Knowledge } from '../knowledge/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/ledger.js';
import { allow, locals } from './http.js';

/** /ready waits this long for the store to answer a trivial query. */
const READY_PING_MS = 1000;

export interface OperationsDeps {
  logger: Logger;
  metrics: Metrics;
  ledger: Store;
  knowledge: Knowledge;
  isDraining?: () => boolean;
  ai?: { readonly switchStatus: string };
}

/** True when the store answers a trivial query within `ms`; never throws. */
async function storeAnswers(store: Store, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => store.ping())
        .then(
          () => true,
          () => false,
        ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function operationsRoutes(deps: OperationsDeps): Router {
  const { logger, metrics } = deps;
  const router = Router();

  router.get('/metrics', async (_req, res, next) => {
    try {
      const text = await metrics.registry.metrics();
      res.status(200).set('Content-Type', metrics.contentType).set('Cache-Control', 'no-store').send(text);
    } catch (error) {
      next(error);
    }
  });

  // Liveness: the process answers.
  router.get('/health', (_req, res) => {
    res.status(200).set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Readiness: the store answers within a second, the knowledge is loaded, and the process is not draining.
  router.get('/ready', async (req, res) => {
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

  router.all(['/metrics', '/health', '/ready'], allow('GET, OPTIONS'));
  return router;
}
