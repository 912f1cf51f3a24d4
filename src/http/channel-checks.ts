import type { ChannelRegistry } from '../../channels/index.js';
import type { ChannelCheck } from '../../channels/channel.js';

const TTL_MS = 30_000;
const TIMEOUT_MS = 5_000;

/**
 * Each enabled channel's own check (the bot, its mode, what the platform last reported), for
 * /readyz. Cached for 30 s, so probes every few seconds do not call the platforms each time; a
 * check that does not answer in 5 s reports that. A failing channel does not make the hub unready:
 * the other channels and the API still work.
 */
export function channelChecks(channels: ChannelRegistry): () => Promise<Record<string, ChannelCheck>> {
  const cache = new Map<string, { at: number; check: Promise<ChannelCheck> }>();
  const run = async (check: () => Promise<ChannelCheck>): Promise<ChannelCheck> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ChannelCheck>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer in ${TIMEOUT_MS / 1000} s` }), TIMEOUT_MS).unref();
    });
    try {
      return await Promise.race([check(), late]);
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  };
  return async () => {
    const out: Record<string, ChannelCheck> = {};
    for (const channel of channels.all()) {
      if (!channel.check) continue;
      let entry = cache.get(channel.name);
      if (!entry || Date.now() - entry.at > TTL_MS) {
        entry = { at: Date.now(), check: run(() => channel.check!()) };
        cache.set(channel.name, entry);
      }
      out[channel.name] = await entry.check;
    }
    return out;
  };
}
