// Starting src/server.ts as a child process for process-level tests, and talking raw HTTP to it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts hookwise with an in-memory ledger and `env`; stdout and stderr are collected. */
export function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LEDGER_PATH: ':memory:', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

export type ServerProcess = ReturnType<typeof startServer>;

/** Waits for the "hookwise listening" line and returns the port it names. */
export async function listeningPort(p: ServerProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!p.out().includes('hookwise listening') && Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`exited: ${p.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return JSON.parse(
    p
      .out()
      .split('\n')
      .find((l) => l.includes('hookwise listening'))!,
  ).port as number;
}

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', (e) => (out ? resolve(out) : reject(e)));
    socket.write(bytes);
  });
}

/** The JSON log lines written so far, once `ready` holds of them: a line reaches stdout a turn after the answer. */
export async function logLinesOnce(
  p: ServerProcess,
  ready: (lines: Array<Record<string, unknown>>) => boolean,
  timeoutMs = 5000,
): Promise<Array<Record<string, unknown>>> {
  const read = () =>
    p
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + timeoutMs;
  while (!ready(read()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return read();
}
