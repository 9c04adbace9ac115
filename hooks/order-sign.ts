import type { HookModule } from '../src/cds/hook-module.js';
import type { OrderSignContext } from '../src/cds/types.js';
import { decideOrderSign } from '../src/rules/index.js';
import { orderSignPrefetch } from '../prefetch/order-sign.js';

export const orderSign: HookModule<OrderSignContext> = {
  id: 'order-sign',
  hook: 'order-sign',
  title: 'hookwise high-priority drug–drug interactions at signing',
  description:
    'When orders are signed, checks them against active medications and each other for the 15 ONC ' +
    'high-priority drug–drug interactions (Phansalkar et al., JAMIA 2012).',
  prefetch: orderSignPrefetch,
  decide: decideOrderSign,
};
