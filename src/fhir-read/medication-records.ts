// Medication-bearing FHIR resources read leniently, before any drug is resolved: which resources are orders or
// records, which count as active or taken recently, and where a medicationReference points. Never throws.
import type { JsonObject } from '../json.js';
import { bundleResources, isObject, objects, parseDate, resourceKey, statusCode, str } from './datatypes.js';
import { DAY_MS } from '../util/time.js';

const MEDICATION_RESOURCE_TYPES = ['MedicationRequest', 'MedicationStatement', 'MedicationOrder'] as const;

/**
 * Statuses that take a medication off the patient's active list. Kept: active, on-hold (may resume, so still
 * relevant for interactions), intended, unknown and a missing status (read leniently). Drafts are excluded:
 * unsigned orders arrive in the hook context, not in the medication list.
 */
const INACTIVE_STATUSES = new Set([
  'stopped',
  'completed',
  'entered-in-error',
  'cancelled',
  'not-taken',
  'draft',
  'revoked',
  'ended',
  'superseded',
]);

/** Medication resources keyed "Medication/<id>" (e.g. from the same Bundle) for medicationReference lookups. */
export type MedicationLookup = ReadonlyMap<string, JsonObject>;

/** Build a lookup of Medication resources from any number of Bundles / resources. */
export function medicationLookup(...sources: unknown[]): Map<string, JsonObject> {
  const map = new Map<string, JsonObject>();
  for (const src of sources) {
    for (const r of bundleResources(src)) {
      if (r.resourceType === 'Medication') {
        const key = resourceKey(r);
        if (key) map.set(key, r);
      }
    }
  }
  return map;
}

/** The Medication a medicationReference points to: a contained resource ("#id") or one of the lookup. */
export function resolveReference(
  ref: unknown,
  owner: JsonObject,
  lookup: MedicationLookup | undefined,
): JsonObject | undefined {
  if (!isObject(ref)) return undefined;
  const reference = str(ref.reference);
  if (!reference) return undefined;
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    return objects(owner.contained).find((c) => str(c.id) === id);
  }
  const m = /(?:^|\/)(Medication\/[^/]+?)(?:\/_history\/[^/]+)?$/.exec(reference);
  return m && m[1] ? lookup?.get(m[1]) : undefined;
}

/** The medication concept / reference of any supported resource shape. */
export function medicationOf(resource: JsonObject): { concept?: unknown; reference?: unknown } {
  if (resource.medicationCodeableConcept !== undefined || resource.medicationReference !== undefined) {
    return { concept: resource.medicationCodeableConcept, reference: resource.medicationReference };
  }
  const med = resource.medication; // R5 CodeableReference
  if (isObject(med)) return { concept: med.concept, reference: med.reference };
  return {};
}

export function isMedicationResource(r: unknown): r is JsonObject {
  return isObject(r) && (MEDICATION_RESOURCE_TYPES as readonly string[]).includes(String(r.resourceType));
}

function isActiveMedication(r: JsonObject): boolean {
  const status = str(r.status)?.toLowerCase();
  return status === undefined || !INACTIVE_STATUSES.has(status);
}

/** Records that say what the patient took, beside the orders (HL7 PDDI-CDS reads all four). */
export const MEDICATION_RECORD_TYPES = [
  'MedicationStatement',
  'MedicationDispense',
  'MedicationAdministration',
] as const;

/** Statuses of a statement, dispense or administration that do not say the patient takes the drug. */
const NOT_TAKEN_STATUSES = new Set([
  'entered-in-error',
  'cancelled',
  'not-taken',
  'not-done',
  'declined',
  'stopped',
  'preparation',
]);

/** The time span a record covers: effective[x] (statement, administration) or whenHandedOver (dispense). */
function recordSpan(r: JsonObject): { start?: Date; end?: Date } | undefined {
  if (r.resourceType === 'MedicationDispense') {
    const handed = parseDate(r.whenHandedOver);
    return handed ? { start: handed, end: handed } : undefined;
  }
  const at = parseDate(r.effectiveDateTime);
  if (at) return { start: at, end: at };
  if (isObject(r.effectivePeriod)) {
    const start = parseDate(r.effectivePeriod.start);
    const end = parseDate(r.effectivePeriod.end);
    if (start || end) return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  }
  return undefined;
}

/**
 * True when a statement, dispense or administration says the patient takes the drug now: a status that is not
 * a refusal, stop or error, and a time that overlaps the last `days` days (HL7 PDDI-CDS: 100). A record without a
 * time is not counted, as in the guide; a period without an end is ongoing.
 */
export function takenRecently(r: JsonObject, now: Date, days: number): boolean {
  const status = statusCode(r.status)?.toLowerCase();
  if (status && NOT_TAKEN_STATUSES.has(status)) return false;
  const span = recordSpan(r);
  if (!span) return false;
  const from = now.getTime() - days * DAY_MS;
  if (span.start && span.start.getTime() > now.getTime() + DAY_MS) return false;
  return span.end === undefined || span.end.getTime() >= from;
}

/** Medication resources of a Bundle (or a single resource) that are on the patient's active list. */
export function activeMedicationResources(value: unknown): JsonObject[] {
  return bundleResources(value).filter((r) => isMedicationResource(r) && isActiveMedication(r));
}
