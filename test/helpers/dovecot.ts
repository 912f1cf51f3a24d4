// A throw-away Dovecot IMAP server for the email tests: Debian's dovecot-imapd (.ci/run installs it) run
// in the foreground with a configuration of its own in a temp dir — IMAP only on 127.0.0.1 at a free
// port, no TLS, plaintext login for one passwd-file user, a maildir in the temp dir. Nothing of the
// system's Dovecot (its /etc config, its sockets in /run) is used, so tests may run several at once.
// Dovecot refuses to deliver mail as root, so when the tests run as root the mail belongs to the
// `dovecot` system user.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { DovecotProcess } from './dovecot-process.js';
import { freePort } from './services.js';

export interface Dovecot {
  /** imap://<user>:<pass>@127.0.0.1:<port> */
  readonly url: string;
  readonly user: string;
  readonly pass: string;
  readonly port: number;
  /** Its temp dir: configuration, log and maildir. */
  readonly dir: string;
  /** APPENDs a message as a mail server delivering it would; the new UID (UIDPLUS). */
  append(raw: string | Buffer, mailbox?: string, flags?: string[]): Promise<number | undefined>;
  /** Every message in `mailbox`, in UID order, with its flags (but \Recent, which depends on the session). */
  /** Drops a message straight into INBOX's maildir, as a local delivery agent would: works while the server is paused. */
  deliver(raw: string | Buffer): void;
  messages(mailbox?: string): Promise<{ uid: number; flags: string[]; messageId?: string }[]>;
  /** Stops the server (SIGTERM: its clients get a BYE) and starts it again on the same port and maildir; resolves once it greets. */
  restart(): Promise<void>;
  /** SIGSTOPs every process of this instance: connections stay open but nothing answers. */
  pause(): void;
  resume(): void;
  /** Dovecot's own log, for failure messages. */
  log(): string;
  /** Kills the server and removes its temp dir. */
  stop(): Promise<void>;
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-dovecot-'));
  const port = await freePort();
  const user = 'switchboard';
  const pass = randomBytes(9).toString('base64url');
  const mailOwner = writeConfig(dir, port, user, pass);
  const server = new DovecotProcess(dir, port);
  try {
    await server.start();
  } catch (err) {
    await server.kill(false);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const client = () => new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
  const withClient = async <T>(work: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = client();
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };
  return {
    url: `imap://${user}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    user,
    pass,
    port,
    dir,
    append: (raw, mailbox = 'INBOX', flags) =>
      withClient(async (c) => {
        const appended = await c.append(mailbox, raw, flags);
        return appended ? appended.uid : undefined;
      }),
    deliver: (raw) => {
      const name = `${Date.now()}.M${randomBytes(6).toString('hex')}.sb-test`;
      writeFileSync(join(dir, 'Maildir', 'tmp', name), raw);
      chownSync(join(dir, 'Maildir', 'tmp', name), mailOwner.uid, mailOwner.gid);
      renameSync(join(dir, 'Maildir', 'tmp', name), join(dir, 'Maildir', 'new', name));
    },
    messages: (mailbox = 'INBOX') =>
      withClient(async (c) => {
        const lock = await c.getMailboxLock(mailbox);
        try {
          if (!c.mailbox || c.mailbox.exists === 0) return [];
          const found = await c.fetchAll('1:*', { uid: true, flags: true, envelope: true });
          return found.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent'), messageId: m.envelope?.messageId }));
        } finally {
          lock.release();
        }
      }),
    restart: async () => {
      await server.kill(true);
      await server.start();
    },
    pause: () => server.signalAll('SIGSTOP'),
    resume: () => server.signalAll('SIGCONT'),
    log: () => server.log(),
    stop: async () => {
      await server.kill(false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeConfig(dir: string, port: number, user: string, pass: string): { uid: number; gid: number } {
  const mailUser = process.getuid?.() === 0 ? 'dovecot' : execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  const uid = Number(execFileSync('id', ['-u', mailUser], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', mailUser], { encoding: 'utf8' }).trim());
  const home = join(dir, 'home');
  for (const d of [home, join(dir, 'Maildir'), ...['cur', 'new', 'tmp'].map((s) => join(dir, 'Maildir', s))]) {
    mkdirSync(d);
    chownSync(d, uid, gid);
  }
  // mkdtemp makes the dir 0700; the mail user has to reach its maildir inside it.
  execFileSync('chmod', ['0755', dir]);
  writeFileSync(join(dir, 'users'), `${user}:{PLAIN}${pass}\n`);
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `# Written by test/helpers/dovecot.ts
instance_name = sb-dovecot-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is refused at once, not after the default 2 s.
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = ${uid}
last_valid_uid = ${uid}
mail_location = maildir:${dir}/Maildir:LAYOUT=fs
# New mail is seen within a second even where inotify is not available.
mailbox_idle_check_interval = 1 secs
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/users
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${home}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
`,
  );
  return { uid, gid };
}
