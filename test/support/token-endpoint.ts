// A SMART authorization server for tests, started on 127.0.0.1: `{base}/.well-known/smart-configuration`
// (discovery) and a token endpoint. It records every token request (form fields, the client assertion, its
// decoded header and claims) and answers as the test says: a token, an error status, a delay, or no answer
// at all. Behaviour can be changed between requests (setToken / setDiscovery).
import http from 'node:http';
import { listenOnLoopback } from './loopback-server.js';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

export interface TokenRequest {
  contentType: string | undefined;
  form: URLSearchParams;
  assertion: string;
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

export interface Answer {
  status?: number;
  body?: unknown;
  delayMs?: number;
  /** Never answer (the connection stays open until the client closes it or the server closes). */
  hang?: boolean;
}

export type TokenHandler = (request: TokenRequest, index: number) => Answer;
export type DiscoveryHandler = (auth: FakeAuthServer) => Answer;

export interface FakeAuthServer {
  /** The FHIR base: discovery is `${base}/.well-known/smart-configuration`. */
  base: string;
  /** The absolute token endpoint URL (what the assertion's aud must be). */
  tokenEndpoint: string;
  discoveryRequests: number;
  discoveryAccept: Array<string | undefined>;
  tokenRequests: TokenRequest[];
  /** Token requests whose connection the client closed before an answer. */
  closedEarly: number;
  setToken(handler: TokenHandler): void;
  setDiscovery(handler: DiscoveryHandler): void;
  close(): Promise<void>;
}

export interface FakeAuthOptions {
  capabilities?: string[];
  /** token_endpoint_auth_signing_alg_values_supported; null leaves it out. Default ['RS384', 'ES384']. */
  signingAlgs?: string[] | null;
  /** The token_endpoint as discovery gives it (may be relative). Default: the absolute URL. */
  advertisedTokenEndpoint?: string;
  token?: TokenHandler;
  discovery?: DiscoveryHandler;
}

export const TOKEN_PATH = '/auth/token';

/** The default answer: a token per request (`access-<n>-…`), Bearer, 300 s, the scope requested. */
export function issueToken(overrides: Record<string, unknown> = {}): TokenHandler {
  return (request, index) => ({
    body: {
      access_token: `access-${index}-s3cr3t-token-value`,
      token_type: 'Bearer',
      expires_in: 300,
      scope: request.form.get('scope') ?? '',
      ...overrides,
    },
  });
}

export function smartConfiguration(auth: FakeAuthServer, options: FakeAuthOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    token_endpoint: options.advertisedTokenEndpoint ?? auth.tokenEndpoint,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    capabilities: options.capabilities ?? ['client-confidential-asymmetric', 'permission-v1'],
  };
  const algs = options.signingAlgs === undefined ? ['RS384', 'ES384'] : options.signingAlgs;
  if (algs) config.token_endpoint_auth_signing_alg_values_supported = algs;
  return config;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAuthServer(options: FakeAuthOptions = {}): Promise<FakeAuthServer> {
  let tokenHandler: TokenHandler = options.token ?? issueToken();
  let discoveryHandler: DiscoveryHandler = options.discovery ?? ((a) => ({ body: smartConfiguration(a, options) }));

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      let answer: Answer;
      if (req.method === 'GET' && url.pathname === '/fhir/.well-known/smart-configuration') {
        auth.discoveryRequests += 1;
        auth.discoveryAccept.push(req.headers.accept);
        answer = discoveryHandler(auth);
      } else if (req.method === 'POST' && url.pathname === TOKEN_PATH) {
        const form = new URLSearchParams(body);
        const assertion = form.get('client_assertion') ?? '';
        let header: ProtectedHeaderParameters = {};
        let claims: JWTPayload = {};
        try {
          header = decodeProtectedHeader(assertion);
          claims = decodeJwt(assertion);
        } catch {
          // recorded as empty: the test's assertions on them fail
        }
        const request: TokenRequest = { contentType: req.headers['content-type'], form, assertion, header, claims };
        auth.tokenRequests.push(request);
        answer = tokenHandler(request, auth.tokenRequests.length);
        res.on('close', () => {
          if (!res.writableEnded) auth.closedEarly += 1;
        });
      } else {
        answer = { status: 404, body: { error: 'not_found' } };
      }
      if (answer.hang) return;
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    })();
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;
  const auth: FakeAuthServer = {
    base: `http://127.0.0.1:${port}/fhir`,
    tokenEndpoint: `http://127.0.0.1:${port}${TOKEN_PATH}`,
    discoveryRequests: 0,
    discoveryAccept: [],
    tokenRequests: [],
    closedEarly: 0,
    setToken(handler) {
      tokenHandler = handler;
    },
    setDiscovery(handler) {
      discoveryHandler = handler;
    },
    close: listening.close,
  };
  return auth;
}
