import { describe, expect, it } from '@jest/globals';
import { MemoryCardLedger, type IssuedCard } from '../../src/store/card-ledger.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T12:00:00Z');

function ledger() {
  return new MemoryCardLedger({ overrideWindowMs: 24 * HOUR, retentionMs: 6 * HOUR });
}

function card(l: MemoryCardLedger, over: Partial<IssuedCard> = {}): IssuedCard {
  return { uuid: 'u1', client: 'c1', service: 'order-sign', hook: 'order-sign', patient: l.patientKey('p1'), findings: [{ key: 'ddi:a+b', indicator: 'warning' }], drafts: ['MedicationRequest/d1'], issuedAt: T0, ...over };
}

describe('card ledger', () => {
  it('keeps patients only as a keyed hash', () => {
    const l = ledger();
    const id = 'Practitioner-free|https://ehr.example.org/fhir|eRw7cX1Qm2Zf0aVb8sKp3Lg3';
    expect(l.patientKey(id)).not.toContain('eRw7cX1Qm2Zf0aVb8sKp3Lg3');
    expect(l.patientKey(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(l.patientKey('p1')).toBe(l.patientKey('p1'));
    expect(l.patientKey('p1')).not.toBe(l.patientKey('p2'));
    expect(new MemoryCardLedger({ overrideWindowMs: 1, retentionMs: 1 }).patientKey('p1')).not.toBe(l.patientKey('p1'));
  });

  it('an override silences the finding for the window, then it shows again', async () => {
    const l = ledger();
    const c = card(l);
    await l.recordIssued([c]);
    expect(await l.recordOverride('u1', T0 + 60_000, 'c1', 'order-sign')).toBe(true);
    const q = { patient: c.patient, finding: c.findings[0]!.key, indicator: 'warning' as const, drafts: [], hook: 'order-sign' };
    expect(await l.suppression({ ...q, now: T0 + 23 * HOUR })).toBe('overridden');
    expect(await l.suppression({ ...q, now: T0 + 25 * HOUR })).toBeUndefined();
    expect(await l.suppression({ ...q, indicator: 'critical', now: T0 + HOUR })).toBeUndefined();
  });

  it('an override of an unknown or forgotten card does nothing', async () => {
    const l = ledger();
    await l.recordIssued([card(l)]);
    expect(await l.recordOverride('nope', T0, 'c1', 'order-sign')).toBe(false);
    expect(await l.recordOverride('u1', T0 + 7 * HOUR, 'c1', 'order-sign')).toBe(false);
    expect(await l.recordOverride('u1', T0 + HOUR, 'another-client', 'order-sign')).toBe(false);
    expect(await l.recordOverride('u1', T0 + HOUR, 'c1', 'patient-view')).toBe(false);
  });

  it('order-sign does not repeat what order-select showed for the same drafts, unless worse or other drafts', async () => {
    const l = ledger();
    const c = card(l, { hook: 'order-select', service: 'order-select' });
    await l.recordIssued([c]);
    const q = { patient: c.patient, finding: c.findings[0]!.key, hook: 'order-sign', now: T0 + HOUR };
    expect(await l.suppression({ ...q, indicator: 'warning', drafts: ['MedicationRequest/d1'] })).toBe('seen-at-order-select');
    expect(await l.suppression({ ...q, indicator: 'critical', drafts: ['MedicationRequest/d1'] })).toBeUndefined();
    expect(await l.suppression({ ...q, indicator: 'warning', drafts: ['MedicationRequest/d1', 'MedicationRequest/d2'] })).toBeUndefined();
    expect(await l.suppression({ ...q, indicator: 'warning', drafts: ['MedicationRequest/d1'], hook: 'order-select' })).toBeUndefined();
    expect(await l.suppression({ ...q, indicator: 'warning', drafts: ['MedicationRequest/d1'], now: T0 + 7 * HOUR })).toBeUndefined();
  });

  it('stays bounded: the oldest entries go first', async () => {
    const l = new MemoryCardLedger({ overrideWindowMs: HOUR, retentionMs: HOUR, maxEntries: 3 });
    for (let i = 0; i < 5; i++) await l.recordIssued([card(l, { uuid: `u${i}` })]);
    expect(await l.recordOverride('u0', T0, 'c1', 'order-sign')).toBe(false);
    expect(await l.recordOverride('u4', T0, 'c1', 'order-sign')).toBe(true);
  });

  it('a grouped card records each finding at its own tier, so a finding that gets worse shows again', async () => {
    const l = ledger();
    const c = card(l, { hook: 'order-select', findings: [{ key: 'renal:x', indicator: 'critical' }, { key: 'ddi:a+b', indicator: 'warning' }] });
    await l.recordIssued([c]);
    const q = { patient: c.patient, hook: 'order-sign', drafts: ['MedicationRequest/d1'], now: T0 + HOUR };
    expect(await l.suppression({ ...q, finding: 'ddi:a+b', indicator: 'critical' })).toBeUndefined();
    expect(await l.suppression({ ...q, finding: 'ddi:a+b', indicator: 'warning' })).toBe('seen-at-order-select');
  });
});
