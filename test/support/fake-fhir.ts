// A FHIR server for failure injection, started on 127.0.0.1 inside a test. It records every request (path and
// Authorization header), the peak number of requests in flight, and which requests saw their connection closed
// by the client before an answer.
import http from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

export type Route = (
  url: URL,
  req: http.IncomingMessage,
) =>
  | {
      status?: number;
      body?: unknown;
      delayMs?: number;
      hang?: boolean;
      contentType?: string;
      headers?: Record<string, string>;
    }
  | undefined;

export interface FakeFhir {
  base: string;
  seen: Seen[];
  maxInFlight: number;
  closedEarly: number;
  close(): Promise<void>;
}

export async function startFakeFhir(route: Route): Promise<FakeFhir> {
  let inFlight = 0;
  const state: Omit<FakeFhir, 'close' | 'base'> = { seen: [], maxInFlight: 0, closedEarly: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    state.seen.push({
      method: req.method ?? 'GET',
      url: url.pathname + url.search,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight -= 1;
      }
    };
    res.on('close', () => {
      if (!res.writableEnded) state.closedEarly += 1;
      finish();
    });
    const answer = route(url, req) ?? {
      status: 404,
      body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
    };
    if (answer.hang) return;
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status ?? 200, {
        'content-type': answer.contentType ?? 'application/fhir+json',
        ...(answer.headers ?? {}),
      });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
      finish();
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  });
  const { port, close } = await listenOnLoopback(server);
  const fake = state as FakeFhir;
  fake.base = `http://127.0.0.1:${port}/fhir`;
  fake.close = close;
  return fake;
}

export function searchset(resources: unknown[], next?: string): Record<string, unknown> {
  const bundle: Record<string, unknown> = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
  if (next) bundle.link = [{ relation: 'next', url: next }];
  return bundle;
}
