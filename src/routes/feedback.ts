// Feedback (spec §2.5): an override silences the same finding for the same patient for a while.
import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { ClientIdentity } from '../auth/client-jwt.js';
import { clientKeyOf } from '../cds/invoke.js';
import { toFeedbackRecord, validateFeedback } from '../cds/feedback.js';
import type { RegisteredService } from '../cds/registry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CardLedger } from '../store/ledger.js';
import { allow, locals } from './http.js';
import { findService } from './services.js';

export interface FeedbackDeps {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  ledger: Pick<CardLedger, 'recordFeedback'>;
}

export function feedbackRoutes(services: ReadonlyMap<string, RegisteredService>, deps: FeedbackDeps): Router {
  const { logger, metrics } = deps;
  const router = Router();
  router.post('/cds-services/:id/feedback', async (req, res, next) => {
    try {
      const service = findService(services, req.params.id);
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
  router.all('/cds-services/:id/feedback', allow('POST, OPTIONS'));
  return router;
}
