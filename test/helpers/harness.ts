import pino from 'pino';
import postgres from 'postgres';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { loadConfig } from '../../src/config.js';
import { dropRedisKeys, freePort, freshDatabase, suffix, TEST_REDIS_URL } from './services.js';

export interface TestHub {
  baseUrl: string;
  apiKey: string;
  app: App;
  hub: App['hub'];
  /** postgres.js client on this hub's (fresh) database. */
  sql: postgres.Sql;
  databaseUrl: string;
  prefix: string;
  webhookSecret: string;
  /** fetch against the hub with the API key; JSON in and out. */
  api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers }>;
  stop: () => Promise<void>;
}

export interface TestHubOptions {
  env?: Record<string, string>;
  /** Join another hub's database and queues (a second process of the same deployment). */
  shareWith?: TestHub;
  callbackSchedule?: number[];
  webhookTimeoutMs?: number;
  workers?: boolean;
  /** false: every job goes through BullMQ, none is run at once by the process that wrote it. */
  holdJobs?: boolean;
  /** The held jobs' line (slots, waiting room, lease). */
  heldJobs?: AppOptions['heldJobs'];
  /** Collect the hub's log lines (at debug level) here. */
  logLines?: string[];
}

/** A real hub on loopback: fresh database, fresh queue names, real Redis, fast webhook retries. */
export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
  const db = opts.shareWith ? { url: opts.shareWith.databaseUrl, drop: async () => {} } : await freshDatabase();
  const port = await freePort();
  const apiKey = opts.shareWith?.apiKey ?? `sb_test_${suffix()}${suffix()}`;
  const prefix = opts.shareWith?.prefix ?? `sbtest_${suffix()}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_QUEUE_PREFIX: prefix,
    SWITCHBOARD_DATA_DIR: '/tmp/switchboard-test-unused',
    // The hub shares this process with the tests, whose own CPU-bound work is no load of the hub's.
    SWITCHBOARD_SHED_EVENT_LOOP_MS: '0',
    ...opts.env,
  });
  const lines = opts.logLines;
  const log = lines
    ? pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await createApp({
    config, log, databaseUrl: db.url, redisUrl: TEST_REDIS_URL,
    callbackSchedule: opts.callbackSchedule ?? [0, 100, 200, 400, 800],
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 2000,
    sweepMs: 200,
    outboxRecheckMs: 1000,
    drainGraceMs: 100,
    workers: opts.workers,
    holdJobs: opts.holdJobs,
    heldJobs: opts.heldJobs,
  });
  const baseUrl = await app.listen(port, '127.0.0.1');
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  return {
    baseUrl, apiKey, app, hub: app.hub, sql, databaseUrl: db.url, prefix, webhookSecret: app.webhookSecret,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      await app.stop();
      await sql.end({ timeout: 2 });
      await db.drop();
      if (!opts.shareWith) await dropRedisKeys(`${prefix}:*`);
    },
  };
}

/** A hub and a webhook receiver that verifies its signatures; `stop` ends both. */
export async function startHubWithReceiver(opts: TestHubOptions = {}): Promise<{ t: TestHub; rx: WebhookReceiver; stop: () => Promise<void> }> {
  const t = await startTestHub(opts);
  const rx = await new WebhookReceiver().start(t.webhookSecret);
  return {
    t,
    rx,
    async stop() {
      await rx.stop();
      await t.stop();
    },
  };
}
