// The CDS Hooks 2.0 feedback body (CDS Hooks 2.0, Feedback): {"feedback": [Feedback, …]} with invariants cds-fb-1..3.
// Tolerates what clients really send: the sandbox's override reason Coding has no display.
import { z } from 'zod';
import { HttpProblem } from './operation-outcome.js';
import type { FeedbackRecord } from '../store/ledger.js';

const coding = z.object({ system: z.string().min(1), code: z.string().min(1), display: z.string().optional() });

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const feedbackItem = z
  .object({
    card: z.string({ error: 'is required' }).min(1),
    outcome: z.enum(['accepted', 'overridden'], { error: 'must be accepted or overridden (cds-fb-1)' }),
    acceptedSuggestions: z.array(z.object({ id: z.string().min(1) })).optional(),
    overrideReason: z
      .object({ reason: coding.optional(), userComment: z.string().optional() })
      .refine((r) => r.reason !== undefined || r.userComment !== undefined, {
        error: 'needs a reason, a userComment or both (cds-fb-3)',
      })
      .optional(),
    outcomeTimestamp: z.string({ error: 'is required' }).regex(RFC3339, { error: 'must be an RFC 3339 date-time' }),
  })
  .refine((f) => f.outcome !== 'accepted' || (f.acceptedSuggestions?.length ?? 0) > 0, {
    error: 'acceptedSuggestions is required when outcome is accepted (cds-fb-2)',
    path: ['acceptedSuggestions'],
  });

const body = z.object({ feedback: z.array(feedbackItem, { error: 'is required (an array)' }).min(1) });

export type Feedback = z.infer<typeof feedbackItem>;

export function validateFeedback(input: unknown): Feedback[] {
  const parsed = body.safeParse(input);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      parsed.error.issues.map((i) => {
        const where = i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '');
        return {
          code: 'invalid',
          diagnostics: `${where || 'body'} ${i.message}`,
          ...(where ? { expression: where } : {}),
        };
      }),
    );
  }
  return parsed.data.feedback;
}

/** What the ledger keeps of a feedback item: the free-text userComment is not kept (it may name people). */
export function toFeedbackRecord(f: Feedback, receivedAt: number): FeedbackRecord {
  const reason = f.overrideReason?.reason;
  return {
    card: f.card,
    outcome: f.outcome,
    acceptedSuggestions: (f.acceptedSuggestions ?? []).map((s) => s.id),
    ...(reason ? { overrideReason: { system: reason.system, code: reason.code } } : {}),
    hasComment: Boolean(f.overrideReason?.userComment?.trim()),
    outcomeTimestamp: f.outcomeTimestamp,
    receivedAt,
  };
}
