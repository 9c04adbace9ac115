import { defineService } from '../src/cds/hook-module.js';
import { decideOrderSign } from '../src/rules/index.js';
import { orderSignPrefetch } from '../prefetch/order-sign.js';

export const orderSign = defineService({
  id: 'order-sign',
  hook: 'order-sign',
  title: 'hookwise drug–drug interactions and duplicate therapy at signing',
  description:
    'When orders are signed, checks them against active medications and each other for the 15 ONC ' +
    'high-priority drug–drug interactions (Phansalkar et al., JAMIA 2012), duplicate therapy (same ingredient or ' +
    'class, dual RAAS blockade) and a few non-interruptive notes (Phansalkar et al., JAMIA 2013).',
  prefetch: orderSignPrefetch,
  filtersRepeatsOf: 'order-select',
  decide: decideOrderSign,
});
