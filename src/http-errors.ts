// Client errors that must end in a 4xx with an OperationOutcome body, never a 500 or a bare status line:
// - clientErrorProblem: errors express hands to the error handler with a 4xx status of their own — a body that
//   cannot be decompressed (corrupt or truncated gzip/deflate/br: zlib's error, given 400 by body-parser) and a
//   path whose percent-encoding is malformed (URIError, given 400 by the router).
// - installClientErrorHandler: what Node's HTTP parser refuses before express sees a request (a request line or
//   headers over --max-http-header-size → 431, a request line it cannot parse → 400, a request that took too long
//   to arrive → 408). Node's default answer has no body; this one carries an OperationOutcome. It must be
//   installed on the server where it is created (src/server.ts), and the tests call it the same way.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './log.js';
import { operationOutcome, type Problem } from './cds/operation-outcome.js';

export interface ClientProblem {
  status: number;
  problems: Problem[];
}

function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown } | null;
  const status =
    typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** zlib's (Z_DATA_ERROR, Z_BUF_ERROR "unexpected end of file") and brotli's (ERR__ERROR_FORMAT_…) decoding errors. */
function isDecompressionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('Z_') ||
      code.startsWith('ERR__ERROR_') ||
      code.startsWith('ERR_BROTLI') ||
      code === 'ERR_ZLIB_INITIALIZATION_FAILED')
  );
}

/**
 * The status and OperationOutcome for an error that is the client's: a 4xx the error carries (the diagnostics
 * are fixed texts: never the path or the body), or undefined for anything else (then a 500, logged).
 */
export function clientErrorProblem(error: unknown): ClientProblem | undefined {
  const status = statusOf(error);
  if (status === undefined) return undefined;
  if (error instanceof URIError) {
    return {
      status: 400,
      problems: [{ code: 'invalid', diagnostics: 'the request path has malformed percent-encoding' }],
    };
  }
  if (isDecompressionError(error)) {
    return {
      status: 400,
      problems: [
        {
          code: 'structure',
          diagnostics: 'the request body could not be decompressed (corrupt or truncated Content-Encoding)',
        },
      ],
    };
  }
  return {
    status,
    problems: [{ code: status === 408 ? 'timeout' : 'invalid', diagnostics: 'the request could not be read' }],
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The status Node itself would answer for a parser error (lib/_http_server.js), with a body this time. */
function parserStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const DIAGNOSTICS: Record<number, string> = {
  400: 'the request could not be parsed as HTTP/1.1',
  408: 'the request did not arrive in time',
  431: 'the request line or headers exceed the size limit',
};

/**
 * Answers what Node's HTTP parser refuses with the status Node would use and an OperationOutcome body, then
 * closes the connection; logs one warn line (status and parser code only: never the bytes received).
 */
export function installClientErrorHandler(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection reset, or one already answered (a response is being written): nothing to say.
    if (
      error.code === 'ECONNRESET' ||
      !socket.writable ||
      (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
    ) {
      socket.destroy();
      return;
    }
    const status = parserStatus(error.code);
    const body = JSON.stringify(
      operationOutcome([
        {
          code: status === 431 ? 'too-costly' : status === 408 ? 'timeout' : 'structure',
          diagnostics: DIAGNOSTICS[status]!,
        },
      ]),
    );
    logger.warn('request refused before parsing', { status, reason: error.code ?? 'unknown' });
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
        'Content-Type: application/fhir+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
