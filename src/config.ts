// Every setting of hookwise, typed and validated once at start. Nothing else reads process.env.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { canonicalBase, hasDotSegment } from './util/fhir-base.js';
import { AI_DEFAULTS, aiConfigOf, aiSettings, checkAiSettings, type AiConfig } from './ai/config.js';

export const ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'] as const;
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function isBaseUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const originList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0, { message: 'must name at least one origin, or *' })
  .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), {
    message: 'each origin must be * or scheme://host[:port] with no path',
  });

/** Size strings accepted by body-parser: a number of bytes or e.g. 10mb. */
const byteSize = z.string().regex(/^\d+(b|kb|mb)?$/i, { message: 'must be a size such as 10mb, 512kb or 1048576' });

const schema = z
  .object({
    HOOKWISE_PROFILE: z.enum(['development', 'production', 'test'], {
      message: 'must be development, production or test',
    }),
    PORT: int(0, 65535),
    /** '' = by profile: 127.0.0.1 in development and test, 0.0.0.0 in production. */
    HOST: z.string(),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug'], { message: 'must be error, warn, info or debug' }),
    HOOK_DEADLINE_MS: int(100, 60000),
    FHIR_CONCURRENCY: int(1, 32),
    FHIR_PAGE_CAP: int(1, 50),
    BODY_LIMIT: byteSize,
    MAX_DRAFT_ORDERS: int(1, 100000),
    MAX_PREFETCH_ENTRIES: int(1, 1000000),
    CORS_ORIGINS: originList,
    CORS_ALLOW_CREDENTIALS: bool,
    RESPONSE_CONTRACT: z.enum(['drop', 'throw'], { message: 'must be drop or throw' }),
    SHUTDOWN_GRACE_MS: int(0, 60000),
    PUBLIC_BASE_URLS: z.string(),
    TRUSTED_ISSUERS_FILE: z.string(),
    TRUST_SANDBOX: z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' }),
    JWT_ALGORITHMS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((a) => ALGORITHMS.includes(a as JwtAlgorithm)), {
        message: `must list algorithms from ${ALGORITHMS.join(', ')} (never none or HMAC)`,
      }),
    JWT_CLOCK_SKEW_S: int(0, 300),
    JWT_MAX_BYTES: int(512, 65536),
    JWKS_CACHE_S: int(10, 86400),
    JWKS_COOLDOWN_S: int(1, 3600),
    FHIR_SERVER_ALLOWLIST: z.string(),
    BACKEND_CREDENTIALS_FILE: z.string(),
    OVERRIDE_SUPPRESS_HOURS: int(0, 8760),
    CARD_MEMORY_HOURS: int(1, 720),
    DATABASE_URL: z.string().refine((v) => v === '' || /^postgres(ql)?:\/\/./.test(v), {
      message: 'must be a postgres:// or postgresql:// URL (or empty for the embedded SQLite ledger)',
    }),
    DATABASE_SCHEMA: z.string().regex(/^([a-z_][a-z0-9_]{0,62})?$/, { message: 'must be a lower-case SQL identifier' }),
    LEDGER_PATH: z.string().min(1, { message: 'must not be empty' }),
    LEDGER_RETENTION_DAYS: int(1, 3650),
    ORDER_SIGN_FILTER_CLIENTS: z
      .string()
      .refine((s) => splitList(s).every((v) => v === '*' || /^https?:\/\/\S+$/.test(v)), {
        message: 'must be * or a comma-separated list of client issuer URLs',
      }),
    SERVICE_MODES: z.string().refine((s) => splitList(s).every((m) => /^[A-Za-z0-9._-]+=(on|shadow|off)$/.test(m)), {
      message: 'must list service-id=on|shadow|off, comma-separated',
    }),
    ...aiSettings,
  })
  .superRefine((c, ctx) => {
    const bases = splitList(c.PUBLIC_BASE_URLS);
    if (c.HOOKWISE_PROFILE === 'production' && bases.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URLS'],
        message: 'is required in production (the URLs EHRs call, for the JWT aud check)',
      });
    }
    for (const b of bases) {
      if (!isBaseUrl(b)) {
        ctx.addIssue({
          code: 'custom',
          path: ['PUBLIC_BASE_URLS'],
          message: `has ${JSON.stringify(b)}, which is not an absolute http(s) URL without query or fragment`,
        });
      }
    }
    for (const b of splitList(c.FHIR_SERVER_ALLOWLIST)) {
      // Also no `.`/`..` (resolved silently: `/fhir/..` would allow the whole origin), `//` or encoded dot/slash.
      if (!isBaseUrl(b) || !canonicalBase(b) || hasDotSegment(b)) {
        ctx.addIssue({
          code: 'custom',
          path: ['FHIR_SERVER_ALLOWLIST'],
          message: `has ${JSON.stringify(b)}, which is not a plain absolute http(s) base URL (no query, fragment, userinfo, . or .. segment, empty path segment, or encoded dot or slash)`,
        });
      }
    }
    if (c.HOOKWISE_PROFILE === 'production' && splitList(c.FHIR_SERVER_ALLOWLIST).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['FHIR_SERVER_ALLOWLIST'],
        message: 'is required in production (tokens go only to these FHIR servers)',
      });
    }
    if (c.HOOKWISE_PROFILE === 'production' && c.TRUST_SANDBOX === 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_SANDBOX'],
        message: 'cannot be true in production: the sandbox signing key is public',
      });
    }
    if (c.HOOKWISE_PROFILE === 'production' && !c.TRUSTED_ISSUERS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUSTED_ISSUERS_FILE'],
        message: 'is required in production: at least one trusted issuer',
      });
    }
    checkAiSettings(c, ctx, c.HOOKWISE_PROFILE);
    if (c.CORS_ALLOW_CREDENTIALS && c.CORS_ORIGINS.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ALLOW_CREDENTIALS'],
        message: 'cannot be true while CORS_ORIGINS allows * (browsers refuse credentials with a wildcard origin)',
      });
    }
  });

export interface Config {
  profile: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Every hook answers within this many ms of the request's arrival. */
  hookDeadlineMs: number;
  /** At most this many FHIR reads in flight for one invocation. */
  fhirConcurrency: number;
  /** At most this many pages read for one prefetch key (the received page included). */
  fhirPageCap: number;
  bodyLimit: string;
  /** At most this many entries in context.draftOrders; more answers 400 (docs/performance.md). */
  maxDraftOrders: number;
  /** At most this many entries in one prefetch Bundle; more answers 400. */
  maxPrefetchEntries: number;
  corsOrigins: string[];
  corsAllowCredentials: boolean;
  /** drop: a card breaking the spec invariants is dropped and logged; throw: it fails the call (tests). */
  responseContract: 'drop' | 'throw';
  shutdownGraceMs: number;
  /** Base URLs under which EHRs call hookwise; the JWT aud must be one of them + the endpoint path. */
  publicBaseUrls: string[];
  /** JSON file of trusted issuers (see config/trusted-issuers.example.json); '' for none. */
  trustedIssuersFile: string;
  /** Trust the CDS Hooks Sandbox issuer (its key ships in config/trust). */
  trustSandbox: boolean;
  jwtAlgorithms: JwtAlgorithm[];
  jwtClockSkewS: number;
  jwtMaxBytes: number;
  jwksCacheS: number;
  jwksCooldownS: number;
  /**
   * Clients (issuer URLs, or * for all) for which order-sign filters what order-select showed even without the PDDI
   * guide's extension (see src/cds/order-memory.ts); empty = only when the EHR asks (the guide's default).
   */
  orderSignFilterClients: string[];
  /** FHIR base URLs tokens may be sent to; empty = any (development only). */
  fhirServerAllowlist: string[];
  /** JSON file of SMART Backend Services credentials per FHIR server; '' for none. */
  backendCredentialsFile: string;
  /** After a clinician overrides a card, the same finding for the same patient stays silent this long (0: never). */
  overrideSuppressHours: number;
  /** How long a card shown at order-select counts as seen for order-sign of the same drafts. */
  cardMemoryHours: number;
  /** PostgreSQL URL of the shared ledger; '' for the embedded SQLite file at ledgerPath. */
  databaseUrl: string;
  /** PostgreSQL schema for hookwise's tables ('' = the user's search_path). */
  databaseSchema: string;
  /** The embedded ledger's SQLite file (or :memory:), used when databaseUrl is ''. */
  ledgerPath: string;
  /** Issued cards and feedback are kept this long (the alert-fatigue record), then purged. */
  ledgerRetentionDays: number;
  /** Per service id: on (default), shadow (runs and records, answers no cards) or off (not offered). */
  serviceModes: Record<string, 'on' | 'shadow' | 'off'>;
  /** The AI medication review (AI_*): undefined when AI_BASE_URL is empty, and the service is not offered. */
  ai?: AiConfig;
}

export const DEFAULTS: Record<keyof z.input<typeof schema>, string> = {
  HOOKWISE_PROFILE: 'development',
  PORT: '3000',
  HOST: '',
  LOG_LEVEL: 'info',
  HOOK_DEADLINE_MS: '4500',
  FHIR_CONCURRENCY: '8',
  FHIR_PAGE_CAP: '5',
  BODY_LIMIT: '10mb',
  MAX_DRAFT_ORDERS: '1000',
  MAX_PREFETCH_ENTRIES: '10000',
  CORS_ORIGINS: '*',
  CORS_ALLOW_CREDENTIALS: 'false',
  RESPONSE_CONTRACT: 'drop',
  SHUTDOWN_GRACE_MS: '10000',
  PUBLIC_BASE_URLS: '',
  TRUSTED_ISSUERS_FILE: '',
  TRUST_SANDBOX: 'auto',
  JWT_ALGORITHMS: 'RS384,ES384',
  JWT_CLOCK_SKEW_S: '30',
  JWT_MAX_BYTES: '8192',
  JWKS_CACHE_S: '600',
  JWKS_COOLDOWN_S: '30',
  FHIR_SERVER_ALLOWLIST: '',
  BACKEND_CREDENTIALS_FILE: '',
  OVERRIDE_SUPPRESS_HOURS: '168',
  CARD_MEMORY_HOURS: '24',
  DATABASE_URL: '',
  DATABASE_SCHEMA: '',
  LEDGER_PATH: 'data/hookwise.sqlite',
  LEDGER_RETENTION_DAYS: '90',
  ORDER_SIGN_FILTER_CLIENTS: '',
  SERVICE_MODES: '',
  ...AI_DEFAULTS,
};

/** Every problem with the settings, each naming the setting and why; `message` joins them with '; '. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    /** Where the process would listen, when PORT and HOST themselves are valid (so a busy port is reported too). */
    readonly listen?: { port: number; host: string },
  ) {
    super(problems.join('; '));
  }
}

/**
 * The profile: HOOKWISE_PROFILE, else production when NODE_ENV=production, else development. NODE_ENV=production
 * never runs an open profile: with HOOKWISE_PROFILE=development or test it is refused.
 */
function profileOf(env: Record<string, string | undefined>, problems: string[]): string {
  const named = env.HOOKWISE_PROFILE?.trim();
  const nodeEnv = env.NODE_ENV?.trim();
  if (nodeEnv === 'production' && named && named !== 'production') {
    problems.push(
      `HOOKWISE_PROFILE=${JSON.stringify(named)} cannot run with NODE_ENV=production (it accepts calls without a token)`,
    );
  }
  return named || (nodeEnv === 'production' ? 'production' : DEFAULTS.HOOKWISE_PROFILE);
}

/** Reads settings from an env-like record; throws one ConfigError naming every wrong setting and why. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = env[key];
    raw[key] = value === undefined || value.trim() === '' ? DEFAULTS[key] : value.trim();
  }
  const problems: string[] = [];
  raw.HOOKWISE_PROFILE = profileOf(env, problems);
  if (!raw.HOST) raw.HOST = raw.HOOKWISE_PROFILE === 'production' ? '0.0.0.0' : '127.0.0.1';
  const parsed = schema.safeParse(raw);
  // Files are checked whatever else is wrong, so that one start reports every problem.
  const missingFiles = (['TRUSTED_ISSUERS_FILE', 'BACKEND_CREDENTIALS_FILE'] as const)
    .filter((setting) => raw[setting] && !existsSync(raw[setting]!))
    .map((setting) => `${setting}=${JSON.stringify(raw[setting])} not found (no such file)`);
  if (!parsed.success || problems.length || missingFiles.length) {
    const seen = new Set<string>();
    for (const issue of parsed.error?.issues ?? []) {
      const name = String(issue.path[0] ?? 'configuration');
      const line = `${name}=${JSON.stringify(raw[name] ?? '')} ${issue.message}`;
      if (!seen.has(line)) problems.push(line);
      seen.add(line);
    }
    problems.push(...missingFiles);
    const port = /^\d+$/.test(raw.PORT!) && Number(raw.PORT) <= 65535 ? Number(raw.PORT) : undefined;
    throw new ConfigError(problems, port === undefined ? undefined : { port, host: raw.HOST });
  }
  const c = parsed.data;
  let ai: ReturnType<typeof aiConfigOf>;
  try {
    ai = aiConfigOf(c);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  return {
    profile: c.HOOKWISE_PROFILE,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    hookDeadlineMs: c.HOOK_DEADLINE_MS,
    fhirConcurrency: c.FHIR_CONCURRENCY,
    fhirPageCap: c.FHIR_PAGE_CAP,
    bodyLimit: c.BODY_LIMIT,
    maxDraftOrders: c.MAX_DRAFT_ORDERS,
    maxPrefetchEntries: c.MAX_PREFETCH_ENTRIES,
    corsOrigins: c.CORS_ORIGINS,
    corsAllowCredentials: c.CORS_ALLOW_CREDENTIALS,
    responseContract: c.RESPONSE_CONTRACT,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    publicBaseUrls: splitList(c.PUBLIC_BASE_URLS).length
      ? splitList(c.PUBLIC_BASE_URLS).map((b) => b.replace(/\/+$/, ''))
      : [`http://localhost:${c.PORT}`, `http://127.0.0.1:${c.PORT}`],
    trustedIssuersFile: c.TRUSTED_ISSUERS_FILE,
    trustSandbox: c.TRUST_SANDBOX === 'auto' ? c.HOOKWISE_PROFILE !== 'production' : c.TRUST_SANDBOX === 'true',
    jwtAlgorithms: c.JWT_ALGORITHMS as JwtAlgorithm[],
    jwtClockSkewS: c.JWT_CLOCK_SKEW_S,
    jwtMaxBytes: c.JWT_MAX_BYTES,
    jwksCacheS: c.JWKS_CACHE_S,
    jwksCooldownS: c.JWKS_COOLDOWN_S,
    orderSignFilterClients: splitList(c.ORDER_SIGN_FILTER_CLIENTS),
    fhirServerAllowlist: splitList(c.FHIR_SERVER_ALLOWLIST).map((b) => b.replace(/\/+$/, '')),
    backendCredentialsFile: c.BACKEND_CREDENTIALS_FILE,
    overrideSuppressHours: c.OVERRIDE_SUPPRESS_HOURS,
    cardMemoryHours: c.CARD_MEMORY_HOURS,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.DATABASE_SCHEMA,
    ledgerPath: c.LEDGER_PATH,
    ledgerRetentionDays: c.LEDGER_RETENTION_DAYS,
    serviceModes: Object.fromEntries(
      splitList(c.SERVICE_MODES).map((m) => m.split('=') as [string, 'on' | 'shadow' | 'off']),
    ),
    ...ai,
  };
}
