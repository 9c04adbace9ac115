// What a clinician already saw at order-select, so that order-sign need not repeat it — only when asked.
// This follows the HL7 PDDI CDS implementation guide's coordination of the two hooks
// (http://hl7.org/fhir/uv/pddi/2023Jan/cds-service-spec.html, "CDS Message Filtering"):
//   - the order-select call carries `cache-for-order-sign-filtering: true`: its cards are remembered;
//   - the order-sign call carries `filter-out-repeated-alerts: true`: a finding remembered for the same
//     clinician, patient and encounter, by the same rule, for drafts with the same drug code, is left out.
// Without these options nothing is filtered (some workflows want the repeat: a resident selects, an attending
// signs). ORDER_SIGN_FILTER_CLIENTS turns both on for clients that cannot send the extension.
// The memory is keyed by service: a service that filters names the service whose cards it may filter
// (`filtersRepeatsOf` in its module); hook names play no part.
import type { Config } from '../config.js';
import {
  bundleResources,
  codings,
  conceptText,
  isObject,
  isRxNorm,
  objects,
  resourceKey,
  str,
} from '../fhir-read/datatypes.js';
import type { CardLedger, IssuedCard } from '../store/ledger.js';
import { TRAILING_SLASHES } from '../util/fhir-base.js';
import type { RegisteredService } from './registry.js';
import type { HookRequest, JsonObject } from './types.js';

/** The guide's configuration items, as its example requests send them (or under the narrative's name). */
const CONFIGURATION_MEMBERS = ['pddi-configuration-items', 'configuration-items'] as const;
export const CACHE_FOR_ORDER_SIGN = 'cache-for-order-sign-filtering';
export const FILTER_REPEATED = 'filter-out-repeated-alerts';

/** True when the request's extension sets the guide's configuration item `item` to true. */
export function configurationItem(request: Pick<HookRequest, 'extension'>, item: string): boolean {
  const ext = request.extension;
  if (!isObject(ext)) return false;
  for (const member of CONFIGURATION_MEMBERS) {
    const items = ext[member];
    if (isObject(items) && (items[item] === true || items[item] === 'true')) return true;
  }
  return false;
}

/** Whether ORDER_SIGN_FILTER_CLIENTS turns filtering on for this client (an issuer, or `*` for every client). */
export function filteringForced(config: Pick<Config, 'orderSignFilterClients'>, client?: { iss: string }): boolean {
  const list = config.orderSignFilterClients;
  return list.includes('*') || (client !== undefined && list.includes(client.iss));
}

/**
 * The key of one ordering session: the service that showed the cards, the calling client, the FHIR server,
 * the patient, the clinician and the encounter. It is hashed by the ledger (`patientKey`) before it is stored.
 */
export function sessionOf(showingService: string, clientKey: string, request: HookRequest): string {
  const ctx = request.context as unknown as JsonObject;
  return [
    'order-session',
    showingService,
    clientKey,
    (request.fhirServer ?? '-').replace(TRAILING_SLASHES, '').toLowerCase(),
    str(ctx.patientId) ?? '-',
    str(ctx.userId) ?? '-',
    str(ctx.encounterId) ?? '-',
  ].join('|');
}

function codeOf(concept: unknown): string | undefined {
  const cs = codings(concept).filter((c) => c.system && c.code);
  const chosen = cs.find((c) => isRxNorm(c.system)) ?? cs[0];
  if (chosen) return `${chosen.system}|${chosen.code}`;
  const text = conceptText(concept)?.trim().toLowerCase().replace(/\s+/g, ' ');
  return text ? `text|${text}` : undefined;
}

/**
 * Draft key ("Type/id") → the drug it orders, as `system|code` (RxNorm first), or `text|…` when the order names its
 * drug only in text. A draft whose drug cannot be told (a reference that cannot be resolved) has no entry: a
 * finding about it is never filtered.
 */
export function draftDrugCodes(draftOrders: unknown, ...medicationSources: unknown[]): Map<string, string> {
  const meds = new Map<string, JsonObject>();
  for (const source of [draftOrders, ...medicationSources]) {
    for (const r of bundleResources(source)) {
      const key = r.resourceType === 'Medication' ? resourceKey(r) : undefined;
      if (key) meds.set(key, r);
    }
  }
  const out = new Map<string, string>();
  for (const draft of bundleResources(draftOrders)) {
    const key = resourceKey(draft);
    if (!key) continue;
    const med = isObject(draft.medication) ? draft.medication : undefined; // R5 CodeableReference
    const concept = draft.medicationCodeableConcept ?? med?.concept;
    const reference = draft.medicationReference ?? med?.reference;
    let code = concept !== undefined ? codeOf(concept) : undefined;
    if (!code && isObject(reference)) {
      const ref = str(reference.reference);
      const resolved = ref?.startsWith('#')
        ? objects(draft.contained).find((c) => str(c.id) === ref.slice(1))
        : meds.get(/(Medication\/[^/]+?)(?:\/_history\/[^/]+)?$/.exec(ref ?? '')?.[1] ?? '');
      code = resolved ? codeOf(resolved.code) : undefined;
    }
    if (code) out.set(key, code);
  }
  return out;
}

/** The drug codes of a finding's drafts, or undefined when one of them cannot be told (then nothing is filtered). */
export function drugsOf(drafts: readonly string[], codes: ReadonlyMap<string, string>): string[] | undefined {
  if (drafts.length === 0) return undefined;
  const drugs = drafts.map((d) => codes.get(d));
  return drugs.every((d): d is string => d !== undefined) ? [...new Set(drugs)] : undefined;
}

/** What one call asks of the memory: to remember its cards, and/or to leave out repeats of another service's. */
export interface OrderMemory {
  remember?: NonNullable<IssuedCard['remember']>;
  filter?: { session: string; codes: ReadonlyMap<string, string> };
}

export function orderMemory(
  service: Pick<RegisteredService, 'module' | 'remembersShown'>,
  request: HookRequest,
  deps: { config: Pick<Config, 'orderSignFilterClients'>; ledger: Pick<CardLedger, 'patientKey'> },
  client: { iss: string } | undefined,
  clientKey: string,
  medicationSources: unknown[],
): OrderMemory {
  const forced = filteringForced(deps.config, client);
  const remember = service.remembersShown && (forced || configurationItem(request, CACHE_FOR_ORDER_SIGN));
  const filterFrom = service.module.filtersRepeatsOf;
  const filter = filterFrom !== undefined && (forced || configurationItem(request, FILTER_REPEATED));
  if (!remember && !filter) return {};
  const codes = draftDrugCodes((request.context as unknown as JsonObject).draftOrders, ...medicationSources);
  const out: OrderMemory = {};
  if (remember)
    out.remember = {
      session: deps.ledger.patientKey(sessionOf(service.module.id, clientKey, request)),
      drugs: Object.fromEntries(codes),
    };
  if (filter) out.filter = { session: deps.ledger.patientKey(sessionOf(filterFrom, clientKey, request)), codes };
  return out;
}
