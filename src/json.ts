// The one shape every lenient reader starts from: a JSON object received from a client or a FHIR server.

/** Any JSON object received from a client; FHIR inside the envelope is read leniently. */
export type JsonObject = { [key: string]: unknown };

/** A JSON object (not null, not an array). */
export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
