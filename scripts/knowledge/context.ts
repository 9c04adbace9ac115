// What the knowledge builders share: the reader of the research tables, and the ingredient index that every
// table feeds (ingredients.json is written from it last).
import { type ReadTable, isVerified, normName } from './csv.js';

export type AddIngredient = (rawName: string, rxcui: string, status: string, source: string, file: string) => void;
export interface IndexedIngredient {
  name: string;
  rxcui?: string;
  sources: Set<string>;
  tables: Set<string>;
}

export interface BuildContext {
  read: ReadTable;
  /** Records an ingredient name (and its RxCUI when VERIFIED) seen in a table. */
  addIngredient: AddIngredient;
  /** Every ingredient recorded so far, by name. */
  ingredientMap: ReadonlyMap<string, IndexedIngredient>;
}

export function buildContext(read: ReadTable): BuildContext {
  const ingredientMap = new Map<string, IndexedIngredient>();
  const addIngredient: AddIngredient = (rawName, rxcui, status, source, file) => {
    let name = normName(rawName);
    if (!name || /\bclass\b|\(all\b/.test(name) || /^CLASS/.test(status)) return;
    const aliases: string[] = [];
    const paren = /^(.*?)\s*\(([^)]+)\)\s*$/.exec(name);
    if (paren && paren[1] && paren[2]) {
      name = paren[1].trim();
      aliases.push(paren[2].trim());
    }
    for (const n of [name, ...aliases]) {
      const entry = ingredientMap.get(n) ?? { name: n, sources: new Set<string>(), tables: new Set<string>() };
      entry.tables.add(file);
      if (isVerified(status) && rxcui) {
        if (entry.rxcui && entry.rxcui !== rxcui) {
          throw new Error(`${file}: ${n} has RxCUI ${rxcui} but another table gives ${entry.rxcui}`);
        }
        entry.rxcui = rxcui;
        if (source) entry.sources.add(source);
      }
      ingredientMap.set(n, entry);
    }
  };
  return { read, addIngredient, ingredientMap };
}
