import { FakeSlack, type FakeMessage } from '../fakes/slack.js';
import { suffix } from '../helpers/services.js';
import type { Receiver } from './decision-latency.js';
import { startHubGroup } from './hub-group.js';
import type { HubProcess } from './hub-process.js';
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
  /** The bench's client on the shared database. */
  sql: HubProcess['sql'];
}

export async function startSlackHubs(processes: number, cleanup: Cleanup): Promise<SlackHubs> {
  const fake = new FakeSlack();
  await fake.start();
  cleanup.add('stop fake Slack', () => fake.stop());
  const signingSecret = `bench-signing-${suffix()}${suffix()}`;
  const env = { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: fake.url };
  const entry = process.env.BENCH_SLACK_PACED ? undefined : ['test/bench/slack-unpaced.ts', 'serve'];
  const group = await startHubGroup(processes, cleanup, { env, entry });
  progress(`slack: ${group.hubs.length} hub process(es) on one database and queue prefix${entry ? ', Slack pacing lifted' : ''}`);
  return {
    fake,
    hubs: group.hubs,
    apiKey: group.apiKey,
    webhookSecret: group.webhookSecret,
    signingSecret,
    pick: (i) => group.pick(i),
    cpuMs: () => group.cpuMs(),
    sql: group.sql,
  };
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
