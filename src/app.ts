import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { createChannels, type ChannelRegistry } from '../channels/index.js';
import { createChannelContexts } from './channel-context.js';
import { drainBudget } from './drain-budget.js';
import type { Config } from './config.js';
import type { Request } from './domain/types.js';
import { registerApi } from './http/api.js';
import { registerHumanLayer } from './http/humanlayer/routes.js';
import { registerOps } from './http/ops.js';
import { presentRequest, type PresentOptions } from './http/present.js';
import { beginDrain } from './http/drain.js';
import { LoadMonitor } from './http/load-monitor.js';
import { installLoadShedding } from './http/load-shedding.js';
import { createHttpServer } from './http/server.js';
import { registerUi } from './http/ui/routes.js';
import { SwitchboardHub } from './hub.js';
import type { CallbackContext, JobContext } from './jobs/context.js';
import { ExpirySweep } from './jobs/expiry.js';
import { createFollowUps } from './jobs/follow-ups.js';
import { createQueue, redisConnection } from './jobs/queue.js';
import { OutboxRelay } from './jobs/relay.js';
import { Wakeups } from './jobs/wakeups.js';
import { createWorker, runHeldJob } from './jobs/worker.js';
import { DEFAULT_HELD_JOBS, HeldJobs, type HeldJobsOptions } from './jobs/held-jobs.js';
import { registerMcp } from './mcp/http.js';
import { createMetrics } from './metrics.js';
import { createKeyVerifier } from './store/api-keys.js';
import { AttemptBatcher } from './store/attempt-batcher.js';
import { channelState } from './store/channel-state.js';
import { connect, runMigrations, type Db } from './store/db.js';
import { outboxBacklog } from './store/outbox-backlog.js';
import { getOrCreateSetting } from './store/settings.js';
import { createTokens } from './tokens.js';
import { CALLBACK_SCHEDULE_MS, DEFAULT_WEBHOOK_TIMEOUT_MS, generateWebhookSecret, webhookSecretWarning } from './webhooks.js';

export interface AppOptions {
  config: Config;
  databaseUrl: string;
  redisUrl: string;
  log: Logger;
  /** Run job workers in this process (default true). */
  workers?: boolean;
  /**
   * Run the deliveries and settles this process's own commits make due here at once, their outbox
   * rows as backstop (default true with workers; see jobs/held-jobs.ts). false: all through BullMQ.
   */
  holdJobs?: boolean;
  workerConcurrency?: number;
  callbackSchedule?: readonly number[];
  webhookTimeoutMs?: number;
  sweepMs?: number;
  /** How long a job may sit in BullMQ before the sweep checks that Redis still has it (default 30 s). */
  outboxRecheckMs?: number;
  crashAfterCommit?: boolean;
  /** The line of jobs a process holds to run itself: lease, slots, waiting room (see jobs/held-jobs.ts). */
  heldJobs?: Partial<HeldJobsOptions>;
  /** How long a draining process keeps answering 503 before it stops listening (see stop()). */
  drainGraceMs?: number;
}

const DRAIN_GRACE_MS = 1000;

export interface App {
  http: FastifyInstance;
  hub: SwitchboardHub;
  db: Db;
  /** The outbox relay (bench diagnostics switch it off). */
  relay: OutboxRelay;
  channels: ChannelRegistry;
  webhookSecret: string;
  listen(port: number, host: string): Promise<string>;
  stop(): Promise<void>;
}

/** Builds one Switchboard process: API, channel webhooks and workers over one Postgres and one Redis. */
export async function createApp(o: AppOptions): Promise<App> {
  const { config, log } = o;
  const db = connect(o.databaseUrl, { max: config.SWITCHBOARD_DB_POOL_SIZE });
  await runMigrations(db);
  const webhookSecret = config.SWITCHBOARD_WEBHOOK_SECRET ?? (await getOrCreateSetting(db, 'webhook_secret', generateWebhookSecret)).value;
  const weakSecret = webhookSecretWarning(webhookSecret);
  if (weakSecret) log.warn(weakSecret);
  const tokenSecret = (await getOrCreateSetting(db, 'token_secret', () => randomBytes(32).toString('base64url'))).value;
  const tokens = createTokens(tokenSecret);

  const prefix = config.SWITCHBOARD_QUEUE_PREFIX;
  const redis = { queue: redisConnection(o.redisUrl), worker: redisConnection(o.redisUrl), pub: redisConnection(o.redisUrl, { autoPipelining: true }), sub: redisConnection(o.redisUrl) };
  const queue = createQueue(redis.queue, prefix);
  const schedule = o.callbackSchedule ?? CALLBACK_SCHEDULE_MS;
  const relay = new OutboxRelay(db, queue, log.child({ part: 'relay' }), { recheckAfterMs: o.outboxRecheckMs ?? 30_000 });
  const wakeups = new Wakeups(redis.pub, redis.sub, prefix);
  await wakeups.start();
  const metrics = createMetrics(db);
  const channels = createChannels(config, log);
  const webhookTimeoutMs = o.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const present = (r: Request, opts?: PresentOptions) => presentRequest(r, config.publicUrl, tokens, opts);
  const callbacks: CallbackContext = { db, attempts: new AttemptBatcher(db), metrics, log: log.child({ part: 'jobs' }), webhookSecret, webhookTimeoutMs, callbackSchedule: schedule, present,
    callbackPrivate: config.SWITCHBOARD_CALLBACK_PRIVATE };
  // What this process does after each commit of the hub: the hub only reports, these do the work.
  // Longer than one attempt can take, so the backstop never races a live first attempt...
  const callbackBackstopMs = webhookTimeoutMs + 5000;
  // ...which is why a first attempt waiting for a free slot gives up well before the backstop is due.
  const firstAttemptMaxWaitMs = callbackBackstopMs - webhookTimeoutMs - 1000;
  const runsJobs = o.workers !== false;
  const holdsJobs = runsJobs && o.holdJobs !== false;
  const held = new HeldJobs(db, relay, log.child({ part: 'jobs' }), { ...DEFAULT_HELD_JOBS, ...o.heldJobs });
  metrics.heldJobs(() => held.counts);
  const followUps = createFollowUps({ relay, held, wakeups, metrics, callbacks, log, crashAfterCommit: o.crashAfterCommit, firstAttemptMaxWaitMs });
  const hub = new SwitchboardHub({
    db, channels, tokens, publicUrl: config.publicUrl, callbackPrivate: config.SWITCHBOARD_CALLBACK_PRIVATE, events: followUps,
    callbackBackstopMs, holdJobsMs: holdsJobs ? held.leaseMs : undefined,
    createBatch: { windowMs: config.SWITCHBOARD_CREATE_BATCH_MS, maxItems: config.SWITCHBOARD_CREATE_BATCH_MAX },
  });
  const jobs: JobContext = { ...callbacks, hub, channels };

  const http = createHttpServer(log);
  const load = new LoadMonitor({
    limits: { eventLoopMs: config.SWITCHBOARD_SHED_EVENT_LOOP_MS, pendingCreates: config.SWITCHBOARD_SHED_PENDING_CREATES, outboxBacklog: config.SWITCHBOARD_SHED_OUTBOX },
    // Held jobs waiting for a slot are follow-ups not yet done, as much as due outbox rows are.
    backlog: async (cap) => Math.min(cap, held.counts.waiting + (await outboxBacklog(db, cap))),
  });
  load.start();
  installLoadShedding(http, load, metrics.registry);
  registerOps(http, {
    metrics, channels, load, publicUrl: config.publicUrl, metricsToken: config.METRICS_TOKEN,
    checks: { postgres: () => db.sql`select 1`, redis: () => redis.queue.ping() },
  });
  const verifyKey = createKeyVerifier(db, config.SWITCHBOARD_API_KEY);
  await registerApi(http, { db, hub, relay, wakeups, present, verifyKey });
  await registerHumanLayer(http, { db, hub, present, verifyKey });
  await registerMcp(http, { verifyKey, shutdown: wakeups.shutdown });
  await registerUi(http, { db, hub, relay, wakeups, verifyKey, secret: tokenSecret, bootstrapKey: config.SWITCHBOARD_API_KEY, publicUrl: config.publicUrl });
  const channelContexts = await createChannelContexts({ redisUrl: o.redisUrl, prefix, hub, http, log, state: (name) => channelState(db, name) });
  await channels.start(channelContexts);

  let worker: Worker | undefined;
  if (runsJobs) {
    worker = createWorker(jobs, redis.worker, prefix, { concurrency: o.workerConcurrency ?? 16 });
    if (holdsJobs) held.work((job) => runHeldJob(jobs, job));
  }
  const sweepMs = o.sweepMs ?? 1000;
  relay.start(sweepMs);
  const expirySweep = new ExpirySweep({ hub, followUps, log: log.child({ part: 'expiry' }) });
  expirySweep.start(sweepMs);

  return {
    http, hub, db, relay, channels, webhookSecret,
    async listen(port, host) {
      return http.listen({ port, host });
    },
    async stop() {
      const budget = drainBudget(config.SWITCHBOARD_DRAIN_SECONDS * 1000);
      await expirySweep.stop();
      // New requests get 503 + Retry-After and every response closes its connection; long-polls
      // answer 503, streams end. After a grace period the server closes what is still idle.
      beginDrain(http);
      load.stop();
      wakeups.drain();
      // The worker takes no new job from now on (other processes do) and lets the running ones finish.
      const workerClosed = Promise.all([worker?.close(), held.stop(budget.leftMs())]);
      await new Promise((r) => setTimeout(r, Math.min(o.drainGraceMs ?? DRAIN_GRACE_MS, budget.leftMs())));
      await followUps.whenIdle(Math.min(webhookTimeoutMs + 1000, budget.leftMs()));
      // Keep-alive sockets turn idle as their last responses go out; close them as they do.
      const idle = setInterval(() => http.server.closeIdleConnections(), 100);
      const httpClosed = http.close().finally(() => clearInterval(idle));
      if (!(await budget.within(httpClosed))) {
        log.warn('drain time is up: closing the connections of requests still running');
        http.server.closeAllConnections();
        await httpClosed;
      }
      // A job cut off here keeps its outbox row and its lock expires: another process runs it again.
      if (!(await budget.within(workerClosed))) log.warn('drain time is up: leaving running jobs to be retried by another process');
      await relay.stop();
      for (const channel of channels.all()) await channel.stop().catch((err) => log.warn({ err }, 'channel stop failed'));
      await channelContexts.close();
      await wakeups.stop();
      await queue.close();
      await Promise.all(Object.values(redis).map((r) => r.quit().catch(() => r.disconnect())));
      await db.sql.end({ timeout: 5 });
    },
  };
}
