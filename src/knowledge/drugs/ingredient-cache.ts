// What a knowledge table says about an ingredient depends on its name and code alone, and the same few ingredients
// come in every call: rules keep the answer per table (an immutable knowledge object) and per ingredient.
import type { IngredientMatch } from './match.js';

/** Per table, by name then code: two lookups, no key string built per question. */
export type IngredientCache<T> = WeakMap<object, Map<string, Map<string, T>>>;

export function ingredientCache<T>(): IngredientCache<T> {
  return new WeakMap();
}

/** The cached answer for `ing` in `table`, computed on first ask. */
export function perIngredient<T>(cache: IngredientCache<T>, table: object, ing: IngredientMatch, compute: () => T): T {
  let byName = cache.get(table);
  if (!byName) cache.set(table, (byName = new Map()));
  let byCode = byName.get(ing.name);
  if (!byCode) byName.set(ing.name, (byCode = new Map()));
  const code = ing.rxcui ?? '';
  let answer = byCode.get(code);
  if (answer === undefined) byCode.set(code, (answer = compute()));
  return answer;
}
