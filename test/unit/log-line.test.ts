// The log line is written by one format of hookwise's own (src/log.ts) instead of winston's chain of four; its
// bytes must be what winston's json format (safe-stable-stringify, keys sorted at every level) wrote.
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { createLogger, MemoryLogStream, stableJson } from '../../src/log.js';

const MESSAGE = Symbol.for('message');
const json = winston.format.json();
const winstonJson = (value: Record<string, unknown>): string =>
  (json.transform({ ...value } as winston.Logform.TransformableInfo, json.options) as Record<symbol, string>)[MESSAGE]!;

const SAMPLES: Array<Record<string, unknown>> = [
  {
    level: 'info',
    message: 'hook invocation',
    requestId: '6fef8ade-e016-41a8-9fd7-9fee69cdad9f',
    route: '/cds-services/:id',
    prefetch: { prefetched: ['medications', 'draftMedications'], partial: [] },
    status: 200,
    latencyMs: 3.25,
    cards: { warning: 0, critical: 1, info: 0 },
    timestamp: '2026-12-02T02:00:00.000Z',
  },
  { level: 'warn', message: 'quotes " and \\ and \n newlines \u0001 \u2028 é 😀 \ud800 lone', b: true, a: false, z: null, n: -0, big: 1e21, tiny: 1e-7 },
  { level: 'error', message: 'x', nan: NaN, inf: -Infinity, undef: undefined, fn: () => 1, arr: [1, undefined, () => 2, null, 'x', [{}], { k: [] }] },
  { level: 'info', message: 'keys', '10': 'ten', '9': 'nine', B: 1, a: 2, _: 3, 'ü': 4, '': 5, nested: { '2': { y: 1, x: [3, 2, 1] }, '1': 'one' } },
  { level: 'info', message: 'empty', obj: {}, list: [], s: '' },
];

describe('the log line', () => {
  it('writes the same bytes as winston json for plain data, odd strings, numbers and keys included', () => {
    for (const sample of SAMPLES) expect(stableJson(sample)).toBe(winstonJson(sample));
  });

  it('leaves what it does not write itself (bigint, Date, toJSON, Error) to winston json, with the same result', async () => {
    const stream = new MemoryLogStream();
    const logger = createLogger({ level: 'info', stream });
    const odd = { status: 500, cards: { when: new Date('2026-12-02T00:00:00Z'), n: 12n, custom: { toJSON: () => 'custom' } } };
    logger.info('odd', odd);
    logger.info('plain', { status: 200, cards: { critical: 1 } });
    await new Promise((r) => setImmediate(r));
    const [oddLine, plainLine] = stream.lines;
    const ts = (l: string | undefined): string => JSON.parse(l!).timestamp as string;
    expect(oddLine).toBe(winstonJson({ level: 'info', message: 'odd', ...odd, timestamp: ts(oddLine) }));
    expect(JSON.parse(oddLine!).cards).toEqual({ custom: 'custom', n: '12', when: '2026-12-02T00:00:00.000Z' });
    expect(plainLine).toBe(`{"cards":{"critical":1},"level":"info","message":"plain","status":200,"timestamp":"${ts(plainLine)}"}`);
  });

  it('keeps only the allow-listed fields and stamps the time', async () => {
    const stream = new MemoryLogStream();
    const logger = createLogger({ level: 'info', stream });
    logger.info('hook invocation', { status: 200, patientName: 'Jane Roe', timestamp: 'forged' });
    await new Promise((r) => setImmediate(r));
    const record = stream.records()[0]!;
    expect(Object.keys(record).sort()).toEqual(['level', 'message', 'status', 'timestamp']);
    expect(Date.parse(record.timestamp as string)).toBeGreaterThan(Date.now() - 60_000);
  });
});
