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
  it.each([2, 5, 8, 10])('pair %i: managed by avoidance or dose adjustment, called a high-priority interaction', (seq) => {
    expect(contraindicatedWhenCritical(bySeq(seq).management)).toBe(false);
  });
});
