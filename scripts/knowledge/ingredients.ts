// ingredients.json: every ingredient name the tables use, with its RxCUI when VERIFIED; written last, from the
// index the other builders fed.
import type { BuildContext } from './context.js';
import type { buildAllergyClasses } from './allergy-classes.js';

export function buildIngredients({ read, addIngredient, ingredientMap }: BuildContext, allergy: ReturnType<typeof buildAllergyClasses>) {
  // The tables no other builder reads feed the ingredient index too.
  for (const r of read('onc_noninterruptive_ddi_members.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'onc_noninterruptive_ddi_members.csv');
  }
  for (const r of read('therapeutic_class_map.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'therapeutic_class_map.csv');
  }
  for (const r of read('beers_2023_subset.csv')) {
    addIngredient(r.ingredient ?? '', r.rxcui_ingredient ?? '', r.rxcui_status ?? '', r.rxcui_sources ?? '', 'beers_2023_subset.csv');
  }
  const ingredients = {
    notes: 'Ingredient name -> RxCUI (TTY=IN) from all research tables; rxcui only when VERIFIED. Names are lower-case.',
    source: 'shared/knowledge README §0 (CPIC, PharmGKB, PDDI-CDS, Synthea, CDC-MME); per-entry sources list which',
    saltWords: [
      'hydrochloride', 'hcl', 'dihydrochloride', 'sodium', 'potassium', 'calcium', 'magnesium', 'maleate', 'mesylate',
      'succinate', 'tartrate', 'bitartrate', 'besylate', 'citrate', 'sulfate', 'acetate', 'fumarate', 'hyclate',
      'phosphate', 'bromide', 'hydrobromide', 'chloride', 'monohydrate', 'dihydrate', 'trihydrate', 'anhydrous',
      'mononitrate', 'nitrate', 'tosylate', 'malate', 'lactate', 'gluconate', 'oxalate', 'napsylate', 'pamoate',
      'dipropionate', 'propionate', 'disodium', 'trometamol', 'tromethamine', 'salicylate', 'estolate',
      'ethylsuccinate', 'stearate', 'lactobionate', 'xinafoate', 'medoxomil', 'axetil', 'proxetil', 'pivoxil',
    ],
    ingredients: [...ingredientMap.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => {
        const tables = [...e.tables].sort();
        return e.rxcui ? { name: e.name, rxcui: e.rxcui, rxcuiSources: [...e.sources].join('+'), tables } : { name: e.name, tables };
      }),
    multiIngredient: allergy.multiIngredientAllergens.map((m) => ({ rxcui: m.rxcui, ingredients: m.ingredients, source: m.source })),
  };
  return ingredients;
}
