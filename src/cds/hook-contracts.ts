// Each hook hookwise serves, declared once: its context schema (CDS Hooks library STU1 1.0.1) and the context fields
// its prefetch templates may use as tokens (spec §2.1.1: primitive fields as {{context.x}}, complex ones through
// their FHIR contents). The rest is derived from this table: the context types (`ContextOf`, z.infer), request
// validation (validate-request.ts), template compiling and discovery (registry.ts). A new hook is one entry here.
import { z } from 'zod';
import type { TokenFields } from '../data/templates.js';
import type { DraftOrdersBundle } from './types.js';

/** A zod message that tells a missing member from a wrong one. */
export const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

export const text = (what = 'a non-empty string') =>
  z.string({ error: required(what) }).min(1, { error: `must be ${what}` });

/** Optional members a client sent as null are treated as absent (some clients serialize absent as null). */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null ? undefined : v), schema.optional());

export const FHIR_ID = '[A-Za-z0-9\\-.]{1,64}';
export const fhirId = text().regex(new RegExp(`^${FHIR_ID}$`), {
  error: 'must be a FHIR id (letters, digits, - and ., at most 64)',
});
/** `Type/id` for one of `types`: the schema below and validate-request.ts's quick check both read it. */
export const referencePattern = (types: readonly string[]): RegExp => new RegExp(`^(${types.join('|')})/${FHIR_ID}$`);
const reference = (types: readonly string[]) =>
  text().regex(referencePattern(types), {
    error: `must be a reference ${types.join('|')}/<id>`,
  });

// The FHIR inside is read leniently: draftOrders must be a Bundle, its entries are plain JSON.
const draftOrders = z.custom<DraftOrdersBundle>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    (v as { resourceType?: unknown }).resourceType === 'Bundle',
  { error: required('a FHIR Bundle') },
);

/** Who may be the user of each hook (userId's resource types). validate-request.ts's quick check reads it too. */
export const USER_TYPES = {
  'patient-view': ['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson'],
  'order-select': ['Practitioner', 'PractitionerRole'],
  'order-sign': ['Practitioner', 'PractitionerRole'],
} as const;
/** A selection: Type/id. */
export const SELECTION_PATTERN = `^[A-Z][A-Za-z]+/${FHIR_ID}$`;
/** userId, patientId and encounterId are prefetch tokens in every hook of the library. */
const BASE_TOKENS = ['userId', 'patientId', 'encounterId'] as const;

interface HookContract {
  context: z.ZodType;
  tokens: TokenFields;
}

export const HOOK_CONTRACTS = {
  'patient-view': {
    context: z.object({
      userId: reference(USER_TYPES['patient-view']),
      patientId: fhirId,
      encounterId: optional(fhirId),
    }),
    tokens: { primitive: BASE_TOKENS, complex: [] },
  },
  'order-select': {
    context: z.object({
      userId: reference(USER_TYPES['order-select']),
      patientId: fhirId,
      encounterId: optional(fhirId),
      // The library says 1..*, the Tools IG 0..*: required, but an empty array is tolerated.
      selections: z.array(text().regex(new RegExp(SELECTION_PATTERN), { error: 'must be Type/id' }), {
        error: required('an array of Type/id strings'),
      }),
      draftOrders,
    }),
    tokens: { primitive: BASE_TOKENS, complex: ['draftOrders', 'selections'] },
  },
  'order-sign': {
    context: z.object({
      userId: reference(USER_TYPES['order-sign']),
      patientId: fhirId,
      encounterId: optional(fhirId),
      draftOrders,
    }),
    tokens: { primitive: BASE_TOKENS, complex: ['draftOrders'] },
  },
} as const satisfies Record<string, HookContract>;

/** The hooks hookwise serves. */
export type HookName = keyof typeof HOOK_CONTRACTS;
export const HOOK_NAMES = Object.keys(HOOK_CONTRACTS) as HookName[];

/** The context a validated request of hook `H` carries. */
export type ContextOf<H extends HookName> = z.output<(typeof HOOK_CONTRACTS)[H]['context']>;

export function isHookName(name: string): name is HookName {
  return Object.hasOwn(HOOK_CONTRACTS, name);
}
