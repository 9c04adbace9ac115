// winston JSON logger. Only allow-listed fields reach the output: a field that is not on the list is dropped,
// so a payload, a name or an identifier passed by mistake never lands in a log line.
import { Writable } from 'node:stream';
import winston from 'winston';

export type Logger = winston.Logger;

const ALLOWED_FIELDS = new Set([
  'level', 'message', 'timestamp', 'component',
  'requestId', 'service', 'hook', 'hookInstance', 'method', 'route', 'status', 'latencyMs', 'outcome',
  'prefetch', 'cards', 'dropped', 'violations', 'deadlineMs', 'errorType', 'errorFrames', 'reason',
  'key', 'keys', 'fhirHost', 'fhirStatus', 'pages', 'profile', 'port', 'host', 'knowledgeVersion',
  'services', 'corsOrigins', 'setting', 'iss', 'kid', 'jti', 'tenant', 'fhirAuth', 'suppressed', 'feedback', 'ledger',
  'shadowCards', 'checks',
]);

/** Raised by stableJson for a value it does not write itself: the line is then written by winston's json format. */
const NOT_PLAIN = new Error('not plain JSON');

/**
 * JSON with the keys sorted at every level, byte for byte what winston's json format (safe-stable-stringify) writes
 * for plain data: strings, finite numbers, booleans, null, arrays and plain objects. Anything else (a bigint, a
 * Date or any object with toJSON or another prototype, very deep nesting) throws NOT_PLAIN. Per line this saves
 * the format's per-call configure() and its replacer walk, the larger part of logging a hook call.
 */
export function stableJson(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (depth > 32) throw NOT_PLAIN;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (stableJson(value[i], depth + 1) ?? 'null');
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = stableJson((value as Record<string, unknown>)[key], depth + 1);
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${v}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw NOT_PLAIN;
  }
}

const MESSAGE = Symbol.for('message');
const winstonJson = winston.format.json();

/**
 * One format for the whole line: drops a line below the logger's level before any work (winston formats every
 * line and lets the transport discard it afterwards), keeps the allow-listed fields only, stamps the time and
 * writes the JSON (sorted keys, as winston's json format does).
 */
const line = (max: number) =>
  winston.format((info) => {
    if ((winston.config.npm.levels[info.level] ?? 0) > max) return false;
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(info)) {
      if (ALLOWED_FIELDS.has(field)) out[field] = (info as Record<string, unknown>)[field];
    }
    out.timestamp = new Date().toISOString();
    let text: string | undefined;
    try {
      text = stableJson(out);
    } catch (error) {
      if (error !== NOT_PLAIN) throw error;
      text = (winstonJson.transform(out as winston.Logform.TransformableInfo, winstonJson.options) as Record<symbol, string>)[MESSAGE];
    }
    (info as Record<symbol, unknown>)[MESSAGE] = text;
    return info;
  })();

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  stream?: Writable;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const max = winston.config.npm.levels[options.level] ?? winston.config.npm.levels.info!;
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: line(max),
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
