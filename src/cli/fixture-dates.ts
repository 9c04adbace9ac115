// Fixtures never go stale: every request fixture is written as of one day, FIXTURE_ANCHOR, and its dates (lab
import { DAY_MS } from '../util/time.js';
// results, orders, birth dates) are moved by whole days to the day it is sent. A potassium drawn "yesterday"
// stays yesterday's, and a patient's age stays the same.
/** The day every request fixture in fixtures/requests was written for (the tests' pinned clock). */
export const FIXTURE_ANCHOR = '2026-11-23T12:00:00Z';

/** FHIR date (YYYY-MM-DD) or dateTime/instant with a time. Partial dates (YYYY, YYYY-MM) are left alone: a code such
 *  as "7980" must never be taken for a year. */
const DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

function shiftOne(value: string, days: number): string {
  const m = DATE.exec(value);
  if (!m) return value;
  const day = new Date(`${m[1]}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return value;
  const moved = new Date(day.getTime() + days * DAY_MS).toISOString().slice(0, 10);
  return `${moved}${m[2] ?? ''}`;
}

/** The whole days from the anchor's day to `now`'s day (UTC). */
export function daysSince(anchor: string, now: Date): number {
  const a = Date.parse(`${anchor.slice(0, 10)}T00:00:00Z`);
  const b = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return Math.round((b - a) / DAY_MS);
}

/** A copy of `value` with every date and dateTime string moved by `days`. */
export function shiftDates<T>(value: T, days: number): T {
  if (days === 0) return structuredClone(value);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return shiftOne(v, days);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** A request fixture as of `now`: its dates moved from FIXTURE_ANCHOR to now. */
export function asOf<T>(fixture: T, now: Date): T {
  return shiftDates(fixture, daysSince(FIXTURE_ANCHOR, now));
}
