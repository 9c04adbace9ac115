import { describe, expect, it } from '@jest/globals';
import { within } from '../../src/util/within.js';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('within', () => {
  it('answers what the work answers when it settles in time, and makes no error', async () => {
    let made = 0;
    const late = () => {
      made += 1;
      return new Error('late');
    };
    await expect(within(later(5, 'done'), 200, late)).resolves.toBe('done');
    await expect(within(Promise.reject(new TypeError('own')), 200, late)).rejects.toThrow(TypeError);
    await new Promise((r) => setTimeout(r, 250));
    expect(made).toBe(0);
  });

  it('rejects with the late error once the time has passed, and ignores the work settling afterwards', async () => {
    const work = later(200, 'too late');
    const started = performance.now();
    await expect(within(work, 20, () => new RangeError('the ledger did not answer'))).rejects.toThrow(
      'the ledger did not answer',
    );
    expect(performance.now() - started).toBeLessThan(150);
    await expect(work).resolves.toBe('too late');
  });

  it('a work that fails after the time passed causes no unhandled rejection', async () => {
    const failing = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('failed late')), 30));
    await expect(within(failing, 5, () => new Error('late'))).rejects.toThrow('late');
    await new Promise((r) => setTimeout(r, 60));
  });
});
