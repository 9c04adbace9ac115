// Child processes under test (hookwise itself, and the bare Express baseline): started with `node --import tsx`
// so they run on their own event loop and core, never the load generator's. Each is killed at the end, on error
// too (see ChildSet.killAll), and its resident memory and open sockets are read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningChild {
  name: string;
  pid: number;
  baseUrl: string;
  process: ChildProcess;
  /** The last lines the child wrote, shown when it fails. */
  tail: () => string;
  /** Deletes the file its stdout went to (once it has exited). */
  removeLog: () => void;
}

/** A port nobody listens on right now: listen on 0, read it, close. (LOG_LEVEL=warn hides the port log line.) */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * hookwise's entry point: its TypeScript source run by tsx, or with `built`, the JavaScript `npm start` runs in
 * production (`tsc -p tsconfig.build.json`, built here first). tsx adds its own cost to every call: a `__name` helper
 * wrapping each closure created (Object.defineProperty), source maps for every stack trace.
 */
export function hookwiseEntry(root: string, built: boolean): string {
  if (!built) return 'src/server.ts';
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
  return 'dist/src/server.js';
}

/** Keeps the last `max` lines of a stream, so the child's own error can be shown if it dies. */
function keepTail(stream: NodeJS.ReadableStream | null, lines: string[], max = 20): void {
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    if (lines.length > max) lines.splice(0, lines.length - max);
  });
}

/** The last `max` lines of a file (empty when it is gone). */
function lastLines(file: string, max = 20): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-max);
  } catch {
    return [];
  }
}

export interface StartOptions {
  name: string;
  /** The entry point, relative to `cwd`: TypeScript (run with tsx) or, for a built service, JavaScript (plain node). */
  entry: string;
  env: Record<string, string>;
  cwd: string;
  /** Extra node flags, e.g. --cpu-prof (bench/profile.ts). */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

/** Spawns the child; it is not ready yet (see waitReady). */
async function spawnChild(options: StartOptions): Promise<RunningChild> {
  const port = await freePort();
  const loader = options.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // stdout (the log lines: one per call) goes to a file, as a log collector takes it in production. Through a pipe to
  // this process, the service blocked on a full pipe whenever the load generator's busy loop read it late: 5 % of
  // hookwise's profile was that wait, and none of it is the service's own cost.
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'hookwise-bench-log-')), 'stdout.log');
  const stdout = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, options.entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', stdout, 'pipe'],
  });
  closeSync(stdout);
  const lines: string[] = [];
  keepTail(child.stderr, lines);
  if (child.pid === undefined) throw new Error(`${options.name}: could not be spawned`);
  const running: RunningChild = {
    name: options.name,
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    tail: () => [...lastLines(logFile), ...lines].join('\n'),
    removeLog: () => rmSync(path.dirname(logFile), { recursive: true, force: true }),
  };
  return running;
}

/** Ready means GET /cds-services answers 200 (the discovery an EHR makes first), not just a listening port. */
async function waitReady(child: RunningChild, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { exitCode, signalCode } = child.process;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${child.name} exited (${exitCode ?? signalCode}) before it was ready:\n${child.tail()}`);
    }
    try {
      const res = await fetch(`${child.baseUrl}/cds-services`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer GET /cds-services with 200 within ${timeoutMs} ms:\n${child.tail()}`);
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: RunningChild, graceMs = 3000): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Every child started in this run, so one finally-block (and the signal handlers) can stop them all. */
export class ChildSet {
  private readonly children: RunningChild[] = [];

  /** Spawns, registers (so it is killed even if it never gets ready), then waits until it is ready. */
  async start(options: StartOptions): Promise<RunningChild> {
    const child = await spawnChild(options);
    this.children.push(child);
    await waitReady(child, options.readyTimeoutMs ?? 30_000);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.children.map((c) => stopChild(c)));
    for (const c of this.children) c.removeLog();
  }

  /** Synchronous last resort for process exit: no time is left to wait for a graceful stop. */
  killAllNow(): void {
    for (const c of this.children) {
      if (c.process.exitCode === null) c.process.kill('SIGKILL');
      c.removeLog();
    }
  }
}

/** VmRSS of a process in MB, from /proc/<pid>/status (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Open sockets of a process: its fds that are links to socket:[inode] (listening socket included). */
export function openSockets(pid: number): number {
  const dir = `/proc/${pid}/fd`;
  let count = 0;
  for (const fd of readdirSync(dir)) {
    try {
      if (readlinkSync(`${dir}/${fd}`).startsWith('socket:')) count += 1;
    } catch {
      // the fd closed between readdir and readlink
    }
  }
  return count;
}
