// Small process, port and PATH helpers shared by the embedded Postgres and the local Redis.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import net from 'node:net';
import { delimiter, join } from 'node:path';

/** Finds an executable named `name` in a PATH-style string. */
export async function findOnPath(name: string, pathValue: string | undefined = process.env.PATH): Promise<string | undefined> {
  for (const dir of (pathValue ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True if nothing is listening on host:port (we could bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done(true)));
  });
}

/** A port the OS considers free right now on host. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.unref();
    server.once('error', fail);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port ? done(port) : fail(new Error('could not allocate a free port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Process helpers (Linux reads /proc; elsewhere falls back to `ps`).

/** True if a process with this pid exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  return stat ? stat.state !== 'Z' && stat.state !== 'X' : true;
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ... — comm may contain spaces/parens, so split after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** The argv of a live process, or undefined if it cannot be read. */
export function processArgs(pid: number): string[] | undefined {
  if (existsSync('/proc/self/cmdline')) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((s, i, all) => s !== '' || i < all.length - 1);
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out ? out.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/** Parent pid of a live process, or undefined. */
export function parentPid(pid: number): number | undefined {
  const stat = procStat(pid);
  if (stat) return stat.ppid;
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const n = Number(out);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until pid is gone (or a zombie); false on timeout. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Sends `signal`, then escalates to SIGKILL if the process outlives `graceMs`. */
export async function terminatePid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitForPidExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitForPidExit(pid, 5000);
}

/** Sends a signal to a child we spawned and waits for its exit; SIGKILL after graceMs. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Keeps the last `max` lines of a child's output, for error messages. */
export class LogTail {
  private lines: string[] = [];
  constructor(private readonly max = 40) {}
  push(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return this.lines.join('\n');
  }
}
