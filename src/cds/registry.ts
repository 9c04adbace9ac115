// Compiles the hook modules once at start: templates (an unknown token stops the process), the minimum
// SMART scopes derived from them, and the discovery entry an integrator registers.
import type { HookModule } from './hook-module.js';
import type { ServiceDefinition } from './types.js';
import { compileTemplate, type TokenFields } from '../data/templates.js';
import type { PrefetchKey } from '../data/gather.js';
import { scopesFor, type ScopeSet } from './scopes.js';

/** Prefetch-token fields per hook (hook library STU1: userId, patientId, encounterId are tokens). */
export const TOKEN_FIELDS: Record<HookModule['hook'], TokenFields> = {
  'patient-view': { primitive: ['userId', 'patientId', 'encounterId'], complex: [] },
  'order-select': { primitive: ['userId', 'patientId', 'encounterId'], complex: ['draftOrders', 'selections'] },
  'order-sign': { primitive: ['userId', 'patientId', 'encounterId'], complex: ['draftOrders'] },
};

export interface RegisteredService {
  module: HookModule;
  keys: PrefetchKey[];
  scopes: ScopeSet;
  definition: ServiceDefinition;
}

function usageRequirements(module: HookModule, scopes: ScopeSet): string {
  const required = Object.entries(module.prefetch).filter(([, s]) => s.required).map(([k]) => k);
  const reads = Object.entries(module.prefetch).map(([k, s]) => `${k} (${s.required ? 'required' : 'optional'}: ${s.purpose})`);
  return [
    `SMART system scopes to grant hookwise (minimum necessary, read-only): ${scopes.v1.join(' ')}`,
    `(SMART v2: ${scopes.v2.join(' ')}).`,
    `Prefetch keys: ${reads.join('; ')}.`,
    required.length
      ? `Without prefetch, fhirServer and fhirAuthorization are needed; a required key that cannot be obtained answers 412.`
      : `Keys that are neither prefetched nor readable are skipped.`,
  ].join(' ');
}

export function registerService(module: HookModule): RegisteredService {
  const fields = TOKEN_FIELDS[module.hook];
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
  return { module, keys, scopes, definition };
}

export function registerServices(modules: HookModule[]): Map<string, RegisteredService> {
  const services = new Map<string, RegisteredService>();
  for (const m of modules) {
    if (services.has(m.id)) throw new Error(`two hook modules share the service id "${m.id}"`);
    services.set(m.id, registerService(m));
  }
  return services;
}
