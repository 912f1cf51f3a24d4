// Operating the bot: `switchboard telegram set-webhook` (registers PUBLIC_URL/telegram/webhook with the
// secret and the update types the channel handles) and what doctor and check() say about the bot and
// its mode, from getMe and getWebhookInfo.
import type { WebhookInfo } from 'grammy/types';
import pino from 'pino';
import type { ChannelCheck } from '../channel.js';
import { offReason, type Env } from '../kit/settings.js';
import { ALLOWED_UPDATES, TelegramApi } from './client.js';
import { telegramSettings, type TelegramSettings } from './config.js';
import { TELEGRAM_WEBHOOK_PATH } from './webhook.js';

/** A webhook error newer than this makes the check fail: Telegram is failing to deliver now. */
const RECENT_ERROR_S = 10 * 60;

export const webhookUrl = (publicUrl: string) => `${publicUrl}${TELEGRAM_WEBHOOK_PATH}`;

/** What getWebhookInfo says, judged against the URL this hub expects. */
export function describeWebhook(info: WebhookInfo, expected: string, nowS = Date.now() / 1000): ChannelCheck {
  const fix = 'run `switchboard telegram set-webhook`';
  if (!info.url) return { ok: false, detail: `no webhook is set with Telegram: ${fix}` };
  if (info.url !== expected) return { ok: false, detail: `the webhook points at ${info.url}, not ${expected}: ${fix}` };
  const parts = [`webhook ${info.url}`, `${info.pending_update_count} update(s) pending`];
  const missing = info.allowed_updates?.length ? ALLOWED_UPDATES.filter((u) => !info.allowed_updates!.includes(u)) : [];
  if (missing.length) parts.push(`not subscribed to ${missing.join(', ')}: ${fix}`);
  let recent = false;
  if (info.last_error_date) {
    const ago = Math.max(0, Math.round(nowS - info.last_error_date));
    recent = ago < RECENT_ERROR_S;
    parts.push(`last error ${ago < 120 ? `${ago} s` : `${Math.round(ago / 60)} min`} ago: ${info.last_error_message ?? 'unknown'}`);
  }
  return { ok: !recent && missing.length === 0, detail: parts.join('; ') };
}

/** check(): the bot (getMe) and the mode; in webhook mode also the webhook as Telegram sees it. */
export async function checkBot(api: TelegramApi, settings: TelegramSettings): Promise<ChannelCheck> {
  try {
    const me = await api.getMe();
    const who = `bot @${me.username} (${me.id}), ${settings.mode} mode`;
    const info = await api.getWebhookInfo();
    if (settings.mode === 'polling') {
      const note = info.url ? `; a webhook is set (${info.url}): the poller deletes it when it starts` : '';
      return { ok: true, detail: `${who}${note}` };
    }
    const webhook = describeWebhook(info, webhookUrl(settings.publicUrl ?? ''));
    return { ok: webhook.ok, detail: `${who}; ${webhook.detail}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** `switchboard telegram set-webhook`: throws an Error a person can act on when the settings cannot work. */
export async function setWebhookCommand(env: Env, out: (line: string) => void): Promise<number> {
  const parsed = telegramSettings.safeParse(env);
  if (!parsed.success) throw new Error(`the Telegram channel is off: ${offReason(parsed.error)}`);
  const s = parsed.data;
  if (!s.publicUrl) throw new Error('PUBLIC_URL is not set: Telegram needs the hub\'s public https URL to post updates to');
  if (!s.publicUrl.startsWith('https://') && !s.apiRoot) {
    throw new Error(
      `PUBLIC_URL (${s.publicUrl}) is not https: Telegram posts webhooks only to https URLs (ports 443, 80, 88 or 8443). ` +
        'Serve the hub over https, or use TELEGRAM_MODE=polling.',
    );
  }
  if (!s.webhookSecret) throw new Error('TELEGRAM_WEBHOOK_SECRET is not set: give 1-256 characters of A-Z, a-z, 0-9, _ and - (e.g. `openssl rand -hex 32`)');
  if (s.mode === 'polling') out('note: TELEGRAM_MODE is polling; a polling hub deletes this webhook when it starts. Set TELEGRAM_MODE=webhook.');
  const api = new TelegramApi({ token: s.botToken, apiRoot: s.apiRoot, log: pino({ level: 'silent' }) });
  const url = webhookUrl(s.publicUrl);
  const answered = await api.setWebhook(url, s.webhookSecret);
  out(`setWebhook ${url} (allowed_updates ${ALLOWED_UPDATES.join(', ')}): Telegram answered ${JSON.stringify(answered)}`);
  out(`getWebhookInfo: ${describeWebhook(await api.getWebhookInfo(), url).detail}`);
  return 0;
}
