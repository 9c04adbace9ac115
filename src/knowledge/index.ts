// Typed, validated view over the committed knowledge/*.json files (built by scripts/build-knowledge.ts).
// Loaded once, synchronously, at start-up. Nothing here reads the shared research folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Every data file carries the knowledge version it was built for; it must equal the manifest's. */
const stampedShape = { knowledgeVersion: z.string().min(1) };
const tier = z.enum(['critical', 'warning']);
const indicator = z.enum(['info', 'warning', 'critical']);
const rxcui = z.string().regex(/^\d+$/, 'RxCUI must be digits');
const nonEmpty = z.string().min(1);

const manifestSchema = z.object({
  name: z.literal('hookwise-knowledge'),
  version: z.string().regex(/^\d{4}\.\d+\.\d+$/, 'version must look like 2026.11.0'),
  generated: nonEmpty,
  files: z.array(nonEmpty).min(1),
});

const ddiMemberSchema = z.object({
  ingredient: nonEmpty,
  rxcui: rxcui.optional(),
  tier,
  tierReason: z.string().optional(),
  note: z.string().optional(),
});

const ddiPairSchema = z.object({
  id: nonEmpty,
  seq: z.number().int().positive(),
  objectClass: nonEmpty,
  precipitantClass: nonEmpty,
  consequence: nonEmpty,
  management: nonEmpty,
  labelBasis: nonEmpty,
  source: nonEmpty,
  membershipNote: z.string().optional(),
  object: z.array(ddiMemberSchema).min(1),
  precipitant: z.array(ddiMemberSchema).min(1),
});

const ddiSchema = z.object({
  ...stampedShape,
  source: z.object({ citation: nonEmpty, doi: nonEmpty, url: z.url() }),
  pairs: z.array(ddiPairSchema).min(1),
});

const codeEntry = z.object({ code: nonEmpty, display: nonEmpty, verification: z.string().optional(), source: z.string().optional() });

const allergyClassSchema = z.object({
  id: nonEmpty,
  label: nonEmpty,
  textNames: z.array(nonEmpty),
  sameClassIndicator: indicator.optional(),
  rationale: nonEmpty,
  source: nonEmpty,
  members: z.array(z.object({ ingredient: nonEmpty, rxcui: rxcui.optional(), note: z.string().optional() })).min(1),
  snomedCodes: z.array(codeEntry),
  unverifiedSnomedCodes: z.array(codeEntry),
});

const sideSchema = z
  .object({ class: nonEmpty.optional(), ingredient: nonEmpty.optional() })
  .refine((s) => (s.class === undefined) !== (s.ingredient === undefined), 'give exactly one of class / ingredient');

const allergySchema = z.object({
  ...stampedShape,
  source: nonEmpty,
  classes: z.array(allergyClassSchema).min(1),
  multiIngredientAllergens: z.array(z.object({ rxcui, display: nonEmpty, ingredients: z.array(nonEmpty).min(2) })),
  crossSensitivities: z.array(
    z.object({ id: nonEmpty, allergen: sideSchema, order: sideSchema, indicator, rationale: nonEmpty, source: nonEmpty }),
  ),
});

const renalRuleSchema = z.object({
  id: nonEmpty,
  drug: nonEmpty,
  rxcui: rxcui.optional(),
  measure: nonEmpty,
  comparator: nonEmpty,
  thresholdLow: z.number().optional(),
  thresholdHigh: z.number().optional(),
  units: z.string(),
  population: z.string(),
  action: nonEmpty,
  actionDetail: z.string(),
  indicator,
  source: nonEmpty,
});

const renalSchema = z.object({ ...stampedShape, source: nonEmpty, rules: z.array(renalRuleSchema).min(1) });

const labSchema = z.object({
  ...stampedShape,
  system: z.literal('http://loinc.org'),
  groups: z.record(
    z.string(),
    z.array(z.object({ code: z.string().regex(/^\d{1,7}-\d$/, 'not a LOINC code'), display: nonEmpty, unit: z.string(), source: z.string() })),
  ),
});

const ingredientsSchema = z.object({
  ...stampedShape,
  saltWords: z.array(nonEmpty),
  ingredients: z.array(z.object({ name: nonEmpty, rxcui: rxcui.optional() })).min(1),
  multiIngredient: z.array(z.object({ rxcui, ingredients: z.array(nonEmpty).min(2) })),
});

const productsSchema = z.object({
  ...stampedShape,
  source: nonEmpty,
  products: z
    .array(
      z.object({
        rxcui,
        display: nonEmpty,
        ingredients: z.array(nonEmpty).min(1),
        site: z.enum(['systemic', 'local']),
        form: nonEmpty.optional(),
      }),
    )
    .min(1),
  brands: z.array(z.object({ name: nonEmpty, ingredients: z.array(nonEmpty).min(1), source: nonEmpty, site: z.literal('local').optional() })),
  /** The HL7 PDDI-CDS class sets by ingredient: NSAIDS, PPIS, SCS, AAS, LOOPDIURETIC and single-drug sets. */
  pddiClasses: z.record(z.string(), z.array(nonEmpty).min(1)),
  /** RxCUIs of the guide's topical diclofenac set (gel, cream, solution). */
  topicalDiclofenac: z.array(rxcui).min(1),
  /** SNOMED CT codes of a history of upper GI bleeding or peptic ulcer (valueset-Hx-UGIB-snomed). */
  ugibSnomed: z.array(z.string().regex(/^\d+$/)).min(1),
});

const labelInteractionsSchema = z.object({
  ...stampedShape,
  source: nonEmpty,
  interactions: z
    .array(
      z.object({
        id: nonEmpty,
        a: z.array(nonEmpty).min(1),
        b: z.array(nonEmpty).min(1),
        indicator,
        summary: nonEmpty,
        management: nonEmpty,
        mechanism: nonEmpty,
        source: nonEmpty,
        url: z.url(),
        /** Override reasons that fit the card (keys of OVERRIDES in src/rules/cards.ts). */
        overrides: z.array(z.enum(['benefitOutweighsRisk', 'doseAdjusted', 'notTaking', 'alreadyAddressed'])).min(1),
        /** A safer alternative the label names: offered when the draft is on `side`. */
        alternative: z.object({ side: z.enum(['a', 'b']), rxcui, display: nonEmpty, dosage: nonEmpty }).optional(),
      }),
    )
    .min(1),
});

const drugRefSchema = z.object({ ingredient: nonEmpty, rxcui: rxcui.optional(), class: z.string().optional() });

const labRulesSchema = z.object({
  ...stampedShape,
  potassium: z.object({
    labGroup: nonEmpty,
    lookbackDays: z.number().int().positive(),
    acceptedUnits: z.array(nonEmpty).min(1),
    criticalLow: z.number(),
    criticalHigh: z.number(),
    high: z.number(),
    criticalSource: nonEmpty,
    criticalVerification: nonEmpty,
    highSource: nonEmpty,
    highRule: nonEmpty,
    warningHigh: z.number(),
    warningHighSource: nonEmpty,
    low: z.number(),
    lowSource: nonEmpty,
    lowDrugs: z.array(drugRefSchema.extend({ class: nonEmpty })),
    /** The ONC pair whose members are the QT-prolonging drugs that a low potassium makes riskier. */
    lowDrugsQtPair: nonEmpty,
    raisingDrugs: z.array(drugRefSchema.extend({ class: nonEmpty })),
  }),
  warfarinInr: z.object({
    drug: drugRefSchema,
    lookbackDays: z.number().int().positive(),
    textNames: z.array(nonEmpty).min(1),
    excludeWords: z.array(nonEmpty),
    acceptedUnits: z.array(z.string()).min(1),
    targetLow: z.number(),
    targetHigh: z.number(),
    targetSource: nonEmpty,
    targetVerification: nonEmpty,
    critical: z.number(),
    criticalSource: nonEmpty,
    criticalVerification: nonEmpty,
    vitaminKNote: nonEmpty,
  }),
});

const beersEntrySchema = z.object({
  criterion: nonEmpty,
  ingredient: nonEmpty,
  aliases: z.array(nonEmpty).optional(),
  rxcui: rxcui.optional(),
  recommendation: nonEmpty,
  exception: z.string().optional(),
  table: nonEmpty,
  /** The criterion is about starting the drug: only a start within this many days counts (warfarin). */
  newStartDays: z.number().int().positive().optional(),
  newStartNote: z.string().optional(),
  criterionVerification: z.string().regex(/^(criterion\s+)?VERIFIED\b/, 'only VERIFIED Beers criteria may be shipped'),
});

const beersSchema = z.object({
  ...stampedShape,
  minimumAge: z.number().int().positive(),
  citation: nonEmpty,
  doi: nonEmpty,
  url: z.url(),
  entries: z.array(beersEntrySchema).min(1),
});

const dupMemberSchema = z.object({ ingredient: nonEmpty, aliases: z.array(nonEmpty).optional(), rxcui: rxcui.optional() });

const dupClassSchema = z.object({
  id: nonEmpty,
  label: nonEmpty,
  sourceClass: nonEmpty,
  indicator: z.enum(['info', 'warning']),
  rationale: nonEmpty,
  atcGroupReference: z.array(nonEmpty),
  members: z.array(dupMemberSchema).min(1),
  unverifiedMembers: z.array(nonEmpty).optional(),
});

const duplicateTherapySchema = z.object({
  ...stampedShape,
  source: nonEmpty,
  classes: z.array(dupClassSchema).min(1),
  dualRaas: z.object({
    id: nonEmpty,
    classes: z.tuple([nonEmpty, nonEmpty]),
    indicator,
    consequence: nonEmpty,
    management: nonEmpty,
    evidence: nonEmpty,
    evidenceVerification: nonEmpty,
    nonInterruptiveNote: nonEmpty,
  }),
});

const niMemberSchema = z.object({ ingredient: nonEmpty, rxcui });

const niPairSchema = z.object({
  id: nonEmpty,
  seq: z.number().int().positive(),
  name: nonEmpty,
  objectClass: nonEmpty,
  precipitantClass: nonEmpty,
  object: z.array(niMemberSchema),
  precipitant: z.array(niMemberSchema),
  membersNotShipped: z.number().int().nonnegative(),
  classOnly: z.array(nonEmpty).optional(),
  card: z
    .object({
      indicator: z.literal('info'),
      summary: nonEmpty.max(139),
      note: nonEmpty,
      noteBasis: nonEmpty,
      excludeIngredients: z.array(nonEmpty).optional(),
      excludeWhy: z.string().optional(),
      why: nonEmpty,
    })
    .optional(),
});

const nonInterruptiveSchema = z.object({
  ...stampedShape,
  source: z.object({ citation: nonEmpty, doi: nonEmpty, url: z.url(), transcription: nonEmpty }),
  pairs: z.array(niPairSchema).min(1),
});

export type DuplicateClass = z.infer<typeof dupClassSchema>;
export type DualRaasRule = z.infer<typeof duplicateTherapySchema>['dualRaas'];
export type NonInterruptivePair = z.infer<typeof niPairSchema>;
export type DdiMember = z.infer<typeof ddiMemberSchema>;
export type DdiPair = z.infer<typeof ddiPairSchema>;
export type AllergyClass = z.infer<typeof allergyClassSchema>;
export type CrossSensitivity = z.infer<typeof allergySchema>['crossSensitivities'][number];
export type RenalRule = z.infer<typeof renalRuleSchema>;
export type LabRules = Omit<z.infer<typeof labRulesSchema>, 'knowledgeVersion'>;
export type PotassiumRule = LabRules['potassium'];
export type WarfarinInrRule = LabRules['warfarinInr'];
export type BeersEntry = z.infer<typeof beersEntrySchema>;
export type BeersCriteria = Omit<z.infer<typeof beersSchema>, 'knowledgeVersion'>;
export interface LabCode {
  code: string;
  display: string;
  unit: string;
}
export interface Ingredient {
  name: string;
  rxcui?: string;
}
/** One interaction pair from an FDA label or safety communication (label-interactions.json). */
export type LabelInteraction = z.infer<typeof labelInteractionsSchema>['interactions'][number];
/** An RxNorm product, pack or brand concept (PDDI-CDS value sets): its ingredients and where it acts. */
export type Product = z.infer<typeof productsSchema>['products'][number];

export interface Knowledge {
  /** The knowledge version every card cites, e.g. "2026.11.0". */
  version: string;
  generated: string;
  ddi: {
    citation: string;
    doi: string;
    url: string;
    pairs: DdiPair[];
  };
  allergy: {
    source: string;
    classes: AllergyClass[];
    crossSensitivities: CrossSensitivity[];
  };
  renal: { source: string; rules: RenalRule[] };
  /** patient-view lab rules: critical potassium, warfarin and INR (patient-view-lab-rules.json). */
  labRules: LabRules;
  /** AGS Beers Criteria 2023, VERIFIED criteria only (beers-2023.json). */
  beers: BeersCriteria;
  /** Therapeutic classes for duplicate therapy and the dual RAAS rule (duplicate-therapy.json). */
  duplicateTherapy: { source: string; classes: DuplicateClass[]; dualRaas: DualRaasRule };
  /** ONC non-interruptive DDI list (Phansalkar 2013); cards only for pairs with `card` (onc-noninterruptive-ddi.json). */
  nonInterruptive: { citation: string; doi: string; url: string; pairs: NonInterruptivePair[] };
  labs: {
    system: 'http://loinc.org';
    groups: Record<string, LabCode[]>;
  };
  ingredients: {
    list: Ingredient[];
    /** RxCUI (verified ingredient or multi-ingredient allergen code) -> ingredient names. */
    byRxcui: ReadonlyMap<string, readonly string[]>;
    /** Normalised ingredient name -> ingredient. */
    byName: ReadonlyMap<string, Ingredient>;
    saltWords: ReadonlySet<string>;
  };
  /** Interaction pairs from FDA labels and safety communications (label-interactions.json). */
  labelInteractions: LabelInteraction[];
  /** RxNorm product/brand codes → ingredients and dose site; brand names → ingredients (rxnorm-products.json). */
  products: {
    byRxcui: ReadonlyMap<string, Product>;
    /** Normalised brand name ("zocor", "advil pm") → ingredient names. */
    brands: ReadonlyMap<string, readonly string[]>;
    /** Brands whose every product is local (eye, ear, nose, skin): Acular, Restasis, Nizoral. */
    localBrands: ReadonlySet<string>;
    /** HL7 PDDI-CDS class sets (NSAIDS, PPIS, SCS, AAS, …) → ingredient names. */
    pddiClasses: Readonly<Record<string, ReadonlySet<string>>>;
    topicalDiclofenac: ReadonlySet<string>;
    ugibSnomed: ReadonlySet<string>;
  };
}

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
  const manifest = readJson(dir, 'manifest.json', manifestSchema);
  const required = [
    'onc-high-priority-ddi.json',
    'allergy-classes.json',
    'renal-rules.json',
    'lab-codes.json',
    'ingredients.json',
    'patient-view-lab-rules.json',
    'beers-2023.json',
    'duplicate-therapy.json',
    'onc-noninterruptive-ddi.json',
    'rxnorm-products.json',
    'label-interactions.json',
  ];
  for (const f of required) {
    if (!manifest.files.includes(f)) throw new KnowledgeError('manifest.json', `does not list ${f}`);
  }
  const ddi = readJson(dir, 'onc-high-priority-ddi.json', ddiSchema);
  const allergy = readJson(dir, 'allergy-classes.json', allergySchema);
  const renal = readJson(dir, 'renal-rules.json', renalSchema);
  const labs = readJson(dir, 'lab-codes.json', labSchema);
  const ing = readJson(dir, 'ingredients.json', ingredientsSchema);
  const labRules = readJson(dir, 'patient-view-lab-rules.json', labRulesSchema);
  const beers = readJson(dir, 'beers-2023.json', beersSchema);
  const duplicateTherapy = readJson(dir, 'duplicate-therapy.json', duplicateTherapySchema);
  const nonInterruptive = readJson(dir, 'onc-noninterruptive-ddi.json', nonInterruptiveSchema);
  const products = readJson(dir, 'rxnorm-products.json', productsSchema);
  const labelInteractions = readJson(dir, 'label-interactions.json', labelInteractionsSchema);
  const stampedFiles: Array<[string, { knowledgeVersion: string }]> = [
    ['onc-high-priority-ddi.json', ddi],
    ['allergy-classes.json', allergy],
    ['renal-rules.json', renal],
    ['lab-codes.json', labs],
    ['ingredients.json', ing],
    ['patient-view-lab-rules.json', labRules],
    ['beers-2023.json', beers],
    ['duplicate-therapy.json', duplicateTherapy],
    ['onc-noninterruptive-ddi.json', nonInterruptive],
    ['rxnorm-products.json', products],
    ['label-interactions.json', labelInteractions],
  ];
  for (const [file, content] of stampedFiles) {
    if (content.knowledgeVersion !== manifest.version) {
      throw new KnowledgeError(file, `was built for knowledge ${content.knowledgeVersion}, manifest says ${manifest.version}`);
    }
  }
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
  for (const id of duplicateTherapy.dualRaas.classes) {
    if (!duplicateTherapy.classes.some((c) => c.id === id)) {
      throw new KnowledgeError('duplicate-therapy.json', `dualRaas names unknown class ${id}`);
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
  for (const c of allergy.crossSensitivities) {
    for (const side of [c.allergen, c.order]) {
      if (side.class && !allergy.classes.some((k) => k.id === side.class || k.label === side.class)) {
        throw new KnowledgeError('allergy-classes.json', `cross-sensitivity ${c.id} names unknown class ${side.class}`);
      }
    }
  }

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

/** LOINC codes of one lab group (e.g. "egfr"); empty when the group is absent. */
export function labCodes(knowledge: Knowledge, group: string): Set<string> {
  return new Set((knowledge.labs.groups[group] ?? []).map((c) => c.code));
}
