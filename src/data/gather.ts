// Gathers the data of one invocation (CDS Hooks 2.0, Prefetch: absent, null and error values):
//   key absent → fetch it; null → no data, do not fetch; OperationOutcome (as the value or inside the Bundle)
//   → not obtained, fetch; a Bundle with a `next` link → follow it up to the page cap.
//   Anything else unusable (not an object, no resourceType, another type than the one due, a Bundle whose entry
//   or link is malformed or has an entry without resource) → not obtained, fetch: one bad key never empties the
//   cards of the others. The same holds for what a read answers (see fhir-reader.ts).
// Every missing key is read from fhirServer at once (Promise.all, bounded by p-limit). A required key that
// cannot be obtained is reported so the caller answers 412; an optional one is left out of the data.
import pLimit from 'p-limit';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type { HookData, HookRequest, PrefetchValue } from '../cds/types.js';
import { grantRefusal, type FhirAccess } from '../auth/fhir-access.js';
import { bundleHasErrorOutcome, bundleShapeProblem, canonicalBase, FhirReader, FhirReadError, nextLink, type ReadOptions } from './fhir-reader.js';
import { renderTemplate, type CompiledTemplate } from './templates.js';
import { adoptUndeclared } from './undeclared-prefetch.js';
import { isObject } from '../json.js';

export type KeyOutcome =
  /** the EHR's prefetch was used as sent (or completed by following its next links) */
  | 'received'
  /** the EHR sent null: it has no data for this key */
  | 'null'
  /** read from fhirServer */
  | 'fetched'
  /** a token of the template has no value in this context (e.g. no draft with a Medication reference) */
  | 'not-applicable'
  /** the read was tried and failed, or the received value was unusable and could not be re-read */
  | 'failed'
  /** needed a read but there is no fhirServer (or no token it accepts) */
  | 'unavailable';

export interface PrefetchKey {
  key: string;
  template: CompiledTemplate;
  required: boolean;
  maxPages?: number;
}

export interface GatherOptions {
  now: Date;
  signal: AbortSignal;
  concurrency: number;
  pageCap: number;
  /** Whether and with which token fhirServer may be read, and what the grant allows. */
  access: FhirAccess;
  /** Called once per read of a key from fhirServer (all its pages, a token renewal included), for metrics. */
  onRead?: (observation: ReadObservation) => void;
}

/** One read of a prefetch key from fhirServer: how long it took and, when it failed, why. */
export interface ReadObservation {
  key: string;
  seconds: number;
  /** The error the read ended with (a FhirReadError for the FHIR server's failures); absent on success. */
  error?: unknown;
}

export interface Unobtained {
  key: string;
  reason: string;
}

export interface GatherResult {
  data: HookData;
  outcomes: Record<string, KeyOutcome>;
  /** Required keys that could not be obtained: the call answers 412 naming them. */
  missingRequired: Unobtained[];
  /** Keys whose Bundle stayed incomplete (page cap reached or a continuation failed). */
  partial: string[];
  /** Absent keys filled from prefetch the client sent under keys hookwise does not declare (by resource type). */
  adopted: string[];
}

type Received =
  | { kind: 'absent' }
  | { kind: 'null' }
  | { kind: 'unusable'; why: string }
  | { kind: 'resource'; resource: FhirResource };

/**
 * What the EHR sent for a key. Anything that is not a usable resource of the type due (`expected`: Bundle for a
 * search, the type named by a read) is unusable: that key alone is not obtained (re-read, else decided without).
 */
function classify(value: PrefetchValue | undefined, expected: string | undefined): Received {
  if (value === undefined) return { kind: 'absent' };
  if (value === null) return { kind: 'null' };
  if (!isObject(value) || typeof value.resourceType !== 'string') return { kind: 'unusable', why: 'not a FHIR resource' };
  const resource = value as unknown as FhirResource;
  if (resource.resourceType === 'OperationOutcome') return { kind: 'unusable', why: 'the EHR reported an OperationOutcome' };
  if (expected && resource.resourceType !== expected) return { kind: 'unusable', why: `a ${resource.resourceType} where a ${expected} is due` };
  if (resource.resourceType === 'Bundle') {
    const problem = bundleShapeProblem(resource);
    if (problem) return { kind: 'unusable', why: `a malformed Bundle: ${problem}` };
    if (bundleHasErrorOutcome(resource)) return { kind: 'unusable', why: 'the EHR reported an OperationOutcome inside the Bundle' };
  }
  return { kind: 'resource', resource };
}

/** The resource type a read of this template must answer: a Bundle for a search, the named type for a read. */
function expectedType(template: CompiledTemplate): string | undefined {
  return template.interaction === 'search' ? 'Bundle' : template.resourceType;
}

function describeFailure(error: unknown): string {
  if (error instanceof FhirReadError) {
    if (error.failure === 'http') return `the FHIR server answered ${error.status}`;
    if (error.failure === 'redirect') return `the FHIR server answered ${error.status} (a redirect: never followed with a token)`;
    if (error.failure === 'wrong-type') return 'the FHIR server answered with a resource of another type than the one read';
    if (error.failure === 'off-base') return 'the URL to read is not under fhirServer';
    if (error.failure === 'aborted') return 'the read was aborted at the deadline';
    if (error.failure === 'operation-outcome') return 'the FHIR server answered with an OperationOutcome';
    if (error.failure === 'not-fhir') return 'the FHIR server answered with something that is not a FHIR resource';
    return 'the FHIR server could not be reached';
  }
  return 'the read failed';
}

/** Keys in order of dependency ({{%key…}}): a key is read after every key it reads, each level all at once. */
interface KeyPlan {
  levels: PrefetchKey[][];
  declared: ReadonlySet<string>;
}

/** A service's keys are fixed at registration: their plan is worked out once per keys array. */
const plans = new WeakMap<readonly PrefetchKey[], KeyPlan>();

function planOf(keys: readonly PrefetchKey[]): KeyPlan {
  let plan = plans.get(keys);
  if (plan) return plan;
  // The registry allows only keys declared earlier, so one pass gives every key its level.
  const level = new Map<string, number>();
  for (const k of keys) level.set(k.key, Math.max(-1, ...k.template.dependsOn.map((d) => level.get(d) ?? 0)) + 1);
  const deepest = Math.max(0, ...level.values());
  const levels: PrefetchKey[][] = [];
  for (let l = 0; l <= deepest; l++) levels.push(keys.filter((k) => level.get(k.key) === l));
  plan = { levels, declared: new Set(keys.map((k) => k.key)) };
  plans.set(keys, plan);
  return plan;
}

/**
 * One call's gathering. What only reads need (the reader, the concurrency limit, the token and its renewal) is
 * made at the first read: a call with full prefetch reads nothing and makes none of it.
 */
class Gathering {
  readonly data: HookData = {};
  readonly outcomes: Record<string, KeyOutcome> = {};
  readonly missingRequired: Unobtained[] = [];
  readonly partial: string[] = [];
  readonly adopted: string[] = [];
  private readonly context: Record<string, unknown>;
  private readonly patientId: string;
  private token: string | undefined;
  private renewal: Promise<string | undefined> | undefined;
  private limiter: ReturnType<typeof pLimit> | undefined;
  private reader: FhirReader | null | undefined;

  constructor(
    private readonly request: HookRequest,
    private readonly options: GatherOptions,
    private readonly declared: ReadonlySet<string>,
  ) {
    this.context = request.context as unknown as Record<string, unknown>;
    this.patientId = String(this.context.patientId ?? '');
    this.token = options.access.accessToken;
  }

  /** The reader of fhirServer, or null: a fhirServer without a canonical base is never read (resolveFhirAccess blocks it, saying why). */
  private readerOf(): FhirReader | null {
    if (this.reader === undefined) {
      const server = this.request.fhirServer;
      this.reader = server && canonicalBase(server) ? new FhirReader(server) : null;
    }
    return this.reader;
  }

  private limit<T>(read: () => Promise<T>): Promise<T> {
    return (this.limiter ??= pLimit(this.options.concurrency))(read);
  }

  private readOptions(k: PrefetchKey): ReadOptions {
    const { options, token } = this;
    return {
      signal: options.signal,
      pageCap: Math.min(options.pageCap, k.maxPages ?? options.pageCap),
      ...(token ? { accessToken: token } : {}),
    };
  }

  /** Reads once; after a 401 with hookwise's own token, renews it (once per invocation) and reads again. */
  private async withRenewal<T>(read: () => Promise<T>): Promise<T> {
    const { access } = this.options;
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof FhirReadError && error.status === 401 && access.renew)) throw error;
      const used = this.token;
      this.renewal ??= access.renew();
      const fresh = await this.renewal;
      if (!fresh || fresh === used) throw error;
      this.token = fresh;
      return read();
    }
  }

  /** Times one read of a key (inside the concurrency limit, so waiting for a slot does not count). */
  private async timed<T>(k: PrefetchKey, read: () => Promise<T>): Promise<T> {
    const { onRead } = this.options;
    const started = performance.now();
    try {
      const result = await read();
      onRead?.({ key: k.key, seconds: (performance.now() - started) / 1000 });
      return result;
    } catch (error) {
      onRead?.({ key: k.key, seconds: (performance.now() - started) / 1000, error });
      throw error;
    }
  }

  private settle(k: PrefetchKey, outcome: KeyOutcome, reason?: string): void {
    this.outcomes[k.key] = outcome;
    if ((outcome === 'failed' || outcome === 'unavailable') && k.required) {
      this.missingRequired.push({ key: k.key, reason: reason ?? 'it could not be obtained' });
    }
  }

  private async fetchKey(k: PrefetchKey, why: string): Promise<void> {
    const { outcomes, options, data } = this;
    const { access } = options;
    const lost = k.template.dependsOn.find((d) => outcomes[d] === 'failed' || outcomes[d] === 'unavailable');
    if (lost) {
      this.settle(k, 'failed', `${why} and the prefetch key '${lost}' it is built from could not be obtained`);
      return;
    }
    const rendered = renderTemplate(k.template, this.context, options.now, data);
    if (!rendered.ok) {
      data[k.key] = null;
      this.settle(k, 'not-applicable');
      return;
    }
    const reader = this.readerOf();
    if (!reader) {
      this.settle(k, 'unavailable', `${why} and ${access.blocked ?? 'the request has no fhirServer to read it from'}`);
      return;
    }
    const refusal = access.blocked ?? grantRefusal(access, k.template.resourceType, k.template.interaction, rendered.url, this.patientId);
    if (refusal) {
      this.settle(k, 'unavailable', `${why} and ${refusal}`);
      return;
    }
    try {
      const result = await this.limit(() =>
        this.timed(k, () => this.withRenewal(() => reader.read(rendered.url, this.readOptions(k), expectedType(k.template)))),
      );
      data[k.key] = result.resource;
      if (result.truncated) this.partial.push(k.key);
      this.settle(k, 'fetched');
    } catch (error) {
      this.settle(k, 'failed', `${why} and ${describeFailure(error)}`);
    }
  }

  private async continueKey(k: PrefetchKey, bundle: Bundle): Promise<void> {
    this.data[k.key] = bundle;
    this.settle(k, 'received');
    const reader = this.readerOf();
    if (!reader || this.options.access.blocked) {
      this.partial.push(k.key);
      return;
    }
    try {
      const result = await this.limit(() => this.timed(k, () => this.withRenewal(() => reader.continuePages(bundle, 1, this.readOptions(k)))));
      this.data[k.key] = result.resource;
      if (result.truncated) this.partial.push(k.key);
    } catch {
      // Keep the page the EHR sent: an incomplete list is better than none, and it is logged as partial.
      this.partial.push(k.key);
    }
  }

  /** Takes what the EHR sent for each key of a level; what must be read or followed is started, and returned. */
  receive(levelKeys: readonly PrefetchKey[]): Array<Promise<void>> {
    const { request, data } = this;
    const work: Array<Promise<void>> = [];
    for (const k of levelKeys) {
      const received = classify(request.prefetch?.[k.key], expectedType(k.template));
      switch (received.kind) {
        case 'null':
          data[k.key] = null;
          this.settle(k, 'null');
          break;
        case 'absent': {
          const adopted =
            k.template.resourceType && k.template.interaction !== undefined
              ? adoptUndeclared(request.prefetch, this.declared, {
                  resourceType: k.template.resourceType,
                  interaction: k.template.interaction,
                  patientId: this.patientId,
                })
              : undefined;
          if (adopted) {
            data[k.key] = adopted.value;
            this.settle(k, 'received');
            this.adopted.push(k.key);
          } else work.push(this.fetchKey(k, `prefetch key '${k.key}' was not sent`));
          break;
        }
        case 'unusable':
          work.push(this.fetchKey(k, `prefetch key '${k.key}' was unusable (${received.why})`));
          break;
        case 'resource': {
          const r = received.resource;
          if (r.resourceType === 'Bundle' && nextLink(r)) work.push(this.continueKey(k, r));
          else {
            data[k.key] = r;
            this.settle(k, 'received');
          }
          break;
        }
      }
    }
    return work;
  }
}

export async function gather(request: HookRequest, keys: PrefetchKey[], options: GatherOptions): Promise<GatherResult> {
  const plan = planOf(keys);
  const run = new Gathering(request, options, plan.declared);
  // Level by level: a key is read after every key it reads. A level with nothing to read is not awaited.
  for (const level of plan.levels) {
    const work = run.receive(level);
    if (work.length) await Promise.all(work);
  }
  return { data: run.data, outcomes: run.outcomes, missingRequired: run.missingRequired, partial: run.partial, adopted: run.adopted };
}
