// Shared test helpers: fixtures from fixtures/fhir, Bundles, a pinned clock and the shipped knowledge.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import type { Card, DraftOrdersBundle, HookData, JsonObject, OrderSignContext } from '../../src/cds/types.js';
import { decideOrderSign } from '../../src/rules/index.js';
import { findPackageRoot, loadKnowledge, type Knowledge } from '../../src/knowledge/index.js';

export const NOW = new Date('2026-11-23T12:00:00Z');

let cached: Knowledge | undefined;
export function knowledge(): Knowledge {
  cached ??= loadKnowledge();
  return cached;
}

/** A fresh copy of fixtures/fhir/<name>.json, optionally patched. */
export function fixture(name: string, patch: JsonObject = {}): JsonObject {
  const raw = JSON.parse(
    readFileSync(join(findPackageRoot(), 'fixtures', 'fhir', `${name}.json`), 'utf8'),
  ) as JsonObject;
  return { ...raw, ...patch };
}

export function bundle(...resources: JsonObject[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.map((resource) => ({ resource })),
  } as unknown as Bundle;
}

export function draftOrders(...resources: JsonObject[]): DraftOrdersBundle {
  return { resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) };
}

export function data(d: Record<string, Bundle | null>): HookData {
  return d as HookData;
}

export function daysBefore(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * 86_400_000).toISOString();
}

/** An R4 MedicationRequest with an RxNorm coding that has only a display (no code asserted). */
export function medRequest(id: string, display: string, status = 'active', extra: JsonObject = {}): JsonObject {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', display }],
      text: display,
    },
    subject: { reference: 'Patient/pat-1' },
    ...extra,
  };
}

/** The order-sign rules on these drafts, with these active MedicationRequests as the `medications` prefetch. */
export function signOrders(drafts: JsonObject[], active: JsonObject[]): Card[] {
  const context: OrderSignContext = {
    userId: 'Practitioner/1',
    patientId: 'pat-1',
    draftOrders: draftOrders(...drafts),
  };
  return decideOrderSign({ context, data: data({ medications: bundle(...active) }), knowledge: knowledge(), now: NOW });
}
