/**
 * Rate limits a fake platform gives out as the real one does: `limit(key, times, retryAfterS)` makes
 * the next `times` calls on that key a 429, and once one is given every call inside its window gets
 * a 429 too (`early`: the client did not wait). Keys are the platform's: a method, or method:chat.
 */
export class FakeRateLimits {
  private readonly planned = new Map<string, { times: number; retryAfter: number }>();
  private readonly until = new Map<string, number>();

  limit(key: string, times: number, retryAfterS: number): void {
    this.planned.set(key, { times, retryAfter: retryAfterS });
  }

  /** The 429 to give a call on `keys` (most specific first), or undefined. */
  check(keys: string[], now: number): { retryAfter: number; early: boolean } | undefined {
    for (const key of keys) {
      const until = this.until.get(key) ?? 0;
      if (until > now) return { retryAfter: Math.ceil((until - now) / 1000), early: true };
    }
    for (const key of keys) {
      const plan = this.planned.get(key);
      if (!plan || plan.times <= 0) continue;
      plan.times -= 1;
      this.until.set(key, now + plan.retryAfter * 1000);
      return { retryAfter: plan.retryAfter, early: false };
    }
    return undefined;
  }
}
