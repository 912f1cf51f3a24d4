/**
 * Where the cluster lives. Normally `<dataDir>/postgres`. As root, Postgres runs as the `postgres`
 * system user, which must reach the cluster and the binaries: when the data dir sits below a
 * directory that user cannot traverse (a 700 home or temp dir), the cluster lives in
 * `/var/lib/switchboard/<hash of the data dir>` instead, `<dataDir>/postgres.location` says where,
 * and the binaries are mirrored where it can reach them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureReachableBinaries, untraversable, type UserIds } from './binaries.js';
import { dataFiles, PG_USER } from './data-dir.js';
import { EmbeddedPostgresError } from './error.js';

export const CLUSTER_FALLBACK_ROOT = '/var/lib/switchboard';

export interface ClusterPlace {
  pgDir: string;
  /** Running as root: the library creates the postgres user if missing and runs Postgres as it. */
  asPostgresUser: boolean;
}

/** Creates the data dir and decides where the cluster goes (as root, making the binaries reachable). */
export async function placeCluster(root: string, fallbackRoot: string, log: (m: string) => void): Promise<ClusterPlace> {
  const asPostgresUser = typeof process.getuid === 'function' && process.getuid() === 0;
  await mkdirTraversable(root);
  if (!asPostgresUser) return { pgDir: join(root, 'postgres'), asPostgresUser };
  const ids = postgresUserIds();
  const pgDir = await clusterDir(root, ids, fallbackRoot, log);
  await ensureReachableBinaries(ids, log);
  return { pgDir, asPostgresUser };
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

/**
 * `<root>/postgres`, or — when the postgres user cannot reach `root` — a directory of its own
 * under `fallbackRoot`, recorded in `<root>/postgres.location`.
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
  await writeFile(dataFiles(root).location, `${dir}\n`);
  log(`the ${PG_USER} user cannot traverse ${blocked.dir} (mode ${blocked.mode.toString(8)}); the embedded Postgres cluster lives in ${dir}`);
  return dir;
}
