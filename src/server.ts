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
import type { Store } from './store/ledger.js';
import { hookModules } from '../hooks/index.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`hookwise: invalid setting: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel });
let app;
let knowledgeVersion: string;
let ledger: Store;
try {
  const knowledge = loadKnowledge();
  knowledgeVersion = knowledge.version;
  ledger = await openStore(config, { onPoolError: (error) => logger.error('ledger connection lost', errorFields(error)) });
  const auth = await loadSecurity(config, ledger);
  app = createApp({ config, logger, knowledge, clock: systemClock, modules: hookModules, auth, ledger, isDraining: () => draining, loopLag: startLoopLag() });
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
    services: hookModules.map((m) => m.id).join(','),
    ledger: ledger.backend,
    corsOrigins: config.corsOrigins.join(','),
  });
});
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
  for (let quiet = 0, start = Date.now(); quiet < 2 && Date.now() - start < ACCEPT_WINDOW_MS; ) {
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
