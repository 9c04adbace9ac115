// The process as `npm start` runs it, under the faults of issue 9: the request that used to end the process (its
// body finishes arriving at the deadline, with an optional prefetch Bundle holding a null entry) is answered, and
// the next call is served; what Node's parser refuses (headers over the limit) gets a 431 OperationOutcome.
import { describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { fixture } from '../support/fixtures.js';
import {
  listeningPort,
  logLinesOnce,
  rawExchange,
  startServer,
  type ServerProcess,
} from '../support/server-process.js';

/** hookwise as a child process on a free port of 127.0.0.1. */
const start = (env: Record<string, string>) => startServer({ PORT: '0', HOST: '127.0.0.1', ...env });
const listening = (p: ServerProcess) => listeningPort(p, 15000);

/** POSTs a body whose second half is sent `pauseMs` after the headers and first half. */
function slowPost(
  port: number,
  path: string,
  body: string,
  pauseMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(() => req.end(body.slice(half)), pauseMs);
  });
}

describe('the service process under faults', () => {
  it('answers a call whose body finishes arriving at the deadline, then serves the next call', async () => {
    const p = start({ HOOK_DEADLINE_MS: '1000' });
    try {
      const port = await listening(p);
      const crashing = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      delete crashing.fhirServer;
      delete crashing.fhirAuthorization;
      crashing.prefetch.egfr = { resourceType: 'Bundle', type: 'searchset', entry: [null] };
      const first = await slowPost(port, '/cds-services/order-sign', JSON.stringify(crashing), 1200);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toEqual({ cards: [] });
      // Give a stray rejection the time to end the process, as it did before the fix.
      await new Promise((r) => setTimeout(r, 300));
      expect(p.child.exitCode).toBe(null);

      const normal = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      delete normal.fhirServer;
      delete normal.fhirAuthorization;
      const second = await slowPost(port, '/cds-services/order-sign', JSON.stringify(normal), 0);
      expect(second.status).toBe(200);
      expect(JSON.parse(second.text).cards).toHaveLength(1);

      const invocations = (lines: Array<Record<string, unknown>>) =>
        lines.filter((l) => l.message === 'hook invocation');
      const lines = await logLinesOnce(p, (ls) => invocations(ls).length >= 2);
      expect(lines.filter((l) => l.message === 'hook invocation').map((l) => l.outcome)).toEqual(['timeout', 'ok']);
      expect(p.out() + p.err()).not.toContain('Marguerite');
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });

  it('answers headers over the limit with 431 and an OperationOutcome, and keeps serving', async () => {
    const p = start({});
    try {
      const port = await listening(p);
      const answer = await rawExchange(
        port,
        `GET /cds-services HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`,
      );
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        resourceType: 'OperationOutcome',
      });
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });
});
