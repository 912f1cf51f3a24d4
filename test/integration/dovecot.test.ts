// The throw-away Dovecot the email tests run against (test/helpers/dovecot.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { type Dovecot, startDovecot } from '../helpers/dovecot.js';

const message = (id: string) => `From: ana@example.com\r\nTo: approvals@example.com\r\nSubject: hello\r\nMessage-ID: <${id}@example.com>\r\n\r\nyes\r\n`;

describe('test Dovecot', () => {
  let dovecot: Dovecot | undefined;
  afterEach(async () => {
    await dovecot?.stop();
    dovecot = undefined;
  });

  it('takes appended messages, lists them, and keeps them across a restart', async () => {
    dovecot = await startDovecot();
    expect(dovecot.url).toBe(`imap://${dovecot.user}:${encodeURIComponent(dovecot.pass)}@127.0.0.1:${dovecot.port}`);
    const first = await dovecot.append(message('one'));
    const second = await dovecot.append(message('two'), 'INBOX', ['\\Seen']);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first! + 1);
    const listed = await dovecot.messages('INBOX');
    expect(listed).toEqual([
      { uid: first, flags: [], messageId: '<one@example.com>' },
      { uid: second, flags: ['\\Seen'], messageId: '<two@example.com>' },
    ]);

    await dovecot.restart();
    expect(await dovecot.messages('INBOX'), dovecot.log()).toEqual(listed);
  });

  it('stops answering while paused, takes mail delivered to its maildir, and refuses a wrong password', async () => {
    dovecot = await startDovecot();
    dovecot.pause();
    const stalled = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false, greetingTimeout: 500 });
    await expect(stalled.connect()).rejects.toMatchObject({ code: 'GREETING_TIMEOUT' });
    dovecot.deliver(message('delivered'));
    dovecot.resume();
    expect(await dovecot.messages('INBOX')).toMatchObject([{ flags: [], messageId: '<delivered@example.com>' }]);

    // Last: Dovecot slows the next logins from an address that failed one.
    const wrong = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: 'wrong' }, logger: false });
    await expect(wrong.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it('removes its temp dir and frees its port on stop', async () => {
    const d = await startDovecot();
    expect(existsSync(join(d.dir, 'dovecot.conf'))).toBe(true);
    await d.stop();
    expect(existsSync(d.dir)).toBe(false);
    const after = new ImapFlow({ host: '127.0.0.1', port: d.port, secure: false, auth: { user: d.user, pass: d.pass }, logger: false });
    await expect(after.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
