// The one list of knowledge files: each file with the schema it must satisfy. The loader reads, validates and
// checks the version stamp of each in this order; the build script writes them, and the manifest lists them, in
// this order.
import {
  allergySchema,
  beersSchema,
  ddiSchema,
  duplicateTherapySchema,
  ingredientsSchema,
  labRulesSchema,
  labSchema,
  labelInteractionsSchema,
  nonInterruptiveSchema,
  productsSchema,
  renalSchema,
} from './schemas.js';

export const MANIFEST_FILE = 'manifest.json';

export const KNOWLEDGE_TABLES = {
  ddi: { file: 'onc-high-priority-ddi.json', schema: ddiSchema },
  allergy: { file: 'allergy-classes.json', schema: allergySchema },
  renal: { file: 'renal-rules.json', schema: renalSchema },
  labs: { file: 'lab-codes.json', schema: labSchema },
  ingredients: { file: 'ingredients.json', schema: ingredientsSchema },
  labRules: { file: 'patient-view-lab-rules.json', schema: labRulesSchema },
  beers: { file: 'beers-2023.json', schema: beersSchema },
  duplicateTherapy: { file: 'duplicate-therapy.json', schema: duplicateTherapySchema },
  nonInterruptive: { file: 'onc-noninterruptive-ddi.json', schema: nonInterruptiveSchema },
  products: { file: 'rxnorm-products.json', schema: productsSchema },
  labelInteractions: { file: 'label-interactions.json', schema: labelInteractionsSchema },
} as const;

export type KnowledgeTables = typeof KNOWLEDGE_TABLES;
export type KnowledgeTable = keyof KnowledgeTables;
export type KnowledgeFile = KnowledgeTables[KnowledgeTable]['file'];
/** The file names, in manifest order. */
export const KNOWLEDGE_FILES: readonly KnowledgeFile[] = Object.values(KNOWLEDGE_TABLES).map((t) => t.file);
