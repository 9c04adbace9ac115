// The CDS Hooks 2.0 request envelope (spec §2.3) and the hook's context (its schema in hook-contracts.ts),
// checked strictly; the FHIR inside is read leniently: draftOrders must be a Bundle, a prefetch value may be any
// JSON (an unusable one is that key's problem: see src/data/gather.ts).
// Unknown members and `extension` are accepted and ignored.
import { z } from 'zod';
import { HttpProblem, type Problem } from './operation-outcome.js';
import {
  FHIR_ID,
  fhirId,
  HOOK_CONTRACTS,
  optional,
  referencePattern,
  required,
  SELECTION_PATTERN,
  text,
  USER_TYPES,
  type HookName,
} from './hook-contracts.js';
import type { HookContext, HookRequest, PrefetchValue } from './types.js';
import { isObject } from '../json.js';

const jsonObject = (what = 'a JSON object') =>
  z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
    error: required(what),
  });

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.hash;
  } catch {
    return false;
  }
}

const httpUrl = text('an absolute http(s) URL').refine(isHttpUrl, {
  error: 'must be an absolute http(s) URL without credentials or fragment',
});

const fhirAuthorization = z.object({
  access_token: text(),
  token_type: text().refine((v) => v.toLowerCase() === 'bearer', { error: 'must be Bearer' }),
  expires_in: z.number({ error: required('a number of seconds') }).int({ error: 'must be a whole number of seconds' }),
  scope: z.string({ error: required('a space-separated string of scopes') }),
  subject: text(),
  patient: optional(fhirId),
});

const envelope = z.object({
  hook: text(),
  hookInstance: text().max(128, { error: 'must be at most 128 characters (a UUID)' }),
  fhirServer: optional(httpUrl),
  fhirAuthorization: optional(fhirAuthorization),
  context: jsonObject(),
  // Any JSON value per key: a value that is not a usable resource is that key's problem only (gather treats it
  // as not obtained), never a 400 for the whole call.
  prefetch: z
    .record(
      z.string(),
      z.custom<PrefetchValue>(() => true),
      { error: required('an object of prefetch keys') },
    )
    .nullish()
    .transform((v) => v ?? undefined),
  extension: optional(jsonObject()),
});

// The common case, a request every member of which is plainly valid, is checked by hand below: zod's parse of the
// envelope and context cost more than the rest of the call's finishing work together. Each check is a sufficient
// condition for the schema above to accept the value (never looser); anything it does not vouch for goes to zod,
// which then names the problems or accepts it. What it returns is what zod would: the same members, copied alike.

type Envelope = z.output<typeof envelope>;

/** A plain JSON object, as zod's record and object checks accept it. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isAbsent = (v: unknown): v is null | undefined => v === undefined || v === null;
const FHIR_ID_RE = new RegExp(`^${FHIR_ID}$`);
const isFhirId = (v: unknown): boolean => typeof v === 'string' && FHIR_ID_RE.test(v);

/** fhirAuthorization as zod returns it (members in schema order, unknown ones left out), or undefined. */
function plainAuthorization(v: Record<string, unknown>): Envelope['fhirAuthorization'] | undefined {
  if (!isText(v.access_token) || !isText(v.token_type) || v.token_type.toLowerCase() !== 'bearer') return undefined;
  if (!Number.isSafeInteger(v.expires_in) || typeof v.scope !== 'string' || !isText(v.subject)) return undefined;
  if (!isAbsent(v.patient) && !isFhirId(v.patient)) return undefined;
  const out: Record<string, unknown> = {
    access_token: v.access_token,
    token_type: v.token_type,
    expires_in: v.expires_in,
    scope: v.scope,
    subject: v.subject,
  };
  if ('patient' in v) out.patient = v.patient ?? undefined;
  return out as Envelope['fhirAuthorization'];
}

/** The prefetch object as zod's record returns it: a copy of its own string keys. */
function plainPrefetch(v: Record<string, unknown>): Record<string, PrefetchValue> | undefined {
  if (Object.getOwnPropertySymbols(v).length) return undefined;
  const out: Record<string, PrefetchValue> = {};
  for (const key of Object.keys(v)) if (key !== '__proto__') out[key] = v[key] as PrefetchValue;
  return out;
}

/** What `envelope.safeParse(body)` returns as data when the body is plainly valid; undefined to ask zod. */
function plainEnvelope(body: Record<string, unknown>): Envelope | undefined {
  const { hook, hookInstance, fhirServer, fhirAuthorization, context, prefetch, extension } = body;
  if (!isText(hook) || !isText(hookInstance) || hookInstance.length > 128 || !isPlainObject(context)) return undefined;
  if (!isAbsent(fhirServer) && !(isText(fhirServer) && isHttpUrl(fhirServer))) return undefined;
  if (!isAbsent(extension) && !isPlainObject(extension)) return undefined;
  const auth = isPlainObject(fhirAuthorization) ? plainAuthorization(fhirAuthorization) : undefined;
  if (!isAbsent(fhirAuthorization) && !auth) return undefined;
  const prefetched = isPlainObject(prefetch) ? plainPrefetch(prefetch) : undefined;
  if (!isAbsent(prefetch) && !prefetched) return undefined;
  // zod sets a member the body has (null read as absent: undefined) and leaves out one it has not.
  const out: Record<string, unknown> = { hook, hookInstance };
  if ('fhirServer' in body) out.fhirServer = fhirServer ?? undefined;
  if ('fhirAuthorization' in body) out.fhirAuthorization = auth;
  out.context = context;
  if ('prefetch' in body) out.prefetch = prefetched;
  if ('extension' in body) out.extension = extension ?? undefined;
  return out as Envelope;
}

const USER_RE = Object.fromEntries(
  Object.entries(USER_TYPES).map(([hook, types]) => [hook, referencePattern(types)]),
) as Record<HookName, RegExp>;
const SELECTION_RE = new RegExp(SELECTION_PATTERN);
const isSelection = (v: unknown): boolean => typeof v === 'string' && SELECTION_RE.test(v);
const isDraftOrders = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  (v as { resourceType?: unknown }).resourceType === 'Bundle';

/**
 * What `HOOK_CONTRACTS[hook].context.safeParse(context)` returns as data when the context is plainly valid (members
 * in schema order, unknown ones left out, encounterId null read as absent); undefined to ask zod.
 */
function plainContext(hook: HookName, context: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(context)) return undefined;
  const { userId, patientId, encounterId, selections, draftOrders } = context;
  if (typeof userId !== 'string' || !USER_RE[hook].test(userId) || !isFhirId(patientId)) return undefined;
  if (!isAbsent(encounterId) && !isFhirId(encounterId)) return undefined;
  const out: Record<string, unknown> = { userId, patientId };
  if ('encounterId' in context) out.encounterId = encounterId ?? undefined;
  if (hook === 'order-select') {
    if (!Array.isArray(selections)) return undefined;
    // Indexed, not every(): a hole is a missing string to zod, and every() would skip it.
    for (let i = 0; i < selections.length; i++) if (!isSelection(selections[i])) return undefined;
    out.selections = [...selections];
  }
  if (hook !== 'patient-view') {
    if (!isDraftOrders(draftOrders)) return undefined;
    out.draftOrders = draftOrders;
  }
  return out;
}

function problemsOf(error: z.ZodError, prefix = ''): Problem[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    const where = prefix && path ? `${prefix}.${path}` : prefix || path;
    const missing = issue.message === 'is required';
    return {
      code: missing ? 'required' : 'invalid',
      diagnostics: where ? `${where} ${issue.message}` : issue.message,
      ...(where ? { expression: where } : {}),
    };
  });
}

/** What one call may bring: the rules' synchronous work grows with it (docs/performance.md). */
export interface RequestLimits {
  maxDraftOrders: number;
  maxPrefetchEntries: number;
}

function entryCount(value: unknown): number {
  const entry = typeof value === 'object' && value !== null ? (value as { entry?: unknown }).entry : undefined;
  return Array.isArray(entry) ? entry.length : 0;
}

/**
 * A call over a limit is refused whole (400), never decided on its first N orders: a card missing for order N + 1
 * would look like "no concern" to the clinician, and an EHR treats the 400 as "no decision support" instead.
 */
function overLimits(
  request: { context: Record<string, unknown>; prefetch?: Record<string, unknown> },
  limits: RequestLimits,
): Problem[] {
  const problems: Problem[] = [];
  const drafts = entryCount(request.context.draftOrders);
  if (drafts > limits.maxDraftOrders) {
    problems.push({
      code: 'too-costly',
      diagnostics: `context.draftOrders has ${drafts} entries; this service takes at most ${limits.maxDraftOrders} draft orders per call`,
      expression: 'context.draftOrders',
    });
  }
  for (const [key, value] of Object.entries(request.prefetch ?? {})) {
    const n = entryCount(value);
    if (n > limits.maxPrefetchEntries) {
      problems.push({
        code: 'too-costly',
        diagnostics: `prefetch.${key} has ${n} entries; this service takes at most ${limits.maxPrefetchEntries} entries per prefetch key`,
        expression: `prefetch.${key}`,
      });
    }
  }
  return problems;
}

/**
 * The clinician, where a client sends it beside the context instead of in it: the HL7 PDDI-CDS guide's example
 * requests carry `userId` (or `user`) at the top level, as CDS Hooks drafts before 1.0 did. `context.userId` wins
 * when both are there; nothing else moves.
 */
function withUserFromEnvelope(context: unknown, body: Record<string, unknown>): unknown {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return context;
  if ((context as Record<string, unknown>).userId !== undefined) return context;
  const user = typeof body.userId === 'string' ? body.userId : typeof body.user === 'string' ? body.user : undefined;
  return user ? { ...context, userId: user } : context;
}

function parsedEnvelope(body: unknown): Envelope {
  const env = envelope.safeParse(body);
  if (!env.success) throw new HttpProblem(400, problemsOf(env.error));
  return env.data;
}

function parsedContext(hook: HookName, context: unknown): Record<string, unknown> {
  const ctx = HOOK_CONTRACTS[hook].context.safeParse(context);
  if (!ctx.success) throw new HttpProblem(400, problemsOf(ctx.error, 'context'));
  return ctx.data as Record<string, unknown>;
}

/**
 * Validates a request body for the service that serves `hook`. Throws HttpProblem(400) naming every
 * problem found. Returns the request with unknown members left in place (they are ignored downstream).
 */
export function validateHookRequest(body: unknown, hook: HookName, limits?: RequestLimits): HookRequest<HookContext> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpProblem(400, [{ code: 'structure', diagnostics: 'the request body must be a JSON object' }]);
  }
  const request = plainEnvelope(body as Record<string, unknown>) ?? parsedEnvelope(body);

  const problems: Problem[] = [];
  if (request.hook !== hook) {
    problems.push({
      code: 'not-supported',
      diagnostics:
        request.hook === 'medication-prescribe'
          ? `hook must be ${hook}: medication-prescribe was retired from CDS Hooks (order-select and order-sign replace it)`
          : `hook must be ${hook}: this service does not serve the hook named in the request`,
      expression: 'hook',
    });
  }
  if (request.fhirAuthorization && !request.fhirServer) {
    problems.push({
      code: 'required',
      diagnostics: 'fhirServer is required when fhirAuthorization is present (cds-r-1)',
      expression: 'fhirServer',
    });
  }
  if (problems.length) throw new HttpProblem(400, problems);

  const received = withUserFromEnvelope(request.context, body as Record<string, unknown>);
  const checked = plainContext(hook, received) ?? parsedContext(hook, received);
  if (limits) {
    const over = overLimits(request, limits);
    if (over.length) throw new HttpProblem(400, over);
  }

  const context = { ...request.context, ...checked } as Record<string, unknown>;
  if (context.draftOrders !== undefined) context.draftOrders = withDraftIds(context.draftOrders);
  return {
    ...(body as Record<string, unknown>),
    ...request,
    context: context as HookContext,
  } as HookRequest<HookContext>;
}

/**
 * Ids given to draft orders the EHR sent without one (the HL7 PDDI-CDS guide's order-sign examples): findings can
 * then name their draft, so order-sign can leave out what order-select showed, matched by drug code as for any
 * draft. No action ever names such an id: the response drops it (src/cds/invoke.ts), since the EHR does not know it.
 */
export const UNIDENTIFIED_DRAFT = 'hookwise-unidentified-draft-';

function withDraftIds(draftOrders: unknown): unknown {
  // Only the order hooks' schemas require a Bundle: at patient-view an extra draftOrders may be anything, null too.
  if (!isObject(draftOrders)) return draftOrders;
  const entries = draftOrders.entry;
  if (!Array.isArray(entries) || !entries.some((e) => isDraftWithoutId(e))) return draftOrders;
  return {
    ...(draftOrders as Record<string, unknown>),
    entry: entries.map((e, i) =>
      isDraftWithoutId(e) ? { ...e, resource: { ...e.resource, id: `${UNIDENTIFIED_DRAFT}${i + 1}` } } : e,
    ),
  };
}

function isDraftWithoutId(e: unknown): e is { resource: Record<string, unknown> } {
  const r = typeof e === 'object' && e !== null ? (e as { resource?: unknown }).resource : undefined;
  return typeof r === 'object' && r !== null && !Array.isArray(r) && (r as { id?: unknown }).id === undefined;
}
