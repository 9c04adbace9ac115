// Discovery (spec §2.1: GET /cds-services) and hookwise's public keys (SMART Backend Services registration).
import { Router } from 'express';
import type { RegisteredService } from '../cds/registry.js';
import { publicJwks } from '../auth/keys.js';
import type { Security } from '../auth/security.js';
import { allow } from './http.js';

export function discoveryRoutes(
  services: ReadonlyMap<string, RegisteredService>,
  auth: Pick<Security, 'signingKeys'>,
): Router {
  const router = Router();
  router.get('/cds-services', (_req, res) => {
    res.json({ services: [...services.values()].map((s) => s.definition) });
  });
  // hookwise's public keys, for registering it as a SMART Backend Services client.
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(publicJwks(auth.signingKeys));
  });
  router.all('/cds-services', allow('GET, OPTIONS'));
  return router;
}
