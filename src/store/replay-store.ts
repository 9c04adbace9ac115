// Remembers JWT ids (jti) for the lifetime of their token, so a token is accepted once (replay protection).
// Implemented by the ledger's store (sql-store.ts), so instances sharing a database share it too.

export interface ReplayStore {
  /** True the first time `key` is seen before `expiresAtMs`; false for a replay. */
  firstSeen(key: string, expiresAtMs: number): Promise<boolean>;
}
