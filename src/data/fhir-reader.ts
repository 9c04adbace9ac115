// Reads from the EHR's FHIR server with fhirclient: one GET per prefetch key, Authorization: Bearer, an
// AbortSignal on every request (the deadline aborts reads still in flight), and Bundle `next` links followed
// up to a page cap, only while they stay on the same server: a token never travels to another host.
import smart from 'fhirclient';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';

// fhirclient's Node entry exports its plain FHIR client as smart.FhirClient; its top-level typings omit it.
type FhirClientClass = import('fhirclient/lib/FhirClient.js').default;
const FhirClient = (smart as unknown as { FhirClient: new (base: string) => FhirClientClass }).FhirClient;

export type FhirReadFailure = 'http' | 'network' | 'aborted' | 'not-fhir' | 'operation-outcome';

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

/** The base with exactly one trailing slash, so relative URLs resolve beneath it. */
export function normalizeBase(fhirServer: string): string {
  return fhirServer.replace(/\/+$/, '') + '/';
}

export function isUnderBase(url: string, base: string): boolean {
  try {
    const u = new URL(url);
    const b = new URL(base);
    return u.origin === b.origin && u.pathname.startsWith(b.pathname);
  } catch {
    return false;
  }
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
    return searchMode !== 'outcome' || r.issue.some((i) => i.severity === 'error' || i.severity === 'fatal');
  });
}

export class FhirReader {
  private readonly client: FhirClientClass;
  readonly base: string;

  constructor(fhirServer: string) {
    this.base = normalizeBase(fhirServer);
    this.client = new FhirClient(this.base);
  }

  private async get(url: string, options: ReadOptions): Promise<FhirResource> {
    const headers: Record<string, string> = { accept: 'application/fhir+json, application/json;q=0.9' };
    if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
    let body: unknown;
    try {
      body = await this.client.fhirRequest(url, { headers, signal: options.signal, cache: 'no-store' });
    } catch (error) {
      if (options.signal.aborted) throw new FhirReadError('aborted');
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number') throw new FhirReadError('http', status);
      throw new FhirReadError('network');
    }
    if (!isResource(body)) throw new FhirReadError('not-fhir');
    if (body.resourceType === 'OperationOutcome') throw new FhirReadError('operation-outcome');
    return body;
  }

  /** Reads a rendered template (relative to the base) and follows `next` links up to the page cap. */
  async read(relativeUrl: string, options: ReadOptions): Promise<ReadResult> {
    const first = await this.get(relativeUrl, options);
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
      const page = await this.get(next, options);
      if (page.resourceType !== 'Bundle') throw new FhirReadError('not-fhir');
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
