export interface GroupCommitOptions {
  /** How long a group waits for more items before it is written; 0: only those of the current tick. */
  windowMs: number;
  /** A group this big is written at once. */
  maxItems: number;
  /** Groups being written at once; items arriving meanwhile wait and go together in the next. */
  maxInFlight: number;
}

export interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items added in one tick (or `windowMs`), and those added while `maxInFlight` groups
 * are being written, are handed to `write` together. `write` settles every item it is given (after
 * its commit); items it leaves unsettled when it fails get its error.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly write: (group: Pending<I, O>[]) => Promise<void>,
    private readonly opts: GroupCommitOptions,
  ) {}

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.opts.maxItems) this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    if (this.opts.windowMs > 0) setTimeout(run, this.opts.windowMs);
    else setImmediate(run);
  }

  private flush(): void {
    if (this.inFlight >= this.opts.maxInFlight || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.opts.maxItems);
    this.inFlight++;
    void this.write(group)
      // Settling twice is a no-op, so this only reaches items a failing write left unsettled.
      .catch((err: unknown) => group.forEach((p) => p.reject(err)))
      .finally(() => {
        this.inFlight--;
        if (this.queue.length >= this.opts.maxItems) this.flush();
        else if (this.queue.length > 0) this.schedule();
      });
  }
}

/** Settles `p` with what `write` gives, or its error. */
export async function settle<I, O>(p: Pending<I, O>, write: () => Promise<O>): Promise<void> {
  try {
    p.resolve(await write());
  } catch (err) {
    p.reject(err);
  }
}
