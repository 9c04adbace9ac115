// `npm test` without PostgreSQL skips its suites with one line; with TEST_DATABASE_URL set (CI) it never skips.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TEST_DATABASE_URL, postgresPlan } from '../support/postgres-setup.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('whether the PostgreSQL suites run', () => {
  it('skips them, saying how to run them, only when TEST_DATABASE_URL is unset and nothing answers by default', async () => {
    const asked: string[] = [];
    const nobody = async (url: string) => (asked.push(url), false);
    const skipped = await postgresPlan({}, nobody);
    expect(skipped.plan).toBe('skip');
    expect(skipped.message).toMatch(
      /^PostgreSQL suites skipped: .* To run them: TEST_DATABASE_URL=postgres:\/\/\S+ npm test$/,
    );
    expect(asked).toEqual([DEFAULT_TEST_DATABASE_URL]);
    expect((await postgresPlan({}, async () => true)).plan).toBe('run');
  });

  it('runs them whenever TEST_DATABASE_URL is set, without asking whether the server answers', async () => {
    const never = async () => {
      throw new Error('not asked');
    };
    expect(await postgresPlan({ TEST_DATABASE_URL: 'postgres://ci@127.0.0.1:1/test' }, never)).toEqual({
      plan: 'run',
      url: 'postgres://ci@127.0.0.1:1/test',
    });
  });

  it('with TEST_DATABASE_URL pointing nowhere, the ledger suite fails instead of skipping', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--require',
        './test/support/loopback-only.cjs',
        'node_modules/jest/bin/jest.js',
        'test/store/ledger-contract.test.ts',
        '-t',
        'keeps patients',
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
        },
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/ledger on postgres/);
    expect(run.stderr).not.toMatch(/PostgreSQL suites skipped/);
  });
});
