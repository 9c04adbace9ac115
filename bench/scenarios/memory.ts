// Scenario 4: the child's resident memory (VmRSS) right after it was ready, and through a sustained run of
// scenario 1's load at 8 connections mixed over the three hooks, sampled every few seconds.
// RSS under load is a saw (the heap grows until a GC, then drops), so a slope over a minute mostly measures where
// the saw was at both ends. "Flat" is therefore judged on the floor: the lowest sample of the last quarter of
// the run may be at most FLAT_FLOOR_GROWTH_MB above the lowest of the second quarter. The first quarter is
// warm-up (V8 sizing its heap and compiling for the load: 130 → ~188 MB in the first ~20 s, then level) and is
// reported, not judged; a leak keeps growing after it. The least-squares slope is reported too. For scale: keeping 1 KB per call at ~700 calls/s would add ~40 MB per minute.
import { rssMb } from '../lib/child.js';
import { HOOKS } from '../lib/bodies.js';
import { load, mixedRequests, type LoadResult } from '../lib/load.js';
import { check, threshold, type Table, type Target } from '../lib/report.js';
import { max, slope } from '../lib/stats.js';
import type { BenchContext, ScenarioResult } from './context.js';

export const FLAT_FLOOR_GROWTH_MB = 10;
/** Shorter runs hold too few GC cycles for the floors to mean anything (--quick). */
export const MIN_JUDGED_RUN_S = 30;

export interface MemorySample {
  atS: number;
  rssMb: number;
}

export interface MemoryData {
  rssAtReadyMb: number;
  rssBeforeRunMb: number;
  samples: MemorySample[];
  endMb: number;
  maxMb: number;
  slopeAllMbPerMin: number;
  slopeSecondHalfMbPerMin: number;
  /** Lowest sample of the second (after warm-up) and of the last quarter of the run. */
  firstFloorMb: number;
  lastFloorMb: number;
  floorGrowthMb: number;
  /** floorGrowthMb spread over the calls of the run, in bytes: what each call would have kept. */
  bytesPerCall: number;
  load: LoadResult;
  flatMeans: string;
}

/** Samples VmRSS every `everyMs` until stopped; the first sample at t = 0. */
function sampler(pid: number, everyMs: number): { stop: () => MemorySample[] } {
  const started = performance.now();
  const samples: MemorySample[] = [];
  const take = () => samples.push({ atS: (performance.now() - started) / 1000, rssMb: rssMb(pid) });
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

function floors(samples: MemorySample[]): { first: number; last: number } {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  return {
    first: Math.min(...samples.slice(quarter, 2 * quarter).map((x) => x.rssMb)),
    last: Math.min(...samples.slice(-quarter).map((x) => x.rssMb)),
  };
}

function perMinute(samples: MemorySample[]): number {
  return slope(
    samples.map((s) => s.atS / 60),
    samples.map((s) => s.rssMb),
  );
}

export async function runMemory(
  ctx: BenchContext,
  rssAtReadyMb: number,
  sustainedS: number,
  everyMs: number,
): Promise<ScenarioResult<MemoryData>> {
  const failures: string[] = [];
  const requests = mixedRequests(
    HOOKS.map((hook) => ({ path: `/cds-services/${hook}`, body: JSON.stringify(ctx.bodies[hook].body) })),
  );
  const rssBeforeRunMb = rssMb(ctx.hookwise.pid);
  process.stdout.write(`  scenario 4: ${sustainedS} s mixed load at 8 connections, RSS every ${everyMs / 1000} s …\n`);
  const s = sampler(ctx.hookwise.pid, everyMs);
  const result = await load({ url: ctx.hookwise.baseUrl, requests, connections: 8, durationS: sustainedS });
  const samples = s.stop();
  if (result.non2xx > 0 || result.errors > 0)
    failures.push(
      `scenario 4: ${result.non2xx} non-2xx and ${result.errors} errors (${JSON.stringify(result.statuses)})`,
    );
  // The first sample is taken before the load starts and the last after it ends: idle states, not floors under
  // load, so they are left out of the comparison (still shown in the samples).
  const floor = floors(samples.length > 4 ? samples.slice(1, -1) : samples);
  const data: MemoryData = {
    rssAtReadyMb,
    rssBeforeRunMb,
    samples,
    endMb: samples.at(-1)?.rssMb ?? Number.NaN,
    maxMb: max(samples.map((x) => x.rssMb)),
    slopeAllMbPerMin: perMinute(samples),
    slopeSecondHalfMbPerMin: perMinute(samples.slice(Math.floor(samples.length / 2))),
    firstFloorMb: floor.first,
    lastFloorMb: floor.last,
    floorGrowthMb: floor.last - floor.first,
    bytesPerCall: ((floor.last - floor.first) * 1024 * 1024) / Math.max(1, result.requests),
    load: result,
    flatMeans: `the last quarter's lowest RSS sample ≤ the second quarter's lowest + ${FLAT_FLOOR_GROWTH_MB} MB (the first quarter is warm-up)`,
  };
  return { data, tables: [table(data)], targets: targets(data), failures };
}

function table(d: MemoryData): Table {
  return {
    title: `Scenario 4: hookwise VmRSS under ${Math.round(d.load.durationS)} s of mixed load (8 connections)`,
    columns: [
      'at ready MB',
      'run start MB',
      'end MB',
      'max MB',
      'floor 2nd¼ MB',
      'floor last¼ MB',
      'floor growth MB',
      'B/call',
      'slope MB/min',
      'calls',
      'req/s',
      'non2xx',
    ],
    rows: [
      [
        d.rssAtReadyMb,
        d.rssBeforeRunMb,
        d.endMb,
        d.maxMb,
        d.firstFloorMb,
        d.lastFloorMb,
        d.floorGrowthMb,
        Math.round(d.bytesPerCall),
        d.slopeAllMbPerMin,
        d.load.requests,
        Math.round(d.load.rps),
        d.load.non2xx + d.load.errors,
      ],
    ],
    notes: [
      `samples (s: MB): ${d.samples.map((x) => `${Math.round(x.atS)}: ${x.rssMb.toFixed(0)}`).join(', ')}`,
      `flat means: ${d.flatMeans}; B/call = floor growth ÷ calls. Slope (least squares, all samples) ${d.slopeAllMbPerMin.toFixed(1)}, second half ${d.slopeSecondHalfMbPerMin.toFixed(1)} MB/min: saw-dominated, shown only.`,
    ],
  };
}

function targets(d: MemoryData): Target[] {
  const flat = threshold(
    '4 memory',
    'RSS floor growth after warm-up (last ¼ min − 2nd ¼ min)',
    d.floorGrowthMb,
    FLAT_FLOOR_GROWTH_MB,
    { atMost: true, unit: ' MB', digits: 1 },
  );
  const tooShort = d.load.durationS < MIN_JUDGED_RUN_S;
  return [
    tooShort
      ? { ...flat, skipped: `a ${Math.round(d.load.durationS)} s run is shorter than ${MIN_JUDGED_RUN_S} s` }
      : flat,
    check(
      '4 memory',
      'mixed load answered 2xx',
      d.load.non2xx + d.load.errors === 0,
      `${d.load.non2xx + d.load.errors} non-2xx/errors`,
      '0',
    ),
  ];
}
