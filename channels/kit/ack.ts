// Platforms wait only so long for an answer to their webhook (Slack and Discord 3 s): answer within
// the deadline, finish the work after. Work that acks early gets its response sent at once; work that
// neither acks nor ends in time gets the fallback answer, and goes on in the background either way.

export type AckOutcome<R> =
  /** The work acked: send `response`. */
  | { kind: 'acked'; response: R }
  /** The work ended without acking, or the deadline passed first: send the platform's plain "received". */
  | { kind: 'unacked' }
  /** The work failed before it acked. */
  | { kind: 'failed'; err: unknown };

export class AckDeadline {
  private readonly inflight = new Set<Promise<unknown>>();

  /** `deadlineMs`: when to answer anyway; keep it below the platform's limit to allow for the network. */
  constructor(private readonly deadlineMs: number) {}

  /** Runs `work`; resolves as soon as it acks, ends or fails, or the deadline passes, whichever is first. */
  async run<R>(work: (ack: (response: R) => void) => Promise<unknown>): Promise<AckOutcome<R>> {
    let ack!: (response: R) => void;
    const acked = new Promise<AckOutcome<R>>((resolve) => (ack = (response) => resolve({ kind: 'acked', response })));
    const running = Promise.resolve()
      .then(() => work(ack))
      .then(
        (): AckOutcome<R> => ({ kind: 'unacked' }),
        (err: unknown): AckOutcome<R> => ({ kind: 'failed', err }),
      );
    this.inflight.add(running);
    void running.finally(() => this.inflight.delete(running));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<AckOutcome<R>>((resolve) => (timer = setTimeout(() => resolve({ kind: 'unacked' }), this.deadlineMs)));
    try {
      return await Promise.race([acked, running, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for work still running after its answer went out, at most `maxMs`. */
  async drain(maxMs = 5000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, maxMs).unref())]);
  }
}
