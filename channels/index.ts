import type { Logger } from 'pino';
import { CHANNEL_NAMES, type ChannelName } from '../src/domain/types.js';
import type { Channel, ChannelContext, ChannelPlugin } from './channel.js';
import { configureChannel, type Env } from './kit/settings.js';
import { discord } from './discord/index.js';
import { email } from './email/index.js';
import { slack } from './slack/index.js';
import { sqs } from './sqs/index.js';
import { telegram } from './telegram/index.js';
import { web } from './web/index.js';

/** Every channel: one line each. A channel reads its own settings from the environment (see ChannelPlugin). */
const PLUGINS: Record<ChannelName, ChannelPlugin<unknown>> = {
  web,
  slack,
  discord,
  telegram,
  email,
  sqs,
};

/** Builds each enabled channel's context (see src/channel-context.ts). */
export interface ChannelContexts {
  contextFor<Settings>(name: ChannelName, config: Settings): ChannelContext<Settings>;
}

interface Enabled {
  channel: Channel;
  settings: unknown;
}

/** The enabled channels, and for every other one the reason it is off (for 422s, /readyz, doctor). */
export class ChannelRegistry {
  constructor(
    private readonly enabled: Map<ChannelName, Enabled>,
    private readonly disabled: Map<ChannelName, string>,
  ) {}

  get(name: ChannelName): Channel | undefined {
    return this.enabled.get(name)?.channel;
  }

  all(): Channel[] {
    return [...this.enabled.values()].map((e) => e.channel);
  }

  /** Starts every enabled channel with its own context and settings. */
  async start(contexts: ChannelContexts): Promise<void> {
    for (const [name, { channel, settings }] of this.enabled) await channel.start(contexts.contextFor(name, settings));
  }

  offReason(name: ChannelName): string | undefined {
    return this.enabled.has(name) ? undefined : (this.disabled.get(name) ?? 'not configured');
  }

  status(): { name: ChannelName; on: boolean; reason?: string }[] {
    return CHANNEL_NAMES.map((name) => {
      const reason = this.offReason(name);
      return reason ? { name, on: false, reason } : { name, on: true };
    });
  }
}

/** `config.env`: the environment each channel reads its own section of. */
export function createChannels(config: { env: Env }, log: Logger): ChannelRegistry {
  const enabled = new Map<ChannelName, Enabled>();
  const disabled = new Map<ChannelName, string>();
  for (const name of CHANNEL_NAMES) {
    const { channel, settings, disabledReason } = configureChannel(PLUGINS[name], config.env, log.child({ channel: name }));
    if (channel) enabled.set(name, { channel, settings });
    else disabled.set(name, disabledReason ?? 'not configured');
  }
  return new ChannelRegistry(enabled, disabled);
}
