// The model's answer at the boundary: parsed as JSON and checked with zod. Each finding is kept only if it has
// exactly the shape asked for; anything else is discarded and counted. Pure.
import { z } from 'zod';
import { SUMMARY_MAX } from '../cds-hooks.js';

export const CATEGORIES = [
  'drug-without-indication',
  'prescribing-cascade',
  'reconsider-given-lab',
  'duplicate-therapy',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const SUGGESTIONS = ['review-need', 'consider-deprescribing', 'monitor-lab', 'consider-dose-change'] as const;
export type SuggestionCode = (typeof SUGGESTIONS)[number];

const HANDLE = /^[MCLA][1-9][0-9]{0,2}$/;

export const findingSchema = z
  .object({
    summary: z.string().trim().min(1).max(SUMMARY_MAX),
    detail: z.string().trim().min(1).max(1000),
    category: z.enum(CATEGORIES),
    confidence: z.number().min(0).max(1),
    evidence: z.array(z.string().regex(HANDLE)).max(12),
    suggestion: z.enum(SUGGESTIONS).nullable().optional(),
  })
  .strict();

export type Finding = z.infer<typeof findingSchema>;

/** The same shape as a JSON Schema for `response_format: json_schema` (strict: every property required). */
export const FINDINGS_JSON_SCHEMA = {
  name: 'medication_review',
  strict: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['findings'],
    properties: {
      findings: {
        type: 'array',
        maxItems: 3,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['summary', 'detail', 'category', 'confidence', 'evidence', 'suggestion'],
          properties: {
            summary: { type: 'string', maxLength: SUMMARY_MAX },
            detail: { type: 'string', maxLength: 1000 },
            category: { type: 'string', enum: [...CATEGORIES] },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
            evidence: { type: 'array', items: { type: 'string', pattern: HANDLE.source } },
            suggestion: { type: ['string', 'null'], enum: [...SUGGESTIONS, null] },
          },
        },
      },
    },
  },
} as const;

/** At most this many findings are read from one answer; the rest count as dropped (`excess`). */
export const MAX_FINDINGS_READ = 10;

export type ParsedAnswer =
  | { ok: true; findings: Finding[]; dropped: { schema: number; excess: number } }
  | { ok: false; why: 'not-json' | 'not-findings' };

/**
 * The text inside a ```json fence, which some servers wrap JSON mode answers in (trimmed), else the trimmed text. A
 * scan, not the regex /^```(?:json)?\s*([\s\S]*?)\s*```$/ it replaces (same result): on a fence followed by a long
 * run of spaces that regex backtracked for minutes (188 s at 10 000), holding the event loop of every call.
 */
export function unfenced(text: string): string {
  const t = text.trim();
  if (t.length < 6 || !t.startsWith('```') || !t.endsWith('```')) return t;
  const inner = t.slice(3, -3);
  return (inner.startsWith('json') ? inner.slice(4) : inner).trim();
}

/** Parses the model's text. A non-JSON text or one without a findings array is invalid output as a whole. */
export function parseAnswer(text: string): ParsedAnswer {
  let json: unknown;
  try {
    json = JSON.parse(unfenced(text));
  } catch {
    return { ok: false, why: 'not-json' };
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { findings?: unknown }).findings)) {
    return { ok: false, why: 'not-findings' };
  }
  const raw = (json as { findings: unknown[] }).findings;
  const findings: Finding[] = [];
  let schema = 0;
  for (const item of raw.slice(0, MAX_FINDINGS_READ)) {
    const parsed = findingSchema.safeParse(item);
    if (parsed.success) findings.push(parsed.data);
    else schema += 1;
  }
  return { ok: true, findings, dropped: { schema, excess: Math.max(0, raw.length - MAX_FINDINGS_READ) } };
}
