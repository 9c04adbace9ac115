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
    expect(() => logger.info('hook invocation', { status: 200 })).not.toThrow();
    expect(stream.lines.join('\n')).not.toContain('Jane Roe');
  });
});
