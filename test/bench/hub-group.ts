import type postgres from 'postgres';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { dropRedisKeys, freshDatabase, suffix } from '../helpers/services.js';
import { processCpuMs } from './cpu.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { Cleanup } from './util.js';

/**
 * `processes` hubs (child processes) on one database, one Redis queue prefix, one API key and one
 * webhook secret: one deployment behind several addresses. Use the group's apiKey and webhookSecret,
 * not the hubs' own fields (those are what startHubProcess generated before the group's env replaced them).
 */
export interface HubGroup {
  hubs: HubProcess[];
  /** The hub for the i-th request, answer or click: round-robin. */
  pick(i: number): HubProcess;
  pids(): number[];
  /** CPU time (user + system) the hub processes have used so far, in ms (Linux /proc). */
  cpuMs(): number;
  apiKey: string;
  webhookSecret: string;
  /** The first hub's bench client on the shared database (every hub's rows are there). */
  sql: postgres.Sql;
  /** Stops every hub, then drops the database and the queue keys (also done by the parent cleanup). */
  stop(): Promise<void>;
}

export interface HubGroupOptions {
  /** Extra environment for every hub (on top of the group's database, queue prefix, key and secret). */
  env?: Record<string, string>;
  /** Script and arguments after `node --import tsx` (see HubProcessOptions.entry). */
  entry?: string[];
}

export async function startHubGroup(processes: number, parent: Cleanup, opts: HubGroupOptions = {}): Promise<HubGroup> {
  const count = Math.max(1, Math.floor(processes));
  const cleanup = new Cleanup();
  parent.add('hub group', () => cleanup.run());
  const db = await freshDatabase();
  cleanup.add('drop hub group database', () => db.drop());
  const prefix = `sbbench_${suffix()}`;
  cleanup.add('delete hub group queue keys', () => dropRedisKeys(`${prefix}:*`));

  const apiKey = `sb_bench_${suffix()}${suffix()}`;
  const webhookSecret = generateWebhookSecret();
  const env = {
    ...opts.env,
    SWITCHBOARD_QUEUE_PREFIX: prefix,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_WEBHOOK_SECRET: webhookSecret,
  };
  const start = () => startHubProcess(cleanup, { databaseUrl: db.url, env, entry: opts.entry });
  // The first one migrates the database; the others start on it together.
  const first = await start();
  const hubs = [first, ...(await Promise.all(Array.from({ length: count - 1 }, start)))];
  return {
    hubs,
    pick: (i) => hubs[i % hubs.length]!,
    pids: () => hubs.map((h) => h.pid),
    cpuMs: () => hubs.reduce((sum, h) => sum + processCpuMs(h.pid), 0),
    apiKey,
    webhookSecret,
    sql: first.sql,
    stop: () => cleanup.run(),
  };
}
