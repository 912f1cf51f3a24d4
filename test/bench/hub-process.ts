import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { freePort, freshDatabase, suffix, TEST_REDIS_URL } from '../helpers/services.js';
import { Cleanup, progress, sleep } from './util.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface HubProcess {
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  pid: number;
  /** postgres.js client (2 connections) on the hub's database, for the bench's own checks. */
  sql: postgres.Sql;
  logFile: string;
  logLevel: string;
  /** Stops the process and removes its database, queue keys and log (also done by the cleanup). */
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  /** Script and arguments after `node --import tsx` (default: BENCH_HUB_ENTRY, else `src/cli.ts serve`). */
  entry?: string[];
  /** Extra environment for the hub. */
  env?: Record<string, string>;
  /** An existing database to run on (the caller drops it); default: a fresh one, dropped by stop(). */
  databaseUrl?: string;
  /** Extra `node` arguments (before BENCH_HUB_NODE_ARGS). */
  nodeArgs?: string[];
}

/**
 * `switchboard serve` as its own process (`node --import tsx src/cli.ts serve`), the way it runs in
 * production: its own event loop, its own GC, its own logging. Fresh database, fresh queue prefix,
 * the shared Redis. Everything it creates is removed by `stop()` or, at the latest, by `parent`.
 */
export async function startHubProcess(parent: Cleanup, opts: HubProcessOptions = {}): Promise<HubProcess> {
  const cleanup = new Cleanup();
  parent.add('hub', () => cleanup.run());
  const db = opts.databaseUrl ? { url: opts.databaseUrl } : await freshDatabase();
  if ('drop' in db) cleanup.add('drop hub database', () => db.drop());
  const prefix = `sbbench_${suffix()}`;
  cleanup.add('delete hub queue keys', () => deleteRedisKeys(TEST_REDIS_URL, `${prefix}:*`));

  const port = await freePort();
  const apiKey = `sb_bench_${suffix()}${suffix()}`;
  const webhookSecret = generateWebhookSecret();
  const logLevel = process.env.BENCH_HUB_LOG_LEVEL ?? 'info';
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const logFile = join(dir, 'hub.log');
  const extraNodeArgs = [...(opts.nodeArgs ?? []), ...(process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  // Another entry script (same environment contract) for experiments; default: the real CLI.
  const entry = opts.entry ?? (process.env.BENCH_HUB_ENTRY ?? 'src/cli.ts serve').split(/\s+/).filter(Boolean);

  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...extraNodeArgs, ...entry], {
    cwd: REPO,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_WEBHOOK_SECRET: webhookSecret,
      SWITCHBOARD_QUEUE_PREFIX: prefix,
      SWITCHBOARD_DATA_DIR: join(dir, 'data'),
      SWITCHBOARD_LOG_LEVEL: logLevel,
      // The bench measures what the hub does with every create; shedding under the load generator would skew it.
      SWITCHBOARD_SHED_EVENT_LOOP_MS: process.env.SWITCHBOARD_SHED_EVENT_LOOP_MS ?? '0',
      ...opts.env,
    },
  });
  closeSync(log);
  const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  let alive = true;
  void exited.then(() => (alive = false));
  cleanup.add('remove hub log', () => {
    if (process.env.BENCH_KEEP_LOG) progress(`hub log kept at ${logFile}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  cleanup.add('stop hub process', async () => {
    if (!alive) return;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      progress('hub did not stop within 10 s of SIGTERM: SIGKILL');
      child.kill('SIGKILL');
      await exited;
    }
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) throw new Error(`the hub exited during startup; its log:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      await res.text();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the hub was not ready within 60 s; its log:\n${tail(logFile)}`);
    await sleep(100);
  }
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  cleanup.add('close bench client on hub database', () => sql.end({ timeout: 2 }));
  progress(`hub ready: ${entry.join(' ')}, pid ${child.pid} at ${baseUrl} (log level ${logLevel}${extraNodeArgs.length ? `, node ${extraNodeArgs.join(' ')}` : ''})`);
  return { baseUrl, apiKey, webhookSecret, pid: child.pid!, sql, logFile, logLevel, stop: () => cleanup.run() };
}

/**
 * Waits until everything the hub has queued is done: no outbox rows, no queued deliveries, no
 * pending callbacks. Returns the seconds it took, or undefined if `timeoutMs` ran out first.
 */
export async function waitForIdle(hub: HubProcess, timeoutMs: number, onTick?: (left: number) => void): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    const [row] = await hub.sql<{ n: number }[]>`
      select (select count(*) from outbox)::int
        + (select count(*) from deliveries where status = 'queued')::int
        + (select count(*) from requests where callback_status = 'pending')::int as n`;
    const left = row?.n ?? 0;
    if (left === 0) return (performance.now() - started) / 1000;
    onTick?.(left);
    if (performance.now() - started > timeoutMs) return undefined;
    await sleep(200);
  }
}

async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
