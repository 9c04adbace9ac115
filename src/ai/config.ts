// The AI medication review's settings (AI_*), spread into the one validated configuration of src/config.ts.
// Without AI_BASE_URL the review is off: not registered, not in discovery, no model server needed.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface AiBreakerConfig {
  /** Consecutive failures (errors or timeouts) that open the breaker. */
  failures: number;
  /** How long the breaker stays open before one half-open probe. */
  halfOpenAfterMs: number;
}

export interface AiConfig {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (Ollama) or http://vllm:8000/v1. */
  baseUrl: string;
  model: string;
  /** '' when the server needs none (a local Ollama or vLLM). Never logged. */
  apiKey: string;
  /** The longest a model call runs, in the background past the hook's deadline included; then it is aborted. */
  timeoutMs: number;
  /** Findings below this confidence are dropped. */
  minConfidence: number;
  /** How long a validated answer (a late one included) is reused for the same patient and the same input. */
  cacheMinutes: number;
  /** Model calls in flight at once in this process (bulkhead); past it a call falls back at once. */
  maxConcurrent: number;
  /** Cap on the tokens the model may answer with. */
  maxTokens: number;
  breaker: AiBreakerConfig;
  /** How often the shared kill switch is read (ms); the switch is obeyed within this plus one read. */
  switchPollMs: number;
}

const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: 'must be a number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

export const aiSettings = {
  AI_BASE_URL: z.string().refine(
    (v) => {
      if (v === '') return true;
      try {
        const u = new URL(v);
        return (
          (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && !u.password
        );
      } catch {
        return false;
      }
    },
    {
      message:
        'must be an http(s) base URL without credentials, query or fragment (e.g. http://127.0.0.1:11434/v1), or empty for no AI',
    },
  ),
  AI_MODEL: z.string(),
  // Never validated by content: a ConfigError prints the value, and this one is a secret.
  AI_API_KEY: z.string(),
  AI_API_KEY_FILE: z.string(),
  AI_TIMEOUT_MS: whole(100, 120_000),
  AI_MIN_CONFIDENCE: num(0, 1),
  AI_CACHE_MINUTES: whole(0, 1440),
  AI_MAX_CONCURRENT: whole(1, 256),
  AI_MAX_TOKENS: whole(64, 8192),
  AI_BREAKER_FAILURES: whole(1, 100),
  AI_BREAKER_OPEN_MS: whole(100, 3_600_000),
  AI_SWITCH_POLL_MS: whole(100, 5000),
};

export const AI_DEFAULTS: Record<keyof typeof aiSettings, string> = {
  AI_BASE_URL: '',
  AI_MODEL: '',
  AI_API_KEY: '',
  AI_API_KEY_FILE: '',
  AI_TIMEOUT_MS: '20000',
  AI_MIN_CONFIDENCE: '0.7',
  AI_CACHE_MINUTES: '60',
  AI_MAX_CONCURRENT: '4',
  AI_MAX_TOKENS: '1200',
  AI_BREAKER_FAILURES: '5',
  AI_BREAKER_OPEN_MS: '30000',
  AI_SWITCH_POLL_MS: '2000',
};

type Parsed = { [K in keyof typeof aiSettings]: z.output<(typeof aiSettings)[K]> };

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
}

/** The model server is on this machine: plain http does not cross a network. */
function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export function checkAiSettings(c: Parsed, ctx: IssueSink, profile?: string): void {
  if (c.AI_BASE_URL === '') return;
  // Clinical facts, even de-identified, never cross a network unencrypted in production.
  if (profile === 'production' && c.AI_BASE_URL.startsWith('http:') && !isLoopback(c.AI_BASE_URL)) {
    ctx.addIssue({
      code: 'custom',
      path: ['AI_BASE_URL'],
      message: 'must be https in production unless the model server is on this machine (localhost)',
    });
  }
  if (c.AI_MODEL === '')
    ctx.addIssue({
      code: 'custom',
      path: ['AI_MODEL'],
      message: 'is required with AI_BASE_URL (the model name the server serves)',
    });
  if (c.AI_API_KEY !== '' && c.AI_API_KEY_FILE !== '') {
    ctx.addIssue({
      code: 'custom',
      path: ['AI_API_KEY_FILE'],
      message: 'cannot be set together with AI_API_KEY: choose one',
    });
  }
}

/** Reads the key file once; a missing or empty file stops the start with the setting's name (never the key). */
function readKeyFile(path: string): string {
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch {
    throw new Error(`AI_API_KEY_FILE=${JSON.stringify(path)} cannot be read`);
  }
  if (!key) throw new Error(`AI_API_KEY_FILE=${JSON.stringify(path)} is empty`);
  return key;
}

export function aiConfigOf(c: Parsed): { ai?: AiConfig } {
  if (c.AI_BASE_URL === '') return {};
  return {
    ai: {
      baseUrl: c.AI_BASE_URL.replace(/\/+$/, ''),
      model: c.AI_MODEL,
      apiKey: c.AI_API_KEY_FILE ? readKeyFile(c.AI_API_KEY_FILE) : c.AI_API_KEY,
      timeoutMs: c.AI_TIMEOUT_MS,
      minConfidence: c.AI_MIN_CONFIDENCE,
      cacheMinutes: c.AI_CACHE_MINUTES,
      maxConcurrent: c.AI_MAX_CONCURRENT,
      maxTokens: c.AI_MAX_TOKENS,
      breaker: { failures: c.AI_BREAKER_FAILURES, halfOpenAfterMs: c.AI_BREAKER_OPEN_MS },
      switchPollMs: c.AI_SWITCH_POLL_MS,
    },
  };
}
