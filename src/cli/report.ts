// Reports from the ledger. npm run report -- ai [--days 30]: the AI review's calls, fallbacks, drops and the
// acceptance and override rates of its cards per category.
import dotenv from 'dotenv';
dotenv.config({ quiet: true });
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import { formatAiReport } from '../ai/admin.js';
import { AI_SERVICE_ID } from '../../hooks/ai-medication-review.js';
import { DAY_MS } from '../util/time.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { days: { type: 'string', default: '30' } },
});
if (positionals[0] !== 'ai' || !/^\d+$/.test(values.days ?? '')) {
  console.error('usage: npm run report -- ai [--days 30]');
  process.exit(2);
}
try {
  const store = await openStore(loadConfig());
  try {
    const since = Date.now() - Number(values.days) * DAY_MS;
    console.log(formatAiReport(await store.aiReport(since, AI_SERVICE_ID), AI_SERVICE_ID));
  } finally {
    await store.close();
  }
} catch (error) {
  console.error(`hookwise report: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
