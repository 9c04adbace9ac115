// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time per package or source
// folder, and the top functions by self and by inclusive time.
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs between samples (the first one: since startTime). */
  timeDeltas?: number[];
}

/** A short, stable name: the package under node_modules, or the path inside the repository. */
function where(url: string, root: string): string {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  // The built service (--built) runs from dist/: its files are named as their sources.
  return file.startsWith(root)
    ? path
        .relative(root, file)
        .replace(/^dist\//, '')
        .replace(/\.js$/, '.ts')
    : file;
}

function frameKey(f: CallFrame, root: string): string {
  const name = f.functionName || '(anonymous)';
  return f.url ? `${name}  ${where(f.url, root)}:${f.lineNumber + 1}` : name;
}

/** Self time per package/folder: node_modules/<pkg>, src/<dir>, hooks, node internals, GC. */
function bucket(f: CallFrame, root: string): string {
  if (!f.url) return f.functionName || '(native)';
  const w = where(f.url, root);
  if (w.startsWith('node:')) return 'node: internals';
  const parts = w.split('/');
  return parts.length > 2 && (parts[0] === 'src' || parts[0] === 'hooks')
    ? `${parts[0]}/${parts[1]}`
    : parts.length > 1 && parts[0] === 'src'
      ? w
      : (parts[0] ?? w);
}

/**
 * `skipS`: samples of the first seconds (start-up, JIT warm-up) are left out, so the figures are the steady state.
 * Shares are of the samples kept, idle included (idle is printed: the rest is the busy share).
 */
export function analyze(profile: CpuProfile, root: string, top: number, skipS = 0): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  let t = profile.startTime;
  let kept = 0;
  profile.samples.forEach((s, i) => {
    t += profile.timeDeltas?.[i] ?? 0;
    if (t - profile.startTime < skipS * 1e6) return;
    hits.set(s, (hits.get(s) ?? 0) + 1);
    kept++;
  });
  const total = kept;
  const msPer = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  if (skipS > 0) console.log(`(the first ${skipS} s left out: ${kept} of ${profile.samples.length} samples kept)`);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const buckets = new Map<string, number>();
  for (const [id, count] of hits) {
    const node = byId.get(id)!;
    self.set(frameKey(node.callFrame, root), (self.get(frameKey(node.callFrame, root)) ?? 0) + count);
    buckets.set(bucket(node.callFrame, root), (buckets.get(bucket(node.callFrame, root)) ?? 0) + count);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = frameKey(byId.get(cur)!.callFrame, root);
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + count);
      seen.add(key);
    }
  }
  const print = (title: string, map: Map<string, number>, skip: (k: string) => boolean = () => false) => {
    console.log(`\n== ${title} (${total} samples, ~${msPer.toFixed(2)} ms each)`);
    [...map.entries()]
      .filter(([k]) => !skip(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([k, v]) => console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`));
  };
  print('self time by package / folder', buckets);
  print('self time by function', self);
  print(
    'inclusive time by function',
    inclusive,
    (k) =>
      ['(root)', '(program)', '(idle)'].includes(k) ||
      k.startsWith('processTicksAndRejections') ||
      k.startsWith('listOnTimeout'),
  );
}
