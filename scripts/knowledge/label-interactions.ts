// label-interactions.json: interaction pairs from FDA labels and safety communications (scripts/data).
import { type Row, col, doseCap, normName } from './csv.js';

/**
 * A row's safer alternative, `side|rxcui|display|dosage text`: when the draft is on that side, its card offers to
 * order the alternative instead. The RxCUI must be a product the research tables hold (PDDI-CDS value sets, or the
 * guide's own ActivityDefinition for acetaminophen 500 mg).
 */
function alternative(r: Row, f: string): { alternative?: { side: 'a' | 'b'; rxcui: string; display: string; dosage: string } } {
  const raw = (r.alternative ?? '').trim();
  if (!raw) return {};
  const [side, rxcui, display, dosage] = raw.split('|').map((x) => x.trim());
  if ((side !== 'a' && side !== 'b') || !rxcui || !/^\d+$/.test(rxcui) || !display || !dosage) throw new Error(`${f}: ${r.id}: alternative ${raw}`);
  return { alternative: { side, rxcui, display, dosage } };
}

/**
 * Interaction pairs taken from FDA labels and safety communications (each row names its source and a link): the
 * checks a hospital expects first beyond the ONC lists. Sides are ingredient names; `{a}` and `{b}` in the texts
 * stand for the ingredients found. `dose_cap` (`ingredient|mg`): the label's daily cap for that side-a drug.
 */
export function buildLabelInteractions(rows: Row[]) {
  const f = 'label-interactions.csv';
  const interactions = rows.map((r) => {
    const side = (name: string) => col(r, name, f).split(';').map(normName).filter(Boolean);
    const id = col(r, 'id', f);
    const indicator = col(r, 'indicator', f);
    if (!['info', 'warning', 'critical'].includes(indicator)) throw new Error(`${f}: ${r.id}: indicator ${indicator}`);
    return {
      id,
      a: side('a'),
      b: side('b'),
      indicator,
      summary: col(r, 'summary', f),
      management: col(r, 'management', f),
      mechanism: col(r, 'mechanism', f),
      source: col(r, 'source', f),
      url: col(r, 'url', f),
      overrides: col(r, 'overrides', f).split(';').map((x) => x.trim()).filter(Boolean),
      ...alternative(r, f),
      // A dose cap applies to the drug on side a (the statin): its ordered daily dose is compared with the cap.
      ...doseCap(r, f, id, side('a')),
    };
  });
  return {
    source: 'hookwise: interactions from FDA labels (DailyMed), FDA Drug Safety Communications and the HL7 PDDI-CDS guide',
    interactions,
  };
}
