// Jest globalSetup: decides once whether the PostgreSQL suites run.
//   - TEST_DATABASE_URL set (CI sets it): they run against it, for real; an unreachable server fails them.
//   - unset, and a server answers on the default URL: they run against it.
//   - unset, and nothing listens there: they are skipped, with one line saying how to run them.
// The decision reaches the test workers through HOOKWISE_TEST_POSTGRES ('run' or 'skip').
import pg from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Connection-level failures: no server there. Anything else (a refused login, a missing database) is a real error. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (UNREACHABLE.has(error?.code) || /timeout/i.test(String(error?.message))) return false;
    return true; // there is a server; let the suites run and report what is wrong with it
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** 'run' or 'skip', and the line to print when skipping. */
export async function postgresPlan(env, isReachable = reachable) {
  if (env.TEST_DATABASE_URL) return { plan: 'run', url: env.TEST_DATABASE_URL };
  if (await isReachable(DEFAULT_TEST_DATABASE_URL)) return { plan: 'run', url: DEFAULT_TEST_DATABASE_URL };
  return {
    plan: 'skip',
    url: DEFAULT_TEST_DATABASE_URL,
    message:
      'PostgreSQL suites skipped: no server at 127.0.0.1:5432. To run them: ' +
      'TEST_DATABASE_URL=postgres://USER@HOST:5432/DATABASE npm test',
  };
}

export default async function globalSetup() {
  const { plan, message } = await postgresPlan(process.env);
  process.env.HOOKWISE_TEST_POSTGRES = plan;
  if (message) process.stderr.write(`\n${message}\n`);
}
