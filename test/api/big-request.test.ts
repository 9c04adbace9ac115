// No call can starve the others: what one call may bring is capped (MAX_DRAFT_ORDERS, MAX_PREFETCH_ENTRIES; over
// it: 400 naming the limit), and a call at the caps is decided in full, with the right cards. Correctness only:
// the time such a call takes is measured by `npm run bench -- --only 6`.
import { describe, expect, it } from '@jest/globals';
import { buildApp, postHook } from '../support/app.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { bigOrderSign } from '../../bench/lib/big-request.js';

interface Card {
  summary: string;
  indicator: string;
  detail: string;
  suggestions?: Array<{ label: string; isRecommended?: boolean; actions: Array<{ resourceId: string }> }>;
}

function body(n: number) {
  const { context, prefetch } = bigOrderSign(n);
  return {
    hook: 'order-sign',
    hookInstance: `b1c2d3e4-0000-4000-8000-${String(n).padStart(12, '0')}`,
    context,
    prefetch,
  };
}

describe('a big call', () => {
  it('1 000 drafts and 1 000 active medications: every card, each listing every order involved', async () => {
    const { app } = await buildApp();
    const res = await postHook(app, 'order-sign', body(1000));
    expect(res.status).toBe(200);
    const cards = res.body.cards as Card[];
    const card = cards.find((c) => c.summary === 'Hold simvastatin during clarithromycin, or choose azithromycin');
    expect(card?.indicator).toBe('critical');
    // Clarithromycin is every 20th draft (0, 20, …, 980), simvastatin every 20th active medication (0, …, 980)
    // and every 20th draft from 18 (18, …, 998). The card names all of them, in the order the pairwise loop meets
    // them (draft 0 meets every simvastatin draft before draft 18 meets the other clarithromycin drafts), and
    // offers to remove each draft; their ids are in the trace extension, in the same order, not in the text.
    const clari = (i: number): string => `MedicationRequest/draft-${i * 20}`;
    const simva = (i: number): string => `MedicationRequest/draft-${i * 20 + 18}`;
    const fifty = Array.from({ length: 50 }, (_, i) => i);
    const drafts = [clari(0), ...fifty.map(simva), ...fifty.slice(1).map(clari)];
    const line = (id: string): string =>
      `- Order being signed: ${id.endsWith('8') ? 'Simvastatin 40 MG' : 'Clarithromycin 500 MG'} Oral Tablet`;
    const involved = card!.detail
      .split('\n')
      .filter((l) => l.startsWith('- Order being signed') || l.startsWith('- Taking'));
    expect(involved).toEqual([...drafts.map(line), ...fifty.map(() => '- Taking: Simvastatin 20 MG Oral Tablet')]);
    const trace = (card as unknown as { extension: Record<string, { resources: string[] }> }).extension[
      'https://hookwise.dev/cds/extension/trace'
    ]!;
    expect(trace.resources).toEqual([...drafts, ...fifty.map((i) => `MedicationRequest/active-${i * 20}`)]);
    const removals = card!.suggestions!.filter((s) => s.label.startsWith('Remove'));
    expect(removals.map((s) => s.actions[0]!.resourceId)).toEqual(drafts);
    // Each clarithromycin draft may be replaced by azithromycin; one suggestion in the card is recommended.
    const instead = card!.suggestions!.filter((s) => s.label === 'Order azithromycin instead of clarithromycin');
    expect(instead.map((s) => s.actions[0]!.resourceId)).toEqual([clari(0), ...fifty.slice(1).map(clari)]);
    expect(card!.suggestions!.filter((s) => s.isRecommended)).toHaveLength(1);
    // The same rules fire at 1 000 as at 100 (the mix repeats every 20 orders): the same findings, only longer lists.
    const small = await postHook(app, 'order-sign', body(100));
    expect(cards.map((c) => [c.indicator, c.summary])).toEqual(
      (small.body.cards as Card[]).map((c) => [c.indicator, c.summary]),
    );
    expect(cards.filter((c) => c.indicator === 'critical').length).toBeGreaterThanOrEqual(5);
  });

  it('more draft orders than MAX_DRAFT_ORDERS: 400 naming the limit, nothing decided', async () => {
    const { app, logs } = await buildApp({ MAX_DRAFT_ORDERS: '100' });
    expect((await postHook(app, 'order-sign', body(100))).status).toBe(200);
    const res = await postHook(app, 'order-sign', body(101));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue).toEqual([
      expect.objectContaining({
        code: 'too-costly',
        diagnostics: 'context.draftOrders has 101 entries; this service takes at most 100 draft orders per call',
        expression: ['context.draftOrders'],
      }),
    ]);
    expect(
      logs
        .records()
        .filter((l) => l.message === 'hook invocation')
        .at(-1),
    ).toMatchObject({ status: 400, outcome: 'invalid' });
  });

  it('more entries in a prefetch Bundle than MAX_PREFETCH_ENTRIES: 400 naming the key and the limit', async () => {
    const { app } = await buildApp({ MAX_PREFETCH_ENTRIES: '50' });
    const b = body(50);
    expect((await postHook(app, 'order-sign', b)).status).toBe(200);
    const { prefetch } = bigOrderSign(51);
    const res = await postHook(app, 'order-sign', {
      ...b,
      prefetch: { ...b.prefetch, medications: prefetch.medications },
    });
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i: { diagnostics: string }) => i.diagnostics)).toEqual([
      'prefetch.medications has 51 entries; this service takes at most 50 entries per prefetch key',
    ]);
  });

  it('the limits are validated settings', () => {
    expect(loadConfig({}).maxDraftOrders).toBe(1000);
    expect(loadConfig({}).maxPrefetchEntries).toBe(10000);
    expect(() => loadConfig({ MAX_DRAFT_ORDERS: '0' })).toThrow(
      new ConfigError(['MAX_DRAFT_ORDERS="0" must be between 1 and 100000']),
    );
    expect(() => loadConfig({ MAX_PREFETCH_ENTRIES: 'lots' })).toThrow(
      new ConfigError(['MAX_PREFETCH_ENTRIES="lots" must be a whole number']),
    );
  });
});
