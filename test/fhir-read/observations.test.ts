import { describe, it, expect } from '@jest/globals';
import { latestObservation } from '../../src/fhir-read/observations.js';
import { labCodes } from '../../src/knowledge/index.js';
import { NOW, bundle, daysBefore, fixture, knowledge } from '../rules/helpers.js';

const egfr = (id: string, value: number, daysAgo: number, extra: Record<string, unknown> = {}) =>
  fixture('observation-egfr', {
    id,
    effectiveDateTime: daysBefore(daysAgo),
    valueQuantity: { value, unit: 'mL/min/{1.73_m2}' },
    ...extra,
  });

describe('latestObservation', () => {
  const codes = labCodes(knowledge(), 'egfr');
  const opts = { codes, now: NOW, lookbackDays: 365 };

  it('returns the newest in-window numeric result whatever the Bundle order', () => {
    const lab = latestObservation(bundle(egfr('old', 50, 200), egfr('new', 28, 10), egfr('mid', 40, 100)), opts);
    expect(lab?.id).toBe('new');
    expect(lab?.value).toBe(28);
    expect(lab?.unit).toBe('mL/min/{1.73_m2}');
    expect(lab?.code).toBe('33914-3');
  });

  it('ignores results outside the look-back window', () => {
    expect(latestObservation(bundle(egfr('ancient', 20, 400)), opts)).toBeUndefined();
    expect(latestObservation(bundle(egfr('edge', 20, 364)), opts)?.id).toBe('edge');
  });

  it('skips entered-in-error and cancelled results, other codes and non-numeric values', () => {
    const b = bundle(
      egfr('eie', 10, 1, { status: 'entered-in-error' }),
      egfr('can', 11, 1, { status: 'cancelled' }),
      egfr('str', 12, 1, { valueQuantity: undefined, valueString: '<15' }),
      egfr('other', 13, 1, { code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }] } }),
      egfr('ok', 44, 30),
    );
    expect(latestObservation(b, opts)?.id).toBe('ok');
  });

  it('uses effectivePeriod when there is no effectiveDateTime', () => {
    const o = egfr('p', 33, 0, {
      effectiveDateTime: undefined,
      effectivePeriod: { start: daysBefore(5), end: daysBefore(4) },
    });
    expect(latestObservation(o, opts)?.effective.toISOString()).toBe(daysBefore(4));
  });

  it('returns undefined for null or missing data', () => {
    expect(latestObservation(null, opts)).toBeUndefined();
    expect(latestObservation(undefined, opts)).toBeUndefined();
  });
});
