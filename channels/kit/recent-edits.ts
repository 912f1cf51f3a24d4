import { createHash } from 'node:crypto';

interface Edit {
  digest: string;
  at: number;
  /** Still on its way to the platform. */
  sending?: Promise<void>;
}

/**
 * The content this process last put in each message, for a while: an edit identical to it (a click's
 * in-place update followed by the settle job's) need not be sent again, nor while the first is still
 * on its way: the second waits for the first, and sends itself only if the first failed. Bounded and
 * in-process only, so an edit from another process, or after `ttlMs`, is simply sent.
 */
export class RecentEdits {
  private readonly last = new Map<string, Edit>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 5000,
  ) {}

  /** Puts `content` in message `key` with `send`, unless this process has just put (or is putting) the same there. */
  async edit(key: string, content: string, send: () => Promise<void>, now = Date.now): Promise<void> {
    const d = digest(content);
    const seen = this.last.get(key);
    if (seen?.digest === d) {
      if (!seen.sending && now() - seen.at < this.ttlMs) return;
      if (seen.sending && (await seen.sending.then(() => true, () => false))) return;
    }
    const mine: Edit = { digest: d, at: now(), sending: send() };
    this.remember(key, mine);
    try {
      await mine.sending;
    } catch (err) {
      if (this.last.get(key) === mine) this.last.delete(key);
      throw err;
    }
    if (this.last.get(key) === mine) this.remember(key, { digest: d, at: now() });
  }

  private remember(key: string, edit: Edit): void {
    this.last.delete(key);
    this.last.set(key, edit);
    if (this.last.size > this.max) this.last.delete(this.last.keys().next().value!);
  }
}

const digest = (content: string) => createHash('sha256').update(content).digest('base64');
