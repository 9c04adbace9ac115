// What the CDS Hooks 2.0 specification fixes for every card (https://cds-hooks.hl7.org/2.0/#card-attributes):
// the indicator values and their order of urgency, and the summary length. No dependencies: rules, the card
// pipeline, the ledger, the AI output schema and the knowledge schemas all read these from here.

/** Urgency of a card. */
export type Indicator = 'info' | 'warning' | 'critical';

/** The indicators from least to most urgent. */
export const INDICATORS: readonly Indicator[] = ['info', 'warning', 'critical'];

/** Urgency rank (info 0, warning 1, critical 2); also the tier stored in the ledger. */
export const INDICATOR_RANK: Readonly<Record<Indicator, number>> = { info: 0, warning: 1, critical: 2 };

export function indicatorRank(i: Indicator): number {
  return INDICATOR_RANK[i];
}

/** The more urgent of two indicators. */
export function maxIndicator(a: Indicator, b: Indicator): Indicator {
  return INDICATOR_RANK[a] >= INDICATOR_RANK[b] ? a : b;
}

/** The summary "SHOULD be < 140 characters": the longest summary hookwise sends. */
export const SUMMARY_MAX = 139;
