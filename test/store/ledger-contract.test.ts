// One contract, both backends: every test here runs on embedded SQLite and on real PostgreSQL.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { SqlStore } from '../../src/store/sql-store.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import type { AiCallRecord, FeedbackRecord, IssuedCard, StoreOptions } from '../../src/store/ledger.js';
import type { SqlDb } from '../../src/store/sql-db.js';
import { BACKENDS, type Backend } from './backends.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T12:00:00Z');

describe.each(BACKENDS)('ledger on %s', (_name, makeBackend) => {
  const open: SqlStore[] = [];
  const backends: Backend[] = [];
  let clock = T0;

  async function store(backend?: Backend, options: Partial<StoreOptions> = {}): Promise<{ s: SqlStore; b: Backend }> {
    const b = backend ?? makeBackend();
    if (!backend) backends.push(b);
    const s = await SqlStore.open(b.connect(), {
      overrideWindowMs: 24 * HOUR,
      selectWindowMs: 6 * HOUR,
      retentionMs: 90 * 24 * HOUR,
      now: () => clock,
      ...options,
    });
    open.push(s);
    return { s, b };
  }

  afterEach(async () => {
    clock = T0;
    await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.drop()));
  });

  function card(s: SqlStore, over: Partial<IssuedCard> = {}): IssuedCard {
    return {
      uuid: 'a3c0f1de-0000-4000-8000-000000000001',
      client: 'https://ehr.example.org|-',
      service: 'order-sign',
      hook: 'order-sign',
      hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      rule: 'ddi',
      knowledgeVersion: '2026.11.0',
      indicator: 'warning',
      patient: s.patientKey('p1'),
      findings: [{ key: 'ddi:a+b', indicator: 'warning' }],
      drafts: ['MedicationRequest/d1'],
      issuedAt: T0,
      shadow: false,
      ...over,
    };
  }

  const override = (uuid: string, over: Partial<FeedbackRecord> = {}): FeedbackRecord => ({
    card: uuid,
    outcome: 'overridden',
    acceptedSuggestions: [],
    overrideReason: { system: 'https://hookwise.dev/cds/override-reasons', code: 'benefit-outweighs-risk' },
    hasComment: true,
    outcomeTimestamp: '2026-11-23T12:01:00Z',
    receivedAt: T0 + 60_000,
    ...over,
  });

  it('keeps patients only as a keyed hash, the same for every instance and after a restart', async () => {
    const { s, b } = await store();
    const id = 'https://ehr.example.org|-|https://ehr.example.org/fhir|eRw7cX1Qm2Zf0aVb8sKp3Lg3';
    expect(s.patientKey(id)).not.toContain('eRw7cX1Qm2Zf0aVb8sKp3Lg3');
    expect(s.patientKey(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.patientKey('p1')).not.toBe(s.patientKey('p2'));
    const { s: second } = await store(b);
    expect(second.patientKey(id)).toBe(s.patientKey(id));
    const { s: elsewhere } = await store();
    expect(elsewhere.patientKey(id)).not.toBe(s.patientKey(id));
  });

  it('stores feedback joined to its card, once; refuses cards of another client or service', async () => {
    const { s } = await store();
    const c = card(s);
    await s.recordIssued([c]);
    expect(await s.recordFeedback(override('9368d37b-283f-44a0-93ea-547cebab93ed'), c.client, 'order-sign')).toEqual({
      status: 'unknown-card',
    });
    expect(await s.recordFeedback(override(c.uuid), 'another|-', 'order-sign')).toEqual({ status: 'unknown-card' });
    expect(await s.recordFeedback(override(c.uuid), c.client, 'order-select')).toEqual({ status: 'unknown-card' });
    expect(await s.recordFeedback(override(c.uuid), c.client, 'order-sign')).toEqual({
      status: 'stored',
      rule: 'ddi',
      indicator: 'warning',
    });
    expect(await s.recordFeedback(override(c.uuid, { receivedAt: T0 + 120_000 }), c.client, 'order-sign')).toEqual({
      status: 'duplicate',
      rule: 'ddi',
      indicator: 'warning',
    });
    const accepted: FeedbackRecord = {
      card: c.uuid,
      outcome: 'accepted',
      acceptedSuggestions: ['s-1'],
      hasComment: false,
      outcomeTimestamp: '2026-11-23T12:02:00Z',
      receivedAt: T0 + 130_000,
    };
    expect((await s.recordFeedback(accepted, c.client, 'order-sign')).status).toBe('stored');
    expect(await s.feedbackOf(c.uuid)).toEqual([
      {
        client: c.client,
        service: 'order-sign',
        outcome: 'overridden',
        acceptedSuggestions: [],
        overrideReason: { system: 'https://hookwise.dev/cds/override-reasons', code: 'benefit-outweighs-risk' },
        hasComment: true,
        outcomeTimestamp: '2026-11-23T12:01:00Z',
        receivedAt: T0 + 60_000,
      },
      {
        client: c.client,
        service: 'order-sign',
        outcome: 'accepted',
        acceptedSuggestions: ['s-1'],
        hasComment: false,
        outcomeTimestamp: '2026-11-23T12:02:00Z',
        receivedAt: T0 + 130_000,
      },
    ]);
  });

  it('an override silences the finding for the window, unless it gets worse; accepting silences nothing', async () => {
    const { s } = await store();
    const c = card(s);
    const kept = card(s, {
      uuid: 'a3c0f1de-0000-4000-8000-000000000002',
      findings: [{ key: 'ddi:c+d', indicator: 'warning' }],
    });
    await s.recordIssued([c, kept]);
    await s.recordFeedback(override(c.uuid), c.client, c.service);
    await s.recordFeedback(
      {
        card: kept.uuid,
        outcome: 'accepted',
        acceptedSuggestions: ['x'],
        hasComment: false,
        outcomeTimestamp: '2026-11-23T12:01:00Z',
        receivedAt: T0,
      },
      c.client,
      c.service,
    );
    const q = { patient: c.patient, finding: 'ddi:a+b', indicator: 'warning' as const };
    expect(await s.suppression({ ...q, now: T0 + 23 * HOUR })).toBe('overridden');
    expect(await s.suppression({ ...q, indicator: 'info', now: T0 + HOUR })).toBe('overridden');
    expect(await s.suppression({ ...q, indicator: 'critical', now: T0 + HOUR })).toBeUndefined();
    expect(await s.suppression({ ...q, now: T0 + 25 * HOUR })).toBeUndefined();
    expect(await s.suppression({ ...q, patient: s.patientKey('p2'), now: T0 + HOUR })).toBeUndefined();
    expect(await s.suppression({ ...q, finding: 'ddi:c+d', now: T0 + HOUR })).toBeUndefined();
  });

  // The PDDI guide's coordination: remembered per ordering session (clinician, patient, encounter), rule and drug code.
  const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
  const remember = (
    s: SqlStore,
    session = 'clinician-1|p1|enc-1',
    drugs: Record<string, string> = { 'MedicationRequest/d1': `${RX}|21212` },
  ) => ({
    remember: { session: s.patientKey(session), drugs },
  });

  it('order-sign leaves out what order-select remembered for the same session and drug code, unless worse or later', async () => {
    const { s } = await store();
    const c = card(s, { hook: 'order-select', service: 'order-select', ...remember(s) });
    await s.recordIssued([c]);
    const session = s.patientKey('clinician-1|p1|enc-1');
    const q = { patient: c.patient, finding: 'ddi:a+b', now: T0 + HOUR };
    const drug = [`${RX}|21212`];
    expect(await s.suppression({ ...q, indicator: 'warning', repeatOf: { session, drugs: drug } })).toBe(
      'seen-at-order-select',
    );
    // not asked to filter: the card is shown again (the guide's default)
    expect(await s.suppression({ ...q, indicator: 'warning' })).toBeUndefined();
    expect(await s.suppression({ ...q, indicator: 'critical', repeatOf: { session, drugs: drug } })).toBeUndefined();
    expect(
      await s.suppression({ ...q, indicator: 'warning', repeatOf: { session, drugs: [...drug, `${RX}|999`] } }),
    ).toBeUndefined();
    expect(
      await s.suppression({ ...q, indicator: 'warning', repeatOf: { session, drugs: [`${RX}|999`] } }),
    ).toBeUndefined();
    expect(
      await s.suppression({ ...q, finding: 'ddi:a+c', indicator: 'warning', repeatOf: { session, drugs: drug } }),
    ).toBeUndefined();
    // another clinician or encounter is another session
    expect(
      await s.suppression({
        ...q,
        indicator: 'warning',
        repeatOf: { session: s.patientKey('clinician-2|p1|enc-1'), drugs: drug },
      }),
    ).toBeUndefined();
    expect(
      await s.suppression({ ...q, indicator: 'warning', now: T0 + 7 * HOUR, repeatOf: { session, drugs: drug } }),
    ).toBeUndefined();
  });

  it('a card whose call did not ask to be remembered is never filtered later', async () => {
    const { s } = await store();
    const c = card(s, { hook: 'order-select', service: 'order-select' });
    await s.recordIssued([c]);
    const q = { patient: c.patient, finding: 'ddi:a+b', indicator: 'warning' as const, now: T0 + HOUR };
    expect(
      await s.suppression({
        ...q,
        repeatOf: { session: s.patientKey('clinician-1|p1|enc-1'), drugs: [`${RX}|21212`] },
      }),
    ).toBeUndefined();
  });

  it('a grouped card records each finding at its own tier; a lower tier seen later does not lower it', async () => {
    const { s } = await store();
    const grouped = card(s, {
      hook: 'order-select',
      service: 'order-select',
      findings: [
        { key: 'renal:x', indicator: 'critical' },
        { key: 'ddi:a+b', indicator: 'warning' },
      ],
      ...remember(s),
    });
    await s.recordIssued([grouped]);
    await s.recordIssued([
      card(s, {
        uuid: 'a3c0f1de-0000-4000-8000-000000000009',
        hook: 'order-select',
        service: 'order-select',
        findings: [{ key: 'renal:x', indicator: 'info' }],
        issuedAt: T0 + 60_000,
        ...remember(s),
      }),
    ]);
    const q = {
      patient: grouped.patient,
      repeatOf: { session: s.patientKey('clinician-1|p1|enc-1'), drugs: [`${RX}|21212`] },
      now: T0 + HOUR,
    };
    expect(await s.suppression({ ...q, finding: 'ddi:a+b', indicator: 'critical' })).toBeUndefined();
    expect(await s.suppression({ ...q, finding: 'ddi:a+b', indicator: 'warning' })).toBe('seen-at-order-select');
    expect(await s.suppression({ ...q, finding: 'renal:x', indicator: 'critical' })).toBe('seen-at-order-select');
  });

  it('a critical card dismissed without a coded reason is silent only for the session; with a reason, for the window', async () => {
    const { s } = await store(undefined, { dismissalWindowMs: 2 * HOUR });
    const dismissed = card(s, { indicator: 'critical', findings: [{ key: 'ddi:a+b', indicator: 'critical' }] });
    const reasoned = card(s, {
      uuid: 'a3c0f1de-0000-4000-8000-000000000011',
      indicator: 'critical',
      patient: s.patientKey('p2'),
      findings: [{ key: 'ddi:a+b', indicator: 'critical' }],
    });
    const warning = card(s, { uuid: 'a3c0f1de-0000-4000-8000-000000000012', patient: s.patientKey('p3') });
    await s.recordIssued([dismissed, reasoned, warning]);
    const { overrideReason: _none, ...noReason } = override(dismissed.uuid, { hasComment: true });
    expect((await s.recordFeedback(noReason, dismissed.client, dismissed.service)).status).toBe('stored');
    await s.recordFeedback(override(reasoned.uuid), reasoned.client, reasoned.service);
    const { overrideReason: _none2, ...warningNoReason } = override(warning.uuid);
    await s.recordFeedback(warningNoReason, warning.client, warning.service);
    const q = { finding: 'ddi:a+b', indicator: 'critical' as const };
    expect(await s.suppression({ ...q, patient: dismissed.patient, now: T0 + HOUR })).toBe('overridden');
    expect(await s.suppression({ ...q, patient: dismissed.patient, now: T0 + 3 * HOUR })).toBeUndefined();
    expect(await s.suppression({ ...q, patient: reasoned.patient, now: T0 + 23 * HOUR })).toBe('overridden');
    // a warning dismissed without a reason: the override window, as before
    expect(await s.suppression({ ...q, indicator: 'warning', patient: warning.patient, now: T0 + 23 * HOUR })).toBe(
      'overridden',
    );
  });

  it('shadow cards are recorded but never silence a card the clinician would see', async () => {
    const { s } = await store();
    const selected = card(s, { hook: 'order-select', service: 'order-select', shadow: true, ...remember(s) });
    const signed = card(s, { uuid: 'a3c0f1de-0000-4000-8000-000000000003', shadow: true });
    await s.recordIssued([selected, signed]);
    expect((await s.recordFeedback(override(signed.uuid), signed.client, signed.service)).status).toBe('stored');
    const repeatOf = { session: s.patientKey('clinician-1|p1|enc-1'), drugs: [`${RX}|21212`] };
    const q = { patient: signed.patient, finding: 'ddi:a+b', indicator: 'warning' as const, repeatOf, now: T0 + HOUR };
    expect(await s.suppression(q)).toBeUndefined();
  });

  it('survives a restart: cards, overrides and feedback are still there', async () => {
    const { s, b } = await store();
    const c = card(s);
    await s.recordIssued([c]);
    await s.recordFeedback(override(c.uuid), c.client, c.service);
    await s.close();
    const { s: again } = await store(b);
    expect(
      await again.suppression({
        patient: again.patientKey('p1'),
        finding: 'ddi:a+b',
        indicator: 'warning',
        now: T0 + HOUR,
      }),
    ).toBe('overridden');
    expect(await again.feedbackOf(c.uuid)).toHaveLength(1);
    expect((await again.recordFeedback(override(c.uuid), c.client, c.service)).status).toBe('duplicate');
  });

  it('commits the cards of concurrent answers together, each answer waiting for its commit', async () => {
    const { s, b } = await store();
    const cards = Array.from({ length: 150 }, (_, i) =>
      card(s, { uuid: `a3c0f1de-0000-4000-8000-${String(i).padStart(12, '0')}` }),
    );
    await Promise.all(cards.map((c) => s.recordIssued([c])));
    const reader = b.connect();
    try {
      const [row] = await reader.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM hookwise_issued_card');
      expect(Number(row!.n)).toBe(150);
    } finally {
      await reader.close();
    }
  });

  it('close() writes what is still queued', async () => {
    const { s, b } = await store();
    const c = card(s);
    const pending = s.recordIssued([c]);
    await s.close();
    await pending;
    const { s: again } = await store(b);
    expect((await again.recordFeedback(override(c.uuid), c.client, c.service)).status).toBe('stored');
  });

  it('accepts a JWT id once while it lives, from any instance, and again after it expired', async () => {
    const { s, b } = await store();
    const { s: other } = await store(b);
    const results = await Promise.all([
      s.firstSeen('iss|jti-1', T0 + 300_000),
      other.firstSeen('iss|jti-1', T0 + 300_000),
      s.firstSeen('iss|jti-1', T0 + 300_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await s.firstSeen('iss|jti-2', T0 + 300_000)).toBe(true);
    clock = T0 + 300_001;
    expect(await other.firstSeen('iss|jti-1', T0 + 600_000)).toBe(true);
    expect(await s.firstSeen('iss|jti-1', T0 + 600_000)).toBe(false);
  });

  it('purges cards and feedback past retention and suppressions past their window', async () => {
    const { s, b } = await store(undefined, { retentionMs: 48 * HOUR });
    const old = card(s);
    const recent = card(s, { uuid: 'a3c0f1de-0000-4000-8000-000000000004', issuedAt: T0 + 47 * HOUR });
    await s.recordIssued([old, recent]);
    await s.recordFeedback(override(old.uuid), old.client, old.service);
    await s.firstSeen('iss|jti-9', T0 + 1000);
    clock = T0 + 49 * HOUR;
    await s.purge();
    const reader = b.connect();
    try {
      const count = async (table: string) =>
        Number((await reader.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
      expect(await count('hookwise_issued_card')).toBe(1);
      expect(await count('hookwise_feedback')).toBe(0);
      expect(await count('hookwise_finding_override')).toBe(0);
      expect(await count('hookwise_jwt_replay')).toBe(0);
    } finally {
      await reader.close();
    }
    expect((await s.recordFeedback(override(recent.uuid), recent.client, recent.service)).status).toBe('stored');
  });

  it('instances starting together migrate once; a database from a newer hookwise is refused', async () => {
    const b = makeBackend();
    backends.push(b);
    const started = await Promise.all([store(b), store(b), store(b)]);
    expect(new Set(started.map(({ s }) => s.patientKey('p1'))).size).toBe(1);
    const db = b.connect();
    await db.query(`UPDATE hookwise_meta SET value = ? WHERE name = 'schema_version'`, [String(SCHEMA_VERSION + 1)]);
    await expect(
      SqlStore.open(db, { overrideWindowMs: HOUR, selectWindowMs: HOUR, retentionMs: HOUR }),
    ).rejects.toThrow(
      `the ledger database has schema version ${SCHEMA_VERSION + 1}, newer than this hookwise's ${SCHEMA_VERSION}`,
    );
    await db.close();
  });

  it('ping answers while the database is reachable and fails once it is closed', async () => {
    const { s } = await store();
    await expect(s.ping()).resolves.toBeUndefined();
    await s.close();
    await expect(s.ping()).rejects.toThrow();
  });

  it('a database that stops answering costs a hook call at most the hook-path bound', async () => {
    const b = makeBackend();
    backends.push(b);
    const real = b.connect();
    let hang = false;
    const never = new Promise<never>(() => undefined);
    const stalling: SqlDb = {
      dialect: real.dialect,
      query: (sql, params) => (hang ? never : real.query(sql, params)),
      transaction: (work) => (hang ? never : real.transaction(work)),
      close: () => real.close(),
    };
    const s = await SqlStore.open(stalling, {
      overrideWindowMs: HOUR,
      selectWindowMs: HOUR,
      retentionMs: HOUR,
      hookPathTimeoutMs: 150,
    });
    hang = true;
    const started = Date.now();
    await expect(s.suppression({ patient: 'p', finding: 'ddi:a+b', indicator: 'warning', now: T0 })).rejects.toThrow(
      'the ledger did not answer a suppression query within 150 ms',
    );
    await expect(s.recordIssued([card(s)])).rejects.toThrow('the ledger did not record the issued cards within 150 ms');
    expect(Date.now() - started).toBeLessThan(1000);
    await real.close();
  });

  it("a later override of a lower tier does not extend a higher tier's silence", async () => {
    const { s } = await store();
    const critical = card(s, { indicator: 'critical', findings: [{ key: 'ddi:a+b', indicator: 'critical' }] });
    const warning = card(s, { uuid: 'a3c0f1de-0000-4000-8000-000000000005', issuedAt: T0 + 20 * HOUR });
    await s.recordIssued([critical, warning]);
    await s.recordFeedback(override(critical.uuid, { receivedAt: T0 }), critical.client, critical.service);
    await s.recordFeedback(override(warning.uuid, { receivedAt: T0 + 20 * HOUR }), warning.client, warning.service);
    const q = { patient: critical.patient, finding: 'ddi:a+b' };
    expect(await s.suppression({ ...q, indicator: 'critical', now: T0 + 23 * HOUR })).toBe('overridden');
    expect(await s.suppression({ ...q, indicator: 'critical', now: T0 + 30 * HOUR })).toBeUndefined();
    expect(await s.suppression({ ...q, indicator: 'warning', now: T0 + 30 * HOUR })).toBe('overridden');
  });

  it('one answer with a bad value (a NUL) does not cost the other answers of its group commit', async () => {
    const { s } = await store();
    const good = card(s);
    const odd = card(s, {
      uuid: 'a3c0f1de-0000-4000-8000-000000000006',
      hookInstance: 'x\u0000y',
      drafts: ['MedicationRequest/d\u00001'],
    });
    await Promise.all([s.recordIssued([good]), s.recordIssued([odd])]);
    expect((await s.recordFeedback(override(good.uuid), good.client, good.service)).status).toBe('stored');
    expect((await s.recordFeedback(override(odd.uuid), odd.client, odd.service)).status).toBe('stored');
  });

  it('two instances writing the same findings in opposite order both commit, every time', async () => {
    const { s, b } = await store();
    const { s: other } = await store(b);
    const findings = [
      { key: 'ddi:a+b', indicator: 'warning' as const },
      { key: 'renal:x', indicator: 'warning' as const },
    ];
    const rounds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        s.recordIssued([
          card(s, {
            uuid: `b0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            hook: 'order-select',
            service: 'order-select',
            findings,
            ...remember(s),
          }),
        ]),
        other.recordIssued([
          card(other, {
            uuid: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            hook: 'order-select',
            service: 'order-select',
            findings: [...findings].reverse(),
            ...remember(other),
          }),
        ]),
      ]).flat(),
    );
    expect(rounds).toHaveLength(40);
    const reader = b.connect();
    try {
      expect(
        Number((await reader.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM hookwise_issued_card'))[0]!.n),
      ).toBe(40);
    } finally {
      await reader.close();
    }
  });

  it('purges in batches until nothing expired is left', async () => {
    const { s, b } = await store();
    for (let i = 0; i < 1200; i++) await s.firstSeen(`iss|old-${i}`, T0 + 1000);
    await s.firstSeen('iss|live', T0 + 10 * HOUR);
    clock = T0 + 2000;
    await s.purge();
    const reader = b.connect();
    try {
      expect(
        Number((await reader.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM hookwise_jwt_replay'))[0]!.n),
      ).toBe(1);
    } finally {
      await reader.close();
    }
  });

  describe('AI review', () => {
    const call = (s: SqlStore, over: Partial<AiCallRecord> = {}): AiCallRecord => ({
      id: `call-${Math.random().toString(36).slice(2)}`,
      service: 'ai-medication-review',
      hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      patient: s.patientKey('p1'),
      model: 'm',
      promptVersion: 'medication-review@v1+abc',
      startedAt: T0,
      latencyMs: 120,
      outcome: 'ok',
      late: false,
      shadow: false,
      findingsKept: 1,
      dropped: { 'low-confidence': 2 },
      confidences: [0.8],
      ...over,
    });

    it('the kill switch is on until set, and a second instance reads what the first set', async () => {
      const { s, b } = await store();
      expect(await s.aiSwitch()).toEqual({ state: 'on' });
      await s.setAiSwitch('off', T0);
      const { s: other } = await store(b);
      expect(await other.aiSwitch()).toEqual({ state: 'off', changedAt: T0 });
      await other.setAiSwitch('on', T0 + 1);
      expect((await s.aiSwitch()).state).toBe('on');
    });

    it('a cached answer is found for the same patient and input until it expires, and replaced by a newer one', async () => {
      const { s } = await store();
      const entry = {
        patient: s.patientKey('p1'),
        inputHash: 'h1',
        model: 'm',
        promptVersion: 'p',
        findings: '{"findings":[]}',
        storedAt: T0,
        expiresAt: T0 + HOUR,
      };
      await s.aiCachePut(entry);
      expect(await s.aiCacheGet(entry.patient, 'h1', T0 + 1)).toEqual(entry);
      expect(await s.aiCacheGet(entry.patient, 'h2', T0 + 1)).toBeUndefined();
      expect(await s.aiCacheGet(s.patientKey('p2'), 'h1', T0 + 1)).toBeUndefined();
      expect(await s.aiCacheGet(entry.patient, 'h1', T0 + HOUR)).toBeUndefined();
      await s.aiCachePut({ ...entry, findings: '{"findings":[1]}', expiresAt: T0 + 2 * HOUR });
      expect((await s.aiCacheGet(entry.patient, 'h1', T0 + HOUR))?.findings).toBe('{"findings":[1]}');
    });

    it('the report counts calls by outcome, late answers apart, drops by reason, and feedback per category', async () => {
      const { s } = await store();
      await s.recordAiCall(call(s));
      await s.recordAiCall(
        call(s, { outcome: 'timeout', findingsKept: 0, dropped: {}, confidences: [], latencyMs: 880 }),
      );
      await s.recordAiCall(call(s, { outcome: 'ok', late: true }));
      await s.recordIssued([
        card(s, {
          uuid: 'a3c0f1de-0000-4000-8000-0000000000a1',
          service: 'ai-medication-review',
          hook: 'patient-view',
          rule: 'ai-prescribing-cascade',
          drafts: [],
        }),
      ]);
      await s.recordFeedback(
        override('a3c0f1de-0000-4000-8000-0000000000a1'),
        'https://ehr.example.org|-',
        'ai-medication-review',
      );
      const report = await s.aiReport(T0 - 1, 'ai-medication-review');
      expect(report).toMatchObject({
        calls: { ok: 1, timeout: 1 },
        lateAnswers: 1,
        meanLatencyMs: 500,
        findingsKept: 1,
        dropped: { 'low-confidence': 2 },
        meanConfidence: 0.8,
        categories: [{ category: 'prescribing-cascade', shown: 1, accepted: 0, overridden: 1 }],
      });
    });

    it('expired cache entries are purged', async () => {
      const { s } = await store();
      const patient = s.patientKey('p1');
      await s.aiCachePut({
        patient,
        inputHash: 'h',
        model: 'm',
        promptVersion: 'p',
        findings: '{}',
        storedAt: T0,
        expiresAt: T0 + 1000,
      });
      clock = T0 + 2000;
      await s.purge();
      clock = T0;
      expect(await s.aiCacheGet(patient, 'h', T0)).toBeUndefined();
    });
  });
});
