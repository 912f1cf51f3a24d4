import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { verifiesStandardWebhook } from '../fakes/webhook-receiver.js';
import { perOp, ServerCounters, type PerOp } from './counters.js';
import { CpuMeter, type CpuShare } from './cpu.js';
import type { HubGroup } from './hub-group.js';
import { waitForIdle } from './hub-process.js';
import { watchEventLoop, type EventLoopDelay } from './hub-metrics.js';
import { countdown, progress, sleep, status, summarize, type Cleanup, type Summary } from './util.js';

export interface DecisionLatencyResult {
  targetRate: number;
  /** Hub processes the creates and answers were spread over (set only when more than one). */
  processes?: number;
  seconds: number;
  /** Answers actually sent per second (open loop: the schedule, not the server, sets the pace). */
  sentRate: number;
  sent: number;
  answered200: number;
  answerStatusCodes: Record<string, number>;
  answerErrors: number;
  /** Answer POST → its HTTP response. */
  answerLatencyMs: Summary;
  /** Answer POST sent → webhook fully received, one per answered request. */
  webhookLatencyMs: Summary;
  /** The same over the warm-up answered before the measured window (cold code paths, new connections). */
  warmupWebhookLatencyMs?: Summary;
  webhooksMissing: number;
  webhooksDuplicate: number;
  webhooksUnverified: number;
  drainSeconds: number;
  /** Worst lateness of the sender against its schedule (the bench's own scheduling jitter). */
  senderLagMaxMs: number;
  /** CPU while answering (the send window). */
  cpu?: CpuShare;
  /** Server work per decision, its settle and callback jobs included. */
  perDecision?: PerOp;
  /** The hub's event-loop delay and GC over the send window (several hubs: worst delays, summed GC). */
  eventLoop: EventLoopDelay;
}

interface Reply {
  status: number;
  body: string;
}

function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The agent's end of the webhook: records the arrival time of each complete body. */
export class Receiver {
  readonly arrivals = new Map<string, number>();
  duplicates = 0;
  unverified = 0;
  url = '';
  private server: Server | undefined;
  private readonly verifier: Webhook;

  constructor(secret: string) {
    this.verifier = new Webhook(secret);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        res.writeHead(200).end();
        const body = Buffer.concat(chunks).toString('utf8');
        if (!verifiesStandardWebhook(this.verifier, body, req.headers)) this.unverified++;
        let id: string | undefined;
        try {
          id = (JSON.parse(body) as { data?: { id?: string } }).data?.id;
        } catch {
          // counted as unverified above if it was garbage
        }
        if (!id) return;
        if (this.arrivals.has(id)) this.duplicates++;
        else this.arrivals.set(id, at);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
  }


  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

/**
 * Decision → webhook latency at a steady rate. Pending requests with a callback_url are created
 * first (and their deliveries allowed to finish), then answered open-loop at `rate`/s: each
 * answer leaves on its schedule whether or not earlier ones have returned. Creates and answers go
 * round-robin over the group's hubs (the i-th to pick(i)); every webhook comes to the one receiver.
 */
export async function runDecisionLatency(
  group: HubGroup,
  opts: { seconds: number; rate: number; drainSeconds: number; warmupSeconds: number },
  cleanup: Cleanup,
): Promise<DecisionLatencyResult> {
  const receiver = new Receiver(group.webhookSecret);
  await receiver.start();
  cleanup.add('stop webhook receiver', () => receiver.stop());
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  cleanup.add('close bench HTTP agent', () => agent.destroy());
  const auth = { authorization: `Bearer ${group.apiKey}`, 'content-type': 'application/json' };

  // 1. The requests to answer: the warm-up's first, then the measured ones.
  const warmCount = Math.ceil(opts.rate * opts.warmupSeconds);
  const total = Math.ceil(opts.rate * opts.seconds);
  const n = group.hubs.length;
  progress(`decide: creating ${warmCount + total} requests with callback_url ${receiver.url}${n > 1 ? `, round-robin over ${n} hub processes` : ''}`);
  const createBody = JSON.stringify({ title: 'Deploy?', recipients: [{ channel: 'web' }], callback_url: receiver.url });
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < warmCount + total) {
        const r = await post(agent, `${group.pick(next++).baseUrl}/v1/requests`, auth, createBody);
        if (r.status !== 201) throw new Error(`create for the decision phase answered ${r.status}: ${r.body.slice(0, 300)}`);
        ids.push((JSON.parse(r.body) as { id: string }).id);
      }
    }),
  );
  const idle = await waitForIdle(group.hubs[0]!, 60_000, (left) => status(`decide: waiting for the hub to finish ${left} queued jobs`));
  if (idle === undefined) progress('decide: warning: the hub still had queued work after 60 s; measuring anyway');
  await sleep(500);

  // 2. Answer them on a fixed schedule.
  const sentAt = new Map<string, number>();
  const answerMs: number[] = [];
  const answerStatusCodes: Record<string, number> = {};
  let answered200 = 0;
  let answerErrors = 0;
  let lagMax = 0;
  const inflight = new Set<Promise<void>>();
  const answerBody = JSON.stringify({ value: 'approve' });
  const interval = 1000 / opts.rate;

  let answers = 0;
  const send = (id: string) => {
    const t0 = performance.now();
    sentAt.set(id, t0);
    const p = post(agent, `${group.pick(answers++).baseUrl}/v1/requests/${id}/responses`, auth, answerBody).then(
      (r) => {
        answerMs.push(performance.now() - t0);
        answerStatusCodes[r.status] = (answerStatusCodes[r.status] ?? 0) + 1;
        if (r.status === 200) answered200++;
      },
      () => {
        answerErrors++;
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  /** Sends one answer per id at the target rate, whether or not earlier ones have returned. */
  const onSchedule = (batch: string[]) =>
    new Promise<number>((done) => {
      const started = performance.now();
      let i = 0;
      const tick = () => {
        const now = performance.now();
        while (i < batch.length && started + i * interval <= now) {
          lagMax = Math.max(lagMax, now - (started + i * interval));
          send(batch[i++]!);
        }
        if (i >= batch.length) return done(started);
        setTimeout(tick, Math.max(0, started + i * interval - performance.now()));
      };
      tick();
    });

  // The first answers after start-up pay for cold code paths, new sockets and statements prepared on
  // each pooled connection: a warm-up at the same rate, reported on its own, keeps them out of the figures.
  let warmup: Summary | undefined;
  if (warmCount > 0) {
    progress(`decide: ${opts.warmupSeconds} s warm-up at ${opts.rate}/s (reported apart)`);
    await onSchedule(ids.slice(0, warmCount));
    const warmIds = [...sentAt.keys()];
    const until = performance.now() + opts.drainSeconds * 1000;
    while (inflight.size > 0 || !warmIds.every((id) => receiver.arrivals.has(id))) {
      if (performance.now() > until) break;
      await sleep(20);
    }
    warmup = summarize(warmIds.flatMap((id) => (receiver.arrivals.has(id) ? [receiver.arrivals.get(id)! - sentAt.get(id)!] : [])));
    sentAt.clear();
    answerMs.length = 0;
    for (const k of Object.keys(answerStatusCodes)) delete answerStatusCodes[k];
    answered200 = answerErrors = lagMax = 0;
    await sleep(200);
  }

  progress(`decide: answering at ${opts.rate}/s for ${opts.seconds} s (open loop)`);
  const counters = await ServerCounters.open(group.sql);
  cleanup.add('close counters', () => counters.close());
  const countsBefore = await counters.read();
  const loops = await Promise.all(group.hubs.map((h) => watchEventLoop(h.baseUrl)));
  const meter = new CpuMeter(() => group.pids());
  meter.begin();
  const stop = countdown('decide', opts.seconds, () => `${sentAt.size} sent, ${receiver.arrivals.size} webhooks`);
  let started: number;
  try {
    started = await onSchedule(ids.slice(warmCount));
  } finally {
    stop();
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const cpu = meter.end();
  const eventLoop = worstOf(await Promise.all(loops.map((loop) => loop())));

  // 3. Drain: every answered request should produce one webhook.
  const drainStart = performance.now();
  while (performance.now() - drainStart < opts.drainSeconds * 1000) {
    if (inflight.size === 0 && [...sentAt.keys()].every((id) => receiver.arrivals.has(id))) break;
    status(`decide: draining, ${sentAt.size - receiver.arrivals.size} webhooks outstanding`);
    await sleep(50);
  }
  await Promise.race([Promise.all(inflight), sleep(1000)]);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  await waitForIdle(group.hubs[0]!, 10_000);
  const countsAfter = await counters.settleAndRead();

  const latencies: number[] = [];
  let missing = 0;
  for (const [id, t0] of sentAt) {
    const at = receiver.arrivals.get(id);
    if (at === undefined) missing++;
    else latencies.push(at - t0);
  }
  progress(`decide: ${latencies.length} webhooks received, ${missing} missing after ${drainSeconds.toFixed(1)} s drain`);
  return {
    targetRate: opts.rate,
    ...(n > 1 ? { processes: n } : {}),
    seconds: Math.round(sendSeconds * 100) / 100,
    sentRate: Math.round((sentAt.size / sendSeconds) * 10) / 10,
    sent: sentAt.size,
    answered200,
    answerStatusCodes,
    answerErrors,
    answerLatencyMs: summarize(answerMs),
    webhookLatencyMs: summarize(latencies),
    warmupWebhookLatencyMs: warmup,
    webhooksMissing: missing,
    webhooksDuplicate: receiver.duplicates,
    webhooksUnverified: receiver.unverified,
    drainSeconds: Math.round(drainSeconds * 100) / 100,
    senderLagMaxMs: Math.round(lagMax * 100) / 100,
    cpu,
    eventLoop,
    perDecision: perOp(countsBefore, countsAfter, sentAt.size),
  };
}

/** Several hubs' event loops as one: the worst delay figures, GC pauses and time summed. */
function worstOf(loops: EventLoopDelay[]): EventLoopDelay {
  if (loops.length === 1) return loops[0]!;
  const worst = (k: 'p50Ms' | 'p99Ms' | 'maxMs') => Math.max(...loops.map((l) => l[k]));
  return {
    p50Ms: worst('p50Ms'),
    p99Ms: worst('p99Ms'),
    maxMs: worst('maxMs'),
    gcMs: Math.round(loops.reduce((a, l) => a + l.gcMs, 0) * 100) / 100,
    gcPauses: loops.reduce((a, l) => a + l.gcPauses, 0),
  };
}
