// The benchmark: the real app on 127.0.0.1, every fixture request fired N times at a fixed concurrency
// without fhirServer (the decision path: validation, rules, contract, ledger); then one run where every key is
// read from a local FHIR server that answers in 50 ms (the parallel fallback), and one where it hangs (the deadline).
//   npm run bench [-- --requests 400 --concurrency 8]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { loadKnowledge } from '../src/knowledge/index.js';
import { createLogger } from '../src/log.js';
import { createSecurity } from '../src/auth/security.js';
import { MemoryCardLedger } from '../src/store/card-ledger.js';
import { hookModules } from '../hooks/index.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } },
});
const N = Number(values.requests);
const C = Number(values.concurrency);

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function fire(url: string, body: string, n: number, c: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next += 1;
        const t = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: pct(latencies, 50).toFixed(1),
    p95: pct(latencies, 95).toFixed(1),
    p99: pct(latencies, 99).toFixed(1),
    max: latencies.at(-1)!.toFixed(1),
    rps: (n / seconds).toFixed(0),
    statuses: Object.fromEntries(statuses),
  };
}

const config = loadConfig({ HOOKWISE_PROFILE: 'development', LOG_LEVEL: 'error' });
const app = createApp({ config, logger: createLogger({ level: 'error', silent: true }), knowledge: loadKnowledge(), clock: systemClock, modules: hookModules, auth: createSecurity(config), ledger: new MemoryCardLedger({ overrideWindowMs: 0, retentionMs: 3_600_000 }) });
const server = http.createServer(app);
const base = await listen(server);

let fhirMode: 'slow' | 'hang' = 'slow';
const fhir = http.createServer((_req, res) => {
  if (fhirMode === 'hang') return;
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }));
  }, 50);
});
const fhirBase = `${await listen(fhir)}/fhir`;

const dir = new URL('../fixtures/requests/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
console.log(`hookwise bench: ${N} requests per row, concurrency ${C}, node ${process.version}`);
console.log('scenario'.padEnd(58), 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', ' req/s', 'statuses');
const row = (name: string, r: Awaited<ReturnType<typeof fire>>) =>
  console.log(name.padEnd(58), r.p50.padStart(6), r.p95.padStart(6), r.p99.padStart(6), r.max.padStart(6), r.rps.padStart(6), JSON.stringify(r.statuses));

// The decision path: each fixture as sent, without fhirServer, so nothing is read over the network.
for (const f of fixtures) {
  const body = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
  delete body.fhirServer;
  delete body.fhirAuthorization;
  row(`prefetch only: ${f}`, await fire(`${base}/cds-services/${body.hook}`, JSON.stringify(body), N, C));
}
const pv = JSON.parse(readFileSync(new URL('patient-view-metformin-low-egfr.json', dir), 'utf8'));
pv.fhirServer = fhirBase;
delete pv.prefetch;
row('patient-view, no prefetch: 5 keys read at once from a 50 ms FHIR server', await fire(`${base}/cds-services/patient-view`, JSON.stringify(pv), N, C));
fhirMode = 'hang';
row(`FHIR server hangs (deadline ${config.hookDeadlineMs} ms)`, await fire(`${base}/cds-services/patient-view`, JSON.stringify(pv), Math.min(N, 16), C));
server.closeAllConnections();
fhir.closeAllConnections();
server.close();
fhir.close();
