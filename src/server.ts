// Process entry: read config (one line and exit 1 if a setting is wrong), build the app, listen, and drain
// in-flight requests on SIGTERM/SIGINT.
import http from 'node:http';
import net from 'node:net';
import dotenv from 'dotenv';
dotenv.config({ quiet: true });
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp } from './app.js';
import { loadKnowledge } from './knowledge/index.js';
import { createLogger, errorFields } from './log.js';
import { loadSecurity } from './auth/security.js';
import { openStore } from './store/open-store.js';
import { startLoopLag } from './cds/loop-lag.js';
import { installClientErrorHandler } from './http-errors.js';
import { installProcessGuards } from './process-guards.js';
import type { Store } from './store/ledger.js';
import { hookModules, startHookModules } from '../hooks/index.js';
import { createMetrics } from './metrics.js';
import type { HookModule } from './cds/hook-module.js';
import type { AiReview } from './ai/review.js';

/** A problem binding host:port (in use, not permitted), found before anything else starts; undefined when free. */
function portProblem(port: number, host: string): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'EADDRINUSE'
          ? `PORT=${port}: ${host}:${port} is already in use (another hookwise?); stop it or choose another PORT`
          : `cannot listen on ${host}:${port}: ${error.code ?? error.message}`,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
}

/** Every start-up problem in one message on stderr, then exit 1: nothing has said "listening". */
function refuse(problems: string[], single: 'invalid setting' | 'cannot start'): never {
  const text =
    problems.length === 1
      ? `hookwise: ${single}: ${problems[0]}\n`
      : `hookwise: cannot start, ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;
  process.stderr.write(text);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  const problems = [...error.problems];
  const busy = error.listen ? await portProblem(error.listen.port, error.listen.host) : undefined;
  if (busy) problems.push(busy);
  refuse(problems, busy ? 'cannot start' : 'invalid setting');
}
{
  const busy = await portProblem(config.port, config.host);
  if (busy) refuse([busy], 'cannot start');
}

const logger = createLogger({ level: config.logLevel });
// A stray rejection or exception is logged (no message: no PHI) and the process keeps serving (src/process-guards.ts).
installProcessGuards(process, logger);
let app;
let knowledgeVersion: string;
let ledger: Store;
let modules: HookModule[] = hookModules;
let ai: AiReview | undefined;
try {
  const knowledge = loadKnowledge();
  knowledgeVersion = knowledge.version;
  ledger = await openStore(config, {
    onPoolError: (error) => logger.error('ledger connection lost', errorFields(error)),
  });
  const auth = await loadSecurity(config, ledger);
  const metrics = createMetrics();
  const started = await startHookModules(config, { store: ledger, logger, registry: metrics.registry, knowledge });
  modules = started.modules;
  ai = started.ai;
  app = createApp({
    config,
    logger,
    knowledge,
    clock: systemClock,
    modules,
    auth,
    ledger,
    metrics,
    ...(ai ? { ai } : {}),
    isDraining: () => draining,
    loopLag: startLoopLag(),
  });
  if (config.profile !== 'production') {
    logger.warn('development profile: calls without a JWT are accepted; tokens that are sent are verified', {
      profile: config.profile,
      services: [...auth.issuers.keys()].join(','),
    });
  }
} catch (error) {
  process.stderr.write(`hookwise: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

let draining = false;
const server = app.listen(config.port, config.host, () => {
  const bound = server.address();
  logger.info('hookwise listening', {
    profile: config.profile,
    host: config.host,
    port: typeof bound === 'object' && bound ? bound.port : config.port,
    knowledgeVersion,
    services: modules.map((m) => m.id).join(','),
    ledger: ledger.backend,
    corsOrigins: config.corsOrigins.join(','),
  });
  if (config.profile === 'development') {
    const port = typeof bound === 'object' && bound ? bound.port : config.port;
    const url = `${config.port === 0 ? `http://localhost:${port}` : (config.publicBaseUrls[0] ?? `http://localhost:${port}`)}/cds-services`;
    // One line for the person at the terminal, on stderr so that stdout stays JSON lines.
    setImmediate(() =>
      process.stderr.write(
        `hookwise is ready: register ${url} in the CDS Hooks Sandbox or an EHR (development accepts calls without a token). ` +
          `Try: ${port === 3000 ? '' : `HOOKWISE_URL=${url.replace(/\/cds-services$/, '')} `}` +
          'npm run invoke -- fixtures/requests/order-sign-simvastatin-clarithromycin.json\n',
      ),
    );
  }
});
// What Node's parser refuses before express (headers over the limit: 431) gets an OperationOutcome too.
installClientErrorHandler(server, logger);
server.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(`hookwise: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
  process.exit(1);
});
// Hook calls are short; keep-alive sockets must not outlive a restart.
server.keepAliveTimeout = 5000;
// While draining, every answer closes its connection (Connection: close), so a keep-alive client reconnects to
// another instance. Connections are never swept the moment an answer is out: one whose request bytes have
// arrived but are not parsed yet (a busy event loop) counts as idle to node, and would be destroyed unanswered.
const inFlight = new Set<http.ServerResponse>();
server.on('request', (_req, res) => {
  if (draining) res.setHeader('Connection', 'close');
  inFlight.add(res);
  res.on('close', () => inFlight.delete(res));
  res.on('finish', () => {
    inFlight.delete(res);
    if (draining) void closeIdleSoon();
  });
});

/** Connections accepted so far: the drain closes the listener once the backlog is empty. */
let accepted = 0;
server.on('connection', () => void accepted++);
/** The longest the drain keeps taking connections already in the backlog (under a flood, new ones keep coming). */
const ACCEPT_WINDOW_MS = 1000;

/** One turn of the event loop: the poll phase in between reads (and accepts) whatever the kernel holds. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Closes the connections without a request, once bytes already received have had two turns to be parsed. */
async function closeIdleSoon(): Promise<void> {
  await nextTurn();
  await nextTurn();
  server.closeIdleConnections();
}

/**
 * SIGTERM/SIGINT: stop accepting, answer every call whose bytes reached the server before the signal, let the
 * calls in flight finish (each is bounded by the hook deadline), write what the ledger still holds, close it,
 * exit 0. SHUTDOWN_GRACE_MS bounds the whole drain.
 *
 * Order matters (the signal can be handled before the sockets that are already readable): connections the kernel
 * already accepted sit in the listen backlog, and node takes one of them per loop turn, so the listener closes only
 * after two turns in a row accepted nothing (closing it earlier resets them; at most ACCEPT_WINDOW_MS). Their
 * bytes are read and parsed within the next turns, and only then are the connections with no request at all
 * (idle keep-alive) closed. http.Server#close would close "idle" connections at once, unparsed requests included,
 * so the listener is closed with net.Server#close.
 */
async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  const startedAt = Date.now();
  logger.info('shutting down', { reason: signal });
  for (let quiet = 0, start = Date.now(); quiet < 2 && Date.now() - start < ACCEPT_WINDOW_MS;) {
    const before = accepted;
    await nextTurn();
    quiet = accepted === before ? quiet + 1 : 0;
  }
  const drained = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
  // Calls in flight answer with Connection: close; the idle keep-alive connections close after two turns.
  for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
  await closeIdleSoon();
  const grace = new Promise<'grace'>((resolve) => setTimeout(() => resolve('grace'), config.shutdownGraceMs).unref());
  const outcome = (await Promise.race([drained.then(() => 'drained' as const), grace])) as 'drained' | 'grace';
  if (outcome === 'grace') server.closeAllConnections();
  let status = 0;
  ai?.close();
  try {
    await ledger.close();
  } catch (error) {
    status = 1;
    logger.error('ledger did not close cleanly', errorFields(error));
  }
  logger.info('stopped', { reason: signal, outcome, latencyMs: Date.now() - startedAt });
  // Let winston write the last lines before the process ends (also if it ends on its own).
  process.exitCode = status;
  logger.on('finish', () => process.exit(status));
  logger.end();
  setTimeout(() => process.exit(status), 1000).unref();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
