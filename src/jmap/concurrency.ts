/**
 * Per-principal count of requests in progress, for the maxConcurrentRequests and
 * maxConcurrentUpload limits the Session object announces (RFC 8620 §2): one client cannot tie
 * up the server with parallel work, and a refused request is told which limit it hit.
 */
export class ConcurrencyLimit {
  private readonly running = new Map<number, number>();

  constructor(readonly max: number) {}

  /** Runs `work` if the principal is under the limit; null (nothing run) if not. */
  async run<T>(principalId: number, work: () => Promise<T>): Promise<T | null> {
    const current = this.running.get(principalId) ?? 0;
    if (current >= this.max) return null;
    this.running.set(principalId, current + 1);
    try {
      return await work();
    } finally {
      const left = (this.running.get(principalId) ?? 1) - 1;
      if (left === 0) this.running.delete(principalId);
      else this.running.set(principalId, left);
    }
  }
}
