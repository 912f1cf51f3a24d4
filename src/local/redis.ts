/**
 * Finding a Redis when `REDIS_URL` is not set: an explicit URL wins, then a Redis already
 * answering on 127.0.0.1:6379, then a `redis-server` we start ourselves (data under
 * `<dataDir>/redis`), else a {@link RedisNotFoundError} that says how to fix it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { findFreePort, findOnPath, isProcessAlive, LogTail, parentPid, processArgs, sleep, stopChild, terminatePid } from './proc.js';

export interface LocalService {
  url: string;
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379';

export class RedisNotFoundError extends Error {
  constructor(detail?: string) {
    super(
      `Redis was not found: REDIS_URL is not set, nothing answers PING on ${detail ?? '127.0.0.1:6379'}, ` +
        `and there is no redis-server on PATH. To fix it, ${REDIS_INSTALL_HINT}.`,
    );
    this.name = 'RedisNotFoundError';
  }
}

export interface ResolveRedisOptions {
  /** Where to look for an already running Redis; `false` skips the probe. Default 127.0.0.1:6379. */
  probe?: { host: string; port: number } | false;
  /** PATH used to look up `redis-server` (default `process.env.PATH`). */
  path?: string;
  /** How long to wait for a spawned redis-server to answer PING (default 10 s). */
  startTimeoutMs?: number;
}

/** Sends `PING\r\n` over a raw TCP socket; true iff the first reply line is `+PONG`. */
export function pingRedis(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    let settled = false;
    let buf = '';
    const socket = net.connect({ host, port });
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      const eol = buf.indexOf('\r\n');
      if (eol >= 0) finish(buf.slice(0, eol) === '+PONG');
      else if (buf.length > 512) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * Returns a usable Redis URL. `stop()` ends a redis-server we started (no-op otherwise).
 * Throws {@link RedisNotFoundError} when there is no Redis to be had.
 */
export async function resolveRedis(
  redisUrl: string | undefined,
  dataDir: string,
  log: (msg: string) => void,
  options: ResolveRedisOptions = {},
): Promise<LocalService> {
  const noop = async (): Promise<void> => {};
  if (redisUrl !== undefined && redisUrl.trim() !== '') return { url: redisUrl.trim(), stop: noop };

  const probe = options.probe === undefined ? { host: '127.0.0.1', port: 6379 } : options.probe;
  if (probe) {
    if (await pingRedis(probe.host, probe.port, 1000)) {
      const host = probe.host.includes(':') ? `[${probe.host}]` : probe.host;
      const url = `redis://${host}:${probe.port}`;
      log(`using the Redis answering on ${probe.host}:${probe.port} (set REDIS_URL to choose another)`);
      return { url, stop: noop };
    }
  }

  const bin = await findOnPath('redis-server', options.path ?? process.env.PATH);
  if (!bin) throw new RedisNotFoundError(probe ? `${probe.host}:${probe.port}` : undefined);

  return startRedisServer(bin, resolve(dataDir), log, options.startTimeoutMs ?? 10_000);
}

async function startRedisServer(
  bin: string,
  dataDir: string,
  log: (msg: string) => void,
  timeoutMs: number,
): Promise<LocalService> {
  const dir = join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  const ownerFile = join(dir, 'redis.owner');
  await stopOrphanRedis(pidFile, ownerFile, dir, log);

  // Another process can take the free port between our probe and redis binding it: try anew.
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    try {
      const child = await launchRedis(bin, dir, port, pidFile, ownerFile, timeoutMs);
      return runningRedis(child, port, dir, ownerFile, log);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 3) throw err;
      log(`redis-server could not bind 127.0.0.1:${port}; trying another port`);
    }
  }
}

class PortTaken extends Error {}

async function launchRedis(bin: string, dir: string, port: number, pidFile: string, ownerFile: string, timeoutMs: number): Promise<ChildProcess> {
  const tail = new LogTail();
  const child = spawn(
    bin,
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'yes',
      '--pidfile', pidFile,
      '--daemonize', 'no',
      '--logfile', '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => tail.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => tail.push(c.toString('utf8')));
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  await writeFile(ownerFile, `${process.pid}\n`);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await rm(ownerFile, { force: true });
      if (/address already in use/i.test(tail.text())) throw new PortTaken(`port ${port} taken`);
      throw new Error(
        `redis-server (${bin}) exited before answering PING` +
          (spawnError ? `: ${spawnError.message}` : ` (code ${child.exitCode}, signal ${child.signalCode})`) +
          `. Its output:\n${tail.text() || '(none)'}\nFix it, or set REDIS_URL=redis://host:6379.`,
      );
    }
    if (await pingRedis('127.0.0.1', port, 500)) break;
    if (Date.now() >= deadline) {
      await stopChild(child, 'SIGKILL', 1000);
      await rm(ownerFile, { force: true });
      throw new Error(
        `redis-server (${bin}) did not answer PING on 127.0.0.1:${port} within ${timeoutMs} ms. Its output:\n` +
          `${tail.text() || '(none)'}\nFix it, or set REDIS_URL=redis://host:6379.`,
      );
    }
    await sleep(50);
  }
  return child;
}

function runningRedis(child: ChildProcess, port: number, dir: string, ownerFile: string, log: (msg: string) => void): LocalService {
  log(`started redis-server on 127.0.0.1:${port} (pid ${child.pid}, data in ${dir})`);

  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      stopping ??= (async () => {
        await stopChild(child, 'SIGTERM', 10_000);
        await rm(ownerFile, { force: true });
        log('redis-server stopped');
      })();
      return stopping;
    },
  };
}

/**
 * A redis-server left running by a previous run that was killed (SIGKILL does not reach
 * children) would share our AOF directory with the new one, so it is shut down first —
 * unless the process that started it is still alive, in which case the data dir is in use.
 */
async function stopOrphanRedis(pidFile: string, ownerFile: string, dir: string, log: (msg: string) => void): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!isProcessAlive(pid)) return;
  const args = processArgs(pid);
  if (!args || !args.some((a) => /redis-server/.test(a))) return;
  const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
  const ppid = parentPid(pid);
  if (owner && ppid === owner && isProcessAlive(owner)) {
    throw new Error(
      `the Redis data directory ${dir} is in use by redis-server pid ${pid}, started by process ${owner}. ` +
        'Stop that process, use a different SWITCHBOARD_DATA_DIR, or set REDIS_URL.',
    );
  }
  log(`stopping redis-server pid ${pid} left over from a previous run`);
  await terminatePid(pid, 'SIGTERM', 10_000);
}
