import { createHash } from 'node:crypto';

/**
 * The content this process last put in each message, for a while: an edit identical to it (a click's
 * in-place update followed by the settle job's) need not be sent again. Bounded and in-process only,
 * so an edit from another process, or after `ttlMs`, is simply sent.
 */
export class RecentEdits {
  private readonly last = new Map<string, { digest: string; at: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 5000,
  ) {}

  /** True when `content` is what this process last put in message `key`, within the TTL. */
  unchanged(key: string, content: string, now = Date.now()): boolean {
    const seen = this.last.get(key);
    return !!seen && now - seen.at < this.ttlMs && seen.digest === digest(content);
  }

  /** Call after the platform accepted the edit (or the post). */
  record(key: string, content: string, now = Date.now()): void {
    this.last.delete(key);
    this.last.set(key, { digest: digest(content), at: now });
    if (this.last.size > this.max) this.last.delete(this.last.keys().next().value!);
  }
}

const digest = (content: string) => createHash('sha256').update(content).digest('base64');
