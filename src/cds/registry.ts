// Compiles the hook modules once at start: templates against their hook's contract (hook-contracts.ts; an unknown
// token stops the process), the minimum SMART scopes derived from them, and the discovery entry an integrator registers.
import type { HookModule } from './hook-module.js';
import { HOOK_CONTRACTS, HOOK_NAMES, isHookName, type HookName } from './hook-contracts.js';
import type { ServiceDefinition } from './types.js';
import { compileTemplate, type TokenFields } from '../data/templates.js';
import type { PrefetchKey } from '../data/gather.js';
import { scopesFor, type ScopeSet } from './scopes.js';

/** Prefetch-token fields per hook, as the hook contracts declare them. */
export const TOKEN_FIELDS: Readonly<Record<HookName, TokenFields>> = HOOK_NAMES.reduce(
  (fields, hook) => ({ ...fields, [hook]: HOOK_CONTRACTS[hook].tokens }),
  {} as Record<HookName, TokenFields>,
);

/** on: offered and answered; shadow: offered, runs and records its cards but answers none; off: not offered. */
export type ServiceMode = 'on' | 'shadow' | 'off';

export interface RegisteredService {
  module: HookModule;
  /** on or shadow (a service that is off is not registered). */
  mode: Exclude<ServiceMode, 'off'>;
  keys: PrefetchKey[];
  scopes: ScopeSet;
  definition: ServiceDefinition;
  /** Another service filters this one's shown cards as repeats (its `filtersRepeatsOf`): they are remembered when asked. */
  remembersShown: boolean;
}

function usageRequirements(module: HookModule, scopes: ScopeSet): string {
  const required = Object.entries(module.prefetch)
    .filter(([, s]) => s.required)
    .map(([k]) => k);
  const reads = Object.entries(module.prefetch).map(
    ([k, s]) => `${k} (${s.required ? 'required' : 'optional'}: ${s.purpose})`,
  );
  return [
    `SMART system scopes to grant hookwise (minimum necessary, read-only): ${scopes.v1.join(' ')}`,
    `(SMART v2: ${scopes.v2.join(' ')}).`,
    `Prefetch keys: ${reads.join('; ')}.`,
    required.length
      ? `Without prefetch, fhirServer and fhirAuthorization are needed; a required key that cannot be obtained answers 412.`
      : `Keys that are neither prefetched nor readable are skipped.`,
  ].join(' ');
}

export function registerService(module: HookModule, mode: Exclude<ServiceMode, 'off'> = 'on'): RegisteredService {
  // Discovery offers only hooks with a contract: their requests are validated, their templates compiled against it.
  if (!isHookName(module.hook))
    throw new Error(`service "${module.id}" names hook "${String(module.hook)}", which has no contract`);
  const fields = HOOK_CONTRACTS[module.hook].tokens;
  const names = Object.keys(module.prefetch);
  const keys: PrefetchKey[] = Object.entries(module.prefetch).map(([key, spec], i) => ({
    key,
    required: spec.required,
    ...(spec.maxPages ? { maxPages: spec.maxPages } : {}),
    // {{%key…}} may name only keys declared before this one (3.0: dependencies come first; no cycles).
    template: compileTemplate(key, spec.template, { ...fields, prior: names.slice(0, i) }),
  }));
  const scopes = scopesFor(keys.map((k) => k.template));
  const definition: ServiceDefinition = {
    hook: module.hook,
    id: module.id,
    title: module.title,
    description: module.description,
  };
  if (keys.length) definition.prefetch = Object.fromEntries(keys.map((k) => [k.key, k.template.source]));
  definition.usageRequirements = usageRequirements(module, scopes);
  return { module, mode, keys, scopes, definition, remembersShown: false };
}

/**
 * The services to offer, each in its mode (SERVICE_MODES; unnamed services are on). A service that is off is left
 * out: not in discovery, and its hook and feedback endpoints answer 404 as for an unknown id. A mode naming a
 * service that does not exist stops the start (a typo must not leave a service on that was meant to be off).
 */
export function registerServices(
  modules: HookModule[],
  modes: Record<string, ServiceMode> = {},
): Map<string, RegisteredService> {
  const ids = new Set<string>();
  for (const m of modules) {
    if (ids.has(m.id)) throw new Error(`two hook modules share the service id "${m.id}"`);
    ids.add(m.id);
  }
  for (const id of Object.keys(modes)) {
    if (!ids.has(id)) throw new Error(`SERVICE_MODES names unknown service '${id}'; known: ${[...ids].join(', ')}`);
  }
  const services = new Map<string, RegisteredService>();
  for (const m of modules) {
    const mode = modes[m.id] ?? 'on';
    // Templates are compiled for every module, off or not, so a broken template stops the start either way.
    const registered = registerService(m, mode === 'off' ? 'on' : mode);
    registered.remembersShown = modules.some((other) => other.filtersRepeatsOf === m.id);
    if (mode !== 'off') services.set(m.id, registered);
  }
  return services;
}
