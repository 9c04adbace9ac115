// The summary word must not overstate the label: "Contraindicated" only where the pair's management says so.
import { describe, expect, it } from '@jest/globals';
import { contraindicatedWhenCritical } from '../../src/rules/ddi.js';
import { loadKnowledge } from '../../src/knowledge/index.js';

const k = loadKnowledge();
const bySeq = (seq: number) => k.ddi.pairs.find((p) => p.seq === seq)!;

describe('DDI summary wording', () => {
  it.each([1, 3, 4, 6, 7, 9, 11, 12, 13, 14, 15])('pair %i: critical members are called contraindicated', (seq) => {
    expect(contraindicatedWhenCritical(bySeq(seq).management)).toBe(true);
  });
  it.each([2, 5, 8, 10])(
    'pair %i: managed by avoidance or dose adjustment, called a high-priority interaction',
    (seq) => {
      expect(contraindicatedWhenCritical(bySeq(seq).management)).toBe(false);
    },
  );
});

describe('DDI actions (what the card tells the clinician to do)', () => {
  const rows = k.ddi.pairs.flatMap((p) => (p.actions ?? []).map((a) => ({ p, a })));

  it('every pair has actions, the last one for any member', () => {
    for (const p of k.ddi.pairs) {
      const last = p.actions?.[p.actions.length - 1];
      expect({ pair: p.seq, last: last && !last.object && !last.precipitant }).toEqual({ pair: p.seq, last: true });
    }
  });

  it('every summary fits the CDS Hooks limit with the longest member names of its pair', () => {
    for (const { p, a } of rows) {
      const longest = (names: string[]) => names.reduce((x, y) => (y.length > x.length ? y : x), '');
      const o = longest(a.object ?? p.object.map((m) => m.ingredient));
      const pr = longest(a.precipitant ?? p.precipitant.map((m) => m.ingredient));
      const text = a.summary.replaceAll('{o}', o).replaceAll('{p}', pr);
      expect({ pair: p.seq, text, fits: text.length < 140 }).toEqual({ pair: p.seq, text, fits: true });
    }
  });

  it('a dose adjustment is never called a contraindication, and every action links a DailyMed label', () => {
    for (const { a } of rows) {
      if (a.tier === 'warning') expect(a.contraindicated).toBe(false);
      expect(a.url).toMatch(/^https:\/\/dailymed\.nlm\.nih\.gov\/dailymed\/search\.cfm\?labeltype=all&query=\S+$/);
    }
    const rifabutin = rows.find(({ p, a }) => p.seq === 10 && a.object?.includes('rifabutin'))!.a;
    expect(rifabutin).toMatchObject({ tier: 'warning', contraindicated: false });
    expect(rifabutin.summary).toMatch(/^Reduce rifabutin dose per label/);
    expect(rows.find(({ p, a }) => p.seq === 10 && a.object?.includes('rifampin'))!.a.contraindicated).toBe(true);
  });
});
