// The AI review's admin actions on the shared ledger (`npm run ai -- off|on|status`) and its audit report
// (`npm run report -- ai`). Whoever may write the ledger (DATABASE_URL's credentials, or the SQLite file) may
// switch AI off: every instance reads the flag every AI_SWITCH_POLL_MS and obeys it within that and one read.
import type { AiLedger, AiReport } from '../store/ledger.js';

export async function aiCommand(command: string, store: AiLedger, now: number): Promise<string> {
  if (command === 'on' || command === 'off') {
    await store.setAiSwitch(command, now);
    return `AI review switched ${command} for every instance sharing this ledger (obeyed within AI_SWITCH_POLL_MS plus one read).`;
  }
  if (command === 'status') {
    const s = await store.aiSwitch();
    return `AI review is ${s.state}${s.changedAt ? ` (since ${new Date(s.changedAt).toISOString()})` : ' (never switched)'}.`;
  }
  throw new Error(`unknown command '${command}': use on, off or status`);
}

const pct = (n: number, of: number) => (of ? `${Math.round((n / of) * 100)} %` : '-');

export function formatAiReport(r: AiReport, service: string): string {
  const total = Object.values(r.calls).reduce((a, b) => a + b, 0);
  const lines = [
    `AI review (${service}) since ${new Date(r.since).toISOString()}`,
    '',
    `calls: ${total}, mean latency ${r.meanLatencyMs} ms`,
  ];
  for (const [outcome, n] of Object.entries(r.calls).sort((a, b) => b[1] - a[1]))
    lines.push(`  ${outcome.padEnd(16)} ${String(n).padStart(6)}  ${pct(n, total)}`);
  lines.push(`late answers stored for reuse: ${r.lateAnswers}`);
  lines.push(
    `findings kept: ${r.findingsKept}${r.meanConfidence !== undefined ? `, mean confidence ${r.meanConfidence}` : ''}`,
  );
  const dropped = Object.entries(r.dropped).sort((a, b) => b[1] - a[1]);
  lines.push(`findings dropped: ${dropped.reduce((a, [, n]) => a + n, 0)}`);
  for (const [why, n] of dropped) lines.push(`  ${why.padEnd(16)} ${String(n).padStart(6)}`);
  lines.push('', 'cards by category      shown  accepted  overridden  acceptance  override');
  for (const c of r.categories) {
    lines.push(
      `  ${c.category.padEnd(22)} ${String(c.shown).padStart(5)} ${String(c.accepted).padStart(9)} ${String(c.overridden).padStart(11)}  ${pct(c.accepted, c.shown).padStart(10)}  ${pct(c.overridden, c.shown).padStart(8)}`,
    );
  }
  if (r.categories.length === 0) lines.push('  (no AI cards shown)');
  return lines.join('\n');
}
