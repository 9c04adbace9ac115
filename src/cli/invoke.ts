// Fires a hook request from a JSON file at a running hookwise and prints the cards readably.
//   npm run invoke -- fixtures/requests/order-sign-simvastatin-clarithromycin.json [--url http://localhost:3000] [--service ID] [--json]
// The request's dates are moved from the fixtures' day (FIXTURE_ANCHOR) to today, so a fixture never goes stale.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { asOf } from './fixture-dates.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.HOOKWISE_URL ?? 'http://localhost:3000' },
    service: { type: 'string' },
    json: { type: 'boolean', default: false },
    'as-is': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage = `usage: npm run invoke -- <request.json> [--url URL] [--service ID] [--json] [--as-is]

Sends the hook request in <request.json> to a running hookwise and prints the cards.
  --url URL     where hookwise runs (default: $HOOKWISE_URL, else http://localhost:3000); now ${values.url}
  --service ID  the service to call (default: the request's "hook")
  --json        print the response body as received
  --as-is       send the file's dates unchanged (by default they are moved from the fixtures' day to today)`;
if (values.help || positionals.length !== 1) {
  (values.help ? console.log : console.error)(usage);
  process.exit(values.help ? 0 : 2);
}

const file = positionals[0]!;
let request: { hook?: unknown };
try {
  request = JSON.parse(readFileSync(file, 'utf8')) as { hook?: unknown };
  if (!values['as-is']) request = asOf(request, new Date());
} catch (error) {
  console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
// hookwise's service ids are the hook names; --service picks another.
const service = values.service ?? (typeof request.hook === 'string' ? request.hook : undefined);
if (!service) {
  console.error(`${file} has no "hook"; pass --service`);
  process.exit(2);
}

const tty = process.stdout.isTTY;
const paint = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const TAG: Record<string, string> = {
  critical: paint('1;41', ' CRITICAL '),
  warning: paint('1;43', ' WARNING '),
  info: paint('1;44', ' INFO '),
};

interface CardView {
  summary: string;
  indicator: string;
  detail?: string;
  source?: { label?: string; url?: string };
  suggestions?: Array<{
    label: string;
    isRecommended?: boolean;
    actions?: Array<{ type: string; description?: string; resourceId?: string }>;
  }>;
  overrideReasons?: Array<{ display?: string; code: string }>;
  links?: Array<{ label: string; url: string }>;
}

const url = `${values.url.replace(/\/+$/, '')}/cds-services/${encodeURIComponent(service)}`;
const started = Date.now();
let res: Response;
try {
  res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
} catch (error) {
  console.error(
    `cannot reach ${url}: ${error instanceof Error ? error.message : String(error)} (is hookwise running? npm start)`,
  );
  process.exit(1);
}
const ms = Date.now() - started;
const text = await res.text();
if (values.json) {
  console.log(text);
  process.exit(res.ok ? 0 : 1);
}
let body: { cards?: CardView[]; issue?: Array<{ severity: string; diagnostics?: string }> };
try {
  body = JSON.parse(text);
} catch {
  console.error(`HTTP ${res.status}: not JSON`);
  process.exit(1);
}
console.log(`POST ${url} -> HTTP ${res.status} in ${ms} ms`);
if (!res.ok) {
  for (const issue of body.issue ?? []) console.log(`  ${issue.severity}: ${issue.diagnostics ?? ''}`);
  process.exit(1);
}
const cards = body.cards ?? [];
if (cards.length === 0) console.log('no cards');
const indent = (s: string, n: number) =>
  s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
cards.forEach((card, i) => {
  console.log(`\n${i + 1}. ${TAG[card.indicator] ?? card.indicator} ${paint('1', card.summary)}`);
  if (card.detail) console.log(indent(card.detail, 4));
  for (const s of card.suggestions ?? []) {
    const acts = (s.actions ?? []).map((a) => `${a.type}${a.resourceId ? ` ${a.resourceId}` : ''}`).join(', ');
    console.log(`    -> suggestion: ${s.label}${s.isRecommended ? ' (recommended)' : ''}${acts ? ` [${acts}]` : ''}`);
  }
  if (card.overrideReasons?.length)
    console.log(`    override reasons: ${card.overrideReasons.map((r) => r.display ?? r.code).join(' | ')}`);
  for (const l of card.links ?? []) console.log(`    link: ${l.label} <${l.url}>`);
  if (card.source?.label)
    console.log(paint('2', `    source: ${card.source.label}${card.source.url ? ` <${card.source.url}>` : ''}`));
});
