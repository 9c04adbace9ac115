// The contract every module in hooks/ fulfils: a discovery entry, its prefetch templates (from prefetch/),
// and a pure decision function (context, data, knowledge, clock) -> cards. No I/O happens in `decide`.
// A module may add an asynchronous card source (`propose`, e.g. a model) that gets the time left before the
// hook's deadline and must answer within it.
import type { Knowledge } from '../knowledge/index.js';
import type { ContextOf, HookName } from './hook-contracts.js';
import type { Card, HookContext, HookData } from './types.js';

export interface PrefetchKeySpec {
  /** A CDS Hooks prefetch template, relative to fhirServer. */
  template: string;
  /** Required: the hook cannot decide without it, so an unobtainable key answers 412. */
  required: boolean;
  /** Why the service reads it; shown to integrators in usageRequirements. */
  purpose: string;
  /** Pages to read at most for this key (default: FHIR_PAGE_CAP); 1 for "latest N" searches. */
  maxPages?: number;
}

export type PrefetchSpec = Record<string, PrefetchKeySpec>;

export interface DecisionInput<C extends HookContext = HookContext> {
  context: C;
  /** One entry per prefetch key that was obtained: the resource or Bundle, or null for "no data". */
  data: HookData;
  knowledge: Knowledge;
  /** The clock of this invocation: every date window is measured from it. */
  now: Date;
}

/** What an asynchronous card source is given besides the decision input. */
export interface ProposeContext {
  /** Aborted once the hook call has been answered. */
  signal: AbortSignal;
  /** Milliseconds left before the answer must be written: `propose` settles within them. */
  budgetMs: number;
  /** The patient's keyed hash in the ledger (never the id). */
  patient: string;
  hookInstance: string;
  /** The service runs in shadow mode: what it proposes is recorded, never sent. */
  shadow: boolean;
}

export interface HookModule<C extends HookContext = HookContext> {
  id: string;
  /** A hook with a contract in hook-contracts.ts: its requests are validated against that context schema. */
  hook: HookName;
  title: string;
  description: string;
  prefetch: PrefetchSpec;
  /**
   * The id of the service whose shown cards this one may leave out as repeats, when the EHR asks (the PDDI guide's
   * order-select → order-sign coordination; see src/cds/order-memory.ts). That service then remembers what it shows.
   */
  filtersRepeatsOf?: string;
  /** Cards without uuids; the pipeline stamps uuids and checks the response contract. */
  decide(input: DecisionInput<C>): Card[];
  /**
   * Optional asynchronous card source, run after `decide` on the same input within the hook's remaining time.
   * Settles within `budgetMs` and never rejects (a failure is its own business: it answers no cards).
   */
  propose?(input: DecisionInput<C>, context: ProposeContext): Promise<Card[]>;
}

/**
 * A service module typed by its hook: `decide` and `propose` are given that hook's context. Function-typed members
 * (not methods), so a `decide` written for another hook's context is a type error, not a bivariant pass.
 */
export type ServiceModule<H extends HookName> = Omit<HookModule<ContextOf<H>>, 'hook' | 'decide' | 'propose'> & {
  hook: H;
  decide: (input: DecisionInput<ContextOf<H>>) => Card[];
  propose?: (input: DecisionInput<ContextOf<H>>, context: ProposeContext) => Promise<Card[]>;
};

/**
 * Declares a service module in hooks/ (`defineService({ id, hook: 'order-sign', …, decide })`), checked against its
 * hook's context type, and returns it as the registry lists it. The widening is sound: a request reaches `decide`
 * only after validate-request.ts parsed its context with the schema of `module.hook`.
 */
export function defineService<H extends HookName>(module: ServiceModule<H>): HookModule {
  return module as HookModule;
}
