import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger, MemoryLogStream, UnknownLogFieldError } from '../../src/log.js';

describe('logger level', () => {
  it('writes lines at or above its level only, with the allow-listed fields', async () => {
    const stream = new MemoryLogStream();
    const logger = createLogger({ level: 'warn', stream });
    logger.info('not written', { status: 200 });
    logger.debug('not written either');
    logger.warn('written', { status: 503, patientName: 'Jane Roe' });
    logger.error('also written');
    await new Promise((r) => setImmediate(r));
    expect(stream.records().map((r) => [r.level, r.message])).toEqual([
      ['warn', 'written'],
      ['error', 'also written'],
    ]);
    expect(stream.records()[0]).toMatchObject({ status: 503 });
    expect(stream.lines.join('\n')).not.toContain('Jane Roe');
  });

  it('in tests (strict) a field that is not on the allow-list fails loudly instead of being dropped', () => {
    const stream = new MemoryLogStream();
    const logger = createLogger({ level: 'debug', stream, strict: true });
    expect(() => logger.info('hook invocation', { status: 200, patientName: 'Jane Roe' })).toThrow(
      UnknownLogFieldError,
    );
    expect(() => logger.info('hook invocation', { patientName: 'Jane Roe' })).toThrow(
      /log field "patientName" is not on the allow-list/,
    );
    // A name Object.prototype has is no exception: it is not on the allow-list either.
    expect(() => logger.info('hook invocation', { constructor: 'x' })).toThrow(/log field "constructor"/);
    expect(() => logger.info('hook invocation', { status: 200 })).not.toThrow();
    expect(stream.lines.join('\n')).not.toContain('Jane Roe');
  });

  it('writes the lines of one turn in one write, an error line at once with what came before it', async () => {
    const writes: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'info', stream, batch: true });
    logger.info('first', { status: 200 });
    logger.info('second', { status: 200 });
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    expect(
      writes[0]!
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { message: string }).message),
    ).toEqual(['first', 'second']);

    logger.warn('held', { status: 503 });
    logger.error('at once');
    expect(writes).toHaveLength(2);
    expect(
      writes[1]!
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { level: string }).level),
    ).toEqual(['warn', 'error']);

    logger.info('at the end');
    const ended = new Promise((r) => logger.on('finish', r));
    logger.end();
    await ended;
    expect(writes.join('')).toContain('"message":"at the end"');
  });

  it('never throws on a value JSON.stringify refuses (a cycle, a BigInt): the line is still written', async () => {
    const stream = new MemoryLogStream();
    const logger = createLogger({ level: 'info', stream });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.info('odd values', { detail: cyclic, checks: { big: BigInt(7) } });
    await new Promise((r) => setImmediate(r));
    expect(stream.records()).toEqual([
      expect.objectContaining({ message: 'odd values', detail: { a: 1, self: '[Circular]' }, checks: { big: 7 } }),
    ]);
  });
});
