import { describe, expect, it } from '@jest/globals';
import { calendarDate, dateText, daysAgo, unitText, valueText } from '../../src/rules/card-text.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const daysBefore = (n: number): Date => new Date(NOW.getTime() - n * 86_400_000);

describe('card text: dates, units and values as a clinician reads them', () => {
  it('writes dates as "23 Nov 2026" with how long ago, never as ISO timestamps', () => {
    expect(calendarDate(NOW)).toBe('23 Nov 2026');
    expect(dateText(daysBefore(8), NOW)).toBe('15 Nov 2026 (8 days ago)');
    expect(dateText(NOW, NOW)).toBe('23 Nov 2026 (today)');
    expect(daysAgo(daysBefore(1), NOW)).toBe('yesterday');
    expect(daysAgo(new Date('2026-11-26T00:00:00Z'), NOW)).toBe('in 3 days');
    expect(dateText(daysBefore(30), NOW)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('counts calendar days, so a result from late yesterday is "yesterday", not "today"', () => {
    expect(daysAgo(new Date('2026-11-22T23:30:00Z'), NOW)).toBe('yesterday');
    expect(daysAgo(new Date('2026-11-23T00:10:00Z'), NOW)).toBe('today');
  });

  it('writes units without UCUM annotations', () => {
    expect(unitText('mL/min/{1.73_m2}')).toBe('mL/min/1.73 m²');
    expect(unitText('{INR}')).toBe('');
    expect(unitText('umol/L')).toBe('µmol/L');
    expect(unitText('{cells}/uL')).toBe('/µL');
    expect(unitText('mmol/L')).toBe('mmol/L');
    expect(unitText(undefined)).toBe('');
  });

  it('writes a value with its unit, and an INR without one', () => {
    expect(valueText(4.1, '{INR}')).toBe('4.1');
    expect(valueText(28, 'mL/min/{1.73_m2}')).toBe('28 mL/min/1.73 m²');
    expect(valueText(5.8999999, 'mmol/L')).toBe('5.9 mmol/L');
  });
});
