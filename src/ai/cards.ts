// Grounded findings as CDS Hooks cards, labelled AI on their face: the source names hookwise's AI review and the
// model, the detail says the text is AI-generated and must be verified and lists the evidence it cites, and the
// card's extension carries the model, prompt version and confidence. The one suggestion saves the review as a
// preliminary DocumentReference, which the EHR writes when the clinician accepts it (hookwise needs no write scope).
import type { DocumentReference } from 'fhir/r4.js';
import type { Card, Coding, Indicator } from '../cds/types.js';
import { OVERRIDE_SYSTEM, TOPIC_SYSTEM, md, summary as cardSummary } from '../rules/cards.js';
import type { HandleFact } from './deidentify.js';
import type { GroundedFinding } from './ground.js';
import type { Category, SuggestionCode } from './output.js';

export const AI_EXTENSION_URL = 'https://hookwise.dev/cds/extension/ai-review';
export const AI_GENERATED_EXTENSION_URL = 'https://hookwise.dev/fhir/StructureDefinition/ai-generated';
/** LOINC 11506-3 "Progress note" (C-CDA on FHIR ProgressNoteDocumentTypeCode value set). */
export const NOTE_TYPE: Coding = { system: 'http://loinc.org', code: '11506-3', display: 'Progress note' };

const CATEGORY_TEXT: Record<Category, string> = {
  'drug-without-indication': 'Medication without a documented indication',
  'prescribing-cascade': 'Possible prescribing cascade',
  'reconsider-given-lab': 'Medication to reconsider given a laboratory result',
  'duplicate-therapy': 'Possible duplicate therapy',
};

const SUGGESTION_TEXT: Record<SuggestionCode, string> = {
  'review-need': 'review whether the medication is still needed',
  'consider-deprescribing': 'consider deprescribing',
  'monitor-lab': 'monitor the laboratory value',
  'consider-dose-change': 'consider a dose change',
};

const override = (code: string, display: string): Coding => ({ system: OVERRIDE_SYSTEM, code, display });
export const AI_OVERRIDE_REASONS: Coding[] = [
  override('ai-incorrect', 'The AI finding is incorrect'),
  override('ai-not-relevant', 'Not relevant for this patient'),
  override('ai-already-addressed', 'Already addressed'),
];

export interface AiCardContext {
  model: string;
  promptRef: string;
  handles: ReadonlyMap<string, HandleFact>;
  patientId: string;
  now: Date;
}

/** A lab-driven finding may be a warning; nothing the model says is ever critical. */
function indicatorOf(f: GroundedFinding): Exclude<Indicator, 'critical'> {
  return f.category === 'reconsider-given-lab' && f.confidence >= 0.85 ? 'warning' : 'info';
}

function evidenceLines(f: GroundedFinding, handles: ReadonlyMap<string, HandleFact>): string[] {
  return f.evidence.map((h) => handles.get(h)!.label);
}

function noteText(f: GroundedFinding, ctx: AiCardContext): string {
  return [
    'AI-generated medication review finding (draft; not verified by a clinician).',
    `${CATEGORY_TEXT[f.category]}: ${f.summary}`,
    f.detail,
    `Evidence: ${evidenceLines(f, ctx.handles).join('; ')}.`,
    `Model: ${ctx.model}; prompt: ${ctx.promptRef}; confidence ${f.confidence.toFixed(2)}; generated ${ctx.now.toISOString()}.`,
  ].join('\n');
}

function draftNote(f: GroundedFinding, ctx: AiCardContext): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'preliminary',
    type: { coding: [NOTE_TYPE] },
    subject: { reference: `Patient/${ctx.patientId}` },
    date: ctx.now.toISOString(),
    description: 'AI medication review (draft, to be verified)',
    extension: [{ url: AI_GENERATED_EXTENSION_URL, valueBoolean: true }],
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'en',
          title: 'AI medication review',
          data: Buffer.from(noteText(f, ctx), 'utf8').toString('base64'),
        },
      },
    ],
  };
}

export function aiCard(f: GroundedFinding, ctx: AiCardContext): Card {
  const detail = [
    '**AI-generated: verify before acting.** This finding was written by a language model from the medication ' +
      'list, conditions, allergies and recent labs; it can be wrong.',
    `**${CATEGORY_TEXT[f.category]}.** ${md(f.detail)}`,
    ...(f.suggestion ? [`Suggested: ${SUGGESTION_TEXT[f.suggestion]}.`] : []),
    `Evidence cited:\n${evidenceLines(f, ctx.handles)
      .map((l) => `- ${md(l)}`)
      .join('\n')}`,
    `Model ${md(ctx.model)}, prompt ${md(ctx.promptRef)}, confidence ${f.confidence.toFixed(2)}.`,
  ].join('\n\n');
  return {
    finding: { key: `ai-${f.category}:${f.drugs.join('+')}` },
    summary: cardSummary(`AI review: ${f.summary}`),
    detail,
    indicator: indicatorOf(f),
    source: {
      label: `hookwise AI medication review (model ${ctx.model})`,
      topic: { system: TOPIC_SYSTEM, code: 'ai-medication-review', display: 'AI medication review' },
    },
    overrideReasons: AI_OVERRIDE_REASONS,
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Save as draft note',
        actions: [
          {
            type: 'create',
            description: 'Save this AI finding as a preliminary note for review',
            resource: draftNote(f, ctx),
          },
        ],
      },
    ],
    extension: {
      [AI_EXTENSION_URL]: {
        aiGenerated: true,
        model: ctx.model,
        promptVersion: ctx.promptRef,
        confidence: f.confidence,
        category: f.category,
      },
    },
  };
}
