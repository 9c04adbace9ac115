// Prefetch sent under keys hookwise does not declare. A client that prefetched with its own templates (the HL7
// PDDI-CDS guide's example requests send item1…item8) still sends the data a rule needs: when one of hookwise's
// keys is absent, the undeclared values whose resources are of that key's type, and about the call's patient, are
// used for it (several are merged into one searchset Bundle). Nothing is adopted when the client sent every key
// hookwise asked for; an adopted key is not read again from fhirServer.
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type { PrefetchValue } from '../cds/types.js';

/** The resources a prefetch value carries: a Bundle's entries, one resource, or the legacy `{response, resource}`. */
function resourcesOf(value: unknown): FhirResource[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as { resourceType?: unknown; entry?: unknown; resource?: unknown };
  if (v.resourceType === undefined && typeof v.resource === 'object') return resourcesOf(v.resource);
  if (typeof v.resourceType !== 'string') return undefined;
  if (v.resourceType !== 'Bundle') return [value as FhirResource];
  if (v.entry === undefined) return [];
  if (!Array.isArray(v.entry)) return undefined;
  const out: FhirResource[] = [];
  for (const e of v.entry as unknown[]) {
    // Entries as FHIR has them ({resource}), or resources listed bare (older examples do that).
    const r = typeof e === 'object' && e !== null && 'resource' in e ? (e as { resource: unknown }).resource : e;
    if (typeof r !== 'object' || r === null || typeof (r as { resourceType?: unknown }).resourceType !== 'string') return undefined;
    out.push(r as FhirResource);
  }
  return out;
}

/** The patient a resource is about ("Patient/123" or its id), when it says. */
function patientOf(r: FhirResource): string | undefined {
  if (r.resourceType === 'Patient') return r.id;
  const ref = (r as { subject?: { reference?: unknown }; patient?: { reference?: unknown } }).subject?.reference ??
    (r as { patient?: { reference?: unknown } }).patient?.reference;
  return typeof ref === 'string' ? ref.replace(/^.*Patient\//, '') : undefined;
}

export interface Adoption {
  /** A Bundle for a search key, the resource for a read key. */
  value: FhirResource;
  /** The undeclared keys it came from. */
  from: string[];
}

/**
 * The data for one absent key from the undeclared prefetch values: resources of `resourceType` about `patientId`
 * (a resource that names no patient is taken; one about another patient makes that value unusable). Undefined
 * when no undeclared value carries such resources.
 */
export function adoptUndeclared(
  prefetch: Record<string, PrefetchValue> | undefined,
  declared: ReadonlySet<string>,
  want: { resourceType: string; interaction: 'search' | 'read'; patientId: string },
): Adoption | undefined {
  if (!prefetch) return undefined;
  const patient = want.patientId.replace(/^Patient\//, '');
  const entries: BundleEntry[] = [];
  const from: string[] = [];
  for (const [key, value] of Object.entries(prefetch)) {
    if (declared.has(key)) continue;
    const resources = resourcesOf(value);
    if (!resources || resources.length === 0) continue;
    if (!resources.every((r) => r.resourceType === want.resourceType)) continue;
    if (resources.some((r) => (patientOf(r) ?? patient) !== patient)) continue;
    for (const resource of resources) entries.push({ resource });
    from.push(key);
  }
  if (from.length === 0) return undefined;
  if (want.interaction === 'read') {
    const one = entries.find((e) => e.resource?.id === undefined || e.resource.id === patient) ?? entries[0];
    return one?.resource ? { value: one.resource, from } : undefined;
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries };
  return { value: bundle, from };
}
