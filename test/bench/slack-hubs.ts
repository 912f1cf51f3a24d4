import { readFileSync } from 'node:fs';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { FakeSlack, type FakeMessage } from '../fakes/slack.js';
import { dropRedisKeys, freshDatabase, suffix } from '../helpers/services.js';
import type { Receiver } from './decision-latency.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { progress, type Cleanup } from './util.js';

/**
 * The fake Slack in this process and `processes` hubs (child processes) on one database, one Redis
 * queue prefix, one API key, webhook secret and Slack app: one deployment behind several addresses.
 */
export interface SlackHubs {
  fake: FakeSlack;
  hubs: HubProcess[];
  apiKey: string;
  webhookSecret: string;
  signingSecret: string;
  /** The hub for the i-th request or click: round-robin. */
  pick(i: number): HubProcess;
  /** CPU time (user + system) the hub processes have used so far, in ms (Linux /proc). */
  cpuMs(): number;
}

export async function startSlackHubs(processes: number, cleanup: Cleanup): Promise<SlackHubs> {
  const fake = new FakeSlack();
  await fake.start();
  cleanup.add('stop fake Slack', () => fake.stop());
  const db = await freshDatabase();
  cleanup.add('drop Slack bench database', () => db.drop());
  const prefix = `sbbench_${suffix()}`;
  cleanup.add('delete Slack bench queue keys', () => dropRedisKeys(`${prefix}:*`));

  const apiKey = `sb_bench_${suffix()}${suffix()}`;
  const webhookSecret = generateWebhookSecret();
  const signingSecret = `bench-signing-${suffix()}${suffix()}`;
  const env = {
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: fake.url,
    SWITCHBOARD_QUEUE_PREFIX: prefix,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_WEBHOOK_SECRET: webhookSecret,
  };
  const entry = process.env.BENCH_SLACK_PACED ? undefined : ['test/bench/slack-unpaced.ts', 'serve'];
  const start = () => startHubProcess(cleanup, { databaseUrl: db.url, env, entry });
  // The first one migrates the database; the others start on it together.
  const first = await start();
  const hubs = [first, ...(await Promise.all(Array.from({ length: processes - 1 }, start)))];
  progress(`slack: ${hubs.length} hub process(es) on one database and queue prefix${entry ? ', Slack pacing lifted' : ''}`);
  return {
    fake,
    hubs,
    apiKey,
    webhookSecret,
    signingSecret,
    pick: (i) => hubs[i % hubs.length]!,
    cpuMs: () => hubs.reduce((sum, h) => sum + processCpuMs(h.pid), 0),
  };
}

/** utime + stime of a process in ms (clock ticks are 10 ms on Linux); 0 where /proc is missing. */
function processCpuMs(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return 0;
  }
}

/** The request a Slack message is for: its metadata, which settles keep (the buttons go). */
export function requestIdOf(msg: FakeMessage): string | undefined {
  const id = msg.metadata?.event_payload.request_id;
  return typeof id === 'string' ? id : undefined;
}

/** The fake's bot messages grouped by request. */
export function messagesPerRequest(fake: FakeSlack): Map<string, FakeMessage[]> {
  const byId = new Map<string, FakeMessage[]>();
  for (const msg of fake.messages.values()) {
    const id = requestIdOf(msg);
    if (id) byId.set(id, [...(byId.get(id) ?? []), msg]);
  }
  return byId;
}

/** Resolves with the arrival time of the webhook for a request, or undefined after `timeoutMs`. */
export function arrivalWaiter(receiver: Receiver): (id: string, timeoutMs: number) => Promise<number | undefined> {
  const waiting = new Map<string, (at: number) => void>();
  const set = receiver.arrivals.set.bind(receiver.arrivals);
  // The receiver records arrivals in a Map; hooking its set wakes a waiter without polling.
  receiver.arrivals.set = (id, at) => {
    set(id, at);
    waiting.get(id)?.(at);
    return receiver.arrivals;
  };
  return (id, timeoutMs) => {
    const known = receiver.arrivals.get(id);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(id, (at) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(at);
      });
    });
  };
}
