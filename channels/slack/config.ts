// The Slack channel's section of the environment. Off without a bot token; HTTP mode (no app token)
// also needs the signing secret.
import { z } from 'zod';
import { envVar, requiredVar } from '../kit/settings.js';

export const slackSettings = z
  .object({
    SLACK_BOT_TOKEN: requiredVar.pipe(z.string().regex(/^(xoxb-|xoxe\.xoxb-)/, 'must be a bot token (xoxb-…)')),
    SLACK_SIGNING_SECRET: envVar,
    /** Set: Socket Mode; unset: HTTP mode on the hub's server. */
    SLACK_APP_TOKEN: envVar.pipe(z.string().startsWith('xapp-', 'must be an app-level token (xapp-…) for Socket Mode').optional()),
    SLACK_API_URL: envVar,
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)' });
    }
  })
  .transform((env) => ({
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
  }));

export type SlackSettings = z.output<typeof slackSettings>;
