// A hook's contract is declared once (src/cds/hook-contracts.ts): validation, template tokens, discovery and the
// module types all read that table.
import { describe, expect, it } from '@jest/globals';
import { HOOK_CONTRACTS, HOOK_NAMES } from '../../src/cds/hook-contracts.js';
import { defineService } from '../../src/cds/hook-module.js';
import { registerService, TOKEN_FIELDS } from '../../src/cds/registry.js';
import { validateHookRequest } from '../../src/cds/validate-request.js';
import { HttpProblem } from '../../src/cds/operation-outcome.js';
import type { HookModule } from '../../src/cds/hook-module.js';
import type { Card, OrderSignContext } from '../../src/cds/types.js';
import { hookModules } from '../../hooks/index.js';

const noCards = (): Card[] => [];

describe('the hook contracts', () => {
  it('give the template tokens of every hook', () => {
    expect(Object.keys(TOKEN_FIELDS).sort()).toEqual([...HOOK_NAMES].sort());
    for (const hook of HOOK_NAMES) expect(TOKEN_FIELDS[hook]).toBe(HOOK_CONTRACTS[hook].tokens);
  });

  it('validate a request with the context schema of the hook it is sent to', () => {
    const base = {
      hookInstance: 'a3c0f1de-0000-4000-8000-000000000001',
      context: { userId: 'Practitioner/1', patientId: 'p1' },
    };
    expect(validateHookRequest({ ...base, hook: 'patient-view' }, 'patient-view').context.patientId).toBe('p1');
    // The same context lacks order-sign's draftOrders: the order-sign schema is the one applied.
    const refused = (() => {
      try {
        validateHookRequest({ ...base, hook: 'order-sign' }, 'order-sign');
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(HttpProblem);
    expect((refused as HttpProblem).problems).toEqual([
      expect.objectContaining({ code: 'required', expression: 'context.draftOrders' }),
    ]);
  });

  it('are the only hooks a service may name: discovery never offers a hook without one', () => {
    const stray = { ...hookModules[0]!, id: 'stray', hook: 'encounter-discharge' } as unknown as HookModule;
    expect(() => registerService(stray)).toThrow(
      'service "stray" names hook "encounter-discharge", which has no contract',
    );
  });

  it("type decide by the hook: a decide written for another hook's context does not compile", () => {
    const decideSign = (input: { context: OrderSignContext }): Card[] => (input.context.draftOrders ? [] : []);
    const ok = defineService({
      id: 'x-sign',
      hook: 'order-sign',
      title: 't',
      description: 'd',
      prefetch: {},
      decide: decideSign,
    });
    expect(ok.hook).toBe('order-sign');
    const wrong = defineService({
      id: 'x-view',
      hook: 'patient-view',
      title: 't',
      description: 'd',
      prefetch: {},
      // @ts-expect-error patient-view contexts carry no draftOrders: decideSign cannot serve that hook.
      decide: decideSign,
    });
    expect(wrong.decide).toBe(decideSign);
    expect(
      defineService({ id: 'x-none', hook: 'patient-view', title: 't', description: 'd', prefetch: {}, decide: noCards })
        .id,
    ).toBe('x-none');
  });
});
