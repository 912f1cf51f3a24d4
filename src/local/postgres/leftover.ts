// What an earlier run may have left in the cluster's directory: a half-made cluster, a postmaster.pid.
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isProcessAlive, parentPid, processArgs, terminatePid } from '../proc.js';
import { readNumberFile } from './data-dir.js';
import { EmbeddedPostgresError } from './error.js';

/**
 * True if `pgDir` holds an initialised cluster (it has `PG_VERSION`). A non-empty directory
 * without one (e.g. an initdb killed half-way) is moved aside rather than guessed at.
 */
export async function isInitialisedCluster(pgDir: string, log: (m: string) => void): Promise<boolean> {
  if (existsSync(join(pgDir, 'PG_VERSION'))) return true;
  if (existsSync(pgDir) && (await readdir(pgDir)).length > 0) {
    const aside = `${pgDir}.incomplete-${Date.now()}`;
    log(`${pgDir} holds no initialised cluster (no PG_VERSION); moving it to ${aside}`);
    await rename(pgDir, aside);
  }
  return false;
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
export async function handleLeftoverPostmaster(pgDir: string, ownerFile: string, log: (m: string) => void): Promise<void> {
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
