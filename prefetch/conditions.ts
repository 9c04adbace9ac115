// Conditions the order rules read: a history of upper GI bleeding or peptic ulcer (HL7 PDDI-CDS
// valueset-Hx-UGIB-snomed, 24 SNOMED CT codes, read from the shipped knowledge), for warfarin + NSAIDs. The search
// names those codes only: the minimum necessary, not the whole problem list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrefetchKeySpec } from '../src/cds/hook-module.js';
import { defaultKnowledgeDir } from '../src/knowledge/index.js';

const { ugibSnomed } = JSON.parse(readFileSync(join(defaultKnowledgeDir(), 'rxnorm-products.json'), 'utf8')) as {
  ugibSnomed: string[];
};

export const giBleedHistory: PrefetchKeySpec = {
  template: `Condition?patient={{context.patientId}}&code=${ugibSnomed.map((c) => `http://snomed.info/sct|${c}`).join(',')}`,
  required: false,
  purpose: 'a recorded history of upper GI bleeding or peptic ulcer, for warfarin with an NSAID',
};
