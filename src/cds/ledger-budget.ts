// The ledger's time on a hook's path, owned by one component per call (src/cds/invoke.ts creates it).
import { LEDGER_BUDGET_MS } from '../store/ledger.js';
import { within } from '../util/within.js';

/**
 * The one owner of the ledger's time on the hook path. Asking what to keep quiet gets LEDGER_BUDGET_MS for all the
 * questions of the call together, and after one failure the ledger is not asked again (a hung store costs at most
 * the budget, however many cards there are); recording the issued cards gets LEDGER_BUDGET_MS, never past the
 * answer's due time. The store bounds each of its own operations too (SqlStore, hookPathTimeoutMs, the same
 * constant by default): the ledger contract requires it of the store itself, and a store that is not a SqlStore
 * still meets this bound.
 */
export class LedgerBudget {
  private questionsEnd: number | undefined;
  private failed = false;

  constructor(private readonly dueAt: number) {}

  /** Undefined once the ledger failed this call: the caller goes on without it. */
  ask<T>(question: () => Promise<T>): Promise<T> | undefined {
    if (this.failed) return undefined;
    this.questionsEnd ??= Date.now() + LEDGER_BUDGET_MS;
    const ms = Math.max(1, this.questionsEnd - Date.now());
    let asked: Promise<T>;
    try {
      asked = question();
    } catch (error) {
      this.failed = true;
      return Promise.reject(error);
    }
    return within(asked, ms, () => new Error(`the ledger did not answer within ${LEDGER_BUDGET_MS} ms`)).catch(
      (error: unknown) => {
        this.failed = true;
        throw error;
      },
    );
  }

  record(write: Promise<void>): Promise<void> {
    const ms = Math.max(1, Math.min(LEDGER_BUDGET_MS, this.dueAt - Date.now()));
    return within(write, ms, () => new Error(`the ledger did not record the issued cards before the deadline`));
  }
}
