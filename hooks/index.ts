// The hook services hookwise offers. Adding one: a module beside this file (`defineService`), its templates in
// prefetch/, its tests, and a line here.
import type { HookModule } from '../src/cds/hook-module.js';
import { orderSelect } from './order-select.js';
import { orderSign } from './order-sign.js';
import { patientView } from './patient-view.js';
import type { Registry } from 'prom-client';
import type { Config } from '../src/config.js';
import type { Store } from '../src/store/ledger.js';
import type { Logger } from '../src/log.js';
import type { Knowledge } from '../src/knowledge/index.js';
import { AiReview } from '../src/ai/review.js';
import { AI_SERVICE_ID, aiMedicationReview } from './ai-medication-review.js';

/** The registry: one line per rule service, in discovery order. */
export const hookModules: HookModule[] = [patientView, orderSelect, orderSign];

/** The hook modules of this configuration: the three rule services, and the AI review when AI_BASE_URL is set. */
export async function startHookModules(
  config: Config,
  deps: { store: Store; logger: Logger; registry: Registry; knowledge: Knowledge },
): Promise<{ modules: HookModule[]; ai?: AiReview }> {
  if (!config.ai) return { modules: hookModules };
  const ai = new AiReview({ config: config.ai, ...deps, serviceId: AI_SERVICE_ID });
  await ai.start();
  return { modules: [...hookModules, aiMedicationReview(ai)], ai };
}
