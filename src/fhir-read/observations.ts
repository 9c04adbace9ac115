// Latest numeric Observation with a code in a set, within a look-back window measured from `now`.
import type { JsonObject } from '../json.js';
import { LOINC, bundleResources, codings, isObject, parseDate, str } from './datatypes.js';
import { DAY_MS } from '../util/time.js';

export interface LabResult {
  value: number;
  /** "<", "<=", ">=", ">" when the result was censored. */
  comparator?: string;
  unit?: string;
  effective: Date;
  /** The original effective string, for display. */
  effectiveText: string;
  code: string;
  display?: string;
  id?: string;
}

const SKIP_STATUSES = new Set(['entered-in-error', 'cancelled']);
/** When an Observation was taken: effective[x], else issued. */
export function effectiveOf(o: JsonObject): { date: Date; text: string } | undefined {
  const candidates: unknown[] = [o.effectiveDateTime, o.effectiveInstant];
  if (isObject(o.effectivePeriod)) candidates.push(o.effectivePeriod.end, o.effectivePeriod.start);
  candidates.push(o.issued);
  for (const c of candidates) {
    const date = parseDate(c);
    if (date) return { date, text: String(c) };
  }
  return undefined;
}

export interface LatestObservationOptions {
  codes: ReadonlySet<string>;
  now: Date;
  lookbackDays: number;
  /** Code system the codes belong to; LOINC unless told. A coding without a system is accepted. */
  system?: string;
  /**
   * Results at the same time: keep the lowest (default, e.g. eGFR), the highest, or the one a score ranks higher
   * (e.g. the most abnormal potassium).
   */
  tieBreak?: 'lowest' | 'highest' | ((value: number) => number);
  /** Only results whose unit passes this test are candidates (checked before the newest is chosen). */
  acceptUnit?: (unit: string | undefined) => boolean;
}

/**
 * The newest Observation in `value` (a Bundle or single Observation) with one of `codes`, a numeric
 * valueQuantity and an effective time in [now - lookbackDays, now + 1 day]. entered-in-error and cancelled
 * results are skipped. Returns undefined when there is none.
 */
export function latestObservation(value: unknown, opts: LatestObservationOptions): LabResult | undefined {
  const system = opts.system ?? LOINC;
  const earliest = opts.now.getTime() - opts.lookbackDays * DAY_MS;
  const latest = opts.now.getTime() + DAY_MS; // tolerate clock skew and date-only values
  let best: LabResult | undefined;
  for (const o of bundleResources(value)) {
    if (o.resourceType !== 'Observation') continue;
    const status = str(o.status)?.toLowerCase();
    if (status && SKIP_STATUSES.has(status)) continue;
    const coding = codings(o.code).find((c) => c.code && opts.codes.has(c.code) && (!c.system || c.system === system));
    if (!coding?.code) continue;
    const q = o.valueQuantity;
    if (!isObject(q) || typeof q.value !== 'number' || !Number.isFinite(q.value)) continue;
    const eff = effectiveOf(o);
    if (!eff) continue;
    const t = eff.date.getTime();
    if (t < earliest || t > latest) continue;
    if (best && best.effective.getTime() > t) continue;
    // Two results at the same time (e.g. the race-specific eGFRs of one draw): keep the more conservative one,
    // so the card never depends on the order of entries.
    if (opts.acceptUnit && !opts.acceptUnit(str(q.unit) ?? str(q.code))) continue;
    if (best && best.effective.getTime() === t) {
      const tb = opts.tieBreak;
      const keepBest =
        typeof tb === 'function'
          ? tb(q.value) <= tb(best.value)
          : tb === 'highest'
            ? q.value <= best.value
            : q.value >= best.value;
      if (keepBest) continue;
    }
    const result: LabResult = { value: q.value, effective: eff.date, effectiveText: eff.text, code: coding.code };
    const unit = str(q.unit) ?? str(q.code);
    if (unit) result.unit = unit;
    const comparator = str(q.comparator);
    if (comparator) result.comparator = comparator;
    if (coding.display) result.display = coding.display;
    const id = str(o.id);
    if (id) result.id = id;
    best = result;
  }
  return best;
}
