// Request bodies for the benchmark, built from the repository's fixtures (fixtures/requests, fixtures/fhir) so
// they are what the tests already treat as realistic. Where a fixture lacks a prefetch key of its service, the
// key is added as a searchset Bundle of fixture resources (or an empty one, for the Medication-reference keys:
// the fixtures code every drug inline, so those searches would match nothing).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type HookId = 'patient-view' | 'order-select' | 'order-sign';
export const HOOKS: readonly HookId[] = ['patient-view', 'order-select', 'order-sign'];

export interface BenchBody {
  hook: HookId;
  /** The fixture the body starts from. */
  fixture: string;
  /** Prefetch keys the bench added to the fixture, and from what. */
  added: Record<string, string>;
  body: JsonObject;
}

/**
 * The day the fixtures were written for: their lab results are days old then. Rules look back 7 to 365 days
 * from the real clock, so every date-time is moved forward by whole days elapsed since, or the cards the bench
 * relies on would fade out week by week.
 */
const FIXTURE_TODAY_MS = Date.parse('2026-11-23T00:00:00Z');
const DAY_MS = 86_400_000;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T/;

function shiftDates(value: Json, offsetMs: number): Json {
  if (typeof value === 'string')
    return DATE_TIME.test(value) ? new Date(Date.parse(value) + offsetMs).toISOString() : value;
  if (Array.isArray(value)) return value.map((v) => shiftDates(v, offsetMs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftDates(v, offsetMs)]));
  }
  return value;
}

export function readJson(root: string, relative: string): JsonObject {
  const json = JSON.parse(readFileSync(path.join(root, relative), 'utf8')) as JsonObject;
  const offsetMs = Math.max(0, Math.floor((Date.now() - FIXTURE_TODAY_MS) / DAY_MS)) * DAY_MS;
  return offsetMs ? (shiftDates(json, offsetMs) as JsonObject) : json;
}

export function searchset(resources: JsonObject[]): JsonObject {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(resources.length ? { entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })) } : {}),
  };
}

function prefetchOf(body: JsonObject): JsonObject {
  const prefetch = body.prefetch;
  if (typeof prefetch !== 'object' || prefetch === null || Array.isArray(prefetch)) {
    throw new Error(`fixture has no prefetch object`);
  }
  return prefetch;
}

/** A fixture request with fhirServer and fhirAuthorization removed: every byte of data comes in the body. */
function withoutServer(root: string, fixture: string): JsonObject {
  const body = readJson(root, `fixtures/requests/${fixture}`);
  delete body.fhirServer;
  delete body.fhirAuthorization;
  return body;
}

/** Adds each missing key; returns what was added (key → source) for the report. */
function complete(
  body: JsonObject,
  root: string,
  additions: Record<string, string[] | 'empty'>,
): Record<string, string> {
  const prefetch = prefetchOf(body);
  const added: Record<string, string> = {};
  for (const [key, source] of Object.entries(additions)) {
    if (key in prefetch) continue;
    if (source === 'empty') {
      prefetch[key] = searchset([]);
      added[key] = 'empty searchset Bundle';
    } else if (key === 'patient') {
      // Patient/{{context.patientId}} is a read, so its prefetch is the resource itself, not a Bundle.
      prefetch[key] = readJson(root, `fixtures/fhir/${source[0]}`);
      added[key] = source.join(', ');
    } else {
      prefetch[key] = searchset(source.map((f) => readJson(root, `fixtures/fhir/${f}`)));
      added[key] = `searchset of ${source.join(', ')}`;
    }
  }
  return added;
}

/** Renal inputs (Cockcroft-Gault and eGFR) the order hooks' renal rule prefetches, from fixtures/fhir. */
const RENAL: Record<string, string[]> = {
  patient: ['renal-patient-female-82.json'],
  creatinine: ['renal-creatinine-mgdl.json'],
  weight: ['renal-weight-kg.json'],
  egfr: ['observation-egfr.json'],
};

/** What the patient took besides the orders (statements, dispenses, administrations): none, in these calls. */
const RECORDS: Record<string, 'empty'> = {
  medicationStatements: 'empty',
  medicationDispenses: 'empty',
  medicationAdministrations: 'empty',
};

/**
 * One full-prefetch body per hook. Chosen because each fires cards (checked by the bench before measuring):
 * warfarin + INR 5.6 (patient-view), simvastatin + clarithromycin (order-select, order-sign).
 */
export function fullPrefetchBodies(root: string): Record<HookId, BenchBody> {
  const pv = withoutServer(root, 'patient-view-warfarin-high-inr.json');
  const os = withoutServer(root, 'order-select-clarithromycin-simvastatin.json');
  const sign = withoutServer(root, 'order-sign-simvastatin-clarithromycin.json');
  return {
    'patient-view': {
      hook: 'patient-view',
      fixture: 'patient-view-warfarin-high-inr.json',
      added: complete(pv, root, { medicationRefs: 'empty', ...RECORDS }),
      body: pv,
    },
    'order-select': {
      hook: 'order-select',
      fixture: 'order-select-clarithromycin-simvastatin.json',
      added: complete(os, root, {
        draftMedications: 'empty',
        medicationRefs: 'empty',
        ...RENAL,
        ...RECORDS,
        giBleedHistory: 'empty',
        orderLabs: 'empty',
      }),
      body: os,
    },
    'order-sign': {
      hook: 'order-sign',
      fixture: 'order-sign-simvastatin-clarithromycin.json',
      added: complete(sign, root, {
        medicationRefs: 'empty',
        draftMedications: 'empty',
        ...RENAL,
        ...RECORDS,
        giBleedHistory: 'empty',
        orderLabs: 'empty',
      }),
      body: sign,
    },
  };
}

/** The prefetch keys a body lacks, compared with the keys hookwise's discovery declares for the service. */
export function missingKeys(body: JsonObject, declared: string[]): string[] {
  const prefetch = prefetchOf(body);
  return declared.filter((k) => !(k in prefetch));
}

/** A copy of `body` with `keys` removed from its prefetch and `fhirServer` set: those keys must be read. */
export function withKeysMissing(body: JsonObject, keys: string[], fhirServer: string): JsonObject {
  const copy = structuredClone(body);
  const prefetch = prefetchOf(copy);
  for (const k of keys) delete prefetch[k];
  copy.fhirServer = fhirServer;
  return copy;
}
