// CPU time per call: the service's own CPU (user + system, from /proc/<pid>/stat) divided by the calls it answered
// under load, for hookwise and for the bare Express handler, alternating several rounds. On a shared machine this
// is steadier than req/s: other processes take wall time from a run, much less the CPU time a call costs.
//   npx tsx bench/cpu-per-call.ts [--root DIR] [--hook order-sign] [--connections 8] [--duration 5] [--rounds 3] [--built]
//   [--warmup 10] [--env KEY=VALUE ...]
// --root runs the hookwise of another checkout (e.g. the previous commit, for a before/after) with this bench.
// --built runs the compiled JavaScript that `npm start` runs in production (built first), not the source under tsx.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ChildSet, hookwiseEntry, type RunningChild } from './lib/child.js';
import { fullPrefetchBodies, HOOKS, type HookId } from './lib/bodies.js';
import { load } from './lib/load.js';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    root: { type: 'string', default: HERE },
    hook: { type: 'string', default: 'order-sign' },
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    built: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '10' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
/** --env KEY=VALUE (repeatable): set for hookwise only, e.g. LOG_LEVEL=warn to weigh what the log line costs. */
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((kv) => {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Error(`--env takes KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
const hook = values.hook as HookId;
if (!HOOKS.includes(hook)) throw new Error(`--hook must be one of ${HOOKS.join(', ')}`);
const root = path.resolve(values.root!);

/** utime and stime of a process, in ms. */
function cpu(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }; // USER_HZ is 100 on Linux
}

async function measure(
  child: RunningChild,
  url: string,
  body: string,
): Promise<{ calls: number; cpuMsPerCall: number; systemShare: number; rps: number }> {
  const before = cpu(child.pid);
  const r = await load({ url, connections: Number(values.connections), durationS: Number(values.duration), body });
  if (r.non2xx || r.errors) throw new Error(`${child.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const after = cpu(child.pid);
  const user = after.user - before.user;
  const system = after.system - before.system;
  return {
    calls: r.requests,
    cpuMsPerCall: (user + system) / r.requests,
    systemShare: system / (user + system),
    rps: r.rps,
  };
}

const children = new ChildSet();
process.on('exit', () => children.killAllNow());
try {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hookwise-cpu-'));
  const hookwise = await children.start({
    name: 'hookwise',
    entry: hookwiseEntry(root, values.built ?? false),
    cwd: root,
    env: {
      HOOKWISE_PROFILE: 'development',
      LOG_LEVEL: 'info',
      LEDGER_PATH: path.join(tmp, 'ledger.sqlite'),
      ...extraEnv,
    },
  });
  const bare = await children.start({ name: 'bare express', entry: 'bench/bare-server.ts', cwd: HERE, env: {} });
  const body = JSON.stringify(fullPrefetchBodies(HERE)[hook].body);
  const url = (c: RunningChild) => `${c.baseUrl}/cds-services/${hook}`;
  // Warm-up: JIT (V8 takes 10–15 s to compile hookwise's hot paths), caches, the ledger's tables.
  const warmupS = Number(values.warmup);
  if (warmupS > 0) {
    await load({ url: url(hookwise), connections: 8, durationS: warmupS, body });
    await load({ url: url(bare), connections: 8, durationS: Math.min(warmupS, 4), body });
  }
  console.log(
    `${hook}, ${values.connections} connections, ${values.duration} s per run, hookwise from ${root}${values.built ? ' (built)' : ' (tsx)'}`,
  );
  for (let round = 1; round <= Number(values.rounds); round++) {
    const h = await measure(hookwise, url(hookwise), body);
    const b = await measure(bare, url(bare), body);
    console.log(
      `round ${round}: hookwise ${h.cpuMsPerCall.toFixed(3)} ms CPU/call (${(h.systemShare * 100).toFixed(0)} % system; ${h.calls} calls, ${h.rps.toFixed(0)} req/s); ` +
        `bare ${b.cpuMsPerCall.toFixed(3)} ms CPU/call (${(b.systemShare * 100).toFixed(0)} % system; ${b.calls} calls, ${b.rps.toFixed(0)} req/s); ` +
        `bare ÷ hookwise CPU per call ${(b.cpuMsPerCall / h.cpuMsPerCall).toFixed(2)}`,
    );
  }
} finally {
  await children.killAll();
}
