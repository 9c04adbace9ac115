// Load generation with autocannon's programmatic API, reduced to the figures the report needs.
import autocannon from 'autocannon';

export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  /** Completed responses per second over the whole run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  /** Connection errors and timeouts: a request that got no response at all. */
  errors: number;
  statuses: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** One body for every request (POST), or a list autocannon cycles through on each connection. */
  body?: string;
  requests?: autocannon.Request[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function summarize(result: autocannon.Result): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    connections: result.connections,
    durationS: result.duration,
    requests,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: JSON_HEADERS,
    connections: options.connections,
    duration: options.durationS,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.requests ? { requests: options.requests } : {}),
  });
  return summarize(result);
}

/** Requests for a mixed run: each entry posts one body to its path; autocannon cycles through them. */
export function mixedRequests(entries: Array<{ path: string; body: string }>): autocannon.Request[] {
  return entries.map((e) => ({ method: 'POST', path: e.path, headers: JSON_HEADERS, body: e.body }));
}
