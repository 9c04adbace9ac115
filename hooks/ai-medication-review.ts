import { defineService, type DecisionInput, type HookModule, type ProposeContext } from '../src/cds/hook-module.js';
import type { Card, PatientViewContext } from '../src/cds/types.js';
import { aiMedicationReviewPrefetch } from '../prefetch/ai-medication-review.js';

export const AI_SERVICE_ID = 'ai-medication-review';

/** What the module needs of the review engine (src/ai/review.ts). */
export interface ProposalSource {
  readonly model: string;
  propose(input: DecisionInput<PatientViewContext>, context: ProposeContext): Promise<Card[]>;
}

/**
 * The AI medication review on chart open. It decides nothing itself (`decide` is empty and pure); its cards come
 * from the model through `propose`, within what is left of the hook's deadline, validated and grounded. Offered
 * only when AI_BASE_URL is set.
 */
export function aiMedicationReview(source: ProposalSource): HookModule {
  return defineService({
    id: AI_SERVICE_ID,
    hook: 'patient-view',
    title: 'hookwise AI medication review (AI-generated, to be verified)',
    description:
      `A language model (${source.model}) reviews the active medications against the coded conditions, allergies and ` +
      'recent labs for problems the rules do not cover: a drug without an indication, a likely prescribing cascade, a ' +
      'drug to reconsider given a lab, a duplicate. It sees de-identified facts only (age, sex, coded drugs, conditions ' +
      'and labs; no names, identifiers or dates). At most 3 cards, info or warning, each labelled AI-generated and ' +
      'citing its evidence; findings the rule services already cover are left to them. Answers no cards when the ' +
      'model is slow, failing or switched off.',
    prefetch: aiMedicationReviewPrefetch,
    decide: () => [],
    propose: (input, context) => source.propose(input, context),
  });
}
