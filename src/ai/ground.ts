// Grounding: a validated finding is kept only if it rests on this call's facts. Pure; the findings' text is
// never logged, only the counts of what was dropped and why.
import type { Knowledge } from '../knowledge/index.js';
import { findIngredientNames } from '../knowledge/drugs/match.js';
import type { HandleFact } from './deidentify.js';
import type { Finding } from './output.js';

export const MAX_AI_CARDS = 3;

export type DropReason =
  | 'schema'
  | 'excess'
  | 'no-evidence'
  | 'unknown-handle'
  | 'unknown-drug'
  | 'low-confidence'
  | 'covered-by-rule'
  | 'over-limit';

export interface GroundedFinding extends Finding {
  /** The ingredients of the medications it cites, sorted: the finding's identity for suppression and rule overlap. */
  drugs: string[];
}

export interface GroundingInput {
  findings: Finding[];
  handles: ReadonlyMap<string, HandleFact>;
  knowledge: Knowledge;
  minConfidence: number;
  /** The drugs of each card the deterministic rules give on the same data: a finding about them is theirs. */
  ruleDrugSets: ReadonlyArray<ReadonlySet<string>>;
}

export interface GroundingResult {
  kept: GroundedFinding[];
  dropped: Partial<Record<DropReason, number>>;
}

export function ground(input: GroundingInput): GroundingResult {
  const { handles, knowledge } = input;
  const dropped: Partial<Record<DropReason, number>> = {};
  const drop = (why: DropReason) => {
    dropped[why] = (dropped[why] ?? 0) + 1;
  };
  const known = new Set<string>();
  for (const h of handles.values()) for (const i of h.ingredients) known.add(i);
  const kept: GroundedFinding[] = [];
  for (const f of input.findings) {
    const evidence = [...new Set(f.evidence)];
    if (evidence.length === 0) {
      drop('no-evidence');
      continue;
    }
    if (evidence.some((h) => !handles.has(h))) {
      drop('unknown-handle');
      continue;
    }
    const drugs = [
      ...new Set(evidence.flatMap((h) => (handles.get(h)!.kind === 'medication' ? handles.get(h)!.ingredients : []))),
    ].sort();
    const named = findIngredientNames(`${f.summary} ${f.detail}`, knowledge).map((n) => n.toLowerCase());
    // A medication review must cite a medication; every drug its text names must be in the input.
    if (drugs.length === 0 || named.some((n) => !known.has(n))) {
      drop('unknown-drug');
      continue;
    }
    if (f.confidence < input.minConfidence) {
      drop('low-confidence');
      continue;
    }
    if (input.ruleDrugSets.some((set) => drugs.every((d) => set.has(d)))) {
      drop('covered-by-rule');
      continue;
    }
    if (kept.length >= MAX_AI_CARDS) {
      drop('over-limit');
      continue;
    }
    kept.push({ ...f, evidence, drugs });
  }
  return { kept, dropped };
}

/** The drugs each rule card is about: the input's ingredients its text names. */
export function ruleDrugSets(
  cards: ReadonlyArray<{ summary: string; detail?: string }>,
  handles: ReadonlyMap<string, HandleFact>,
  knowledge: Knowledge,
): Array<Set<string>> {
  const known = new Set<string>();
  for (const h of handles.values()) if (h.kind === 'medication') for (const i of h.ingredients) known.add(i);
  return cards
    .map(
      (c) =>
        new Set(
          findIngredientNames(`${c.summary} ${c.detail ?? ''}`, knowledge)
            .map((n) => n.toLowerCase())
            .filter((n) => known.has(n)),
        ),
    )
    .filter((s) => s.size > 0);
}
