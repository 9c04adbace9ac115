// Reads from the EHR's FHIR server with fhirclient: one GET per prefetch key, Authorization: Bearer, an
// AbortSignal on every request (the deadline aborts reads still in flight), and Bundle `next` links followed
// up to a page cap, only while they stay under the same base: a token never travels to another host.
// Redirects are never followed (redirect: 'manual'): a 3xx answer is a failed read, so a token cannot be
// carried off the allow-listed base by a Location header (fetch keeps Authorization on same-host redirects).
// Every URL is resolved with WHATWG URL and checked to be under the canonical base before the token is sent.
import smart from 'fhirclient';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { canonicalBase, isUnderBase } from '../util/fhir-base.js';
import { isObject } from '../json.js';

export { canonicalBase, isUnderBase };

// fhirclient's Node entry exports its plain FHIR client as smart.FhirClient; its top-level typings omit it.
type FhirClientClass = import('fhirclient/lib/FhirClient.js').default;
const FhirClient = (smart as unknown as { FhirClient: new (base: string) => FhirClientClass }).FhirClient;

export type FhirReadFailure = 'http' | 'redirect' | 'network' | 'aborted' | 'not-fhir' | 'operation-outcome' | 'wrong-type' | 'off-base';

export class FhirReadError extends Error {
  override name = 'FhirReadError';
  constructor(
    readonly failure: FhirReadFailure,
    readonly status?: number,
  ) {
    super(status ? `FHIR read failed: ${failure} ${status}` : `FHIR read failed: ${failure}`);
  }
}

export interface ReadOptions {
  signal: AbortSignal;
  accessToken?: string;
  /** Pages at most, the first included. */
  pageCap: number;
}

export interface ReadResult {
  resource: FhirResource;
  pages: number;
  /** A next link remained when the page cap was reached (or pointed off-server). */
  truncated: boolean;
}

/**
 * Why a Bundle's shape is unusable (entry or link not arrays of objects, an entry without a resource), or
 * undefined when it can be read. The rules and the `next`-link code may then trust `entry[].resource.resourceType`.
 */
export function bundleShapeProblem(bundle: FhirResource): string | undefined {
  const { entry, link } = bundle as unknown as { entry?: unknown; link?: unknown };
  if (entry !== undefined) {
    if (!Array.isArray(entry)) return 'its entry is not an array';
    for (const e of entry) {
      if (!isObject(e)) return 'an entry is not an object';
      if (!isObject(e.resource) || typeof e.resource.resourceType !== 'string') return 'an entry has no resource';
    }
  }
  if (link !== undefined && (!Array.isArray(link) || !link.every(isObject))) return 'its link is not an array of objects';
  return undefined;
}

function isResource(value: unknown): value is FhirResource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next' && typeof l.url === 'string')?.url;
}

/** True when a Bundle carries an OperationOutcome entry that reports an error (not just information). */
export function bundleHasErrorOutcome(bundle: Bundle): boolean {
  return (bundle.entry ?? []).some((e) => {
    const r = e.resource;
    if (!r || r.resourceType !== 'OperationOutcome') return false;
    const searchMode = e.search?.mode;
    // The EHR's JSON, not a checked OperationOutcome: an issue list that is missing or not objects reports no error.
    const issues: unknown = r.issue;
    return (
      searchMode !== 'outcome' ||
      (Array.isArray(issues) && issues.some((i) => isObject(i) && (i.severity === 'error' || i.severity === 'fatal')))
    );
  });
}

export class FhirReader {
  private readonly client: FhirClientClass;
  readonly base: string;

  /** Throws when fhirServer has no canonical base (resolveFhirAccess blocks such a server before this). */
  constructor(fhirServer: string) {
    const base = canonicalBase(fhirServer);
    if (!base) throw new FhirReadError('off-base');
    this.base = base;
    this.client = new FhirClient(this.base);
  }

  private async get(url: string, options: ReadOptions, expected?: string): Promise<FhirResource> {
    // Resolved here (WHATWG), checked, and passed on absolute: fhirclient's own joining is string concatenation.
    let target: string;
    try {
      target = new URL(url, this.base).href;
    } catch {
      throw new FhirReadError('off-base');
    }
    if (!isUnderBase(target, this.base)) throw new FhirReadError('off-base');
    const headers: Record<string, string> = { accept: 'application/fhir+json, application/json;q=0.9' };
    if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
    let body: unknown;
    try {
      body = await this.client.fhirRequest(target, { headers, signal: options.signal, cache: 'no-store', redirect: 'manual' });
    } catch (error) {
      if (options.signal.aborted) throw new FhirReadError('aborted');
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number') throw new FhirReadError(status >= 300 && status < 400 ? 'redirect' : 'http', status);
      throw new FhirReadError('network');
    }
    if (!isResource(body)) throw new FhirReadError('not-fhir');
    if (body.resourceType === 'OperationOutcome') throw new FhirReadError('operation-outcome');
    if (expected && body.resourceType !== expected) throw new FhirReadError('wrong-type');
    if (body.resourceType === 'Bundle' && bundleShapeProblem(body)) throw new FhirReadError('not-fhir');
    return body;
  }

  /**
   * Reads a rendered template (relative to the base) and follows `next` links up to the page cap. `expected`:
   * the resource type due (Bundle for a search); another type is a failed read ('wrong-type').
   */
  async read(relativeUrl: string, options: ReadOptions, expected?: string): Promise<ReadResult> {
    const first = await this.get(relativeUrl, options, expected);
    if (first.resourceType !== 'Bundle') return { resource: first, pages: 1, truncated: false };
    return this.continuePages(first, 1, options);
  }

  /**
   * Follows `next` links of a Bundle already in hand (received as prefetch, or read here) and returns one
   * Bundle holding every entry read. `pagesSoFar` counts the pages already in `bundle`.
   */
  async continuePages(bundle: Bundle, pagesSoFar: number, options: ReadOptions): Promise<ReadResult> {
    const entries: BundleEntry[] = [...(bundle.entry ?? [])];
    let pages = pagesSoFar;
    let next = nextLink(bundle);
    while (next && pages < options.pageCap && isUnderBase(next, this.base)) {
      const page = (await this.get(next, options, 'Bundle')) as Bundle;
      if (bundleHasErrorOutcome(page)) throw new FhirReadError('operation-outcome');
      entries.push(...(page.entry ?? []));
      pages += 1;
      next = nextLink(page);
    }
    const merged: Bundle = { ...bundle, entry: entries };
    const otherLinks = (bundle.link ?? []).filter((l) => l.relation !== 'next');
    if (otherLinks.length) merged.link = otherLinks;
    else delete merged.link;
    if (entries.length === 0) delete merged.entry;
    return { resource: merged, pages, truncated: next !== undefined };
  }
}
