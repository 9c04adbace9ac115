// Ingredient name matching: whole words, case-insensitive, longest match first.
import type { Knowledge } from '../index.js';

export type MatchConfidence = 'code' | 'rxnorm-name' | 'text';

const RANK: Record<MatchConfidence, number> = { code: 3, 'rxnorm-name': 2, text: 1 };

export function betterConfidence(a: MatchConfidence, b: MatchConfidence): MatchConfidence {
  return RANK[a] >= RANK[b] ? a : b;
}

export function confidenceRank(c: MatchConfidence): number {
  return RANK[c];
}

export interface IngredientMatch {
  /** Lower-case ingredient name as in knowledge/ingredients.json. */
  name: string;
  rxcui?: string;
  confidence: MatchConfidence;
}

const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
/** ' and the quotes written for it (‘ ’ ʼ `). */
const isApostrophe = (c: number): boolean => c === 39 || c === 0x2018 || c === 0x2019 || c === 0x02bc || c === 96;

/**
 * The lower-case words of a text: runs of a-z0-9, joined across an apostrophe (any of its spellings, written as
 * ') between two of them. A scan rather than a global regex match: it runs for every name of every call.
 */
export function tokens(s: string): string[] {
  const text = s.toLowerCase();
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let word = '';
    let start = i;
    for (;;) {
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      if (i + 1 < text.length && isApostrophe(text.charCodeAt(i)) && isWordChar(text.charCodeAt(i + 1))) {
        word += `${text.slice(start, i)}'`;
        start = ++i;
        continue;
      }
      break;
    }
    out.push(word + text.slice(start, i));
  }
  return out;
}

interface NameIndex {
  byFirst: Map<string, string[][]>;
}

const cache = new WeakMap<Knowledge, NameIndex>();

function nameIndex(k: Knowledge): NameIndex {
  let idx = cache.get(k);
  if (idx) return idx;
  const byFirst = new Map<string, string[][]>();
  for (const name of k.ingredients.byName.keys()) {
    const t = tokens(name);
    const first = t[0];
    if (!first) continue;
    const list = byFirst.get(first) ?? [];
    list.push(t);
    byFirst.set(first, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.length - a.length);
  idx = { byFirst };
  cache.set(k, idx);
  return idx;
}

/**
 * Name parsing is a pure function of the text and the knowledge, and the same few drug names come in every call:
 * the answers are kept per knowledge (at most MEMO_MAX texts, then started afresh) and handed out as copies.
 */
const MEMO_MAX = 10_000;
/** Longer texts are parsed every time, never kept: the memo must not hold what a hostile body sends. */
const MEMO_TEXT_MAX = 256;
const memos = new WeakMap<Knowledge, Map<string, string[]>>();

function memo(kind: string, text: string, k: Knowledge, compute: (text: string, k: Knowledge) => string[]): string[] {
  if (text.length > MEMO_TEXT_MAX) return compute(text, k);
  let m = memos.get(k);
  if (!m) memos.set(k, (m = new Map()));
  const key = `${kind}\u0000${text}`;
  let names = m.get(key);
  if (!names) {
    if (m.size >= MEMO_MAX) m.clear();
    names = compute(text, k);
    m.set(key, names);
  }
  return names.slice();
}

/**
 * Known ingredient names found in free text as whole words. Where names overlap the longest wins
 * ("penicillin g" over "penicillin"); whole-word matching keeps "amphetamine" out of "dextroamphetamine".
 */
export function findIngredientNames(text: string, k: Knowledge): string[] {
  return memo('text', text, k, findIngredientNamesUncached);
}

function findIngredientNamesUncached(text: string, k: Knowledge): string[] {
  const t = tokens(text);
  const { byFirst } = nameIndex(k);
  const found: string[] = [];
  for (let i = 0; i < t.length; ) {
    const candidates = byFirst.get(t[i] ?? '') ?? [];
    const hit = candidates.find((c) => c.every((w, j) => t[i + j] === w));
    if (hit) {
      const name = hit.join(' ');
      const entry = k.ingredients.byName.get(name) ?? k.ingredients.byName.get(hit.join('-'));
      const canonical = entry?.name ?? name;
      if (!found.includes(canonical)) found.push(canonical);
      i += hit.length;
    } else {
      i++;
    }
  }
  return found;
}

/** Exact lookup of an ingredient phrase after dropping salt words ("metformin hydrochloride" -> metformin). */
export function lookupIngredientPhrase(phrase: string, k: Knowledge): string | undefined {
  const t = tokens(phrase);
  if (t.length === 0) return undefined;
  const raw = k.ingredients.byName.get(t.join(' '));
  if (raw) return raw.name;
  const stripped = t.filter((w) => !k.ingredients.saltWords.has(w));
  if (stripped.length === 0) return undefined;
  return k.ingredients.byName.get(stripped.join(' '))?.name;
}

/**
 * Ingredient names from an RxNorm SCD/SBD-style name: "Simvastatin 20 MG Oral Tablet",
 * "tizanidine 4 MG Oral Tablet [Zanaflex]", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
 * "Amlodipine 5 MG / Benazepril hydrochloride 10 MG Oral Capsule".
 */
export function ingredientsFromRxNormName(display: string, k: Knowledge): string[] {
  return memo('rxnorm', display, k, ingredientsFromRxNormNameUncached);
}

/**
 * Bracketed parts ("[Zanaflex]") blanked. Text after the last "]" holds none and is not scanned: from each "[" of a
 * long run without a "]" the regex would scan to the end (quadratic: seconds for 50k characters of a display).
 */
function withoutBrackets(s: string): string {
  const end = s.lastIndexOf(']') + 1;
  return s.slice(0, end).replace(/\[[^\]]*\]/g, ' ') + s.slice(end);
}

function ingredientsFromRxNormNameUncached(display: string, k: Knowledge): string[] {
  const cleaned = withoutBrackets(display)
    .replace(/[{}()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const found: string[] = [];
  for (const component of cleaned.split(/\s\/\s/)) {
    const words = component.trim().split(' ');
    // Drop a leading "24 HR" / "12 HR" / "0.5 ML" / pack count before the ingredient.
    while (words.length > 1 && /^[\d.]+$/.test(words[0] ?? '')) {
      words.shift();
      if (/^(hr|ml|actuat)$/i.test(words[0] ?? '')) words.shift();
    }
    const firstNumber = words.findIndex((w) => /^[\d.,]+$/.test(w));
    const phrase = (firstNumber > 0 ? words.slice(0, firstNumber) : words).join(' ');
    const exact = lookupIngredientPhrase(phrase, k);
    const names = exact ? [exact] : findIngredientNames(phrase, k);
    for (const n of names) if (!found.includes(n)) found.push(n);
  }
  if (found.length === 0) return findIngredientNames(display, k);
  return found;
}

interface BrandPhrase {
  words: string[];
  name: string;
  ingredients: readonly string[];
}

const brandCache = new WeakMap<Knowledge, Map<string, BrandPhrase[]>>();

/** Brand names by their first word, longest first; "alka-seltzer" is the words alka, seltzer. */
function brandIndex(k: Knowledge): Map<string, BrandPhrase[]> {
  let idx = brandCache.get(k);
  if (idx) return idx;
  idx = new Map();
  for (const [name, ingredients] of k.products.brands) {
    const words = tokens(name);
    const first = words[0];
    if (!first) continue;
    const list = idx.get(first) ?? [];
    list.push({ words, name, ingredients });
    idx.set(first, list);
  }
  for (const list of idx.values()) list.sort((a, b) => b.words.length - a.words.length);
  brandCache.set(k, idx);
  return idx;
}

/**
 * Ingredients of the brand names found in free text as whole words, longest first ("Advil PM" before "Advil"):
 * "Zocor 20 mg tablet" → simvastatin; "Entresto" → sacubitril, valsartan.
 */
export function findBrandIngredients(text: string, k: Knowledge): string[] {
  const found: string[] = [];
  for (const hit of findBrands(text, k)) for (const n of hit.ingredients) if (!found.includes(n)) found.push(n);
  return found;
}

/** True when the text names a brand whose every product is an eye, ear, nose or skin product (Acular, Restasis). */
export function namesLocalBrand(text: string, k: Knowledge): boolean {
  return findBrands(text, k).some((b) => k.products.localBrands.has(b.name));
}

function findBrands(text: string, k: Knowledge): BrandPhrase[] {
  const t = tokens(text);
  const idx = brandIndex(k);
  const found: BrandPhrase[] = [];
  for (let i = 0; i < t.length; ) {
    const hit = (idx.get(t[i] ?? '') ?? []).find((c) => c.words.every((w, j) => t[i + j] === w));
    if (!hit) {
      i++;
      continue;
    }
    found.push(hit);
    i += hit.words.length;
  }
  return found;
}
