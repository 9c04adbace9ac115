// Findings about the same draft order become one card, so a clinician signing one order meets one
// interruption that lists every concern with it, not a stack of cards. The card stays short: the most severe
// finding in full, each other one as a line with its tier (their suggestions, links and override reasons are
// kept). Cards about several drafts, or about none (patient-view), stay as they are.
import type { Card, CardTrace, Coding, Indicator, Link, Suggestion } from './types.js';
import { INDICATOR_RANK, SUMMARY_MAX } from '../cds-hooks.js';

function singleDraft(card: Card): string | undefined {
  const drafts = card.finding?.drafts;
  return drafts && drafts.length === 1 ? drafts[0] : undefined;
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Two suggestions are one when their actions are the same: the same deletion, or the same resource created. */
function suggestionKey(s: Suggestion): string {
  return JSON.stringify((s.actions ?? []).map((a) => [a.type, a.resourceId ?? JSON.stringify(a.resource ?? null)]));
}

const LABEL: Record<Indicator, string> = { critical: '**Critical**', warning: '**Warning**', info: 'Info' };

function escape(text: string): string {
  return text.replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

/** The union of the grouped findings' traces, so the merged card still names every record and code behind it. */
function mergedTrace(cards: Card[]): CardTrace | undefined {
  const resources = [...new Set(cards.flatMap((c) => c.finding?.trace?.resources ?? []))];
  const codes = [...new Set(cards.flatMap((c) => c.finding?.trace?.codes ?? []))];
  if (!resources.length && !codes.length) return undefined;
  return { ...(resources.length ? { resources } : {}), ...(codes.length ? { codes } : {}) };
}

/** The most severe card's summary, with the number of further concerns, under 140 characters. */
function groupSummary(lead: Card, more: number): string {
  const tail = ` (+${more} more about this order)`;
  const chars = [...lead.summary];
  const room = SUMMARY_MAX - tail.length;
  const head = chars.length <= room ? lead.summary : `${chars.slice(0, room - 1).join('')}…`;
  return `${head}${tail}`;
}

function merge(cards: Card[]): Card {
  const sorted = [...cards].sort((a, b) => INDICATOR_RANK[b.indicator] - INDICATOR_RANK[a.indicator]);
  const lead = sorted[0]!;
  const detail = [
    lead.detail ?? '',
    '**Also about this order:**',
    sorted
      .slice(1)
      .map((c) => `- ${LABEL[c.indicator]}: ${escape(c.summary)}`)
      .join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n');
  const trace = mergedTrace(sorted);
  const suggestions = uniqueBy(
    sorted.flatMap((c) => c.suggestions ?? []),
    suggestionKey,
  );
  const overrideReasons = uniqueBy<Coding>(
    sorted.flatMap((c) => c.overrideReasons ?? []),
    (r) => `${r.system}|${r.code}`,
  );
  const links = uniqueBy<Link>(
    sorted.flatMap((c) => c.links ?? []),
    (l) => l.url,
  );
  const merged: Card = {
    finding: {
      key: lead.finding!.key,
      drafts: lead.finding!.drafts ?? [],
      also: sorted
        .slice(1)
        .flatMap((c) => [{ key: c.finding!.key, indicator: c.indicator }, ...(c.finding!.also ?? [])]),
      ...(trace ? { trace } : {}),
    },
    summary: groupSummary(lead, sorted.length - 1),
    detail,
    indicator: lead.indicator,
    source: lead.source,
  };
  if (suggestions.length) {
    let recommended = false;
    merged.suggestions = suggestions.map((s) => {
      if (!s.isRecommended) return s;
      if (!recommended) return ((recommended = true), s);
      const { isRecommended: _dropped, ...rest } = s; // at-most-one: one recommendation only (cds-resp-1)
      return rest;
    });
    merged.selectionBehavior = sorted.some((c) => c.selectionBehavior === 'any') ? 'any' : 'at-most-one';
  }
  if (overrideReasons.length) merged.overrideReasons = overrideReasons;
  if (links.length) merged.links = links;
  return merged;
}

/** Groups the cards whose finding concerns one and the same draft; keeps the order of first appearance. */
export function groupByDraft(cards: Card[]): Card[] {
  const byDraft = new Map<string, Card[]>();
  for (const c of cards) {
    const d = singleDraft(c);
    if (d) byDraft.set(d, [...(byDraft.get(d) ?? []), c]);
  }
  const out: Card[] = [];
  const emitted = new Set<string>();
  for (const c of cards) {
    const d = singleDraft(c);
    if (!d) out.push(c);
    else if (!emitted.has(d)) {
      emitted.add(d);
      const group = byDraft.get(d)!;
      out.push(group.length === 1 ? c : merge(group));
    }
  }
  return out;
}
