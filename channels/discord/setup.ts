// Operating the bot: `switchboard discord register` prints what to paste into the developer portal (the
// interactions endpoint URL) and the bot's invite URL with the permissions it needs; check() (doctor,
// /readyz) proves the token with GET /users/@me and that the bot can see each channel in DISCORD_CHECK_CHANNELS.
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { ChannelCheck } from '../channel.js';
import { offReason, type Env } from '../kit/settings.js';
import type { DiscordApi } from './client.js';
import { discordSettings, type DiscordSettings } from './config.js';
import { DISCORD_INTERACTIONS_PATH } from './interactions.js';

/** See the channel, post in it, embed (the request is an embed), read history (find the message to edit). */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.ReadMessageHistory;

export const interactionsUrl = (publicUrl: string) => `${publicUrl}${DISCORD_INTERACTIONS_PATH}`;

export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot%20applications.commands&permissions=${BOT_PERMISSIONS.toString()}`;
}

export async function checkBot(api: DiscordApi, settings: DiscordSettings): Promise<ChannelCheck> {
  try {
    const me = await api.me();
    const parts = [`bot @${me.username} (${me.id})`];
    let ok = true;
    for (const id of settings.checkChannels) {
      try {
        const channel = await api.channel(id);
        parts.push(`sees ${'name' in channel && channel.name ? `#${channel.name}` : 'channel'} ${id}`);
      } catch (err) {
        ok = false;
        parts.push(`cannot see channel ${id}: ${(err as Error).message}`);
      }
    }
    if (!settings.publicUrl?.startsWith('https://')) parts.push('PUBLIC_URL is not https: Discord only sends interactions to an https endpoint');
    return { ok, detail: parts.join('; ') };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** `switchboard discord register`: throws an Error a person can act on when the settings cannot work. */
export function registerCommand(env: Env, out: (line: string) => void): number {
  const parsed = discordSettings.safeParse(env);
  if (!parsed.success) throw new Error(`the Discord channel is off: ${offReason(parsed.error)}`);
  const s = parsed.data;
  if (!s.publicUrl) throw new Error('PUBLIC_URL is not set: Discord needs the hub\'s public https URL to send interactions to');
  if (!s.publicUrl.startsWith('https://')) out(`note: PUBLIC_URL (${s.publicUrl}) is not https; Discord accepts only https interaction endpoints.`);
  out(`Interactions Endpoint URL (developer portal → your application → General Information):`);
  out(`  ${interactionsUrl(s.publicUrl)}`);
  out(`Invite the bot to your server (View Channel, Send Messages, Embed Links, Read Message History):`);
  out(`  ${inviteUrl(s.applicationId)}`);
  return 0;
}
