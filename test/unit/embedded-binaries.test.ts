import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { untraversable } from '../../src/local/postgres/binaries.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-trav-'));
  await mkdir(join(root, 'a', 'b'), { recursive: true });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const stranger = { uid: 65534, gid: 65534 };

it('names the first directory another user cannot traverse', async () => {
  await chmod(root, 0o755);
  await chmod(join(root, 'a'), 0o700);
  expect(untraversable(join(root, 'a', 'b'), stranger)).toEqual({ dir: join(root, 'a'), mode: 0o700 });
  await chmod(join(root, 'a'), 0o711);
  expect(untraversable(join(root, 'a', 'b'), stranger)).toBeUndefined();
});

it('checks the owner bit for the owning user', async () => {
  const owner = { uid: process.getuid!(), gid: 65534 };
  await chmod(join(root, 'a'), 0o700);
  expect(untraversable(join(root, 'a', 'b'), owner)).toBeUndefined();
  await chmod(join(root, 'a'), 0o755);
});
