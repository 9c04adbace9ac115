// The AI review's kill switch across every instance: npm run ai -- off|on|status
// Writes the flag in the ledger the settings name (DATABASE_URL, or the SQLite file at LEDGER_PATH).
import dotenv from 'dotenv';
dotenv.config({ quiet: true });
import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import { aiCommand } from '../ai/admin.js';

const command = process.argv[2] ?? '';
if (!['on', 'off', 'status'].includes(command)) {
  console.error('usage: npm run ai -- off|on|status');
  process.exit(2);
}
try {
  const store = await openStore(loadConfig());
  try {
    console.log(await aiCommand(command, store, Date.now()));
  } finally {
    await store.close();
  }
} catch (error) {
  console.error(`hookwise ai: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
