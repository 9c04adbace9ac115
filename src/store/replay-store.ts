// Remembers JWT ids (jti) for the lifetime of their token, so a token is accepted once (replay protection).
// The embedded backend keeps them in memory; a shared backend (several instances) implements the same interface.

export interface ReplayStore {
  /** True the first time `key` is seen before `expiresAtMs`; false for a replay. */
  firstSeen(key: string, expiresAtMs: number): Promise<boolean>;
}

export class MemoryReplayStore implements ReplayStore {
  private readonly seen = new Map<string, number>();
  private inserts = 0;

  constructor(
    private readonly now: () => number = Date.now,
    /** Refuse new ids rather than grow past this many live ones (a flood of unique tokens). */
    private readonly maxEntries = 200_000,
  ) {}

  async firstSeen(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (++this.inserts % 1000 === 0 || this.seen.size >= this.maxEntries) this.sweep(now);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
