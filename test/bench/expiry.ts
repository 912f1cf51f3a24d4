import { CpuMeter, type CpuShare } from './cpu.js';
import { startAnswerLoop } from './answerer.js';
import { Receiver } from './decision-latency.js';
import { startHubProcess } from './hub-process.js';
import { seedPending } from '../helpers/seed-pending.js';
import { progress, sleep, status, summarize, type Cleanup, type Summary } from './util.js';

export interface ExpiryResult {
  requests: number;
  seedSeconds: number;
  expired: number;
  /** Deadline → the last of them stored as expired (database clock). */
  allExpiredSeconds: number | null;
  /** Deadline → the last of their webhooks received. */
  allWebhooksSeconds: number | null;
  webhooksReceived: number;
  webhooksDuplicate: number;
  /**
   * Answers to other requests, one every 50 ms: before the deadline, and while the burst runs. Sent
   * and timed from a worker thread (see answerer.ts), not the thread receiving the burst's webhooks.
   */
  answerBeforeMs: Summary;
  answerDuringMs: Summary;
  /** CPU from the deadline until all webhooks were in. */
  cpu?: CpuShare;
}

const WAIT_SECONDS = 180;
const ANSWER_EVERY_MS = 50;
const BEFORE_SECONDS = 6;
const DURING_SECONDS = 30;

/**
 * `n` requests due at the same moment, each with a callback_url and on_timeout: how long until
 * all are expired and all their webhooks received, and what the burst does to answers meanwhile.
 */
export async function runExpiry(n: number, cleanup: Cleanup): Promise<ExpiryResult> {
  const hub = await startHubProcess(cleanup);
  const receiver = new Receiver(hub.webhookSecret);
  await receiver.start();
  cleanup.add('stop expiry webhook receiver', () => receiver.stop());
  const auth = { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.baseUrl}${path}`, { method, headers: auth, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as { id: string };
  };

  progress(`expiry: seeding ${n.toLocaleString('en-US')} requests with on_timeout and a callback_url`);
  const t0 = performance.now();
  await seedPending(hub.sql, n, { callbackUrl: receiver.url, onTimeout: { value: 'reject' } });
  const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  // Other requests to answer while the burst runs, and before it (the baseline).
  const others: string[] = [];
  for (let i = 0; i < (BEFORE_SECONDS + DURING_SECONDS) * (1000 / ANSWER_EVERY_MS); i++) {
    others.push((await call('POST', '/v1/requests', { title: 'Other', recipients: [{ channel: 'web' }] })).id);
  }
  // One deadline for all, a moment ahead (setting it takes a while at this size).
  await hub.sql`update requests set expires_at = now() + ${BEFORE_SECONDS} * interval '1 second' where id like 'req_0000%'`;
  const [row] = await hub.sql<{ due: Date }[]>`select max(expires_at) as due from requests`;
  const deadline = row!.due.getTime();

  const answers = startAnswerLoop({ baseUrl: hub.baseUrl, apiKey: hub.apiKey, ids: others, everyMs: ANSWER_EVERY_MS, splitAt: deadline });

  progress(`expiry: deadline in ${((deadline - Date.now()) / 1000).toFixed(1)} s; waiting for all to expire and their webhooks`);
  const meter = new CpuMeter(() => hub.pid);
  await sleep(Math.max(0, deadline - Date.now()));
  meter.begin();
  let allExpiredSeconds: number | null = null;
  let expired = 0;
  const giveUp = deadline + WAIT_SECONDS * 1000;
  while (Date.now() < giveUp) {
    const [row] = await hub.sql<{ n: number; last: Date | null }[]>`
      select count(*)::int as n, max(closed_at) as last from requests where state = 'expired'`;
    expired = row!.n;
    if (expired >= n && allExpiredSeconds === null) allExpiredSeconds = (row!.last!.getTime() - deadline) / 1000;
    status(`expiry: ${expired} expired, ${receiver.arrivals.size} webhooks`);
    if (allExpiredSeconds !== null && receiver.arrivals.size >= n) break;
    await sleep(500);
  }
  const cpu = meter.end();
  const { before, during } = await answers.stop();
  const arrivals = [...receiver.arrivals.values()].map((at) => performance.timeOrigin + at);
  const expiredWebhooks = arrivals.length;
  const lastArrival = Math.max(...arrivals);
  await hub.stop();
  return {
    requests: n, seedSeconds, expired, allExpiredSeconds,
    allWebhooksSeconds: expiredWebhooks >= n ? Math.round((lastArrival - deadline) / 100) / 10 : null,
    webhooksReceived: expiredWebhooks, webhooksDuplicate: receiver.duplicates,
    answerBeforeMs: summarize(before), answerDuringMs: summarize(during), cpu,
  };
}
