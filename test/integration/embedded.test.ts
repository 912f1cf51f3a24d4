import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/local/postgres/embedded.js';
import { findFreePort, findOnPath, isProcessAlive, sleep, stopChild } from '../../src/local/proc.js';
import { pingRedis, RedisNotFoundError, resolveRedis } from '../../src/local/redis.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', `switchboard-${prefix}-`));
  chmodSync(dir, 0o755); // mkdtemp makes it 0700; the postgres user must traverse it
  return dir;
}

function collector(): { log: (m: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(m) };
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
});

describe('embedded Postgres', () => {
  const dataDir = join(tempDir('pg'), 'data'); // a level we let startEmbeddedPostgres create
  cleanups.push(() => rmSync(resolve(dataDir, '..'), { recursive: true, force: true }));

  it('initialises a cluster, serves select 1, creates database switchboard', async () => {
    const { log, lines } = collector();
    const pg = await startEmbeddedPostgres(dataDir, log);
    cleanups.push(() => pg.stop());
    expect(pg.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/switchboard$/);
    expect(lines.some((l) => /initialising/.test(l))).toBe(true);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(Number(readFileSync(join(dataDir, 'postgres.port'), 'utf8'))).toBe(portOf(pg.url));

    const rows = await query<{ one: number; db: string; enc: string }>(
      pg.url,
      "select 1 as one, current_database() as db, current_setting('server_encoding') as enc",
    );
    expect(rows[0]).toEqual({ one: 1, db: 'switchboard', enc: 'UTF8' });
    await query(pg.url, "create table kept (v text); insert into kept values ('first run')");

    // The same data dir cannot be started twice while in use.
    await expect(startEmbeddedPostgres(dataDir, () => {})).rejects.toThrow(/in use/);

    await pg.stop();
    await pg.stop(); // idempotent
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('reuses the cluster (and port) on the next start', async () => {
    const before = Number(readFileSync(join(dataDir, 'postgres.port'), 'utf8'));
    const { log, lines } = collector();
    const pg = await startEmbeddedPostgres(dataDir, log);
    cleanups.push(() => pg.stop());
    expect(lines.some((l) => /initialising/.test(l))).toBe(false);
    expect(portOf(pg.url)).toBe(before);
    expect(await query(pg.url, 'select v from kept')).toEqual([{ v: 'first run' }]);
    await pg.stop();
  });

  it('moves to a free port when its port is taken, and remembers it', async () => {
    const stored = Number(readFileSync(join(dataDir, 'postgres.port'), 'utf8'));
    const blocker = net.createServer();
    await new Promise<void>((ok) => blocker.listen(stored, '127.0.0.1', () => ok()));
    try {
      const pg = await startEmbeddedPostgres(dataDir, () => {});
      cleanups.push(() => pg.stop());
      expect(portOf(pg.url)).not.toBe(stored);
      expect(Number(readFileSync(join(dataDir, 'postgres.port'), 'utf8'))).toBe(portOf(pg.url));
      expect(await query(pg.url, 'select v from kept')).toEqual([{ v: 'first run' }]);
      await pg.stop();
    } finally {
      await new Promise<void>((ok) => blocker.close(() => ok()));
    }
  });

  it('starts despite a stale postmaster.pid whose pid now belongs to another process', async () => {
    // Postgres treats a pid it may not signal (EPERM) as dead, so the case it refuses is a live
    // pid of its own user: as root, run the stand-in process as the postgres user.
    const ids = isRoot ? postgresIds() : {};
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore', ...ids });
    cleanups.push(() => stopChild(sleeper, 'SIGKILL', 1000));
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    writeFileSync(pidFile, `${sleeper.pid}\n${join(dataDir, 'postgres')}\n1700000000\n54329\n\n127.0.0.1\n  1234   5678\nready   \n`);
    chmodSync(pidFile, 0o600);
    const { log, lines } = collector();
    const pg = await startEmbeddedPostgres(dataDir, log);
    cleanups.push(() => pg.stop());
    expect(lines.some((l) => /stale/.test(l))).toBe(true);
    expect(await query(pg.url, 'select v from kept')).toEqual([{ v: 'first run' }]);
    await pg.stop();
    expect(isProcessAlive(sleeper.pid!)).toBe(true); // untouched
  });

  it('recovers after the postmaster itself was SIGKILLed, and stop() still returns', async () => {
    const pg = await startEmbeddedPostgres(dataDir, () => {});
    cleanups.push(() => pg.stop());
    await query(pg.url, "insert into kept values ('before crash')");
    const pid = postmasterPid(dataDir);
    process.kill(pid, 'SIGKILL');
    while (isProcessAlive(pid)) await sleep(20);
    await pg.stop(); // must not hang waiting for an exit that already happened
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true); // left by the crash

    const again = await startEmbeddedPostgres(dataDir, () => {});
    cleanups.push(() => again.stop());
    const rows = await query<{ v: string }>(again.url, 'select v from kept order by v');
    expect(rows.map((r) => r.v)).toEqual(['before crash', 'first run']);
    await again.stop();
  });

  it('shuts down a postmaster orphaned by a SIGKILLed hub, then starts', async () => {
    const script = join(resolve(dataDir, '..'), 'child.mts');
    const modUrl = new URL('../../src/local/postgres/embedded.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { startEmbeddedPostgres } from ${JSON.stringify(modUrl)};\n` +
        `const pg = await startEmbeddedPostgres(${JSON.stringify(dataDir)}, () => {});\n` +
        `console.log('READY ' + pg.url);\nsetInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => stopChild(child, 'SIGKILL', 1000));
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('READY')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`child failed:\n${out}`);
      await sleep(50);
    }
    const orphan = postmasterPid(dataDir);
    child.kill('SIGKILL');
    await new Promise<void>((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once('exit', () => ok())));
    await sleep(100);
    expect(isProcessAlive(orphan)).toBe(true); // SIGKILL of the parent leaves postgres running

    const { log, lines } = collector();
    const pg = await startEmbeddedPostgres(dataDir, log);
    cleanups.push(() => pg.stop());
    expect(lines.some((l) => /left running by a previous run/.test(l))).toBe(true);
    expect(isProcessAlive(orphan)).toBe(false);
    expect((await query(pg.url, 'select count(*)::int as n from kept'))[0]).toEqual({ n: 2 });
    await pg.stop();
  });

  it.skipIf(!isRoot)('keeps the cluster where the postgres user can reach it when the data dir is below a 700 directory', async () => {
    const locked = mkdtempSync(join('/tmp', 'switchboard-locked-')); // 0700
    const fallback = tempDir('fallback');
    cleanups.push(() => rmSync(locked, { recursive: true, force: true }), () => rmSync(fallback, { recursive: true, force: true }));
    const { log, lines } = collector();
    const pg = await startEmbeddedPostgres(join(locked, 'data'), log, { clusterFallbackRoot: fallback });
    try {
      expect(await query(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      const where = readFileSync(join(locked, 'data', 'postgres.location'), 'utf8').trim();
      expect(where.startsWith(`${fallback}/`)).toBe(true);
      expect(existsSync(join(where, 'PG_VERSION'))).toBe(true);
      expect(lines.join('\n')).toContain(`cannot traverse ${locked}`);
    } finally {
      await pg.stop();
    }
  });

  it.skipIf(!isRoot)('names the directory when no reachable place is left', async () => {
    const locked = mkdtempSync(join('/tmp', 'switchboard-locked-')); // 0700
    cleanups.push(() => rmSync(locked, { recursive: true, force: true }));
    const err = await startEmbeddedPostgres(join(locked, 'data'), () => {}, { clusterFallbackRoot: join(locked, 'fallback') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`traverse ${locked} `);
    expect((err as Error).message).toMatch(/chmod/);
  });
});

describe('resolveRedis', () => {
  const dataDir = tempDir('redis');
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let closedPort = 0;
  let redisBin: string | undefined;

  beforeAll(async () => {
    closedPort = await findFreePort(); // nothing listens there
    redisBin = await findOnPath('redis-server');
  });

  it('returns an explicit URL as is', async () => {
    const r = await resolveRedis('redis://example.invalid:6390/2', dataDir, () => {}, { probe: false, path: '' });
    expect(r.url).toBe('redis://example.invalid:6390/2');
    await r.stop();
  });

  it('uses a Redis that answers PING on the probe address', async () => {
    if (!redisBin) throw new Error('redis-server is needed for this test');
    const port = await findFreePort();
    const server: ChildProcess = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    cleanups.push(() => stopChild(server, 'SIGTERM', 5000));
    const deadline = Date.now() + 10_000;
    while (!(await pingRedis('127.0.0.1', port, 200))) {
      if (Date.now() > deadline) throw new Error('test redis did not start');
      await sleep(50);
    }
    const { log, lines } = collector();
    const r = await resolveRedis(undefined, dataDir, log, { probe: { host: '127.0.0.1', port }, path: '' });
    expect(r.url).toBe(`redis://127.0.0.1:${port}`);
    expect(lines.join('\n')).toMatch(/using the Redis/);
    await r.stop(); // no-op: not ours
    expect(await pingRedis('127.0.0.1', port)).toBe(true);
    await stopChild(server, 'SIGTERM', 5000);
  });

  it('starts its own redis-server when nothing answers, and stop() ends it', async () => {
    if (!redisBin) throw new Error('redis-server is needed for this test');
    const r = await resolveRedis(undefined, dataDir, () => {}, { probe: { host: '127.0.0.1', port: closedPort } });
    cleanups.push(() => r.stop());
    const port = portOf(r.url);
    expect(r.url).toBe(`redis://127.0.0.1:${port}`);
    expect(port).not.toBe(closedPort);
    expect(await pingRedis('127.0.0.1', port)).toBe(true);
    const pid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    expect(isProcessAlive(pid)).toBe(true);
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);

    // A second hub on the same data dir while the first is alive is refused.
    await expect(resolveRedis(undefined, dataDir, () => {}, { probe: false })).rejects.toThrow(/in use/);

    await r.stop();
    expect(isProcessAlive(pid)).toBe(false);
    expect(await pingRedis('127.0.0.1', port)).toBe(false);
  });

  it('shuts down a redis-server left running by a dead previous owner', async () => {
    const first = await resolveRedis(undefined, dataDir, () => {}, { probe: false });
    cleanups.push(() => first.stop());
    const pid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    // Pretend the process that started it is gone (as after a SIGKILLed hub).
    writeFileSync(join(dataDir, 'redis', 'redis.owner'), '999999999\n');
    const { log, lines } = collector();
    const second = await resolveRedis(undefined, dataDir, log, { probe: false });
    cleanups.push(() => second.stop());
    expect(lines.some((l) => /left over from a previous run/.test(l))).toBe(true);
    expect(isProcessAlive(pid)).toBe(false);
    expect(await pingRedis('127.0.0.1', portOf(second.url))).toBe(true);
    await second.stop();
    await first.stop(); // its child already exited: returns at once
  });

  it('throws RedisNotFoundError with the install hint when there is no Redis at all', async () => {
    const emptyBin = join(dataDir, 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    for (const path of ['', emptyBin]) {
      const err = await resolveRedis(undefined, dataDir, () => {}, { probe: { host: '127.0.0.1', port: closedPort }, path }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RedisNotFoundError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/Redis was not found/);
      expect(msg).toContain('apt-get install redis-server');
      expect(msg).toContain('brew install redis');
      expect(msg).toContain('REDIS_URL=redis://host:6379');
      expect(msg).toContain(`127.0.0.1:${closedPort}`);
    }
  });
});
