// Builds the committed knowledge/*.json files from the researched CSV tables.
//
//   npx tsx scripts/build-knowledge.ts ../shared/knowledge
//
// This is the only code that reads the shared research folder; the service and its tests read knowledge/ only.
// Shipping rule: an RxCUI / LOINC / SNOMED code is written as a code ONLY when its status column says VERIFIED.
// Anything else keeps its name (for text matching) and no code. Every entry carries its source.
// One builder per output file in scripts/knowledge/; this driver runs them in order (the ingredient index they
// feed is written last), stamps each file with the knowledge version and writes the manifest.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWLEDGE_FILES, MANIFEST_FILE, type KnowledgeFile } from '../src/knowledge/tables.js';
import { buildAllergyClasses } from './knowledge/allergy-classes.js';
import { buildBeers } from './knowledge/beers-2023.js';
import { buildContext } from './knowledge/context.js';
import { readScriptData, tableReader } from './knowledge/csv.js';
import { buildDuplicateTherapy } from './knowledge/duplicate-therapy.js';
import { buildIngredients } from './knowledge/ingredients.js';
import { buildLabCodes } from './knowledge/lab-codes.js';
import { buildLabelInteractions } from './knowledge/label-interactions.js';
import { buildOncHighPriorityDdi } from './knowledge/onc-high-priority-ddi.js';
import { buildOncNonInterruptiveDdi } from './knowledge/onc-noninterruptive-ddi.js';
import { buildPatientViewLabRules } from './knowledge/patient-view-lab-rules.js';
import { buildRenalRules } from './knowledge/renal-rules.js';
import { buildProducts } from './knowledge/rxnorm-products.js';

const KNOWLEDGE_VERSION = '2026.12.0';

function build(srcDir: string, outDir: string): void {
  const ctx = buildContext(tableReader(srcDir));
  // Order matters: each builder feeds the ingredient index, which ingredients.json is built from.
  const ddi = buildOncHighPriorityDdi(ctx);
  const allergy = buildAllergyClasses(ctx);
  const renal = buildRenalRules(ctx);
  const labCodes = buildLabCodes(ctx, readScriptData('pddi-lab-loinc.csv'));
  const labRules = buildPatientViewLabRules(ctx, labCodes.groups);
  const beers = buildBeers(ctx);
  const duplicateTherapy = buildDuplicateTherapy(ctx);
  const nonInterruptive = buildOncNonInterruptiveDdi(ctx);
  const ingredients = buildIngredients(ctx, allergy);
  const products = buildProducts(
    ctx.read('pddi_rxnorm_products.csv'),
    readScriptData('brand-names.csv'),
    readScriptData('pddi-ugib-snomed.csv'),
  );
  const labelInteractions = buildLabelInteractions(readScriptData('label-interactions.csv'));

  const outputs: Record<KnowledgeFile, unknown> = {
    'onc-high-priority-ddi.json': ddi,
    'allergy-classes.json': allergy,
    'renal-rules.json': renal,
    'lab-codes.json': labCodes,
    'ingredients.json': ingredients,
    'patient-view-lab-rules.json': labRules,
    'beers-2023.json': beers,
    'duplicate-therapy.json': duplicateTherapy,
    'onc-noninterruptive-ddi.json': nonInterruptive,
    'rxnorm-products.json': products,
    'label-interactions.json': labelInteractions,
  };
  mkdirSync(outDir, { recursive: true });
  let changed = false;
  for (const name of KNOWLEDGE_FILES) {
    const stamped = { knowledgeVersion: KNOWLEDGE_VERSION, ...(outputs[name] as Record<string, unknown>) };
    const text = JSON.stringify(stamped, null, 2) + '\n';
    const path = join(outDir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) changed = true;
    writeFileSync(path, text);
  }
  const manifest = {
    name: 'hookwise-knowledge',
    version: KNOWLEDGE_VERSION,
    generated: generatedDate(join(outDir, MANIFEST_FILE), changed),
    builtFrom: 'shared/knowledge/*.csv via scripts/build-knowledge.ts',
    files: KNOWLEDGE_FILES,
  };
  writeFileSync(join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  const counts = {
    ddiPairs: ddi.pairs.length,
    ddiMembers: ddi.pairs.reduce((n, p) => n + (p.object as unknown[]).length + (p.precipitant as unknown[]).length, 0),
    allergyClasses: allergy.classes.length,
    renalRules: renal.rules.length,
    labCodes: Object.values(labCodes.groups).reduce((n, g) => n + g.length, 0),
    ingredients: ingredients.ingredients.length,
    ingredientsWithRxcui: ingredients.ingredients.filter((i) => 'rxcui' in i).length,
    potassiumRaisingDrugs: labRules.potassium.raisingDrugs.length,
    beersEntries: beers.entries.length,
    duplicateClasses: duplicateTherapy.classes.length,
    duplicateClassMembers: duplicateTherapy.classes.reduce((n, c) => n + c.members.length, 0),
    nonInterruptivePairs: nonInterruptive.pairs.length,
    nonInterruptiveMembers: nonInterruptive.pairs.reduce(
      (n, p) => n + (p.object as unknown[]).length + (p.precipitant as unknown[]).length,
      0,
    ),
    nonInterruptiveCardPairs: nonInterruptive.pairs.filter((p) => p.card).length,
    products: products.products.length,
    localProducts: products.products.filter((p) => p.site === 'local').length,
    brands: products.brands.length,
    labelInteractions: labelInteractions.interactions.length,
  };
  process.stdout.write(`knowledge ${KNOWLEDGE_VERSION} written to ${outDir}: ${JSON.stringify(counts)}\n`);
}

/**
 * The manifest's build date: today when any data file changed, else the date already recorded, so that
 * rebuilding from the same tables leaves knowledge/ byte-identical.
 */
function generatedDate(manifestPath: string, changed: boolean): string {
  const today = new Date().toISOString().slice(0, 10);
  if (changed || !existsSync(manifestPath)) return today;
  try {
    const previous = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { generated?: unknown }).generated;
    return typeof previous === 'string' && previous !== '' ? previous : today;
  } catch {
    return today;
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const src = process.argv[2];
  if (!src) {
    process.stderr.write('usage: tsx scripts/build-knowledge.ts <shared/knowledge dir> [out dir]\n');
    process.exit(2);
  }
  const out = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'knowledge');
  build(resolve(src), resolve(out));
}
