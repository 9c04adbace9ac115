// 4xx, never 5xx (issue 9): corrupt or truncated compressed bodies and malformed percent-encoding in a path are
// 400, a request line or headers over the limit 431, a request line Node cannot parse 400 — each with an
// OperationOutcome body, and none of them logged as an internal error.
import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { buildApp } from '../support/app.js';
import { rawExchange } from '../support/server-process.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { installClientErrorHandler } from '../../src/http-errors.js';
import { createLogger } from '../../src/log.js';

function isOperationOutcome(body: unknown): boolean {
  const b = body as { resourceType?: unknown; issue?: Array<{ severity?: unknown; code?: unknown }> };
  return (
    b?.resourceType === 'OperationOutcome' &&
    Array.isArray(b.issue) &&
    b.issue.length > 0 &&
    b.issue.every((i) => typeof i.code === 'string')
  );
}

const json = Buffer.from(JSON.stringify({ hook: 'order-sign', hookInstance: 'x', context: {} }));
const gz = gzipSync(json);
const df = deflateSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(4000) })));
const br = brotliCompressSync(json);

describe('compressed bodies that cannot be decompressed', () => {
  it.each<[string, string, Buffer]>([
    ['corrupt gzip', 'gzip', Buffer.from('this is not gzip at all')],
    ['truncated gzip', 'gzip', gz.subarray(0, gz.length - 6)],
    ['gzip with a flipped byte', 'gzip', Buffer.from(gz.map((b, i) => (i === 12 ? b ^ 0xff : b)))],
    ['corrupt deflate', 'deflate', Buffer.from('garbage!!')],
    ['truncated deflate', 'deflate', df.subarray(0, 20)],
    ['corrupt brotli', 'br', Buffer.from([0x1b, 0xff, 0xff, 0xff, 0x00])],
    ['truncated brotli', 'br', br.subarray(0, 3)],
  ])('%s: 400 with an OperationOutcome, not an internal error', async (_what, encoding, body) => {
    const { app, logs } = await buildApp();
    for (const path of ['/cds-services/order-sign', '/cds-services/order-sign/feedback']) {
      const res = await request(app)
        .post(path)
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(isOperationOutcome(JSON.parse(res.text))).toBe(true);
      expect(res.text).toContain('could not be decompressed');
    }
    expect(logs.records().filter((r) => r.level === 'error')).toEqual([]);
  });
});

describe('malformed percent-encoding in a path', () => {
  it.each([
    '/cds-services/%E0%A4%A',
    '/cds-services/%',
    '/cds-services/order-sign%',
    '/cds-services/%zz/feedback',
    '/cds-services/%C0%AF',
  ])('%s: 400 with an OperationOutcome for GET and POST', async (path) => {
    const { app, logs } = await buildApp();
    for (const res of [
      await request(app).post(path).set('content-type', 'application/json').send('{}'),
      await request(app).get(path),
    ]) {
      expect(res.status).toBe(400);
      expect(isOperationOutcome(JSON.parse(res.text))).toBe(true);
      expect(res.text).toContain('percent-encoding');
      expect(res.text).not.toContain(path.slice('/cds-services/'.length));
    }
    expect(logs.records().filter((r) => r.level === 'error')).toEqual([]);
  });
});

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
const raw = rawExchange;

function parse(response: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', ...rest] = response.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe("what Node rejects before express sees it (the server's clientError handler)", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function serve() {
    const { app, logs } = await buildApp();
    const server = http.createServer(app);
    installClientErrorHandler(server, createLogger({ level: 'debug', stream: logs }));
    const listening = await listenOnLoopback(server);
    close = listening.close;
    return { port: listening.port, logs };
  }

  it('headers over the limit: 431 with an OperationOutcome body', async () => {
    const { port, logs } = await serve();
    const res = parse(await raw(port, `GET /cds-services HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.headers.connection).toBe('close');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
    expect(isOperationOutcome(JSON.parse(res.body))).toBe(true);
    expect(logs.records().find((r) => r.message === 'request refused before parsing')).toMatchObject({
      level: 'warn',
      status: 431,
      reason: 'HPE_HEADER_OVERFLOW',
    });
  });

  it('a request line over the limit: 431 with an OperationOutcome body', async () => {
    const { port } = await serve();
    const res = parse(await raw(port, `GET /cds-services?${'q'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(isOperationOutcome(JSON.parse(res.body))).toBe(true);
  });

  it('a request line Node cannot parse: 400 with an OperationOutcome body', async () => {
    const { port } = await serve();
    const res = parse(await raw(port, 'NOT A REQUEST\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(isOperationOutcome(JSON.parse(res.body))).toBe(true);
  });

  it('the server still serves after each of them', async () => {
    const { port } = await serve();
    await raw(port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    await raw(port, 'NOT A REQUEST\r\n\r\n');
    const res = parse(await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(res.status).toBe(200);
  });
});

describe('every non-2xx answer is an OperationOutcome', () => {
  it('404, 405, 415, 413 and 400 (JSON, envelope, path, encoding) all carry one (401: client-auth.test.ts)', async () => {
    const { app } = await buildApp({ BODY_LIMIT: '1kb' });
    const answers = [
      await request(app).get('/nope'),
      await request(app).put('/cds-services'),
      await request(app).post('/cds-services/order-sign').set('content-type', 'text/plain').send('x'),
      await request(app)
        .post('/cds-services/order-sign')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(4000) })),
      await request(app).post('/cds-services/order-sign').set('content-type', 'application/json').send('{'),
      await request(app).post('/cds-services/order-sign').set('content-type', 'application/json').send('{}'),
      await request(app).get('/cds-services/%'),
      await request(app)
        .post('/cds-services/order-sign')
        .set('content-type', 'application/json')
        .set('content-encoding', 'gzip')
        .send(Buffer.from('x')),
    ];
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(isOperationOutcome(JSON.parse(res.text))).toBe(true);
    }
  });
});

describe('context fields a hook does not define', () => {
  it('a draftOrders of any shape at patient-view is not read as a Bundle: never a 500', async () => {
    const { app } = await buildApp();
    for (const draftOrders of [null, 5, 'x', [], {}, { entry: [null, { resource: null }] }]) {
      const res = await request(app)
        .post('/cds-services/patient-view')
        .send({
          hook: 'patient-view',
          hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
          context: { userId: 'Practitioner/1', patientId: '1', draftOrders },
          prefetch: { patient: { resourceType: 'Patient', id: '1' } },
        });
      // No medications prefetch and no fhirServer: the required key cannot be obtained (412), whatever draftOrders is.
      expect({ draftOrders, status: res.status }).toEqual({ draftOrders, status: 412 });
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
    }
  });
});
