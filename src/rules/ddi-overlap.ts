// One drug pair, one card: where an ONC high-priority pair (ddi.ts) and a label interaction (label-interactions.ts)
// concern the same two drugs (methadone + citalopram: QT on the ONC list, serotonin syndrome on the labels), the
// label card's finding joins the ONC card as one more line, with its link, and the card takes the higher tier.
// Pure: cards in, cards out.
import type { Card } from '../cds/types.js';
import { maxIndicator, md } from './cards.js';

/** The two drugs of an ONC card (`ddi:a/b+c`) or a label card (`label-ddi:row:a/b+c`), as ingredient sets. */
function sides(key: string | undefined): [Set<string>, Set<string>] | undefined {
  if (!key) return undefined;
  const body = key.startsWith('ddi:')
    ? key.slice(4)
    : key.startsWith('label-ddi:')
      ? key.slice(key.indexOf(':', 10) + 1)
      : undefined;
  const parts = body?.split('+');
  if (!parts || parts.length !== 2) return undefined;
  return [new Set(parts[0]!.split('/')), new Set(parts[1]!.split('/'))];
}

const meets = (a: Set<string>, b: Set<string>): boolean => [...a].some((x) => b.has(x));

/** The label cards that repeat an ONC card's pair are folded into it; the others are returned as they are. */
export function foldLabelRepeats(ddi: Card[], label: Card[]): { ddi: Card[]; label: Card[] } {
  const out = ddi.map((c) => ({ ...c }));
  const rest: Card[] = [];
  for (const l of label) {
    const ls = sides(l.finding?.key);
    const host =
      ls &&
      out.find((c) => {
        const ds = sides(c.finding?.key);
        return ds && ((meets(ls[0], ds[0]) && meets(ls[1], ds[1])) || (meets(ls[0], ds[1]) && meets(ls[1], ds[0])));
      });
    if (!host || !host.finding || !l.finding) {
      rest.push(l);
      continue;
    }
    host.indicator = maxIndicator(host.indicator, l.indicator);
    host.detail = `${host.detail ?? ''}\n\n**Also (drug label):** ${md(l.summary)}`;
    host.links = [
      ...(host.links ?? []),
      ...(l.links ?? []).filter((x) => !(host.links ?? []).some((h) => h.url === x.url)),
    ];
    host.finding = {
      ...host.finding,
      also: [...(host.finding.also ?? []), { key: l.finding.key, indicator: l.indicator }],
    };
  }
  return { ddi: out, label: rest };
}
