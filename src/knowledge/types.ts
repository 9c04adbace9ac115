// The typed view of the knowledge files that rules and readers use (rows inferred from src/knowledge/schemas.ts).
import type { z } from 'zod';
import type { allergyClassSchema, allergySchema, beersEntrySchema, beersSchema, ddiActionSchema, ddiMemberSchema, ddiPairSchema, dupClassSchema, duplicateTherapySchema, labRulesSchema, labelInteractionsSchema, niPairSchema, productsSchema, qtTieringSchema, renalRuleSchema } from './schemas.js';

export type DuplicateClass = z.infer<typeof dupClassSchema>;
export type DualRaasRule = z.infer<typeof duplicateTherapySchema>['dualRaas'];
export type NonInterruptivePair = z.infer<typeof niPairSchema>;
export type DdiMember = z.infer<typeof ddiMemberSchema>;
export type DdiPair = z.infer<typeof ddiPairSchema>;
export type DdiAction = z.infer<typeof ddiActionSchema>;
export type QtTiering = z.infer<typeof qtTieringSchema>;
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
