/**
 * The time a stopping process has left (SWITCHBOARD_DRAIN_SECONDS): each step of stop() gets what the
 * steps before it did not use, so the whole shutdown ends inside the orchestrator's grace period.
 */
export interface DrainBudget {
  leftMs(): number;
  /** True once `work` has settled; false if the budget ran out first (the work is left running). */
  within(work: Promise<unknown>): Promise<boolean>;
}

export function drainBudget(totalMs: number, now: () => number = Date.now): DrainBudget {
  const end = now() + totalMs;
  const leftMs = () => Math.max(0, end - now());
  return {
    leftMs,
    async within(work) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), leftMs())));
      const settled = work.then(() => true as const, () => true as const);
      try {
        return await Promise.race([settled, expired]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
