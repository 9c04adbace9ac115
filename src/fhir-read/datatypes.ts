// Lenient readers for FHIR JSON received from clients (DSTU2, STU3, R4 and some R5 shapes). Never throw.
import { type JsonObject, isObject } from '../json.js';
import { TRAILING_SLASHES } from '../util/fhir-base.js';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
/** RxNorm's OID, as DSTU2 and C-CDA-derived data often name the system. */
const RXNORM_OID = 'urn:oid:2.16.840.1.113883.6.88';

/** Whether a coding's system is RxNorm, by its URL (with or without a trailing slash) or its OID. */
export function isRxNorm(system: string | undefined): boolean {
  if (!system) return false;
  const s = system.trim().replace(TRAILING_SLASHES, '').toLowerCase();
  return s === RXNORM || s === RXNORM_OID;
}
export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';

export { isObject };

/** An array as is, a single value as a one-element array, null/undefined as empty. */
export function asArray(x: unknown): unknown[] {
  if (x === undefined || x === null) return [];
  return Array.isArray(x) ? x : [x];
}

export function objects(x: unknown): JsonObject[] {
  return asArray(x).filter(isObject);
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;
}

export interface LooseCoding {
  system?: string;
  code?: string;
  display?: string;
}

export function codings(concept: unknown): LooseCoding[] {
  if (!isObject(concept)) return [];
  return objects(concept.coding).map((c) => {
    const out: LooseCoding = {};
    const system = str(c.system);
    const code = typeof c.code === 'number' ? String(c.code) : str(c.code);
    const display = str(c.display);
    if (system) out.system = system.replace(/\/$/, '');
    if (code) out.code = code;
    if (display) out.display = display;
    return out;
  });
}

export function conceptText(concept: unknown): string | undefined {
  return isObject(concept) ? str(concept.text) : undefined;
}

/** A short human label for a CodeableConcept: its text, else the first display, else the first code. */
export function conceptLabel(concept: unknown): string | undefined {
  const text = conceptText(concept);
  if (text) return text;
  const cs = codings(concept);
  return cs.find((c) => c.display)?.display ?? cs.find((c) => c.code)?.code;
}

/** The code of a status that may be a string (DSTU2/STU3) or a CodeableConcept (R4+). */
export function statusCode(x: unknown): string | undefined {
  if (typeof x === 'string') return x.trim().toLowerCase() || undefined;
  const code = codings(x).find((c) => c.code)?.code;
  if (code) return code.toLowerCase();
  return conceptText(x)?.toLowerCase();
}

/** Resources of a Bundle's entries (anything object-shaped with a resourceType); [] for anything else. */
export function bundleResources(value: unknown): JsonObject[] {
  if (!isObject(value)) return [];
  if (value.resourceType !== 'Bundle') return typeof value.resourceType === 'string' ? [value] : [];
  return objects(value.entry)
    .map((e) => e.resource)
    .filter((r): r is JsonObject => isObject(r) && typeof r.resourceType === 'string');
}

/** "Type/id" for a resource that has an id. */
export function resourceKey(r: JsonObject): string | undefined {
  const type = str(r.resourceType);
  const id = str(r.id);
  return type && id ? `${type}/${id}` : undefined;
}

/** Parse a FHIR date/dateTime/instant; undefined when absent or unparseable. */
export function parseDate(x: unknown): Date | undefined {
  const s = str(x);
  if (!s) return undefined;
  const iso = /^\d{4}$/.test(s) ? `${s}-01-01` : /^\d{4}-\d{2}$/.test(s) ? `${s}-01` : s;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
