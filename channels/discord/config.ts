// The Discord channel's section of the environment. Off without a bot token; the public key (hex, from
// the application's General Information page) verifies interactions, the application id addresses the
// interaction webhooks. DISCORD_CHECK_CHANNELS lists channel ids the check looks at. DISCORD_API_URL points the REST client elsewhere (a fake in tests).
import { z } from 'zod';
import { envVar, requiredVar } from '../kit/settings.js';

export const SNOWFLAKE = /^[1-9]\d{15,20}$/;

export const discordSettings = z
  .object({
    DISCORD_BOT_TOKEN: requiredVar.pipe(z.string().regex(/^[A-Za-z0-9._-]{30,200}$/, 'must be the bot token from the developer portal (Bot → Reset Token)')),
    DISCORD_PUBLIC_KEY: requiredVar.pipe(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex characters of the application\'s public key')),
    DISCORD_APPLICATION_ID: requiredVar.pipe(z.string().regex(SNOWFLAKE, 'must be the application id (a snowflake, e.g. 1234567890123456789)')),
    DISCORD_API_URL: envVar.pipe(
      z
        .string()
        .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be the http(s) URL of the Discord API, e.g. https://discord.com/api')
        .transform((url) => url.replace(/\/+$/, ''))
        .optional(),
    ),
    DISCORD_CHECK_CHANNELS: envVar.pipe(
      z
        .string()
        .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
        .pipe(z.array(z.string().regex(SNOWFLAKE, 'must be channel ids (snowflakes), separated by commas')))
        .optional(),
    ),
    PUBLIC_URL: envVar,
  })
  .transform((env) => ({
    botToken: env.DISCORD_BOT_TOKEN,
    publicKey: env.DISCORD_PUBLIC_KEY.toLowerCase(),
    applicationId: env.DISCORD_APPLICATION_ID,
    apiUrl: env.DISCORD_API_URL,
    /** Channels doctor and /readyz check the bot can see. */
    checkChannels: env.DISCORD_CHECK_CHANNELS ?? [],
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
  }));

export type DiscordSettings = z.output<typeof discordSettings>;
