// The zod schemas of knowledge/*.json: what each committed file must hold before the service trusts it.
import { z } from 'zod';
import { SUMMARY_MAX } from '../cds-hooks.js';

/** Every data file carries the knowledge version it was built for; it must equal the manifest's. */
const stampedShape = { knowledgeVersion: z.string().min(1) };
const tier = z.enum(['critical', 'warning']);
const indicator = z.enum(['info', 'warning', 'critical']);
const rxcui = z.string().regex(/^\d+$/, 'RxCUI must be digits');
const nonEmpty = z.string().min(1);

export const manifestSchema = z.object({
  name: z.literal('hookwise-knowledge'),
  version: z.string().regex(/^\d{4}\.\d+\.\d+$/, 'version must look like 2026.11.0'),
  generated: nonEmpty,
  files: z.array(nonEmpty).min(1),
});

export const ddiMemberSchema = z.object({
  ingredient: nonEmpty,
  rxcui: rxcui.optional(),
  tier,
  tierReason: z.string().optional(),
  note: z.string().optional(),
});

/** What a pair's card tells the clinician to do, for the ingredients it names (the last entry: any member). */
/** A label's daily dose cap for one drug of a pair ("simvastatin at 20 mg a day or less with amlodipine"). */
export const doseCapSchema = z.object({ ingredient: nonEmpty, mgPerDay: z.number().positive() });

export const ddiActionSchema = z.object({
  object: z.array(nonEmpty).optional(),
  precipitant: z.array(nonEmpty).optional(),
  tier: tier.optional(),
  contraindicated: z.boolean(),
  summary: nonEmpty,
  alternative: z.string().optional(),
  /** The ingredient to order in place of a draft on `side` (ordered by its RxCUI in ingredients.json). */
  alternativeOrder: z.object({ side: z.enum(['object', 'precipitant']), ingredient: nonEmpty }).optional(),
  label: nonEmpty,
  url: z.string().min(1),
  /** The label caps the object's daily dose (a warning-tier action): the card compares the ordered dose with it. */
  doseCap: doseCapSchema.optional(),
});

/** ONC pair 8 (QT): a warning unless a label, the potassium or a one-time dose says otherwise. */
export const qtTieringSchema = z.object({
  defaultTier: tier,
  criticalSummary: nonEmpty,
  singleDoseSummary: nonEmpty,
  labelContraindications: z.array(z.object({ ingredient: nonEmpty, text: nonEmpty, label: nonEmpty, url: z.url() })),
  lowPotassium: nonEmpty,
  anaesthetics: z.array(nonEmpty),
  singleDoseRule: nonEmpty,
  notRead: nonEmpty,
});

export const ddiPairSchema = z.object({
  id: nonEmpty,
  seq: z.number().int().positive(),
  objectClass: nonEmpty,
  precipitantClass: nonEmpty,
  consequence: nonEmpty,
  management: nonEmpty,
  labelBasis: nonEmpty,
  source: nonEmpty,
  membershipNote: z.string().optional(),
  actions: z.array(ddiActionSchema).min(1).optional(),
  qtTiering: qtTieringSchema.optional(),
  object: z.array(ddiMemberSchema).min(1),
  precipitant: z.array(ddiMemberSchema).min(1),
});

export const ddiSchema = z.object({
  ...stampedShape,
  source: z.object({ citation: nonEmpty, doi: nonEmpty, url: z.url() }),
  pairs: z.array(ddiPairSchema).min(1),
});

const codeEntry = z.object({ code: nonEmpty, display: nonEmpty, verification: z.string().optional(), source: z.string().optional() });

export const allergyClassSchema = z.object({
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
  .object({ class: nonEmpty.optional(), ingredient: nonEmpty.optional(), ingredients: z.array(nonEmpty).min(1).optional() })
  .refine(
    (s) => [s.class, s.ingredient, s.ingredients].filter((x) => x !== undefined).length === 1,
    'give exactly one of class / ingredient / ingredients',
  );

export const allergySchema = z.object({
  ...stampedShape,
  source: nonEmpty,
  classes: z.array(allergyClassSchema).min(1),
  multiIngredientAllergens: z.array(z.object({ rxcui, display: nonEmpty, ingredients: z.array(nonEmpty).min(2) })),
  crossSensitivities: z.array(
    z.object({
      id: nonEmpty,
      allergen: sideSchema,
      order: sideSchema,
      /** Tier for an allergy recorded without risk details; `none`: no card. */
      indicator: z.union([indicator, z.literal('none')]),
      /** Tier for an allergy recorded as high risk (anaphylaxis, angioedema, criticality high); default `indicator`. */
      highRiskIndicator: indicator.optional(),
      /** The entry applies only when the allergy records this reaction. */
      reaction: z.literal('angioedema').optional(),
      /** The source (a label) contraindicates the order. */
      contraindicated: z.boolean().optional(),
      /** A safer choice to name on the card. */
      alternative: nonEmpty.optional(),
      rationale: nonEmpty,
      source: nonEmpty,
      url: z.url().optional(),
    }),
  ),
});

export const renalRuleSchema = z.object({
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
  /** The label or guideline the rule cites (DailyMed, FDA, DOI). */
  url: z.url().optional(),
  /** The indication the rule's numbers are for (af: nonvalvular atrial fibrillation; vte: DVT/PE). */
  indication: z.enum(['af', 'vte']).optional(),
  /** The labelled dose an order is compared with: a fixed dose (mg) or a weight-based one (mg/kg). */
  labelDoses: z
    .array(z.object({ use: z.string().optional(), mg: z.number().positive().optional(), mgPerKg: z.number().positive().optional(), dosesPerDay: z.number().positive(), text: nonEmpty }))
    .optional(),
});

export const renalSchema = z.object({ ...stampedShape, source: nonEmpty, rules: z.array(renalRuleSchema).min(1) });

export const labSchema = z.object({
  ...stampedShape,
  system: z.literal('http://loinc.org'),
  groups: z.record(
    z.string(),
    z.array(z.object({ code: z.string().regex(/^\d{1,7}-\d$/, 'not a LOINC code'), display: nonEmpty, unit: z.string(), source: z.string() })),
  ),
});

export const ingredientsSchema = z.object({
  ...stampedShape,
  saltWords: z.array(nonEmpty),
  ingredients: z.array(z.object({ name: nonEmpty, rxcui: rxcui.optional() })).min(1),
  multiIngredient: z.array(z.object({ rxcui, ingredients: z.array(nonEmpty).min(2) })),
});

export const productsSchema = z.object({
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

export const labelInteractionsSchema = z.object({
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
        /** The label caps one side's daily dose: the card compares the ordered dose with it. */
        doseCap: doseCapSchema.optional(),
      }),
    )
    .min(1),
});

const drugRefSchema = z.object({ ingredient: nonEmpty, rxcui: rxcui.optional(), class: z.string().optional() });

export const labRulesSchema = z.object({
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

export const beersEntrySchema = z.object({
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

export const beersSchema = z.object({
  ...stampedShape,
  minimumAge: z.number().int().positive(),
  citation: nonEmpty,
  doi: nonEmpty,
  url: z.url(),
  entries: z.array(beersEntrySchema).min(1),
});

const dupMemberSchema = z.object({ ingredient: nonEmpty, aliases: z.array(nonEmpty).optional(), rxcui: rxcui.optional() });

export const dupClassSchema = z.object({
  id: nonEmpty,
  label: nonEmpty,
  sourceClass: nonEmpty,
  indicator: z.enum(['info', 'warning']),
  rationale: nonEmpty,
  atcGroupReference: z.array(nonEmpty),
  members: z.array(dupMemberSchema).min(1),
  unverifiedMembers: z.array(nonEmpty).optional(),
});

export const duplicateTherapySchema = z.object({
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

export const niPairSchema = z.object({
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
      summary: nonEmpty.max(SUMMARY_MAX),
      note: nonEmpty,
      noteBasis: nonEmpty,
      excludeIngredients: z.array(nonEmpty).optional(),
      excludeWhy: z.string().optional(),
      why: nonEmpty,
    })
    .optional(),
});

export const nonInterruptiveSchema = z.object({
  ...stampedShape,
  source: z.object({ citation: nonEmpty, doi: nonEmpty, url: z.url(), transcription: nonEmpty }),
  pairs: z.array(niPairSchema).min(1),
});
