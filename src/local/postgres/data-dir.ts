/**
 * What the embedded Postgres keeps in the data dir beside its cluster: the port it listens on
 * (`postgres.port`), its password (`postgres.password`, mode 0600), the pid of the process that
 * started it (`postgres.owner`) and, when the cluster lives elsewhere, where (`postgres.location`).
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findFreePort, isPortFree } from '../proc.js';

export const PG_USER = 'postgres';
export const DATABASE = 'switchboard';
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

export interface DataFiles {
  port: string;
  password: string;
  owner: string;
  location: string;
}

export function dataFiles(root: string): DataFiles {
  return {
    port: join(root, 'postgres.port'),
    password: join(root, 'postgres.password'),
    owner: join(root, 'postgres.owner'),
    location: join(root, 'postgres.location'),
  };
}

export function connectionUrl(password: string, port: number, database = DATABASE): string {
  return `postgres://${PG_USER}:${password}@127.0.0.1:${port}/${database}`;
}

export async function readNumberFile(path: string): Promise<number | undefined> {
  const n = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export async function readPassword(files: DataFiles): Promise<string> {
  return (await readFile(files.password, 'utf8').catch(() => '')).trim();
}

export async function createPassword(files: DataFiles): Promise<string> {
  const password = randomBytes(24).toString('hex');
  await writeFile(files.password, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The URL of the cluster a hub started on this data dir, from its files (not checked to answer). */
export async function storedUrl(root: string): Promise<string | undefined> {
  const files = dataFiles(root);
  const port = await readNumberFile(files.port);
  const password = await readPassword(files);
  return port && password ? connectionUrl(password, port) : undefined;
}

/** The remembered port (54329 at first) if it is free, else a free one; remembered for next time. */
export async function choosePort(files: DataFiles, log: (m: string) => void): Promise<number> {
  const stored = await readNumberFile(files.port);
  const preferred = stored ?? DEFAULT_EMBEDDED_PG_PORT;
  let port = preferred;
  if (!(await isPortFree(preferred))) {
    port = await findFreePort();
    log(`port ${preferred} is taken; embedded Postgres will use port ${port}`);
  }
  if (port !== stored) await rememberPort(files, port);
  return port;
}

export async function rememberPort(files: DataFiles, port: number): Promise<void> {
  await writeFile(files.port, `${port}\n`);
}
