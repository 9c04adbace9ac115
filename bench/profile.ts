// Where does hookwise spend its time? Starts the service with --cpu-prof, runs a load, stops it (the profile is
// written at exit) and prints the top functions by self and inclusive time, and self time per package/folder.
//   --scenario full (default): one hook's full-prefetch body at a fixed concurrency (scenario 1)
//   --scenario hung: 200 calls at once, no prefetch, against a FHIR server that never answers (scenario 3)
//   npx tsx bench/profile.ts [--scenario full|hung] [--hook patient-view] [--duration 10] [--connections 8] [--top 25] [--skip 8] [--built]
// The .cpuprofile is kept (path printed) for Chrome DevTools or speedscope.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ChildSet, hookwiseEntry } from './lib/child.js';
import { fullPrefetchBodies, HOOKS, type HookId } from './lib/bodies.js';
import { load } from './lib/load.js';
import { oneShotAgent, post } from './lib/call.js';
import { withKeysMissing } from './lib/bodies.js';
import { HungFhir } from './lib/fhir-stub.js';
import { analyze, type CpuProfile } from './lib/cpu-profile.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'full' },
    hook: { type: 'string', default: 'patient-view' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    top: { type: 'string', default: '25' },
    // The compiled JavaScript `npm start` runs (dist/), not the TypeScript source under tsx.
    built: { type: 'boolean', default: false },
    // Seconds of the profile left out of the figures (start-up, warm-up): the steady state only.
    skip: { type: 'string', default: '0' },
  },
});
const hook = values.hook as HookId;
if (!HOOKS.includes(hook)) throw new Error(`--hook must be one of ${HOOKS.join(', ')}`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hookwise-prof-'));
const children = new ChildSet();
const hung = new HungFhir();
process.on('exit', () => children.killAllNow());

async function fullLoad(baseUrl: string): Promise<void> {
  const body = JSON.stringify(fullPrefetchBodies(ROOT)[hook].body);
  const url = `${baseUrl}/cds-services/${hook}`;
  await load({ url, body, connections: Number(values.connections), durationS: 2 }); // warm-up
  const r = await load({ url, body, connections: Number(values.connections), durationS: Number(values.duration) });
  console.log(
    `${hook} c=${values.connections}: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}`,
  );
}

async function hungLoad(baseUrl: string): Promise<void> {
  const pv = fullPrefetchBodies(ROOT)['patient-view'].body;
  const body = JSON.stringify(
    withKeysMissing(pv, ['medications', 'medicationRefs', 'egfr', 'potassium', 'inr', 'patient'], hung.base),
  );
  const agent = oneShotAgent(200);
  const results = await Promise.all(
    Array.from({ length: 200 }, () => post(`${baseUrl}/cds-services/patient-view`, body, agent)),
  );
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `hung: 200 calls, client latency min ${ms[0]?.toFixed(0)} p50 ${ms[100]?.toFixed(0)} max ${ms.at(-1)?.toFixed(0)} ms`,
  );
}

try {
  await hung.start();
  const child = await children.start({
    name: 'hookwise',
    entry: hookwiseEntry(ROOT, values.built ?? false),
    cwd: ROOT,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    env: {
      HOOKWISE_PROFILE: 'development',
      LOG_LEVEL: 'info',
      LEDGER_PATH: path.join(dir, 'ledger.sqlite'),
      FHIR_SERVER_ALLOWLIST: `${hung.origin}/`,
    },
  });
  if (values.scenario === 'hung') await hungLoad(child.baseUrl);
  else await fullLoad(child.baseUrl);
  await children.killAll();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  console.log(`profile: ${path.join(dir, file)} (includes start-up and warm-up)`);
  analyze(
    JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile,
    ROOT,
    Number(values.top),
    Number(values.skip),
  );
} finally {
  await children.killAll();
  await hung.stop();
}
