// Single hook calls with node:http, for the scenarios that need every response's status and body and its own
// latency (autocannon aggregates them away). No keep-alive: each call's socket closes with its response, so the
// child's socket count afterwards shows only what hookwise itself keeps open.
import http from 'node:http';

export interface CallResult {
  status: number;
  body: string;
  ms: number;
  /** The Server-Timing header, when the service sends one. */
  serverTiming?: string;
}

export function post(url: string, body: string, agent: http.Agent, timeoutMs = 15_000): Promise<CallResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const timing = res.headers['server-timing'];
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
            ...(typeof timing === 'string' ? { serverTiming: timing } : {}),
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** An agent that opens one socket per call and closes it after (no pooling), up to `maxSockets` at once. */
export function oneShotAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: false, maxSockets });
}

/** The number of cards in a {"cards": [...]} answer, or undefined when the body is not that shape. */
export function cardCount(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { cards?: unknown };
    return Array.isArray(parsed.cards) ? parsed.cards.length : undefined;
  } catch {
    return undefined;
  }
}

/** `gather;dur=1.2, decide;dur=0.8, total;dur=2.5` → { gather: 1.2, decide: 0.8, total: 2.5 }. */
export function parseServerTiming(header: string | undefined): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (name && dur) phases[name] = Number(dur.slice(4));
  }
  return phases;
}
