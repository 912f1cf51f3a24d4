// A ChannelContext for channel tests: the hub and HTTP server the test gives, and real Redis leases
// and duplicate guard under a prefix of its own (share `prefix` to stand for two hub processes).
import pino, { type Logger } from 'pino';
import type { ChannelContext, ChannelState, Hub, HttpRoutes } from '../../channels/channel.js';
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
  /** The channel's durable state; by default a MemoryChannelState of its own (the hub's side, like MemoryHub). */
  state?: ChannelState;
  leaseTiming?: LeaseTiming;
}

/** ChannelState in memory, for contract tests over a MemoryHub; the real one (Postgres) is src/store/channel-state.ts. */
export class MemoryChannelState implements ChannelState {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(structuredClone(this.values.get(key)) as T | undefined);
  }
  set(key: string, value: unknown): Promise<void> {
    this.values.set(key, structuredClone(value));
    return Promise.resolve();
  }
}

export async function channelContext<Settings>(o: TestChannelContextOptions<Settings>): Promise<TestChannelContext<Settings>> {
  const prefix = o.prefix ?? `sbtest_ctx_${suffix()}`;
  const state = o.state ?? new MemoryChannelState();
  const runtime = await createChannelContexts({
    redisUrl: TEST_REDIS_URL,
    prefix,
    hub: o.hub,
    http: o.http,
    log: o.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    leaseTiming: o.leaseTiming,
    state: () => state,
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
