import { describe, expect, it } from 'vitest';
import { drainBudget } from '../../src/drain-budget.js';

describe('drainBudget', () => {
  it('gives each step what the earlier steps left', () => {
    let now = 1000;
    const budget = drainBudget(5000, () => now);
    expect(budget.leftMs()).toBe(5000);
    now += 3500;
    expect(budget.leftMs()).toBe(1500);
    now += 9000;
    expect(budget.leftMs()).toBe(0);
  });

  it('within: true when the work settles in time (even by failing), false when the budget runs out first', async () => {
    const budget = drainBudget(200);
    expect(await budget.within(Promise.resolve())).toBe(true);
    expect(await budget.within(Promise.reject(new Error('job failed')))).toBe(true);
    const started = Date.now();
    expect(await budget.within(new Promise(() => {}))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
