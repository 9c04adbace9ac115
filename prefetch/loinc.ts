// LOINC codes the templates search for, kept equal to knowledge/lab-codes.json (a test checks it).
// eGFR: only codes marked VERIFIED in the researched table. CKD-EPI 2021 (98979-8) is PARTIAL there and is
// therefore not searched for yet (README, "Not covered").
export const EGFR_LOINC = ['33914-3', '48642-3', '48643-1', '50044-7', '62238-1', '88293-6', '88294-4'] as const;

export function loincParam(codes: readonly string[]): string {
  return codes.map((c) => `http://loinc.org|${c}`).join(',');
}
