// SMART Backend Services credentials per FHIR server, from BACKEND_CREDENTIALS_FILE (see
// config/backend-credentials.example.json): client_id, private key (PEM or JWK file), optional alg, kid and
// token endpoint. Loaded once at start; a bad file or key stops the start with a line naming the setting.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { BackendCredential } from './backend-token.js';
import { loadPrivateKey, type SigningKey } from './keys.js';

const entry = z.object({
  fhirServer: z.string().url(),
  clientId: z.string().min(1),
  privateKeyFile: z.string().min(1),
  alg: z.enum(['RS384', 'ES384']).optional(),
  kid: z.string().min(1).optional(),
  tokenEndpoint: z.string().url().optional(),
});

export class BackendConfigError extends Error {
  override name = 'BackendConfigError';
}

export async function loadBackendCredentials(
  file: string,
): Promise<{ credentials: BackendCredential[]; keys: SigningKey[] }> {
  if (!file) return { credentials: [], keys: [] };
  const setting = `BACKEND_CREDENTIALS_FILE=${JSON.stringify(file)}`;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BackendConfigError(`${setting} cannot be read as JSON (${(error as Error).name})`);
  }
  const parsed = z.array(entry).safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new BackendConfigError(`${setting}: [${i.path.join('.')}] ${i.message}`);
  }
  const credentials: BackendCredential[] = [];
  const keys = new Map<string, SigningKey>();
  for (const e of parsed.data) {
    let key: SigningKey;
    try {
      key = await loadPrivateKey(resolve(dirname(resolve(file)), e.privateKeyFile), {
        ...(e.alg ? { alg: e.alg } : {}),
        ...(e.kid ? { kid: e.kid } : {}),
      });
    } catch (error) {
      throw new BackendConfigError(`${setting}: ${(error as Error).message}`);
    }
    keys.set(key.kid, key);
    credentials.push({
      fhirServer: e.fhirServer,
      clientId: e.clientId,
      key,
      ...(e.tokenEndpoint ? { tokenEndpoint: e.tokenEndpoint } : {}),
    });
  }
  return { credentials, keys: [...keys.values()] };
}
