// The registered service a /cds-services/{id} path names, or the 404 an unknown (or switched off) id answers.
import { HttpProblem } from '../cds/operation-outcome.js';
import type { RegisteredService } from '../cds/registry.js';

export function findService(services: ReadonlyMap<string, RegisteredService>, id: string): RegisteredService {
  const service = services.get(id);
  if (!service) throw new HttpProblem(404, [{ code: 'not-found', diagnostics: `no CDS service with id '${id}'` }]);
  return service;
}
