// The minimum SMART system scopes a hook needs, derived from the resource types its templates read.
// v1: system/Observation.read; v2: only the interactions used (r for reads, s for searches). Never a wildcard.
import type { CompiledTemplate } from '../data/templates.js';

export interface ScopeSet {
  v1: string[];
  v2: string[];
}

export function scopesFor(templates: Iterable<CompiledTemplate>): ScopeSet {
  const interactions = new Map<string, Set<'r' | 's'>>();
  for (const t of templates) {
    if (!t.resourceType) {
      throw new Error(`template "${t.source}" does not name its resource type, so its scope cannot be derived`);
    }
    const set = interactions.get(t.resourceType) ?? new Set();
    set.add(t.interaction === 'read' ? 'r' : 's');
    interactions.set(t.resourceType, set);
  }
  const types = [...interactions.keys()].sort();
  return {
    v1: types.map((type) => `system/${type}.read`),
    v2: types.map((type) => {
      const set = interactions.get(type)!;
      return `system/${type}.${set.has('r') ? 'r' : ''}${set.has('s') ? 's' : ''}`;
    }),
  };
}
