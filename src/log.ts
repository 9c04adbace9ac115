// winston JSON logger. Only allow-listed fields reach the output: a field that is not on the list is dropped,
// so a payload, a name or an identifier passed by mistake never lands in a log line. In tests (`strict`) such a
// field throws instead, so a new field is added to the list on purpose, not silently lost.
import { Writable } from 'node:stream';
import winston from 'winston';

export type Logger = winston.Logger;

const ALLOWED_FIELDS = new Set([
  'level',
  'message',
  'timestamp',
  'component',
  'requestId',
  'service',
  'hook',
  'hookInstance',
  'method',
  'route',
  'status',
  'latencyMs',
  'outcome',
  'prefetch',
  'cards',
  'dropped',
  'violations',
  'deadlineMs',
  'errorType',
  'errorFrames',
  'reason',
  'key',
  'keys',
  'fhirHost',
  'fhirStatus',
  'pages',
  'profile',
  'port',
  'host',
  'knowledgeVersion',
  'services',
  'corsOrigins',
  'setting',
  'iss',
  'kid',
  'jti',
  'tenant',
  'fhirAuth',
  'suppressed',
  'feedback',
  'ledger',
  'shadowCards',
  'checks',
  'detail',
]);

export class UnknownLogFieldError extends Error {}

const allowListed = winston.format((info, opts: unknown) => {
  const strict = (opts as { strict?: boolean } | undefined)?.strict === true;
  for (const field of Object.keys(info)) {
    if (ALLOWED_FIELDS.has(field)) continue;
    if (strict) {
      throw new UnknownLogFieldError(
        `log field "${field}" is not on the allow-list (src/log.ts), in "${String(info.message)}"`,
      );
    }
    delete (info as Record<string, unknown>)[field];
  }
  return info;
});

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  stream?: Writable;
  silent?: boolean;
  /** Tests: a field not on the allow-list throws UnknownLogFieldError instead of being dropped. */
  strict?: boolean;
}

/**
 * Drops a line below the logger's level before any other format runs: winston formats every line and lets
 * the transport discard it afterwards, which cost 9 % of a hook call's CPU at LOG_LEVEL=warn.
 */
const atLevel = (max: number) =>
  winston.format((info) => ((winston.config.npm.levels[info.level] ?? 0) <= max ? info : false))();

export function createLogger(options: LoggerOptions): Logger {
  const max = winston.config.npm.levels[options.level] ?? winston.config.npm.levels.info!;
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(
      atLevel(max),
      allowListed({ strict: options.strict ?? false }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout })],
  });
}

/** What may be logged of an error: its type and code locations, never its message (it can quote input). */
export function errorFields(error: unknown): { errorType: string; errorFrames?: string } {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 6)
    .map((line) => line.trim())
    .join(' | ');
  return frames ? { errorType: error.name, errorFrames: frames } : { errorType: error.name };
}

/** A stream that keeps every line written, for tests that read the log. */
export class MemoryLogStream extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
