// The Patient of a patient-view call and its age, read leniently (a Patient resource, or a Bundle holding one).
import type { JsonObject } from '../json.js';
import { bundleResources, str } from './datatypes.js';

/**
 * The Patient resource in a prefetch value: the resource itself, or the one in a Bundle. When `patientId` is given
 * and the resource has an id, they must agree (a Patient of another chart is never used).
 */
export function patientResource(value: unknown, patientId?: string): JsonObject | undefined {
  const patients = bundleResources(value).filter((r) => r.resourceType === 'Patient');
  const wanted = patientId?.replace(/^Patient\//, '');
  return patients.find((p) => {
    const id = str(p.id);
    return !wanted || !id || id === wanted;
  });
}

/**
 * Age in completed years on `now` (UTC calendar dates), from a FHIR `date` (YYYY, YYYY-MM or YYYY-MM-DD).
 * A partial date is read as the latest day it allows (1951 → 1951-12-31), so the age is never overstated:
 * an age threshold fires only when every birth date the record allows passes it. Undefined when the date is
 * absent, unparseable or in the future.
 */
export function ageInYears(birthDate: unknown, now: Date): number | undefined {
  const s = str(birthDate);
  if (!s) return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$/.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] !== undefined ? Number(m[2]) : 12;
  if (month < 1 || month > 12) return undefined;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = m[3] !== undefined ? Number(m[3]) : lastDay;
  if (day < 1 || day > lastDay) return undefined;
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth() + 1;
  const d = now.getUTCDate();
  if (year > y || (year === y && (month > mo || (month === mo && day > d)))) return undefined;
  let age = y - year;
  if (mo < month || (mo === month && d < day)) age--;
  return age;
}

/** The patient's age on `now` from Patient.birthDate, or undefined when unknown. */
export function patientAge(value: unknown, now: Date, patientId?: string): number | undefined {
  const p = patientResource(value, patientId);
  return p ? ageInYears(p.birthDate, now) : undefined;
}
