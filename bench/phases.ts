// The in-process work of one hook call, phase by phase, on the bodies of scenario 1 (lib/bodies.ts): JSON.parse,
// validation, gathering (all keys prefetched: nothing is read), the rules, and finishing (grouping, uuids, the
// trace extension, the response contract, JSON.stringify). No HTTP, no ledger, no log line: what is left of a call's
// CPU time (cpu-per-call.ts) once these are taken away is the server's own share.
//   npx tsx bench/phases.ts [--calls 3000] [--warmup 500] [--hook order-select]
// Repeatable to a few µs on an idle machine, so it shows what a change to a rule or to the pipeline saved.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKnowledge } from '../src/knowledge/index.js';
import { validateHookRequest } from '../src/cds/validate-request.js';
import { gather } from '../src/data/gather.js';
import { groupByDraft } from '../src/cds/group-cards.js';
import { enforceContract } from '../src/cds/response-contract.js';
import { stampUuids, wireCard } from '../src/cds/invoke.js';
import { registerServices } from '../src/cds/registry.js';
import { hookModules } from '../hooks/index.js';
import { fullPrefetchBodies, HOOKS, type HookId } from './lib/bodies.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '500' },
    hook: { type: 'string', multiple: true, default: [...HOOKS] },
  },
});
const calls = Number(values.calls);
const warmup = Number(values.warmup);
const hooks = values.hook as HookId[];
for (const h of hooks) if (!HOOKS.includes(h)) throw new Error(`--hook must be one of ${HOOKS.join(', ')}`);

const knowledge = loadKnowledge();
const services = registerServices(hookModules, {});
const bodies = fullPrefetchBodies(ROOT);
const PHASES = ['parse', 'validate', 'gather', 'decide', 'finish'] as const;

console.log(`µs per call, mean of ${calls} calls after ${warmup} (in this process, no HTTP, ledger or log line)`);
console.log(
  ['hook'.padEnd(13), ...PHASES.map((p) => p.padStart(9)), 'total'.padStart(9), 'cards'.padStart(6)].join(''),
);
for (const hook of hooks) {
  const service = services.get(hook);
  if (!service) throw new Error(`no service ${hook}`);
  const raw = JSON.stringify(bodies[hook].body);
  const sums = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<(typeof PHASES)[number], number>;
  let cards = 0;
  for (let i = 0; i < warmup + calls; i++) {
    const t0 = performance.now();
    const body: unknown = JSON.parse(raw);
    const t1 = performance.now();
    const request = validateHookRequest(body, service.module.hook);
    const t2 = performance.now();
    const now = new Date();
    const gathered = await gather(request, service.keys, {
      now,
      signal: new AbortController().signal,
      concurrency: 4,
      pageCap: 5,
      access: { source: 'none' },
    });
    const t3 = performance.now();
    const decided = service.module.decide({ context: request.context, data: gathered.data, knowledge, now });
    const t4 = performance.now();
    const sent = enforceContract(
      stampUuids(groupByDraft(decided)).map((c) => wireCard(c, knowledge.version)),
      'throw',
    ).cards;
    JSON.stringify({ cards: sent });
    const t5 = performance.now();
    if (i < warmup) continue;
    sums.parse += t1 - t0;
    sums.validate += t2 - t1;
    sums.gather += t3 - t2;
    sums.decide += t4 - t3;
    sums.finish += t5 - t4;
    cards = sent.length;
  }
  const us = (ms: number) => ((ms * 1000) / calls).toFixed(0).padStart(9);
  const total = PHASES.reduce((s, p) => s + sums[p], 0);
  console.log([hook.padEnd(13), ...PHASES.map((p) => us(sums[p])), us(total), String(cards).padStart(6)].join(''));
}
