// One connection's life in the inbox loop: log in, open INBOX, make sure the done folder exists, then
// catch up and IDLE until the connection fails (thrown) or the signal aborts (returned). Catching up
// walks every UID above the last one handled, in order: handle, flag \Seen, MOVE to the done folder,
// then store the UID. A crash between handling and storing hands that message over once more (the
// channel's duplicate guard drops it); nothing is stored past a message that was not handled.
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { ChannelState } from '../channel.js';
import { type ImapTarget, ImapTimeout, within } from './imap-client.js';

export const INBOX_STATE_KEY = 'inbox';

/** What ChannelState keeps under 'inbox': the last UID handled, valid only with its UIDVALIDITY. */
export interface InboxPosition {
  uidValidity: string;
  lastUid: number;
}

export interface SessionOptions {
  client: ImapFlow;
  target: ImapTarget;
  doneFolder: string;
  state: ChannelState;
  log: Logger;
  handle(raw: Buffer, uid: number): Promise<void>;
  /** How long any command may take to answer. */
  timeoutMs: number;
  /** How often to break IDLE for a NOOP that proves the server is still there. */
  wakeEveryMs: number;
  /** Called once the session has caught up for the first time: it works, so the back-off starts over. */
  onHealthy(): void;
}

export async function runSession(o: SessionOptions, signal: AbortSignal): Promise<void> {
  const { client } = o;
  const timed = <T>(work: Promise<T>, what: string) => within(work, o.timeoutMs, what, signal);
  // A message handled is flagged and moved even when the signal aborts meanwhile, so a stop does not hand it over again.
  const finish = <T>(work: Promise<T>, what: string) => within(work, o.timeoutMs, what);
  const wake = new Wake(client);
  try {
    await timed(client.connect(), `login to ${o.target.label}`);
    const inbox = await timed(client.mailboxOpen('INBOX'), 'SELECT INBOX');
    await ensureFolder(o, timed);
    const uidValidity = inbox.uidValidity.toString();
    o.log.info({ imap: o.target.label, uidValidity, messages: inbox.exists }, 'email: watching the IMAP inbox');
    let lastUid = await startingUid(o, uidValidity);
    let healthy = false;
    while (!signal.aborted) {
      wake.newMail = false;
      lastUid = await catchUp(o, { uidValidity, lastUid }, { timed, finish }, signal);
      if (!healthy) o.onHealthy();
      healthy = true;
      if (signal.aborted || wake.newMail) continue;
      void client.idle().catch(() => {}); // ends when the next command breaks it; a failure shows as a close
      await wake.next(o.wakeEveryMs, signal);
      if (wake.closed) throw new Error(`connection closed${wake.reason ? `: ${wake.reason}` : ''}`);
      if (!wake.newMail && !signal.aborted) await timed(client.noop(), 'NOOP');
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err instanceof ImapTimeout ? new Error(`${err.message} (a silent stall; dropping the connection)`) : err;
  } finally {
    wake.dispose();
  }
}

type Timed = <T>(work: Promise<T>, what: string) => Promise<T>;

async function ensureFolder(o: SessionOptions, timed: Timed): Promise<void> {
  const folders = await timed(o.client.list({ listOnly: true }), 'LIST');
  if (folders.some((f) => f.path === o.doneFolder)) return;
  await timed(o.client.mailboxCreate(o.doneFolder), `CREATE ${o.doneFolder}`);
  o.log.info({ folder: o.doneFolder }, 'email: created the IMAP folder for handled replies');
}

/** The last UID handled, if the stored one is still valid: a new UIDVALIDITY renumbered the mailbox. */
async function startingUid(o: SessionOptions, uidValidity: string): Promise<number> {
  const stored = await o.state.get<InboxPosition>(INBOX_STATE_KEY);
  if (!stored) return 0;
  if (stored.uidValidity === uidValidity) return stored.lastUid;
  o.log.warn({ was: stored.uidValidity, now: uidValidity }, 'email: INBOX UIDVALIDITY changed; handling every message in it');
  await o.state.set(INBOX_STATE_KEY, { uidValidity, lastUid: 0 } satisfies InboxPosition);
  return 0;
}

/** Handles every message above `from.lastUid`, in UID order; the new last UID handled. */
async function catchUp(o: SessionOptions, from: InboxPosition, { timed, finish }: { timed: Timed; finish: Timed }, signal: AbortSignal): Promise<number> {
  const { client } = o;
  const { uidValidity } = from;
  let lastUid = from.lastUid;
  // "n:*" always includes the highest UID, even one below n: hence the filter.
  const found = (await timed(client.search({ uid: `${lastUid + 1}:*` }, { uid: true }), 'UID SEARCH')) || [];
  const uids = found.filter((uid) => uid > lastUid).sort((a, b) => a - b);
  for (const uid of uids) {
    if (signal.aborted) break;
    const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    if (message && message.source) {
      await o.handle(message.source, uid);
      await finish(client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true }), 'UID STORE \\Seen');
      await finish(client.messageMove(String(uid), o.doneFolder, { uid: true }), `UID MOVE to ${o.doneFolder}`);
    }
    lastUid = uid;
    await o.state.set(INBOX_STATE_KEY, { uidValidity, lastUid } satisfies InboxPosition);
  }
  return lastUid;
}

/** Wakes the IDLE wait on new mail, a dropped connection, the NOOP interval or the signal. */
class Wake {
  newMail = false;
  closed = false;
  reason?: string;
  private wakeUp?: () => void;
  private readonly onExists = () => {
    this.newMail = true;
    this.wakeUp?.();
  };
  private readonly onClose = () => {
    this.closed = true;
    this.wakeUp?.();
  };
  private readonly onError = (err: Error) => {
    this.reason ??= err.message;
    this.onClose();
  };

  constructor(private readonly client: ImapFlow) {
    client.on('exists', this.onExists);
    client.on('close', this.onClose);
    client.on('error', this.onError);
  }

  next(ms: number, signal: AbortSignal): Promise<void> {
    if (this.newMail || this.closed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }

  dispose(): void {
    this.wakeUp = undefined;
    this.client.off('exists', this.onExists);
    this.client.off('close', this.onClose);
    // An 'error' after the session ended must still have a listener, or it would crash the process.
    this.client.off('error', this.onError);
    this.client.on('error', () => {});
  }
}
