// The process entry as `npm start` runs it: listens, serves discovery, refuses a bad setting in one line,
// and exits cleanly on SIGTERM.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the service process', () => {
  it('refuses a wrong setting with one line naming it, and exit code 1', async () => {
    const p = start({ PORT: 'eighty' });
    expect(await p.exited).toBe(1);
    expect(p.err().trim()).toBe('hookwise: invalid setting: PORT="eighty" must be a whole number');
  });

  it('starts on defaults, serves discovery, logs JSON, and exits 0 on SIGTERM', async () => {
    const p = start({ PORT: '0', HOST: '127.0.0.1' });
    const deadline = Date.now() + 15000;
    while (!p.out().includes('hookwise listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const line = JSON.parse(p.out().split('\n').find((l) => l.includes('hookwise listening'))!);
    expect(line).toMatchObject({ level: 'info', profile: 'development', services: 'patient-view,order-select,order-sign' });
    const res = await fetch(`http://127.0.0.1:${line.port}/cds-services`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { services: unknown[] }).services).toHaveLength(3);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('production refuses to start without the security settings, naming the first one missing', async () => {
    const p = start({ HOOKWISE_PROFILE: 'production', PORT: '0' });
    expect(await p.exited).toBe(1);
    expect(p.err().trim()).toBe('hookwise: invalid setting: PUBLIC_BASE_URLS="" is required in production (the URLs EHRs call, for the JWT aud check)');
  });

  it('a trust file naming an issuer without a key source stops the start with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookwise-trust-'));
    const file = join(dir, 'issuers.json');
    writeFileSync(file, JSON.stringify([{ iss: 'https://ehr.example.org' }]));
    const p = start({ HOOKWISE_PROFILE: 'production', PORT: '0', PUBLIC_BASE_URLS: 'https://cds.example.org', FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir', TRUSTED_ISSUERS_FILE: file });
    expect(await p.exited).toBe(1);
    expect(p.err().trim()).toMatch(/^hookwise: cannot start: TRUSTED_ISSUERS_FILE=".*issuers.json": \[0\] needs a key source: jwksUrl, jku or jwksFile$/);
  });
});
