// What each channel gets at start (ChannelContext): the hub, the HTTP server, its logger, its settings,
// the two things that must hold across hub processes, both on Redis under SWITCHBOARD_QUEUE_PREFIX
// (leases for singleton loops and the duplicate-delivery guard), and its durable state in Postgres.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelContext, ChannelState, Hub, HttpRoutes, Lease } from '../channels/channel.js';
import type { ChannelContexts } from '../channels/index.js';
import type { ChannelName } from './domain/types.js';
import { DEFAULT_LEASE_TIMING, RedisLease, type LeaseTiming } from './lease.js';

export interface ChannelContextOptions {
  redisUrl: string;
  prefix: string;
  hub: Hub;
  http: HttpRoutes;
  log: Logger;
  /** Each channel's durable state (src/store/channel-state.ts over the hub's database). */
  state: (channel: ChannelName) => ChannelState;
  leaseTiming?: LeaseTiming;
}

export interface ChannelRuntime extends ChannelContexts {
  /** Stops every lease still running (giving it back) and closes the Redis connection. Call after the channels stopped. */
  close(): Promise<void>;
}

export async function createChannelContexts(o: ChannelContextOptions): Promise<ChannelRuntime> {
  const timing = o.leaseTiming ?? DEFAULT_LEASE_TIMING;
  // Its own connection: a command fails within a bounded time instead of queueing while Redis is away,
  // so a lease holder learns in time that it cannot renew, and the duplicate guard can let a delivery through.
  const redis = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: Math.min(2000, timing.ttlMs / 3) });
  await redis.connect();
  const leases = new Set<Lease>();

  return {
    contextFor<Settings>(name: ChannelName, config: Settings): ChannelContext<Settings> {
      const log = o.log.child({ channel: name });
      const key = (kind: string, id: string) => `${o.prefix}:${kind}:${name}:${id}`;
      return {
        hub: o.hub,
        http: o.http,
        log,
        config,
        state: o.state(name),
        lease(leaseName) {
          const lease = new RedisLease(redis, key('lease', leaseName), log, timing);
          leases.add(lease);
          return lease;
        },
        async once(id, ttlMs) {
          return (await redis.set(key('once', id), '1', 'PX', ttlMs, 'NX')) === 'OK';
        },
      };
    },
    async close() {
      await Promise.all([...leases].map((l) => l.stop()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
