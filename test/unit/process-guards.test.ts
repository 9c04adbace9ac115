// The process-level net (src/process-guards.ts): a stray rejection or exception is logged without its message
// (it may carry patient data) and does not end the process.
import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { createLogger, MemoryLogStream } from '../../src/log.js';
import { installProcessGuards } from '../../src/process-guards.js';

describe('process guards', () => {
  it('log an unhandled rejection and an uncaught exception by type, never by message', () => {
    const proc = new EventEmitter();
    const logs = new MemoryLogStream();
    installProcessGuards(proc, createLogger({ level: 'info', stream: logs }));
    // Without a listener, emitting 'uncaughtException'/'error'-like events on a real process would end it; here the
    // handlers are the listeners, and emitting must not throw.
    proc.emit(
      'unhandledRejection',
      new TypeError('Cannot read properties of null (reading Marguerite Ellsworth-Pike)'),
      Promise.resolve(),
    );
    proc.emit('uncaughtException', new RangeError('patient eRw7cX1Qm2Zf0aVb8sKp3Lg3'));
    proc.emit('unhandledRejection', 'a bare string reason with PHI', Promise.resolve());
    expect(logs.records().map((r) => [r.level, r.message, r.errorType])).toEqual([
      ['error', 'unhandled promise rejection; still serving', 'TypeError'],
      ['error', 'uncaught exception; still serving', 'RangeError'],
      ['error', 'unhandled promise rejection; still serving', 'string'],
    ]);
    const all = logs.lines.join('\n');
    expect(all).not.toContain('Marguerite');
    expect(all).not.toContain('eRw7cX1Qm2Zf0aVb8sKp3Lg3');
    expect(all).not.toContain('PHI');
  });
});
