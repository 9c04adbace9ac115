// Every setting of hookwise, typed and validated once at start. Nothing else reads process.env.
import { z } from 'zod';

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
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
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
    HOST: z.string().min(1, { message: 'must not be empty' }),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug'], { message: 'must be error, warn, info or debug' }),
    HOOK_DEADLINE_MS: int(100, 60000),
    FHIR_CONCURRENCY: int(1, 32),
    FHIR_PAGE_CAP: int(1, 50),
    BODY_LIMIT: byteSize,
    CORS_ORIGINS: originList,
    CORS_ALLOW_CREDENTIALS: bool,
    RESPONSE_CONTRACT: z.enum(['drop', 'throw'], { message: 'must be drop or throw' }),
    SHUTDOWN_GRACE_MS: int(0, 60000),
  })
  .superRefine((c, ctx) => {
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
  corsOrigins: string[];
  corsAllowCredentials: boolean;
  /** drop: a card breaking the spec invariants is dropped and logged; throw: it fails the call (tests). */
  responseContract: 'drop' | 'throw';
  shutdownGraceMs: number;
}

export const DEFAULTS: Record<keyof z.input<typeof schema>, string> = {
  HOOKWISE_PROFILE: 'development',
  PORT: '3000',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  HOOK_DEADLINE_MS: '4500',
  FHIR_CONCURRENCY: '6',
  FHIR_PAGE_CAP: '5',
  BODY_LIMIT: '10mb',
  CORS_ORIGINS: '*',
  CORS_ALLOW_CREDENTIALS: 'false',
  RESPONSE_CONTRACT: 'drop',
  SHUTDOWN_GRACE_MS: '10000',
};

export class ConfigError extends Error {}

/** Reads settings from an env-like record; throws ConfigError with one line naming the setting and why. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = env[key];
    raw[key] = value === undefined || value.trim() === '' ? DEFAULTS[key] : value.trim();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    throw new ConfigError(`${name}=${JSON.stringify(raw[name] ?? '')} ${issue.message}`);
  }
  const c = parsed.data;
  return {
    profile: c.HOOKWISE_PROFILE,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    hookDeadlineMs: c.HOOK_DEADLINE_MS,
    fhirConcurrency: c.FHIR_CONCURRENCY,
    fhirPageCap: c.FHIR_PAGE_CAP,
    bodyLimit: c.BODY_LIMIT,
    corsOrigins: c.CORS_ORIGINS,
    corsAllowCredentials: c.CORS_ALLOW_CREDENTIALS,
    responseContract: c.RESPONSE_CONTRACT,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  };
}
