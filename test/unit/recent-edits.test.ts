import { describe, expect, it } from 'vitest';
import { RecentEdits } from '../../channels/kit/recent-edits.js';

/** A send that records its content and settles when told. */
function sender() {
  const sent: string[] = [];
  const pending: { resolve(): void; reject(e: Error): void }[] = [];
  const send = (content: string) => () => {
    sent.push(content);
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  const instant = (content: string) => () => {
    sent.push(content);
    return Promise.resolve();
  };
  return { sent, pending, send, instant };
}

describe('RecentEdits', () => {
  it('skips an edit identical to the last one made to that message, only that content, and only for the TTL', async () => {
    let t = 0;
    const clock = () => t;
    const edits = new RecentEdits(1000, 10);
    const s = sender();
    await edits.edit('C1:1.0', 'approved', s.instant('approved'), clock);
    t = 999;
    await edits.edit('C1:1.0', 'approved', s.instant('approved again'), clock);
    await edits.edit('C1:1.0', 'rejected', s.instant('rejected'), clock);
    await edits.edit('C1:2.0', 'rejected', s.instant('other message'), clock);
    t = 2000;
    await edits.edit('C1:2.0', 'rejected', s.instant('after the TTL'), clock);
    expect(s.sent).toEqual(['approved', 'rejected', 'other message', 'after the TTL']);
  });

  it('an identical edit made while the first is on its way waits for it instead of sending again', async () => {
    const edits = new RecentEdits();
    const s = sender();
    const first = edits.edit('m', 'approved', s.send('first'));
    let secondDone = false;
    const second = edits.edit('m', 'approved', s.send('second')).then(() => (secondDone = true));
    await Promise.resolve();
    expect(secondDone).toBe(false);
    s.pending[0]!.resolve();
    await Promise.all([first, second]);
    expect(s.sent).toEqual(['first']);
  });

  it('if the first of two identical edits fails, the second sends its own', async () => {
    const edits = new RecentEdits();
    const s = sender();
    const first = edits.edit('m', 'approved', s.send('first'));
    const second = edits.edit('m', 'approved', s.send('second'));
    s.pending[0]!.reject(new Error('ratelimited'));
    await expect(first).rejects.toThrow('ratelimited');
    await expect.poll(() => s.sent).toEqual(['first', 'second']);
    s.pending[1]!.resolve();
    await second;
    // The second's success is remembered: a third identical edit sends nothing.
    await edits.edit('m', 'approved', s.instant('third'));
    expect(s.sent).toEqual(['first', 'second']);
  });

  it('keeps at most `max` messages, forgetting the oldest first', async () => {
    const edits = new RecentEdits(60_000, 3);
    const s = sender();
    for (const k of ['a', 'b', 'c', 'd']) await edits.edit(k, 'x', s.instant(k));
    for (const k of ['d', 'c', 'a']) await edits.edit(k, 'x', s.instant(`${k} again`));
    expect(s.sent).toEqual(['a', 'b', 'c', 'd', 'a again']);
  });
});
