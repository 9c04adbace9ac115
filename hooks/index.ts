// The hook services hookwise offers. Adding one: a module beside this file, its templates in prefetch/,
// tests, and a line here.
import type { HookModule } from '../src/cds/hook-module.js';
import { orderSelect } from './order-select.js';
import { orderSign } from './order-sign.js';
import { patientView } from './patient-view.js';

export const hookModules: HookModule[] = [patientView as HookModule, orderSelect as HookModule, orderSign as HookModule];
