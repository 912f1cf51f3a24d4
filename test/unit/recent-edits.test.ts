import { describe, expect, it } from 'vitest';
import { RecentEdits } from '../../channels/kit/recent-edits.js';

describe('RecentEdits', () => {
  it('knows the content it recorded for a message, only that content, and only for the TTL', () => {
    const edits = new RecentEdits(1000, 10);
    expect(edits.unchanged('C1:1.0', 'approved', 0)).toBe(false);
    edits.record('C1:1.0', 'approved', 0);
    expect(edits.unchanged('C1:1.0', 'approved', 999)).toBe(true);
    expect(edits.unchanged('C1:1.0', 'rejected', 999)).toBe(false);
    expect(edits.unchanged('C1:2.0', 'approved', 999)).toBe(false);
    expect(edits.unchanged('C1:1.0', 'approved', 1000)).toBe(false);
  });

  it('a newer edit replaces the older one', () => {
    const edits = new RecentEdits();
    edits.record('m', 'pending', 0);
    edits.record('m', 'approved', 1);
    expect(edits.unchanged('m', 'pending', 2)).toBe(false);
    expect(edits.unchanged('m', 'approved', 2)).toBe(true);
  });

  it('keeps at most `max` messages, forgetting the oldest first', () => {
    const edits = new RecentEdits(60_000, 3);
    for (const k of ['a', 'b', 'c', 'd']) edits.record(k, 'x', 0);
    expect(edits.unchanged('a', 'x', 1)).toBe(false);
    expect(['b', 'c', 'd'].every((k) => edits.unchanged(k, 'x', 1))).toBe(true);
  });
});
