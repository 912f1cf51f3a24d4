// Starts a channel for its contract test as the hub starts it: its plug-in (the registry's entry) reads
// its settings from `env`, and the channel starts with a ChannelContext over the given hub, its own
// HTTP server and real Redis leases and duplicate guard (test/fakes/channel-context.ts).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Channel, ChannelPlugin, Hub } from '../../channels/channel.js';
import { configureChannel, type Env } from '../../channels/kit/settings.js';
import { createHttpServer } from '../../src/http/server.js';
import { channelContext } from '../fakes/channel-context.js';

export interface StartedChannel {
  channel: Channel;
  http: FastifyInstance;
  /** The Redis key prefix of its context: pass it to a second start to act as another process. */
  prefix: string;
  /** Where its HTTP server listens, e.g. http://127.0.0.1:41234. */
  base: string;
  stop: () => Promise<void>;
}

export async function startPlugin<Settings>(
  plugin: ChannelPlugin<Settings>,
  o: { env: Env; hub: Hub; log: Logger; port?: number; prefix?: string },
): Promise<StartedChannel> {
  const made = configureChannel(plugin, o.env, o.log);
  if (!made.channel) throw new Error(`the ${plugin.name} channel is off: ${made.disabledReason}`);
  const channel = made.channel;
  const http = createHttpServer(o.log);
  const ctx = await channelContext({ hub: o.hub, http, log: o.log, config: made.settings, channel: plugin.name, prefix: o.prefix });
  await channel.start(ctx);
  const base = await http.listen({ port: o.port ?? 0, host: '127.0.0.1' });
  return {
    channel,
    http,
    prefix: ctx.prefix,
    base,
    async stop() {
      await channel.stop();
      await http.close();
      await ctx.close();
    },
  };
}
