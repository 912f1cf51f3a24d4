// The Telegram channel's section of the environment. Off without a bot token. The mode is webhook
// (Telegram posts updates to PUBLIC_URL/telegram/webhook, which needs the secret) or polling
// (getUpdates, for hubs Telegram cannot reach); by default webhook when PUBLIC_URL is https.
import { z } from 'zod';
import { envVar, requiredVar } from '../kit/settings.js';

export type TelegramMode = 'webhook' | 'polling';

/** What setWebhook accepts as secret_token. */
const SECRET = /^[A-Za-z0-9_-]{1,256}$/;

export const telegramSettings = z
  .object({
    TELEGRAM_BOT_TOKEN: requiredVar.pipe(z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,}$/, 'must be a bot token from @BotFather (123456789:AA…)')),
    TELEGRAM_API_ROOT: envVar.pipe(
      z
        .string()
        .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be the http(s) URL of a Bot API server, e.g. https://api.telegram.org')
        .transform((url) => url.replace(/\/+$/, ''))
        .optional(),
    ),
    TELEGRAM_MODE: envVar.pipe(z.enum(['webhook', 'polling'], { error: 'must be webhook or polling' }).optional()),
    TELEGRAM_WEBHOOK_SECRET: envVar.pipe(z.string().regex(SECRET, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -').optional()),
    PUBLIC_URL: envVar,
  })
  .transform((env, ctx) => {
    const publicUrl = env.PUBLIC_URL?.replace(/\/+$/, '');
    const mode: TelegramMode = env.TELEGRAM_MODE ?? (publicUrl?.startsWith('https://') ? 'webhook' : 'polling');
    if (mode === 'webhook' && !env.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TELEGRAM_WEBHOOK_SECRET'], message: 'is required in webhook mode (or set TELEGRAM_MODE=polling)' });
    }
    if (mode === 'webhook' && !publicUrl) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required in Telegram webhook mode: Telegram posts updates to PUBLIC_URL/telegram/webhook' });
    }
    return { botToken: env.TELEGRAM_BOT_TOKEN, apiRoot: env.TELEGRAM_API_ROOT, mode, webhookSecret: env.TELEGRAM_WEBHOOK_SECRET, publicUrl };
  });

export type TelegramSettings = z.output<typeof telegramSettings>;
