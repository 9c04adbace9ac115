// Why a drug is ordered, as far as the renal dose rules need it: nonvalvular atrial fibrillation (af) or a venous
// thromboembolism indication (vte: DVT/PE treatment, prophylaxis, recurrence), and whether an anticoagulant is for
// prophylaxis. Read from the order's own reason: R4 `reasonCode` (text and displays) and `reasonReference` (its
// display, or a contained Condition's code), R5 `reason` (CodeableReference). Pure.
//
// By name only: no SNOMED CT code for atrial fibrillation or DVT/PE is VERIFIED in the shipped knowledge, so codes
// are not matched, and the patient's problem list is not read (a Condition search without codes would fetch the
// whole list, more than the rule needs). An order that states no reason, or states both, has no indication.
import type { JsonObject } from '../cds/types.js';
import { codings, conceptText, isObject, objects, str } from '../fhir-read/datatypes.js';

export type Indication = 'af' | 'vte';

export const INDICATION_TEXT: Record<Indication, string> = { af: 'atrial fibrillation', vte: 'DVT/PE' };

const PATTERNS: Record<Indication, RegExp> = {
  af: /\b(atrial fibrillation|a\.? ?fib|afib|nvaf|af)\b/i,
  vte: /\b(deep (vein|venous) thrombosis|dvt|pulmonary (embolism|embolus|emboli)|vte|venous thromboembolism|thromboembolism prophylaxis)\b/i,
};
// Prophylaxis by name, or the prevention of venous thrombosis named as such; never "stroke prevention" (atrial
// fibrillation: a treatment dose) nor a reason that also says treatment ("PE treatment and prevention of extension").
const PROPHYLAXIS = /\b(prophylaxis|prophylactic)\b/i;
const VTE_PREVENTION =
  /\b(dvt|vte|thrombo\w*)\s+prevention\b|\bprevention of (dvt|vte|deep (vein|venous) thrombosis|venous thrombo\w*|thrombo\w*)\b/i;
const TREATMENT = /\btreat/i;

/** Every name the order gives as its reason. */
export function reasonTexts(order: JsonObject): string[] {
  const out: string[] = [];
  const concept = (c: unknown): void => {
    const t = conceptText(c);
    if (t) out.push(t);
    for (const x of codings(c)) if (x.display) out.push(x.display);
  };
  const reference = (r: unknown): void => {
    if (!isObject(r)) return;
    const display = str(r.display);
    if (display) out.push(display);
    const ref = str(r.reference);
    if (ref?.startsWith('#')) {
      const contained = objects(order.contained).find((c) => str(c.id) === ref.slice(1));
      if (contained) concept(contained.code);
    }
  };
  for (const c of objects(order.reasonCode)) concept(c);
  for (const r of objects(order.reasonReference)) reference(r);
  for (const r of objects(order.reason)) {
    concept(r.concept);
    reference(r.reference);
  }
  return out;
}

/** The indication the order states, when it states exactly one. */
export function orderIndication(order: JsonObject): Indication | undefined {
  const texts = reasonTexts(order);
  const found = (Object.keys(PATTERNS) as Indication[]).filter((i) => texts.some((t) => PATTERNS[i].test(t)));
  return found.length === 1 ? found[0] : undefined;
}

/** True when the order's reason says prophylaxis (e.g. "DVT prophylaxis"). */
export function statesProphylaxis(order: JsonObject): boolean {
  return reasonTexts(order).some((t) => !TREATMENT.test(t) && (PROPHYLAXIS.test(t) || VTE_PREVENTION.test(t)));
}
