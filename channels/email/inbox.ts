// Replies in: the IMAP loop one hub process runs while it holds the channel's lease. Each session is a
// new ImapFlow client (inbox-session.ts); after a drop, a refused login or a silent stall (a NOOP that
// does not answer) the loop backs off, doubling from min to max, and starts again from the last UID
// handled, which ChannelState keeps in Postgres, so nothing is missed and nothing is handled twice.
import type { Logger } from 'pino';
import type { ChannelState } from '../channel.js';
import { pause } from '../kit/pause.js';
import { closeClient, imapClient, imapErrorText, type ImapTarget, imapTarget, within } from './imap-client.js';
import { runSession } from './inbox-session.js';

export { INBOX_STATE_KEY, type InboxPosition } from './inbox-session.js';

export interface InboxTiming {
  /** How often a NOOP proves the server is still there (IDLE is broken to send it)… */
  noopEveryMs: number;
  /** …and how long it (or any other command) may take to answer before the connection is dropped. */
  noopTimeoutMs: number;
  /** Between sessions after a failure: doubling from min to max; back to min after a session that worked. */
  backoffMs: { min: number; max: number };
  /** IDLE is restarted at least this often (RFC 2177 asks for less than 29 minutes). */
  idleMaxMs: number;
}

export const DEFAULT_INBOX_TIMING: InboxTiming = {
  noopEveryMs: 60_000,
  noopTimeoutMs: 15_000,
  backoffMs: { min: 1000, max: 60_000 },
  idleMaxMs: 25 * 60_000,
};

export interface InboxOptions {
  /** IMAP_URL: imap:// or imaps://user:pass@host:port (user and password URL-decoded). */
  url: string;
  /** Where handled messages go; created when missing. */
  doneFolder: string;
  /** Key 'inbox' → { uidValidity, lastUid }. */
  state: ChannelState;
  log: Logger;
  /** Handles one message. Throws only for a transient failure (the hub unreachable): the loop then keeps the message and the UID, and retries after backoff. */
  handle(raw: Buffer, uid: number): Promise<void>;
  timing?: Partial<InboxTiming>;
}

export class Inbox {
  private readonly target: ImapTarget;
  private readonly timing: InboxTiming;

  constructor(private readonly o: InboxOptions) {
    this.target = imapTarget(o.url);
    this.timing = { ...DEFAULT_INBOX_TIMING, ...o.timing };
  }

  /** Runs until `signal` aborts (the lease lost or the channel stopping): connect, catch up, IDLE, repeat after drops with backoff, each time with a new ImapFlow client. */
  async run(signal: AbortSignal): Promise<void> {
    const { noopEveryMs, noopTimeoutMs, idleMaxMs, backoffMs } = this.timing;
    let failures = 0;
    while (!signal.aborted) {
      const client = imapClient(this.target, noopTimeoutMs, 2 * (noopEveryMs + noopTimeoutMs));
      try {
        await runSession(
          {
            client,
            target: this.target,
            doneFolder: this.o.doneFolder,
            state: this.o.state,
            log: this.o.log,
            handle: (raw, uid) => this.o.handle(raw, uid),
            timeoutMs: noopTimeoutMs,
            wakeEveryMs: Math.min(noopEveryMs, idleMaxMs),
            onHealthy: () => (failures = 0),
          },
          signal,
        );
      } catch (err) {
        const delay = Math.min(backoffMs.max, backoffMs.min * 2 ** Math.min(failures++, 30));
        this.o.log.warn({ imap: this.target.label, err: imapErrorText(err, this.target), retryInMs: delay }, 'email: IMAP inbox session failed; reconnecting');
        client.close();
        await pause(delay, signal);
        continue;
      }
      await closeClient(client, noopTimeoutMs);
    }
  }

  /** For /readyz and doctor: log in, open INBOX, find or note the done folder; which step failed and why (without the password). */
  async check(): Promise<{ ok: boolean; detail: string }> {
    const { noopEveryMs, noopTimeoutMs } = this.timing;
    const client = imapClient(this.target, noopTimeoutMs, 2 * (noopEveryMs + noopTimeoutMs));
    client.on('error', () => {});
    const about = `IMAP ${this.target.label}`;
    let step = 'login';
    try {
      await within(client.connect(), noopTimeoutMs, 'login');
      step = 'INBOX';
      const inbox = await within(client.mailboxOpen('INBOX', { readOnly: true }), noopTimeoutMs, 'SELECT INBOX');
      step = `folder ${this.o.doneFolder}`;
      const folders = await within(client.list({ listOnly: true }), noopTimeoutMs, 'LIST');
      const folder = folders.some((f) => f.path === this.o.doneFolder) ? 'ready' : 'missing (created when the inbox loop starts)';
      return { ok: true, detail: `${about}: INBOX ${inbox.exists} message${inbox.exists === 1 ? '' : 's'}, folder ${this.o.doneFolder} ${folder}` };
    } catch (err) {
      return { ok: false, detail: `${about}: ${step} failed: ${imapErrorText(err, this.target)}` };
    } finally {
      await closeClient(client, noopTimeoutMs);
    }
  }
}
