// winston JSON logger. Only allow-listed fields reach the output: a field that is not on the list is dropped,
// so a payload, a name or an identifier passed by mistake never lands in a log line. In tests (`strict`) such a
// field throws instead, so a new field is added to the list on purpose, not silently lost.
import { Writable } from 'node:stream';
import { configure } from 'safe-stable-stringify';
import winston from 'winston';
import Transport from 'winston-transport';

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

const MESSAGE = Symbol.for('message');
/** JSON that never throws: a circular value or a BigInt in a field must not cost the line (or the call). */
const stringify = configure({ deterministic: false });

/**
 * A line's level check, field allow-list, timestamp and JSON in one pass. winston's own chain (a format per step,
 * then `json()` with keys sorted) cost about twice as much CPU per line; a hook call writes one line.
 * A line below the logger's level is dropped before anything else runs (winston would format it and let the
 * transport discard it afterwards).
 */
const lineFormat = winston.format((info, opts: unknown) => {
  const { max, strict } = opts as { max: number; strict: boolean };
  if ((winston.config.npm.levels[info.level] ?? 0) > max) return false;
  const line: Record<string, unknown> = {
    level: info.level,
    message: info.message,
    timestamp: new Date().toISOString(),
  };
  for (const field of Object.keys(info)) {
    if (Object.hasOwn(line, field)) continue;
    if (ALLOWED_FIELDS.has(field)) line[field] = info[field];
    else if (strict) {
      throw new UnknownLogFieldError(
        `log field "${field}" is not on the allow-list (src/log.ts), in "${String(info.message)}"`,
      );
    }
  }
  (info as Record<symbol, unknown>)[MESSAGE] = stringify(line);
  return info;
});

/**
 * Writes the lines of one turn of the event loop in one write: under load several calls end in the same turn, and
 * a write per line (stdout is synchronous for files and pipes) was 8 % of a hook call's time in the profile. A line
 * waits at most that turn; an error line is written at once, with what is held before it (it may be the process's
 * last), and so is what is held when the process exits or the logger ends.
 */
export class LineBatchTransport extends Transport {
  private held: string[] = [];
  private scheduled = false;
  private readonly flushNow = () => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly stream: Writable,
    /** false: every line is written at once (tests read the log as soon as a call is answered). */
    private readonly batch = true,
  ) {
    super();
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.held.push(`${String(info[MESSAGE])}\n`);
    if (!this.batch || info.level === 'error') this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
    next();
  }

  flush(): void {
    if (this.held.length === 0) return;
    const text = this.held.length === 1 ? this.held[0]! : this.held.join('');
    this.held = [];
    this.stream.write(text);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush();
    done();
  }
}

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  stream?: Writable;
  silent?: boolean;
  /** Tests: a field not on the allow-list throws UnknownLogFieldError instead of being dropped. */
  strict?: boolean;
  /** Lines of one turn written together (LineBatchTransport): by default on stdout, not on a given stream. */
  batch?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const max = winston.config.npm.levels[options.level] ?? winston.config.npm.levels.info!;
  const transport = new LineBatchTransport(options.stream ?? process.stdout, options.batch ?? !options.stream);
  // What is held when the process ends (an exit after a fatal error, a CLI's process.exit) is still written.
  if (!options.stream) process.once('exit', () => transport.flush());
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: lineFormat({ max, strict: options.strict ?? false }),
    transports: [transport],
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
