// The Dovecot master process of a test's throw-away instance (test/helpers/dovecot.ts) and what it
// forks (imap-login, imap, auth, log, …), found through /proc: started in the foreground, signalled
// as a whole (pause/resume), killed with everything it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './services.js';

const DOVECOT = '/usr/sbin/dovecot';

/** One instance: `dir` holds its dovecot.conf and log. */
export class DovecotProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** A test run that ends without stop() must not leave a server behind. */
  private readonly killOnExit = () => this.signalAll('SIGKILL');

  constructor(
    private readonly dir: string,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    const child = spawn(DOVECOT, ['-F', '-c', join(this.dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}: ${stderr}\n${this.log()}`);
        return greets(this.port);
      },
      15_000,
      `dovecot on port ${this.port} to greet`,
    );
  }

  /**
   * Gracefully: SIGTERM (its clients get a BYE), SIGKILL after 5 s; else SIGKILL at once, which is
   * quicker for a test's end. Then any process of it still left.
   */
  async kill(graceful: boolean): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    const pids = [child.pid!, ...descendants(child.pid!)];
    this.signalAll('SIGCONT');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const pid of pids) signal(pid, 'SIGKILL');
    process.off('exit', this.killOnExit);
    this.child = undefined;
  }

  signalAll(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    // Children first, so none of them sees its master stop or go away before it is signalled itself.
    for (const p of descendants(pid)) signal(p, sig);
    signal(pid, sig);
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'dovecot.log'), 'utf8');
    } catch {
      return '(no dovecot log)';
    }
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** True when the port answers with an IMAP greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d: Buffer) => done(d.toString().startsWith('* OK')));
  });
}
