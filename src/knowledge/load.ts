// Loads knowledge/*.json (built by scripts/build-knowledge.ts) once, synchronously, at start-up: reads and
// validates every file of KNOWLEDGE_TABLES, checks their version stamps, cross-checks the tables and builds the
// lookup indexes. Nothing here reads the shared research folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { manifestSchema } from './schemas.js';
import { KNOWLEDGE_TABLES, MANIFEST_FILE, type KnowledgeTable, type KnowledgeTables } from './tables.js';
import type { Ingredient, Knowledge } from './types.js';

type LoadedTables = { [K in KnowledgeTable]: z.infer<KnowledgeTables[K]['schema']> };

export class KnowledgeError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`knowledge file ${file}: ${problem}`);
    this.name = 'KnowledgeError';
  }
}

/** The repository root: the nearest directory above this module that holds package.json. */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${from}`);
    dir = parent;
  }
}

export function defaultKnowledgeDir(): string {
  return join(findPackageRoot(), 'knowledge');
}

function readJson<T>(dir: string, file: string, schema: z.ZodType<T>): T {
  const path = join(dir, file);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KnowledgeError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new KnowledgeError(file, `is not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new KnowledgeError(file, `is invalid${where}: ${issue?.message ?? 'schema mismatch'}`);
  }
  return parsed.data;
}

/** Load and validate knowledge/*.json. Throws a KnowledgeError naming the file and the problem. */
export function loadKnowledge(dir: string = defaultKnowledgeDir()): Knowledge {
  const manifest = readJson(dir, MANIFEST_FILE, manifestSchema);
  const tables = Object.entries(KNOWLEDGE_TABLES) as Array<[KnowledgeTable, KnowledgeTables[KnowledgeTable]]>;
  for (const [, t] of tables) {
    if (!manifest.files.includes(t.file)) throw new KnowledgeError(MANIFEST_FILE, `does not list ${t.file}`);
  }
  const raw = {} as Record<KnowledgeTable, { knowledgeVersion: string }>;
  for (const [key, t] of tables) raw[key] = readJson<{ knowledgeVersion: string }>(dir, t.file, t.schema);
  for (const [key, t] of tables) {
    const stamp = raw[key].knowledgeVersion;
    if (stamp !== manifest.version) {
      throw new KnowledgeError(t.file, `was built for knowledge ${stamp}, manifest says ${manifest.version}`);
    }
  }
  const t = raw as unknown as LoadedTables;
  crossCheck(t);
  const { byName, byRxcui } = indexIngredients(t);
  const { ddi, allergy, renal, labs, ingredients: ing, labRules, beers, duplicateTherapy, nonInterruptive, products, labelInteractions } = t;

  return {
    version: manifest.version,
    generated: manifest.generated,
    ddi: { citation: ddi.source.citation, doi: ddi.source.doi, url: ddi.source.url, pairs: ddi.pairs },
    allergy: { source: allergy.source, classes: allergy.classes, crossSensitivities: allergy.crossSensitivities },
    renal,
    labRules: { potassium: labRules.potassium, warfarinInr: labRules.warfarinInr },
    beers: { minimumAge: beers.minimumAge, citation: beers.citation, doi: beers.doi, url: beers.url, entries: beers.entries },
    duplicateTherapy: { source: duplicateTherapy.source, classes: duplicateTherapy.classes, dualRaas: duplicateTherapy.dualRaas },
    nonInterruptive: { citation: nonInterruptive.source.citation, doi: nonInterruptive.source.doi, url: nonInterruptive.source.url, pairs: nonInterruptive.pairs },
    labs: { system: labs.system, groups: labs.groups },
    ingredients: {
      list: [...byName.values()],
      byRxcui,
      byName,
      saltWords: new Set(ing.saltWords.map((s) => s.toLowerCase())),
    },
    labelInteractions: labelInteractions.interactions,
    products: {
      byRxcui: new Map(products.products.map((p) => [p.rxcui, p])),
      brands: new Map(products.brands.map((b) => [b.name, b.ingredients])),
      localBrands: new Set(products.brands.filter((b) => b.site === 'local').map((b) => b.name)),
      pddiClasses: Object.fromEntries(Object.entries(products.pddiClasses).map(([k, v]) => [k, new Set(v)])),
      topicalDiclofenac: new Set(products.topicalDiclofenac),
      ugibSnomed: new Set(products.ugibSnomed),
    },
  };
}

/** References between tables that the schemas cannot see: every name one table gives another must exist there. */
function crossCheck({ ddi, allergy, labs, labRules, duplicateTherapy, products }: LoadedTables): void {
  if (!labs.groups.egfr || labs.groups.egfr.length === 0) throw new KnowledgeError('lab-codes.json', 'has no egfr codes');
  for (const cls of ['NSAIDS', 'PPIS', 'SCS', 'AAS', 'misoprostol', 'warfarin']) {
    if (!products.pddiClasses[cls]) throw new KnowledgeError('rxnorm-products.json', `lacks the PDDI-CDS class set ${cls}`);
  }
  if (!ddi.pairs.some((p) => p.id === labRules.potassium.lowDrugsQtPair)) {
    throw new KnowledgeError('patient-view-lab-rules.json', `names DDI pair ${labRules.potassium.lowDrugsQtPair}, which onc-high-priority-ddi.json lacks`);
  }
  if (!labs.groups[labRules.potassium.labGroup]?.length) {
    throw new KnowledgeError('patient-view-lab-rules.json', `names lab group ${labRules.potassium.labGroup}, which lab-codes.json lacks`);
  }
  for (const id of duplicateTherapy.dualRaas.classes) {
    if (!duplicateTherapy.classes.some((c) => c.id === id)) {
      throw new KnowledgeError('duplicate-therapy.json', `dualRaas names unknown class ${id}`);
    }
  }
  for (const c of allergy.crossSensitivities) {
    for (const side of [c.allergen, c.order]) {
      if (side.class && !allergy.classes.some((k) => k.id === side.class || k.label === side.class)) {
        throw new KnowledgeError('allergy-classes.json', `cross-sensitivity ${c.id} names unknown class ${side.class}`);
      }
    }
  }
}

/** Ingredient name → ingredient, and RxCUI → ingredient names, from the ingredient table and every rule table. */
function indexIngredients(tables: LoadedTables): { byName: Map<string, Ingredient>; byRxcui: Map<string, string[]> } {
  const { ddi, allergy, ingredients: ing, labRules, beers, duplicateTherapy, nonInterruptive, products, labelInteractions } = tables;
  const byName = new Map<string, Ingredient>();
  const byRxcui = new Map<string, string[]>();
  const add = (name: string, code?: string): void => {
    const key = name.toLowerCase();
    const existing = byName.get(key);
    if (!existing) byName.set(key, code ? { name: key, rxcui: code } : { name: key });
    else if (code && !existing.rxcui) existing.rxcui = code;
    if (code) {
      const names = byRxcui.get(code) ?? [];
      if (!names.includes(key)) names.push(key);
      byRxcui.set(code, names);
    }
  };
  for (const i of ing.ingredients) add(i.name, i.rxcui);
  // Names used by the rule tables must be resolvable even if a table lists one the index lacks.
  for (const p of ddi.pairs) for (const m of [...p.object, ...p.precipitant]) add(m.ingredient, m.rxcui);
  for (const c of allergy.classes) for (const m of c.members) add(m.ingredient, m.rxcui);
  for (const d of [...labRules.potassium.raisingDrugs, labRules.warfarinInr.drug]) add(d.ingredient, d.rxcui);
  for (const e of beers.entries) {
    add(e.ingredient, e.rxcui);
    for (const a of e.aliases ?? []) add(a, e.rxcui);
  }
  for (const c of duplicateTherapy.classes) {
    for (const m of c.members) {
      add(m.ingredient, m.rxcui);
      for (const a of m.aliases ?? []) add(a, m.rxcui);
    }
  }
  for (const p of nonInterruptive.pairs) for (const m of [...p.object, ...p.precipitant]) add(m.ingredient, m.rxcui);
  // The product table's ingredients are RxNorm ingredient names too (acetaminophen, misoprostol, cyclosporine, …):
  // known by name, so free text and RxNorm names find them. A salt word is never an ingredient of its own.
  const salts = new Set(ing.saltWords.map((s) => s.toLowerCase()));
  for (const p of products.products) for (const name of p.ingredients) if (!salts.has(name)) add(name);
  for (const x of labelInteractions.interactions) for (const name of [...x.a, ...x.b]) add(name);
  for (const m of ing.multiIngredient) {
    if (!byRxcui.has(m.rxcui)) byRxcui.set(m.rxcui, m.ingredients.map((n) => n.toLowerCase()));
  }
  return { byName, byRxcui };
}

const labCodeCache = new WeakMap<Knowledge, Map<string, ReadonlySet<string>>>();

/** LOINC codes of one lab group (e.g. "egfr"); empty when the group is absent. One set per knowledge and group. */
export function labCodes(knowledge: Knowledge, group: string): ReadonlySet<string> {
  let byGroup = labCodeCache.get(knowledge);
  if (!byGroup) labCodeCache.set(knowledge, (byGroup = new Map()));
  let codes = byGroup.get(group);
  if (!codes) byGroup.set(group, (codes = new Set((knowledge.labs.groups[group] ?? []).map((c) => c.code))));
  return codes;
}
