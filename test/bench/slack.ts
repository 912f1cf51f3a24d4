/**
 * `BENCH_ONLY=slack`: the Slack channel end to end against the fake Slack, with `processes` hubs
 * sharing one database and Redis. Sequential round: create → posted → one signed click at a time,
 * click → signed webhook received, hub CPU over the whole flow until every message is settled. Burst
 * round: every approval clicked at once. After each round: nothing decided twice, posted twice,
 * webhooked twice or missing.
 */
import type { FakeMessage } from '../fakes/slack.js';
import { perOp, ServerCounters, type PerOp } from './counters.js';
import { blockActions, postPayload } from '../fakes/slack-payloads.js';
import { waitFor } from '../helpers/services.js';
import { Receiver } from './decision-latency.js';
import { waitForIdle } from './hub-process.js';
import { seedPending } from '../helpers/seed-pending.js';
import { arrivalWaiter, messagesPerRequest, startSlackHubs, type SlackHubs } from './slack-hubs.js';
import { progress, status, summarize, type Cleanup, type Summary } from './util.js';

export interface SlackChecks {
  round: string;
  /** Requests with more than one final event (resolved / expired / cancelled). */
  decidedTwice: number;
  /** Requests whose Slack delivery was posted more than once. */
  postedTwice: number;
  webhooksDuplicate: number;
  webhooksMissing: number;
  webhooksUnverified: number;
  /** Clicks not answered 200. */
  clicksFailed: number;
  /** Messages still showing buttons at the end of the round. */
  notSettled: number;
}

export interface SlackResult {
  processes: number;
  approvals: number;
  /** Other pending requests in the database meanwhile (BENCH_SLACK_PENDING). */
  pending: number;
  paced: boolean;
  createsPostedPerSec: number;
  clickToWebhookMs: Summary;
  hubCpuMsPerApproval: number;
  /** Postgres transactions, Redis commands and scripts per approval in the sequential round. */
  perApproval?: PerOp;
  clicksAtOncePerSec: number;
  burstClickToWebhookMs: Summary;
  /** Slack Web API calls the hubs made per approval, by method (both rounds). */
  callsPerApproval: Record<string, number>;
  checks: SlackChecks[];
}

const CREATORS = 16;
const USER = 'U0ANA';

/** `pending`: requests seeded (pending, web only) before the rounds, so clicks run against a full table. */
export async function runSlack(approvals: number, processes: number, cleanup: Cleanup, pending = 0): Promise<SlackResult> {
  const s = await startSlackHubs(processes, cleanup);
  if (pending > 0) {
    progress(`slack: seeding ${pending.toLocaleString('en-US')} other pending requests`);
    await seedPending(s.sql, pending);
  }
  const receiver = new Receiver(s.webhookSecret);
  await receiver.start();
  cleanup.add('stop Slack webhook receiver', () => receiver.stop());
  const arrived = arrivalWaiter(receiver);
  const checks: SlackChecks[] = [];
  const clickMs = (i: number, msg: FakeMessage) => click(s, i, msg);

  // Sequential round: CPU over the whole flow, one click at a time.
  progress(`slack: ${approvals} approvals to #approvals over ${processes} process(es), clicked one at a time`);
  const counters = await ServerCounters.open(s.sql);
  cleanup.add('close server counters', () => counters.close());
  const counts0 = await counters.read();
  const cpu0 = s.cpuMs();
  const posted = await createAndPost(s, approvals, receiver.url);
  const latencies: number[] = [];
  let failed = 0;
  for (const [i, [id, msg]] of [...posted.messages].entries()) {
    const t0 = performance.now();
    const [ok, at] = await Promise.all([clickMs(i, msg), arrived(id, 10_000)]);
    if (!ok) failed++;
    if (at !== undefined) latencies.push(at - t0);
    if (i % 50 === 0) status(`slack: ${i} of ${approvals} clicked`);
  }
  await settled(s, [...posted.messages.values()]);
  const hubCpuMsPerApproval = (s.cpuMs() - cpu0) / approvals;
  const perApproval = perOp(counts0, await counters.settleAndRead(), approvals);
  checks.push(await check(s, receiver, 'sequential', posted.messages, failed));

  // Burst round: fresh approvals, all clicked at once.
  progress(`slack: ${approvals} more approvals, clicked at once`);
  const burst = await createAndPost(s, approvals, receiver.url);
  const t0 = performance.now();
  const outcomes = await Promise.all(
    [...burst.messages].map(async ([id, msg], i) => {
      const sent = performance.now();
      const [ok, at] = await Promise.all([clickMs(i, msg), arrived(id, 60_000)]);
      return { ok, ms: at === undefined ? undefined : at - sent, at };
    }),
  );
  const last = Math.max(...outcomes.map((o) => o.at ?? NaN).filter(Number.isFinite));
  const done = outcomes.filter((o) => o.ms !== undefined);
  await settled(s, [...burst.messages.values()]);
  checks.push(await check(s, receiver, 'burst', burst.messages, outcomes.filter((o) => !o.ok).length));

  return {
    processes,
    approvals,
    pending,
    paced: Boolean(process.env.BENCH_SLACK_PACED),
    createsPostedPerSec: round((2 * approvals) / (posted.seconds + burst.seconds)),
    clickToWebhookMs: summarize(latencies),
    hubCpuMsPerApproval: round(hubCpuMsPerApproval, 2),
    perApproval,
    clicksAtOncePerSec: round(done.length / ((last - t0) / 1000)),
    burstClickToWebhookMs: summarize(done.map((o) => o.ms!)),
    callsPerApproval: callsPer(s, 2 * approvals),
    checks,
  };
}

/** Creates `n` approvals round-robin over the hubs and waits until the fake holds a message for each. */
async function createAndPost(s: SlackHubs, n: number, callbackUrl: string): Promise<{ messages: Map<string, FakeMessage>; seconds: number }> {
  const body = JSON.stringify({ title: 'Deploy v2.3?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }], callback_url: callbackUrl });
  const ids: string[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATORS }, async () => {
      while (next < n) {
        const hub = s.pick(next++);
        const res = await fetch(`${hub.baseUrl}/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' }, body });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`slack: create answered ${res.status}: ${text.slice(0, 300)}`);
        ids.push((JSON.parse(text) as { id: string }).id);
      }
    }),
  );
  let shown = -1;
  const messages = await waitFor(() => {
    const byId = messagesPerRequest(s.fake);
    const found = ids.filter((id) => byId.has(id)).length;
    if (found !== shown) status(`slack: ${(shown = found)} of ${n} posted`);
    return found === n ? new Map(ids.map((id) => [id, byId.get(id)![0]!])) : undefined;
  }, 120_000, `${n} Slack posts`);
  return { messages, seconds: (performance.now() - started) / 1000 };
}

/** A signed block_actions click on Approve, sent to the i-th hub; true when answered 200. */
async function click(s: SlackHubs, i: number, msg: FakeMessage): Promise<boolean> {
  const payload = blockActions(s.fake, { channel: msg.channel, ts: msg.ts, user: USER, actionId: 'sb:opt:0' });
  const res = await postPayload(`${s.pick(i).baseUrl}/slack/events`, payload, { secret: s.signingSecret });
  return res.status === 200;
}

const hasButtons = (msg: FakeMessage) => msg.blocks.some((b: { type?: string }) => b.type === 'actions');

/** Waits (up to 120 s) until no message shows buttons any more and the hubs have no queued work. */
async function settled(s: SlackHubs, messages: FakeMessage[]): Promise<void> {
  await waitFor(() => messages.every((m) => !hasButtons(s.fake.message(m.channel, m.ts) ?? m)), 120_000, 'every Slack message settled').catch(() => {
    progress('slack: warning: some messages still show buttons after 120 s');
  });
  await waitForIdle(s.hubs[0]!, 30_000);
}

async function check(s: SlackHubs, receiver: Receiver, round: string, messages: Map<string, FakeMessage>, clicksFailed: number): Promise<SlackChecks> {
  const ids = [...messages.keys()];
  const [row] = await s.hubs[0]!.sql<{ n: number }[]>`
    select count(*)::int as n from (
      select request_id from events
      where type in ('request.resolved', 'request.expired', 'request.cancelled') and request_id = any(${ids})
      group by request_id having count(*) > 1) twice`;
  const perRequest = messagesPerRequest(s.fake);
  const result: SlackChecks = {
    round,
    decidedTwice: row?.n ?? 0,
    postedTwice: ids.filter((id) => (perRequest.get(id)?.length ?? 0) > 1).length,
    webhooksDuplicate: receiver.duplicates,
    webhooksMissing: ids.filter((id) => !receiver.arrivals.has(id)).length,
    webhooksUnverified: receiver.unverified,
    clicksFailed,
    notSettled: [...messages.values()].filter((m) => hasButtons(s.fake.message(m.channel, m.ts) ?? m)).length,
  };
  progress(`slack: ${round} checks ${JSON.stringify(result)}`);
  return result;
}

function callsPer(s: SlackHubs, approvals: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of s.fake.calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([method, n]) => [method, round(n / approvals, 2)]));
}

const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;
