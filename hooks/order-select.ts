import { defineService } from '../src/cds/hook-module.js';
import { decideOrderSelect } from '../src/rules/index.js';
import { orderSelectPrefetch } from '../prefetch/order-select.js';

export const orderSelect = defineService({
  id: 'order-select',
  hook: 'order-select',
  title: 'hookwise drug–allergy, drug–drug and duplicate therapy checks at order selection',
  description:
    "When medication orders are selected, checks them against the patient's active allergies (the same " +
    'drug or class, e.g. penicillins, and cross-sensitive classes, e.g. cephalosporins after a penicillin allergy), ' +
    'and against active medications and the other draft orders for the ONC high-priority drug–drug interactions, ' +
    'duplicate therapy (same ingredient or class, dual RAAS blockade) and a few non-interruptive notes.',
  prefetch: orderSelectPrefetch,
  decide: decideOrderSelect,
});
