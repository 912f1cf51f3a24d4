// The email channel's IMAP loop (channels/email/inbox.ts) against a real Dovecot: new mail while IDLE,
// catching up after a stop, a server restart, a silent stall, a failing handler, a UIDVALIDITY change,
// and check() for /readyz and doctor.
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imapTarget } from '../../channels/email/imap-client.js';
import { Inbox, type InboxPosition, type InboxTiming } from '../../channels/email/inbox.js';
import { MemoryChannelState } from '../fakes/channel-context.js';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';
import { waitFor } from '../helpers/services.js';

// Generous command deadlines, so a loaded machine does not pass for a stalled server (the stall test shortens them).
const TIMING: Partial<InboxTiming> = { noopEveryMs: 300, noopTimeoutMs: 5000, backoffMs: { min: 50, max: 400 } };
const DONE = 'Switchboard';

const reply = (id: string) => `From: ana@example.com\r\nTo: approvals@example.com\r\nSubject: Re: Deploy?\r\nMessage-ID: <${id}@example.com>\r\n\r\nyes\r\n`;
const idOf = (raw: Buffer) => /^Message-ID: <([^@]+)@/im.exec(raw.toString())?.[1];

interface Running {
  /** Message ids handle() finished, in order. */
  handled: string[];
  logs: string[];
  state: MemoryChannelState;
  stop(): Promise<void>;
}

describe('imapTarget', () => {
  it('reads IMAP_URL: TLS from the scheme, default ports, URL-decoded credentials, a label without the password', () => {
    expect(imapTarget('imaps://ana%40example.com:p%40ss%3Aw0rd@imap.example.com')).toEqual({
      host: 'imap.example.com',
      port: 993,
      secure: true,
      user: 'ana@example.com',
      pass: 'p@ss:w0rd',
      label: 'ana@example.com@imap.example.com:993',
    });
    expect(imapTarget('imap://bo:pw@127.0.0.1:1143')).toMatchObject({ host: '127.0.0.1', port: 1143, secure: false, label: 'bo@127.0.0.1:1143' });
    expect(imapTarget('imap://bo:pw@mail.example.com')).toMatchObject({ port: 143, secure: false });
    expect(() => imapTarget('https://bo:pw@mail.example.com')).toThrow('IMAP_URL must start with imap:// or imaps://, not https://');
  });
});

describe('email inbox loop', () => {
  let dovecot: Dovecot;
  const running: Running[] = [];
  beforeEach(async () => {
    dovecot = await startDovecot();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
    await dovecot.stop();
  });

  function run(o: { state?: MemoryChannelState; handle?: (raw: Buffer, uid: number) => Promise<void>; url?: string; timing?: Partial<InboxTiming> } = {}): Running {
    const handled: string[] = [];
    const logs: string[] = [];
    const state = o.state ?? new MemoryChannelState();
    const inbox = new Inbox({
      url: o.url ?? dovecot.url,
      doneFolder: DONE,
      state,
      log: pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
      timing: { ...TIMING, ...o.timing },
      handle: async (raw, uid) => {
        await o.handle?.(raw, uid);
        handled.push(idOf(raw)!);
      },
    });
    const stopping = new AbortController();
    const loop = inbox.run(stopping.signal);
    const r = {
      handled,
      logs,
      state,
      stop: async () => {
        stopping.abort();
        await loop;
      },
    };
    running.push(r);
    return r;
  }

  const doneFolder = () => dovecot.messages(DONE).catch(() => undefined);
  const inboxIds = async () => (await dovecot.messages('INBOX')).map((m) => m.messageId);
  /** The message with this UID handled, moved and its UID stored. */
  const stored = (r: Running, uid: number | undefined) => waitFor(async () => (await r.state.get<InboxPosition>('inbox'))?.lastUid === uid, 10_000, `UID ${uid} stored`);
  const handledOnce = (r: Running, id: string) => waitFor(() => r.handled.includes(id), 10_000, `${id} handled (${dovecot.log()})`);

  it('handles a message appended while IDLE, flags it \\Seen and moves it to the done folder it created', async () => {
    // No NOOP for a minute: only IDLE can tell the loop about the new message in time.
    const r = run({ timing: { noopEveryMs: 60_000 } });
    await waitFor(doneFolder, 10_000, 'the done folder');
    const uid = await dovecot.append(reply('one'));
    await handledOnce(r, 'one');
    const moved = await waitFor(async () => (await doneFolder())?.find((m) => m.messageId === '<one@example.com>'), 5000, 'the reply in the done folder');
    expect(moved.flags).toContain('\\Seen');
    expect(await inboxIds()).toEqual([]);
    const position = await waitFor(() => r.state.get<InboxPosition>('inbox'), 5000, 'the stored position');
    expect(position.lastUid).toBe(uid);
    expect(position.uidValidity).toBe(await uidValidity());
  });

  it('catches up on replies that arrived while it was stopped, in UID order, each once', async () => {
    const state = new MemoryChannelState();
    const first = run({ state });
    await dovecot.append(reply('before'));
    await handledOnce(first, 'before');
    await first.stop();

    for (const id of ['a', 'b', 'c']) await dovecot.append(reply(id));
    const second = run({ state });
    await handledOnce(second, 'c');
    await dovecot.append(reply('after'));
    await handledOnce(second, 'after');
    expect(first.handled).toEqual(['before']);
    expect(second.handled).toEqual(['a', 'b', 'c', 'after']);
    expect((await doneFolder())?.map((m) => m.messageId)).toEqual(['<before@example.com>', '<a@example.com>', '<b@example.com>', '<c@example.com>', '<after@example.com>']);
  });

  it('reconnects after Dovecot restarts mid-IDLE and handles the next reply exactly once', async () => {
    const r = run();
    const first = await dovecot.append(reply('first'));
    await stored(r, first);
    await dovecot.restart();
    await dovecot.append(reply('second'));
    await handledOnce(r, 'second');
    await waitFor(() => r.logs.some((l) => l.includes('IMAP inbox session failed')), 5000, 'the drop to be logged');
    // A later reply proves nothing before it is still waiting to be handled a second time.
    await dovecot.append(reply('third'));
    await handledOnce(r, 'third');
    expect(r.handled).toEqual(['first', 'second', 'third']);
    expect(await inboxIds()).toEqual([]);
  });

  it('drops a stalled connection when the NOOP times out and handles what arrived meanwhile after the server wakes', async () => {
    const r = run({ timing: { noopTimeoutMs: 1000 } });
    const before = await dovecot.append(reply('before'));
    // Moved and stored: the loop is IDLE, and the next command it sends is the NOOP.
    await stored(r, before);
    dovecot.pause();
    try {
      await waitFor(() => r.logs.some((l) => l.includes('NOOP did not answer')), 10_000, 'the stalled NOOP to be noticed');
      dovecot.deliver(reply('meanwhile'));
    } finally {
      dovecot.resume();
    }
    await handledOnce(r, 'meanwhile');
    expect(r.handled).toEqual(['before', 'meanwhile']);
  });

  it('retries a message whose handler failed, without storing its UID until it succeeds', async () => {
    const a = await dovecot.append(reply('a'));
    await dovecot.append(reply('b'));
    const calls: { id: string; lastUid?: number; stillInInbox: boolean }[] = [];
    const state = new MemoryChannelState();
    const r = run({
      state,
      handle: async (raw) => {
        const id = idOf(raw)!;
        calls.push({ id, lastUid: (await state.get<InboxPosition>('inbox'))?.lastUid, stillInInbox: (await inboxIds()).includes(`<${id}@example.com>`) });
        if (calls.length === 1) throw new Error('hub unreachable');
      },
    });
    await handledOnce(r, 'b');
    expect(calls.map((c) => c.id)).toEqual(['a', 'a', 'b']);
    expect(calls[1]).toEqual({ id: 'a', lastUid: undefined, stillInInbox: true });
    expect(calls[2]!.lastUid).toBe(a);
    expect(r.handled).toEqual(['a', 'b']);
    expect(r.logs.some((l) => l.includes('hub unreachable'))).toBe(true);
  });

  it('handles everything in INBOX when UIDVALIDITY changed, and nothing at or below lastUid when it did not', async () => {
    for (const id of ['x', 'y']) await dovecot.append(reply(id));
    const current = await uidValidity();
    const stale = new MemoryChannelState();
    await stale.set('inbox', { uidValidity: `${current}0`, lastUid: 50 });
    const r = run({ state: stale });
    await handledOnce(r, 'y');
    expect(r.handled).toEqual(['x', 'y']);
    expect(r.logs.filter((l) => l.includes('UIDVALIDITY changed'))).toHaveLength(1);
    await r.stop();

    // The same UIDVALIDITY with z's UID stored as handled: "<z+1>:*" still returns z, the highest, which is skipped.
    const z = await dovecot.append(reply('z'));
    const ahead = new MemoryChannelState();
    await ahead.set('inbox', { uidValidity: current, lastUid: z });
    const skipping = run({ state: ahead });
    await waitFor(() => skipping.logs.some((l) => l.includes('watching the IMAP inbox')), 5000, 'the loop to start');
    await dovecot.append(reply('w'));
    await handledOnce(skipping, 'w');
    expect(skipping.handled).toEqual(['w']);
    expect(await inboxIds()).toEqual(['<z@example.com>']);
  });

  it('check() reports the inbox and folder, or the failed login without the password', async () => {
    await dovecot.append(reply('waiting'));
    const inbox = new Inbox({ url: dovecot.url, doneFolder: DONE, state: new MemoryChannelState(), log: pino({ level: 'silent' }), handle: async () => {} });
    expect(await inbox.check()).toEqual({ ok: true, detail: `IMAP switchboard@127.0.0.1:${dovecot.port}: INBOX 1 message, folder ${DONE} missing (created when the inbox loop starts)` });

    const badPass = 'n0t-the-Pa55word';
    const wrongUrl = dovecot.url.replace(/:[^:@]+@/, `:${badPass}@`);
    const wrong = new Inbox({ url: wrongUrl, doneFolder: DONE, state: new MemoryChannelState(), log: pino({ level: 'silent' }), handle: async () => {} });
    const result = await wrong.check();
    expect(result.ok).toBe(false);
    expect(result.detail).toBe(`IMAP switchboard@127.0.0.1:${dovecot.port}: login failed: Authentication failed. (AUTHENTICATIONFAILED)`);
    expect(result.detail).not.toContain(badPass);

    // The loop logs its failed login and keeps trying (Dovecot makes each retry from this address wait longer).
    const r = run({ url: wrongUrl });
    await waitFor(() => r.logs.some((l) => l.includes('IMAP inbox session failed')), 10_000, 'the failed login to be logged');
    expect(r.logs.join('\n')).not.toContain(badPass);
  });

  it('check() names the login step when the server is down', async () => {
    const inbox = new Inbox({ url: dovecot.url, doneFolder: DONE, state: new MemoryChannelState(), log: pino({ level: 'silent' }), handle: async () => {} });
    await dovecot.stop();
    const result = await inbox.check();
    expect(result).toEqual({ ok: false, detail: expect.stringMatching(new RegExp(`^IMAP switchboard@127\\.0\\.0\\.1:${dovecot.port}: login failed: .*ECONNREFUSED`)) });
    expect(result.detail).not.toContain(dovecot.pass);
  });

  async function uidValidity(): Promise<string> {
    const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await c.connect();
    try {
      const status = await c.status('INBOX', { uidValidity: true });
      return String(status && status.uidValidity);
    } finally {
      await c.logout();
    }
  }
});
