// CDS Hooks 2.0 wire types (https://cds-hooks.hl7.org/2.0/#calling-a-cds-service, #cds-service-response), written for what hookwise sends and receives.
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type { ContextOf, HookName } from './hook-contracts.js';
import type { JsonObject } from '../json.js';
import { INDICATORS, type Indicator } from '../cds-hooks.js';

export type { Indicator };
export { INDICATORS };

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface Source {
  label: string;
  url?: string;
  icon?: string;
  topic?: Coding;
}

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: FhirResource;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid?: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

/**
 * What a card is about, for suppression: never sent. `key` names the finding independently of the patient and
 * of resource ids (e.g. the rule and the drugs), `drafts` the draft orders (Type/id) it concerns.
 */
export interface CardFinding {
  key: string;
  drafts?: string[];
  /** Further findings merged into this card (grouped by draft order), each with its own tier. */
  also?: Array<{ key: string; indicator: Indicator }>;
  /** What the finding rests on, for integrators: sent in the card's trace extension, never in its text. */
  trace?: CardTrace;
}

/** The facts behind a card that its text leaves out (§4 of the clinical-depth issue: no ids or codes in text). */
export interface CardTrace {
  /** FHIR references (`Type/id`) of the records the finding read: orders, observations, allergies. */
  resources?: string[];
  /** The codes it matched, as `system|code` (RxNorm ingredients, LOINC, SNOMED CT). */
  codes?: string[];
}

export interface Card {
  /** Internal: stripped before the response is sent. */
  finding?: CardFinding;
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: Source;
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
  /** Implementation-specific data (spec §2.4 `extension`): e.g. the AI review's model, prompt and confidence. */
  extension?: JsonObject;
}

export interface CdsResponse {
  cards: Card[];
  systemActions?: Action[];
}

export interface FhirAuthorization {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  subject: string;
  patient?: string;
}

export type { JsonObject };

/**
 * A prefetch value as received: a FHIR resource or null (no data) — or anything else JSON, which the gathering
 * treats as that key's problem only (not obtained: re-read, else decided without).
 */
export type PrefetchValue = JsonObject | unknown[] | string | number | boolean | null;

export interface HookRequest<C = HookContext> {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: C;
  prefetch?: Record<string, PrefetchValue>;
  extension?: JsonObject;
}

/**
 * draftOrders as received. The sandbox omits Bundle.type and may send DSTU2/STU3 resources, so entries
 * are kept as plain JSON: rules read them leniently.
 */
export interface DraftOrdersBundle {
  resourceType: 'Bundle';
  type?: string;
  entry?: Array<{ resource?: JsonObject; [key: string]: unknown }>;
  [key: string]: unknown;
}

// The contexts are derived from the hook contracts (hook-contracts.ts): declared once, validated as typed.
export type PatientViewContext = ContextOf<'patient-view'>;
export type OrderSelectContext = ContextOf<'order-select'>;
export type OrderSignContext = ContextOf<'order-sign'>;
export type HookContext = ContextOf<HookName>;

/** Data handed to a handler per prefetch key: a resource/Bundle, or null when there is no data for it. */
export type HookData = Record<string, FhirResource | Bundle | null>;

export interface ServiceDefinition {
  hook: string;
  id: string;
  title?: string;
  description: string;
  prefetch?: Record<string, string>;
  usageRequirements?: string;
}
