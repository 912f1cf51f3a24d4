import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { CHANNEL_NAMES, type ChannelName } from '../src/domain/types.js';
import type { Channel } from './channel.js';
import { createSlackChannel } from './slack/index.js';
import { createWebChannel } from './web/index.js';

/** The enabled channels, and for every other one the reason it is off (for 422s, /readyz, doctor). */
export class ChannelRegistry {
  constructor(
    private readonly enabled: Map<ChannelName, Channel>,
    private readonly disabled: Map<ChannelName, string>,
  ) {}

  get(name: ChannelName): Channel | undefined {
    return this.enabled.get(name);
  }

  all(): Channel[] {
    return [...this.enabled.values()];
  }

  /** Channels whose deliveries need no jobs (see Channel.inline). */
  inlineNames(): ChannelName[] {
    return this.all().filter((c) => c.inline).map((c) => c.name);
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

type Factory = (config: Config, log: Logger) => { channel?: Channel; disabledReason?: string };

const notYetBuilt =
  (name: string, tokenVar: keyof Config): Factory =>
  (config) => ({
    disabledReason: config[tokenVar]
      ? `the ${name} channel is not in this build yet`
      : `${tokenVar} is not set`,
  });

const FACTORIES: Record<ChannelName, Factory> = {
  web: () => ({ channel: createWebChannel() }),
  slack: createSlackChannel,
  discord: notYetBuilt('Discord', 'DISCORD_BOT_TOKEN'),
  telegram: notYetBuilt('Telegram', 'TELEGRAM_BOT_TOKEN'),
  email: notYetBuilt('email', 'SMTP_URL'),
  sqs: notYetBuilt('SQS', 'SQS_RESPONSE_QUEUE_URL'),
};

export function createChannels(config: Config, log: Logger): ChannelRegistry {
  const enabled = new Map<ChannelName, Channel>();
  const disabled = new Map<ChannelName, string>();
  for (const name of CHANNEL_NAMES) {
    const { channel, disabledReason } = FACTORIES[name](config, log.child({ channel: name }));
    if (channel) enabled.set(name, channel);
    else disabled.set(name, disabledReason ?? 'not configured');
  }
  return new ChannelRegistry(enabled, disabled);
}
