// The drug-pair rules (ONC interactions, non-interruptive pairs, duplicate therapy) compare each draft in focus
// with each active medication, and the drafts with each other. Done literally that is quadratic: 1 000 drafts and
// 1 000 medications are 1.5 million comparisons of synchronous work. This sweep gives the rules the same answer
// in time linear in the number of resources:
//
// - Resources with the same ingredients (names, codes, match confidence, in order) compare alike, so they form
//   one group, and a rule's effect is computed once per pair of groups (cached).
// - Groups are indexed by the rule's tokens (e.g. "pair 11, object side"), so a draft only meets the groups it
//   can interact with, never the unrelated rest.
// - Only the first comparison of a draft with a group can create a finding or change its content; the later ones
//   add the group's other members to the finding's lists. A finding that has taken a whole group once skips it
//   from then on.
//
// What the literal loops decided by their order (which finding comes first, the order of the hits in a finding,
// the order of the resources listed in a card) is kept exactly: visits come in the order of the literal loop's
// first comparison, and every resource pushed into a finding carries the time of the comparison that pushed it
// first, so the lists are sorted back into the literal loop's order at the end (`ordered`).
//
// The literal order, for reference (as `comparisons` in ddi.ts did it):
//   for each draft i: if i is in focus, each active medication k (not sharing an id with a draft) in order;
//                     then each later draft j: (i, j) if i is in focus, else (j, i) if j is, unless both ids match.
import type { ResolvedMedication } from '../knowledge/drugs/medications.js';

/** One comparison of the literal loop, standing for all the members of a group compared at once. */
export interface Visit {
  /** The resource in the draft role and the one in the other role (representatives: the effect is the same). */
  draft: ResolvedMedication;
  other: ResolvedMedication;
  /** Whether the other role is a draft. */
  isDraft: boolean;
  /** The draft of the outer loop; always listed among the finding's drafts. */
  single: ResolvedMedication;
  singleTime: number;
  /** The group met: its members from `from` on (but `excluded`) go to the finding's drafts (isDraft) or others. */
  group: Group;
  from: number;
  excluded: ReadonlySet<ResolvedMedication> | undefined;
  /** A member's push time: base + 2 × its position in its list + memberSub. */
  base: number;
  memberSub: 0 | 1;
  /** Every member the literal loop would push from now on is in this visit: the finding may skip the group later. */
  complete: boolean;
}

/** A finding's lists while the sweep runs: each resource with the time it was first pushed. */
export interface Pushed {
  drafts: Map<ResolvedMedication, number>;
  others: Map<ResolvedMedication, number>;
  /** Groups already pushed whole. */
  done: Set<number>;
}

export function pushed(): Pushed {
  return { drafts: new Map(), others: new Map(), done: new Set() };
}

/** The pushes of one visit into a finding: the outer draft, and the group met unless taken whole already. */
export function pushVisit(f: Pushed, v: Visit): void {
  if (!f.drafts.has(v.single)) f.drafts.set(v.single, v.singleTime);
  const g = v.group;
  if (f.done.has(g.id)) return;
  const into = v.isDraft ? f.drafts : f.others;
  for (let p = v.from; p < g.members.length; p++) {
    const m = g.members[p]!;
    if (v.excluded?.has(m) || into.has(m)) continue;
    into.set(m, v.base + g.index[p]! * 2 + v.memberSub);
  }
  if (v.complete) f.done.add(g.id);
}

/** A drug-pair rule, as the sweep needs it. */
export interface PairRule<E> {
  /** Index tokens of a resource (e.g. "ddi:11:o" for an object-side member of pair 11). */
  tokens(m: ResolvedMedication): readonly string[];
  /** The tokens a resource can interact with: only groups holding one of them are compared with it. */
  partners(m: ResolvedMedication): readonly string[];
  /** What comparing `draft` with `other` contributes; null or an empty list when nothing. */
  effect(draft: ResolvedMedication, other: ResolvedMedication): E | null;
  /** Resources the literal loop would skip for this draft: in the active list, and among the drafts (rare). */
  excluded?(
    draft: ResolvedMedication,
  ): { active?: ReadonlySet<ResolvedMedication>; drafts?: ReadonlySet<ResolvedMedication> } | undefined;
}

export interface Group {
  id: number;
  sig: number;
  rep: ResolvedMedication;
  members: ResolvedMedication[];
  /** Index of each member in its list (drafts or others), ascending. */
  index: number[];
  /** Drafts only. */
  focus?: boolean;
  /** Drafts only: the id the members share with other drafts (they are never compared with those), if any. */
  sharedId?: string;
}

/** Identifies what a comparison can depend on: the ingredients in order, with codes and match confidence. */
const signatures = new WeakMap<ResolvedMedication, string>();

function signature(m: ResolvedMedication): string {
  let s = signatures.get(m);
  if (s === undefined) {
    s = '';
    for (const i of m.ingredients) s += `${i.name}\u0001${i.rxcui ?? ''}\u0001${i.confidence}\u0002`;
    signatures.set(m, s);
  }
  return s;
}

/** Sorts the resources of a finding's list (resource → first push time) into the literal loop's order. */
export function ordered(pushed: ReadonlyMap<ResolvedMedication, number>): ResolvedMedication[] {
  return [...pushed].sort((a, b) => a[1] - b[1]).map(([m]) => m);
}

function lowerBound(xs: number[], above: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= above) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Below this many comparisons the literal loop runs as it is (each resource its own group): building the groups
 * and the index costs more than it saves for the usual handful of orders. Tests set it to 0 to check the grouped
 * sweep against the literal loops on small inputs too.
 */
export const SWEEP = { literalBelow: 64 };

/** Each resource its own group (the literal loop). */
function singles(list: ResolvedMedication[], offset: number): Group[] {
  return list.map((m, k) => ({ id: offset + k, sig: -1, rep: m, members: [m], index: [k] }));
}

/** Whether a resource with these partner tokens can meet one holding `tokens` (the grouped sweep's index, inline). */
function meets(partners: readonly string[], tokens: ReadonlySet<string>): boolean {
  for (const t of partners) if (tokens.has(t)) return true;
  return false;
}

/**
 * The literal loop, one visit per comparison. Like the grouped sweep, it compares a draft only with resources
 * holding one of its partner tokens: the others can have no effect, and asking the rule costs most of a call.
 */
function literalSweep<E>(
  drafts: ResolvedMedication[],
  others: ResolvedMedication[],
  inFocus: (d: ResolvedMedication) => boolean,
  rule: PairRule<E>,
  onVisit: (effect: E, visit: Visit) => void,
): void {
  const width = Math.max(drafts.length, others.length) + 1;
  const otherGroups = singles(others, 0);
  const draftGroups = singles(drafts, others.length);
  const otherTokens = others.map((m) => new Set(rule.tokens(m)));
  const draftTokens = drafts.map((m) => new Set(rule.tokens(m)));
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    const partners = rule.partners(d);
    if (partners.length === 0) continue;
    const dFocus = inFocus(d);
    const skip = rule.excluded?.(d);
    if (dFocus) {
      for (let k = 0; k < others.length; k++) {
        const m = others[k]!;
        if (!meets(partners, otherTokens[k]!) || skip?.active?.has(m)) continue;
        const effect = rule.effect(d, m);
        if (effect === null || (Array.isArray(effect) && effect.length === 0)) continue;
        const base = i * 2 * width * 2;
        onVisit(effect, {
          draft: d,
          other: m,
          isDraft: false,
          single: d,
          singleTime: base + k * 2,
          group: otherGroups[k]!,
          from: 0,
          excluded: undefined,
          base,
          memberSub: 1,
          complete: true,
        });
      }
    }
    for (let j = i + 1; j < drafts.length; j++) {
      const d2 = drafts[j]!;
      if (d.id !== undefined && d.id === d2.id) continue; // the same order listed twice
      if (!dFocus && !inFocus(d2)) continue;
      if (!meets(partners, draftTokens[j]!) || skip?.drafts?.has(d2)) continue;
      const effect = dFocus ? rule.effect(d, d2) : rule.effect(d2, d);
      if (effect === null || (Array.isArray(effect) && effect.length === 0)) continue;
      const base = (i * 2 + 1) * width * 2;
      onVisit(effect, {
        draft: dFocus ? d : d2,
        other: dFocus ? d2 : d,
        isDraft: true,
        single: d,
        singleTime: base + j * 2 + (dFocus ? 0 : 1),
        group: draftGroups[j]!,
        from: 0,
        excluded: undefined,
        base,
        memberSub: dFocus ? 1 : 0,
        complete: true,
      });
    }
  }
}

/**
 * Runs `rule` over the comparisons of the literal loop, calling `onVisit` with the effect of each comparison that
 * can change a finding, in the literal loop's order.
 */
export function sweepPairs<E>(
  drafts: ResolvedMedication[],
  active: ResolvedMedication[],
  focus: ReadonlySet<ResolvedMedication> | undefined,
  rule: PairRule<E>,
  onVisit: (effect: E, visit: Visit) => void,
): void {
  const inFocus = (d: ResolvedMedication): boolean => !focus || focus.has(d);
  const draftIds = new Set(drafts.map((d) => d.id).filter((id): id is string => id !== undefined));
  const others = active.filter((m) => m.id === undefined || !draftIds.has(m.id));
  if (drafts.length * (others.length + drafts.length) < SWEEP.literalBelow) {
    literalSweep(drafts, others, inFocus, rule, onVisit);
    return;
  }
  // Times: (outer draft, phase, position, draft role first) as one number, in the literal loop's order.
  const width = Math.max(drafts.length, others.length) + 1;
  const time = (i: number, phase: 0 | 1, pos: number, sub: 0 | 1): number => ((i * 2 + phase) * width + pos) * 2 + sub;

  const sigIds = new Map<string, number>();
  const sigOf = (m: ResolvedMedication): number => {
    const s = signature(m);
    let id = sigIds.get(s);
    if (id === undefined) sigIds.set(s, (id = sigIds.size));
    return id;
  };

  let nextGroup = 0;
  const byToken = new Map<string, Group[]>();
  const index = (g: Group): void => {
    for (const t of rule.tokens(g.rep)) {
      const list = byToken.get(t);
      if (list) list.push(g);
      else byToken.set(t, [g]);
    }
  };

  // Others, grouped by signature.
  const otherGroups = new Map<number, Group>();
  others.forEach((m, k) => {
    const sig = sigOf(m);
    let g = otherGroups.get(sig);
    if (!g) {
      g = { id: nextGroup++, sig, rep: m, members: [], index: [] };
      otherGroups.set(sig, g);
    }
    g.members.push(m);
    g.index.push(k);
  });
  const otherIndex = new Map<string, Group[]>();
  for (const g of otherGroups.values()) {
    for (const t of rule.tokens(g.rep)) {
      const list = otherIndex.get(t);
      if (list) list.push(g);
      else otherIndex.set(t, [g]);
    }
  }

  // Drafts, grouped by signature and focus; drafts whose id another draft shares are grouped by that id as well,
  // so the id rule ("the same order listed twice is not compared") skips whole groups.
  const idCount = new Map<string, number>();
  for (const d of drafts) if (d.id !== undefined) idCount.set(d.id, (idCount.get(d.id) ?? 0) + 1);
  const draftGroups = new Map<string, Group>();
  const sigOfDraft: number[] = [];
  drafts.forEach((d, j) => {
    const sig = sigOf(d);
    sigOfDraft.push(sig);
    const sharedId = d.id !== undefined && (idCount.get(d.id) ?? 0) > 1 ? d.id : undefined;
    const key = `${sig}|${inFocus(d) ? 1 : 0}|${sharedId === undefined ? '' : `=${sharedId}`}`;
    let g = draftGroups.get(key);
    if (!g) {
      g = {
        id: nextGroup++,
        sig,
        rep: d,
        members: [],
        index: [],
        focus: inFocus(d),
        ...(sharedId !== undefined ? { sharedId } : {}),
      };
      draftGroups.set(key, g);
    }
    g.members.push(d);
    g.index.push(j);
  });
  for (const g of draftGroups.values()) index(g);

  // Effects per (draft-role signature, other-role signature).
  const effects = new Map<number, E | null>();
  const effectOf = (draft: ResolvedMedication, dSig: number, other: ResolvedMedication, oSig: number): E | null => {
    const key = dSig * 1_000_003 + oSig;
    if (effects.has(key)) return effects.get(key)!;
    const e = rule.effect(draft, other);
    const kept = e === null || (Array.isArray(e) && e.length === 0) ? null : e;
    effects.set(key, kept);
    return kept;
  };

  // Candidate groups per signature, by token (the same for every draft of that signature).
  const candidatesCache = { o: [] as Array<Group[] | undefined>, d: [] as Array<Group[] | undefined> };
  const candidates = (m: ResolvedMedication, sig: number, from: Map<string, Group[]>, which: 'o' | 'd'): Group[] => {
    let list = candidatesCache[which][sig];
    if (!list) {
      const seen = new Set<Group>();
      for (const t of rule.partners(m)) for (const g of from.get(t) ?? []) seen.add(g);
      list = [...seen].sort((a, b) => a.index[0]! - b.index[0]!);
      candidatesCache[which][sig] = list;
    }
    return list;
  };

  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    const dSig = sigOfDraft[i]!;
    const dFocus = inFocus(d);
    const skip = rule.excluded?.(d);

    // Phase 0: the draft in focus with each active medication.
    if (dFocus) {
      const ex = skip?.active;
      const visits: Array<{ first: number; g: Group; effect: E; complete: boolean }> = [];
      for (const g of candidates(d, dSig, otherIndex, 'o')) {
        const effect = effectOf(d, dSig, g.rep, g.sig);
        if (effect === null) continue;
        let first = 0;
        if (ex) while (first < g.members.length && ex.has(g.members[first]!)) first++;
        if (first === g.members.length) continue;
        visits.push({ first, g, effect, complete: !ex || g.members.every((m) => !ex.has(m)) });
      }
      // Excluded members can move a group's first comparison: back into the literal order.
      if (ex) visits.sort((a, b) => a.g.index[a.first]! - b.g.index[b.first]!);
      for (const { first, g, effect, complete } of visits) {
        onVisit(effect, {
          draft: d,
          other: g.rep,
          isDraft: false,
          single: d,
          singleTime: time(i, 0, g.index[first]!, 0),
          group: g,
          from: first,
          excluded: ex,
          base: time(i, 0, 0, 0),
          memberSub: 1,
          complete,
        });
      }
    }

    // Phase 1: the draft with each later draft, when either is in focus.
    const visits: Array<{ first: number; g: Group; effect: E; complete: boolean; from: number }> = [];
    for (const g of candidates(d, dSig, byToken, 'd')) {
      if (!dFocus && !g.focus) continue;
      if (g.sharedId !== undefined && g.sharedId === d.id) continue;
      const from = lowerBound(g.index, i);
      if (from === g.members.length) continue;
      // The draft role: this draft if in focus, else the later one.
      const effect = dFocus ? effectOf(d, dSig, g.rep, g.sig) : effectOf(g.rep, g.sig, d, dSig);
      if (effect === null) continue;
      const ex = skip?.drafts;
      let first = from;
      if (ex) while (first < g.members.length && ex.has(g.members[first]!)) first++;
      if (first === g.members.length) continue;
      let complete = true;
      if (ex) for (let p = from; p < g.members.length; p++) if (ex.has(g.members[p]!)) complete = false;
      visits.push({ first: g.index[first]!, g, effect, complete, from: first });
    }
    if (visits.length > 1) visits.sort((a, b) => a.first - b.first);
    for (const v of visits) {
      onVisit(v.effect, {
        draft: dFocus ? d : v.g.rep,
        other: dFocus ? v.g.rep : d,
        isDraft: true,
        single: d,
        singleTime: time(i, 1, v.first, dFocus ? 0 : 1),
        group: v.g,
        from: v.from,
        excluded: skip?.drafts,
        base: time(i, 1, 0, 0),
        memberSub: dFocus ? 1 : 0,
        complete: v.complete,
      });
    }
  }
}
