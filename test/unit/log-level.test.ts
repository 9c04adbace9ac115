import { describe, expect, it } from '@jest/globals';
import { createLogger, MemoryLogStream } from '../../src/log.js';

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
});
