// The process entry as `npm start` runs it: listens, serves discovery, refuses a bad setting in one line,
// drains the calls in flight on SIGTERM and exits 0, and keeps what it acknowledged across a crash.
import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { startFakeFhir } from '../support/fake-fhir.js';
import { fixture } from '../support/fixtures.js';
import { listeningPort, startServer, type ServerProcess } from '../support/server-process.js';
import { hookModules } from '../../hooks/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const start = startServer;

/** Waits for the "hookwise listening" line and returns the base URL. */
async function listening(p: ServerProcess): Promise<string> {
  // Generous: tsx compiles on start, and the whole suite shares two cores.
  return `http://127.0.0.1:${await listeningPort(p, 30000)}`;
}

function logLines(p: ReturnType<typeof start>): Array<Record<string, unknown>> {
  return p
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A request on a connection of its own (no keep-alive pool), to see whether a new connection is accepted. */
function freshConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

const ledgerFile = () => join(mkdtempSync(join(tmpdir(), 'hookwise-process-')), 'ledger.sqlite');

function postJson(base: string, path: string, body: unknown) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

// Each test starts real processes (tsx compiles on start) on a machine whose cores the whole suite shares.
jest.setTimeout(60000);

describe('the service process', () => {
  it('refuses a wrong setting with one line naming it, and exit code 1', async () => {
    const p = start({ PORT: 'eighty' });
    expect(await p.exited).toBe(1);
    expect(p.err().trim()).toBe('hookwise: invalid setting: PORT="eighty" must be a whole number');
  });

  it('starts on defaults on 127.0.0.1, serves discovery, logs JSON, says what to do next, and exits 0 on SIGTERM', async () => {
    const p = start({ PORT: '0', LEDGER_PATH: ledgerFile() });
    const deadline = Date.now() + 30000;
    while (!p.err().includes('hookwise is ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const line = JSON.parse(
      p
        .out()
        .split('\n')
        .find((l) => l.includes('hookwise listening'))!,
    );
    expect(line).toMatchObject({
      level: 'info',
      profile: 'development',
      host: '127.0.0.1',
      services: hookModules.map((m) => m.id).join(','),
    });
    // stdout stays JSON lines; the one human line goes to stderr, after the start line.
    expect(
      p
        .out()
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('{')),
    ).toBe(true);
    expect(p.err().trim()).toBe(
      `hookwise is ready: register http://localhost:${line.port}/cds-services in the CDS Hooks Sandbox or an EHR ` +
        '(development accepts calls without a token). ' +
        `Try: HOOKWISE_URL=http://localhost:${line.port} npm run invoke -- fixtures/requests/order-sign-simvastatin-clarithromycin.json`,
    );
    const res = await fetch(`http://127.0.0.1:${line.port}/cds-services`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { services: unknown[] }).services).toHaveLength(hookModules.length);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('reports every start-up problem at once, in one message, before anything says listening', async () => {
    // A busy port, a trust file that does not exist, and the production settings that are missing.
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as { port: number }).port);
    try {
      const p = start({
        HOOKWISE_PROFILE: 'production',
        PORT: port,
        HOST: '127.0.0.1',
        TRUSTED_ISSUERS_FILE: '/nonexistent/issuers.json',
      });
      expect(await p.exited).toBe(1);
      expect(p.err().trim().split('\n')).toEqual([
        'hookwise: cannot start, 4 problems:',
        '  - PUBLIC_BASE_URLS="" is required in production (the URLs EHRs call, for the JWT aud check)',
        '  - FHIR_SERVER_ALLOWLIST="" is required in production (tokens go only to these FHIR servers)',
        '  - TRUSTED_ISSUERS_FILE="/nonexistent/issuers.json" not found (no such file)',
        `  - PORT=${port}: 127.0.0.1:${port} is already in use (another hookwise?); stop it or choose another PORT`,
      ]);
      expect(p.out()).not.toContain('listening');
      const alone = start({ PORT: port, HOST: '127.0.0.1' });
      expect(await alone.exited).toBe(1);
      expect(alone.err().trim()).toBe(
        `hookwise: cannot start: PORT=${port}: 127.0.0.1:${port} is already in use (another hookwise?); stop it or choose another PORT`,
      );
      expect(alone.out()).toBe('');
    } finally {
      busy.close();
    }
  });

  it('NODE_ENV=production selects the production profile, and refuses an open profile', async () => {
    const selected = start({ NODE_ENV: 'production', PORT: '0' });
    expect(await selected.exited).toBe(1);
    expect(selected.err()).toMatch(/PUBLIC_BASE_URLS="" is required in production/);
    const open = start({ NODE_ENV: 'production', HOOKWISE_PROFILE: 'development', PORT: '0' });
    expect(await open.exited).toBe(1);
    expect(open.err().trim()).toBe(
      'hookwise: invalid setting: HOOKWISE_PROFILE="development" cannot run with NODE_ENV=production (it accepts calls without a token)',
    );
  });

  it('a trust file naming an issuer without a key source stops the start with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-trust-'));
    const file = join(dir, 'issuers.json');
    writeFileSync(file, JSON.stringify([{ iss: 'https://ehr.example.org' }]));
    const p = start({
      HOOKWISE_PROFILE: 'production',
      PORT: '0',
      PUBLIC_BASE_URLS: 'https://cds.example.org',
      FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir',
      TRUSTED_ISSUERS_FILE: file,
    });
    expect(await p.exited).toBe(1);
    expect(p.err().trim()).toMatch(
      /^hookwise: cannot start: TRUSTED_ISSUERS_FILE=".*issuers.json": \[0\] needs a key source: jwksUrl, jku or jwksFile$/,
    );
  });

  it('on SIGTERM refuses new connections, answers every call in flight, closes the ledger and exits 0', async () => {
    const fhir = await startFakeFhir(() => ({
      delayMs: 1500,
      body: { resourceType: 'Bundle', type: 'searchset', entry: [] },
    }));
    const p = start({ PORT: '0', HOST: '127.0.0.1', LEDGER_PATH: ledgerFile() });
    try {
      const base = await listening(p);
      const calls = Array.from({ length: 8 }, (_, i) =>
        postJson(base, '/cds-services/patient-view', {
          hook: 'patient-view',
          hookInstance: `5b0e2c4a-1f3d-4c5e-8a7b-00000000000${i}`,
          fhirServer: fhir.base,
          context: { userId: 'Practitioner/example', patientId: `drain-${i}` },
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { cards?: unknown[] } })),
      );
      // Every call is in flight: its FHIR reads have arrived and will take 1.5 s.
      while (new Set(fhir.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('patient'))).size < 8)
        await new Promise((r) => setTimeout(r, 20));
      p.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      await expect(freshConnection(`${base}/health`)).rejects.toThrow(/ECONNREFUSED/);
      const answers = await Promise.all(calls);
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      for (const a of answers) expect(Array.isArray(a.body.cards)).toBe(true);
      expect(await p.exited).toBe(0);
      const lines = logLines(p);
      expect(lines.filter((l) => l.message === 'hook invocation' && l.status === 200)).toHaveLength(8);
      // The keep-alive connections of the answered calls were closed, not waited out (keepAliveTimeout 5 s).
      expect(lines.at(-1)!.latencyMs as number).toBeLessThan(4000);
      expect(lines.at(-1)).toMatchObject({ message: 'stopped', reason: 'SIGTERM', outcome: 'drained' });
    } finally {
      p.child.kill('SIGKILL');
      await fhir.close();
    }
  });

  it('on SIGTERM answers every call whose bytes arrived before it, also while the event loop was busy', async () => {
    // A stopped process (SIGSTOP) is an event loop busy for as long as we like: the kernel still accepts
    // connections into the backlog and buffers their bytes, but nothing is parsed. 2 calls go on keep-alive
    // connections that already served a request (idle to node until parsed), 3 on connections still in the
    // backlog; then SIGTERM, and the process runs again. All 5 are answered; nothing is reset.
    const p = start({ PORT: '0', HOST: '127.0.0.1', LEDGER_PATH: ledgerFile() });
    try {
      const base = new URL(await listening(p));
      const port = Number(base.port);
      const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
      delete body.fhirServer;
      delete body.fhirAuthorization;
      const post = (i: number): string => {
        const json = JSON.stringify({ ...body, hookInstance: `7d2e4f6a-3b5c-4e7d-8f9a-00000000000${i}` });
        return `POST /cds-services/order-sign HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
      };
      /** A raw connection: everything it receives until the server closes it. */
      const connect = async () => {
        const socket = net.connect(port, '127.0.0.1');
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (text += d));
        const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
        socket.on('error', (e) => (text += `\n<${(e as NodeJS.ErrnoException).code}>`));
        await new Promise((resolve) => socket.once('connect', resolve));
        return { socket, closed, text: () => text };
      };
      const keepAlive = [await connect(), await connect()];
      for (const c of keepAlive) c.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      for (const c of keepAlive)
        while (!c.text().includes('"status":"ok"')) await new Promise((r) => setTimeout(r, 10));

      p.child.kill('SIGSTOP');
      const fresh = [await connect(), await connect(), await connect()];
      const all = [...keepAlive, ...fresh];
      all.forEach((c, i) => c.socket.write(post(i)));
      await new Promise((r) => setTimeout(r, 200)); // the bytes are in the server's socket buffers
      p.child.kill('SIGTERM');
      p.child.kill('SIGCONT');

      const texts = await Promise.all(all.map((c) => c.closed));
      for (const t of texts) {
        expect(t).not.toMatch(/<E[A-Z]+>/);
        const answer = t.slice(t.lastIndexOf('HTTP/1.1 '));
        expect(answer).toMatch(/^HTTP\/1.1 200 /);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).cards).toHaveLength(1);
      }
      expect(await p.exited).toBe(0);
      const lines = logLines(p);
      expect(lines.filter((l) => l.message === 'hook invocation' && l.status === 200)).toHaveLength(5);
      expect(lines.at(-1)).toMatchObject({ message: 'stopped', reason: 'SIGTERM', outcome: 'drained' });
    } finally {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
  });

  it('keeps an acknowledged override through a crash (SIGKILL) and a restart', async () => {
    const file = ledgerFile();
    const body = fixture('requests/order-sign-simvastatin-clarithromycin.json');
    delete body.fhirServer;
    delete body.fhirAuthorization;
    const first = start({ PORT: '0', HOST: '127.0.0.1', LEDGER_PATH: file });
    let base = await listening(first);
    const shown = (await (await postJson(base, '/cds-services/order-sign', body)).json()) as {
      cards: Array<{ uuid: string }>;
    };
    expect(shown.cards).toHaveLength(1);
    const ack = await postJson(base, '/cds-services/order-sign/feedback', {
      feedback: [
        {
          card: shown.cards[0]!.uuid,
          outcome: 'overridden',
          overrideReason: { userComment: 'discussed with pharmacy' },
          outcomeTimestamp: '2026-11-23T12:01:00Z',
        },
      ],
    });
    expect(ack.status).toBe(200);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    const second = start({ PORT: '0', HOST: '127.0.0.1', LEDGER_PATH: file });
    try {
      base = await listening(second);
      const again = (await (
        await postJson(base, '/cds-services/order-sign', {
          ...body,
          hookInstance: '6c1f3d5b-2a4e-4d6f-9b8c-000000000001',
        })
      ).json()) as { cards: unknown[] };
      expect(again.cards).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
