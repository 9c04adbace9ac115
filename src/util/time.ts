// Durations the rules and readers count in: one home for the length of a day.

/** Milliseconds in a day (24 h; look-back windows are counted in such days, not calendar days). */
export const DAY_MS = 86_400_000;
