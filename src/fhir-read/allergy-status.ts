// AllergyIntolerance resources read leniently, before any allergen is resolved: which entries count.
import type { JsonObject } from '../json.js';
import { objects, statusCode, str } from './datatypes.js';

const CLINICAL_INACTIVE = new Set(['inactive', 'resolved']);
const VERIFICATION_SKIP = new Set(['refuted', 'entered-in-error']);

/**
 * Whether an AllergyIntolerance counts: clinicalStatus active or absent (R4 CodeableConcept, STU3 string,
 * DSTU2 `status`), verificationStatus not refuted / entered-in-error, and category (if given) includes
 * medication.
 */
export function allergyCounts(r: JsonObject): boolean {
  if (r.resourceType !== 'AllergyIntolerance') return false;
  const dstu2 = str(r.status)?.toLowerCase();
  const clinical =
    statusCode(r.clinicalStatus) ?? (dstu2 && ['active', 'inactive', 'resolved'].includes(dstu2) ? dstu2 : undefined);
  if (clinical && CLINICAL_INACTIVE.has(clinical)) return false;
  const verification = statusCode(r.verificationStatus) ?? (dstu2 && VERIFICATION_SKIP.has(dstu2) ? dstu2 : undefined);
  if (verification && VERIFICATION_SKIP.has(verification)) return false;
  const categories = [
    ...objects(r.category).map((c) => statusCode(c)),
    ...(Array.isArray(r.category) ? r.category : [r.category]),
  ]
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.toLowerCase());
  if (categories.length > 0 && !categories.includes('medication')) return false;
  return true;
}
