// Output: a plain-text table per scenario on stdout, the same tables as markdown, and one PASS/MISS line per
// target saying what was measured against what.

export type Cell = string | number;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table: what was measured and how to read it. */
  notes?: string[];
}

export interface Target {
  scenario: string;
  /** What the target is about, e.g. "patient-view c=8: hookwise/bare req/s". */
  name: string;
  /** The target in words, e.g. "≥ 0.60". */
  goal: string;
  measured: string;
  pass: boolean;
  /** For a miss: by how much, in the target's own unit. */
  missedBy?: string;
  /** Not judged in this run, and why (e.g. --quick is too short for it). */
  skipped?: string;
}

function text(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return String(cell);
  return Number.isInteger(cell) ? String(cell) : cell.toFixed(Math.abs(cell) >= 100 ? 0 : Math.abs(cell) >= 10 ? 1 : 2);
}

export function formatTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((r) => r.map(text))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`\n== ${table.title}`, line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  for (const n of table.notes ?? []) out.push(`   ${n}`);
  return out.join('\n');
}

export function markdownTable(table: Table): string {
  const row = (r: string[]) => `| ${r.join(' | ')} |`;
  const out = [
    `### ${table.title}`,
    '',
    row(table.columns),
    row(table.columns.map((_, i) => (i === 0 ? '---' : '---:'))),
  ];
  for (const r of table.rows) out.push(row(r.map(text)));
  if (table.notes?.length) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function targetLine(t: Target): string {
  if (t.skipped) return `SKIP  [${t.scenario}] ${t.name}: ${t.measured} (target ${t.goal}) — not judged: ${t.skipped}`;
  const verdict = t.pass ? 'PASS' : 'MISS';
  const by = t.pass || !t.missedBy ? '' : ` — missed by ${t.missedBy}`;
  return `${verdict}  [${t.scenario}] ${t.name}: ${t.measured} (target ${t.goal})${by}`;
}

/** A target "value ≥ goal" (or ≤ with `atMost`), with the miss stated in the value's unit. */
export function threshold(
  scenario: string,
  name: string,
  value: number,
  goal: number,
  options: { atMost?: boolean; unit?: string; digits?: number } = {},
): Target {
  const unit = options.unit ?? '';
  const digits = options.digits ?? 2;
  const pass = options.atMost ? value <= goal : value >= goal;
  return {
    scenario,
    name,
    goal: `${options.atMost ? '≤' : '≥'} ${goal.toFixed(digits)}${unit}`,
    measured: `${value.toFixed(digits)}${unit}`,
    pass,
    ...(pass ? {} : { missedBy: `${Math.abs(value - goal).toFixed(digits)}${unit}` }),
  };
}

/** A yes/no target (correctness: all answered, nothing left open). */
export function check(scenario: string, name: string, pass: boolean, measured: string, goal: string): Target {
  return { scenario, name, goal, measured, pass, ...(pass ? {} : { missedBy: `${measured} instead of ${goal}` }) };
}
