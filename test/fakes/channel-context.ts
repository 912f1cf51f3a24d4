// A ChannelContext for channel tests: the hub and HTTP server the test gives, and real Redis leases
// and duplicate guard under a prefix of its own (share `prefix` to stand for two hub processes).
import pino, { type Logger } from 'pino';
import type { ChannelContext, Hub, HttpRoutes } from '../../channels/channel.js';
import { createChannelContexts } from '../../src/channel-context.js';
import type { ChannelName } from '../../src/domain/types.js';
import type { LeaseTiming } from '../../src/lease.js';
import { dropRedisKeys, suffix, TEST_REDIS_URL } from '../helpers/services.js';

export interface TestChannelContext<Settings> extends ChannelContext<Settings> {
  /** The Redis key prefix its leases and guard use. */
  prefix: string;
  /** Stops its leases, closes its Redis connection and, unless the prefix was given, deletes its keys. */
  close(): Promise<void>;
}

export interface TestChannelContextOptions<Settings> {
  hub: Hub;
  http: HttpRoutes;
  config: Settings;
  log?: Logger;
  /** Whose context: keys are namespaced by channel (default 'slack'). */
  channel?: ChannelName;
  /** Give two contexts one prefix to have them act as two processes of one deployment. */
  prefix?: string;
  leaseTiming?: LeaseTiming;
}

export async function channelContext<Settings>(o: TestChannelContextOptions<Settings>): Promise<TestChannelContext<Settings>> {
  const prefix = o.prefix ?? `sbtest_ctx_${suffix()}`;
  const runtime = await createChannelContexts({
    redisUrl: TEST_REDIS_URL,
    prefix,
    hub: o.hub,
    http: o.http,
    log: o.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    leaseTiming: o.leaseTiming,
  });
  return {
    ...runtime.contextFor(o.channel ?? 'slack', o.config),
    prefix,
    async close() {
      await runtime.close();
      if (!o.prefix) await dropRedisKeys(`${prefix}:*`);
    },
  };
}
