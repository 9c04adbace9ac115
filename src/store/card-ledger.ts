// The issued-card and feedback ledger: which cards were shown (by uuid: patient, finding, indicator, drafts),
// which findings a clinician overrode, and which order-select cards were already seen for a draft. It lets
// hookwise stay quiet about what a clinician has already decided on. Patients are kept only as a keyed hash.
// This is the embedded (in-process) backend; a shared backend implements the same interface.
import { createHmac, randomBytes } from 'node:crypto';
import type { Indicator } from '../cds/types.js';

export interface IssuedCard {
  uuid: string;
  /** The calling client (issuer and tenant): only it may override the card. */
  client: string;
  service: string;
  hook: string;
  patient: string;
  /** The findings the card showed, each with its own tier (more than one when findings about one draft were grouped). */
  findings: Array<{ key: string; indicator: Indicator }>;
  drafts: string[];
  issuedAt: number;
}

export type Suppression = 'overridden' | 'seen-at-order-select';

export interface CardLedger {
  /**
   * A keyed hash of a patient in its context (the calling client, tenant and FHIR server, and the patient id),
   * so the same id at another EHR is another patient. The ledger never holds the id itself.
   */
  patientKey(scopedPatient: string): string;
  recordIssued(cards: IssuedCard[]): Promise<void>;
  /**
   * Records an override of the card with this uuid, reported by `client` to `service`; false when the card is
   * unknown, expired, or was issued to another client or by another service.
   */
  recordOverride(uuid: string, at: number, client: string, service: string): Promise<boolean>;
  /** Why a finding should not be shown again, or undefined. Never suppresses a finding that got worse. */
  suppression(q: { patient: string; finding: string; indicator: Indicator; drafts: string[]; hook: string; now: number }): Promise<Suppression | undefined>;
}

const RANK: Record<Indicator, number> = { info: 0, warning: 1, critical: 2 };

export interface LedgerOptions {
  /** How long an override silences the same finding for the same patient. */
  overrideWindowMs: number;
  /** How long an issued card is remembered (feedback arrives later; order-sign follows order-select). */
  retentionMs: number;
  maxEntries?: number;
}

export class MemoryCardLedger implements CardLedger {
  private readonly secret = randomBytes(32);
  private readonly issued = new Map<string, IssuedCard>();
  /** patient|finding → { until, indicator } */
  private readonly overrides = new Map<string, { until: number; indicator: Indicator }>();
  /** patient|finding|draft → highest indicator shown at order-select, and until when it counts */
  private readonly selected = new Map<string, { until: number; indicator: Indicator }>();

  constructor(private readonly options: LedgerOptions) {}

  patientKey(scopedPatient: string): string {
    return createHmac('sha256', this.secret).update(scopedPatient).digest('base64url');
  }

  private cap<K, V>(map: Map<K, V>): void {
    const max = this.options.maxEntries ?? 100_000;
    while (map.size > max) map.delete(map.keys().next().value as K); // oldest first (insertion order)
  }

  async recordIssued(cards: IssuedCard[]): Promise<void> {
    for (const c of cards) {
      this.issued.set(c.uuid, c);
      if (c.hook === 'order-select') {
        for (const f of c.findings) {
          for (const d of c.drafts) {
            const k = `${c.patient}|${f.key}|${d}`;
            const prev = this.selected.get(k);
            const indicator = prev && RANK[prev.indicator] > RANK[f.indicator] ? prev.indicator : f.indicator;
            this.selected.set(k, { until: c.issuedAt + this.options.retentionMs, indicator });
          }
        }
      }
    }
    this.cap(this.issued);
    this.cap(this.selected);
  }

  async recordOverride(uuid: string, at: number, client: string, service: string): Promise<boolean> {
    const card = this.issued.get(uuid);
    if (!card || card.issuedAt + this.options.retentionMs < at || card.client !== client || card.service !== service) return false;
    for (const f of card.findings) {
      const k = `${card.patient}|${f.key}`;
      const prev = this.overrides.get(k);
      const indicator = prev && RANK[prev.indicator] > RANK[f.indicator] ? prev.indicator : f.indicator;
      this.overrides.set(k, { until: at + this.options.overrideWindowMs, indicator });
    }
    this.cap(this.overrides);
    return true;
  }

  async suppression(q: { patient: string; finding: string; indicator: Indicator; drafts: string[]; hook: string; now: number }): Promise<Suppression | undefined> {
    const o = this.overrides.get(`${q.patient}|${q.finding}`);
    if (o && o.until > q.now && RANK[q.indicator] <= RANK[o.indicator]) return 'overridden';
    if (q.hook === 'order-sign' && q.drafts.length > 0) {
      const seenAll = q.drafts.every((d) => {
        const s = this.selected.get(`${q.patient}|${q.finding}|${d}`);
        return s !== undefined && s.until > q.now && RANK[q.indicator] <= RANK[s.indicator];
      });
      if (seenAll) return 'seen-at-order-select';
    }
    return undefined;
  }
}
