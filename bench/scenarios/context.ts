// What every scenario gets from bench/run.ts, and what each hands back.
import type { RunningChild } from '../lib/child.js';
import type { BenchBody, HookId } from '../lib/bodies.js';
import type { Table, Target } from '../lib/report.js';

/** Prefetch templates per service id, as GET /cds-services declares them. */
export type Discovery = Record<string, Record<string, string>>;

export interface BenchContext {
  root: string;
  hookwise: RunningChild;
  bare: RunningChild;
  discovery: Discovery;
  bodies: Record<HookId, BenchBody>;
  /** Seconds per autocannon measurement. */
  durationS: number;
  quick: boolean;
  /** hookwise's entry point (src/server.ts under tsx, or dist/src/server.js with --built). */
  entry: string;
  /** Seconds of load on each service before scenario 1 measures (JIT warm-up), spread over the hooks. */
  warmupS: number;
}

export interface ScenarioResult<T> {
  data: T;
  tables: Table[];
  targets: Target[];
  /** Wrong answers (non-2xx, errors, bodies not as expected): the run exits non-zero. */
  failures: string[];
}

/** True when a prefetch template reads another key's result ({{%key…}}): it is read one level later. */
export function isChained(template: string): boolean {
  return template.includes('{{%');
}
