// Reading a channel's own section of the environment: zod pieces for environment variables, and the
// step from a plug-in's schema to a channel that is on, or off with a reason a person can act on.
import type { Logger } from 'pino';
import { z } from 'zod';
import { envVar } from '../../src/config.js';
import type { Channel, ChannelPlugin } from '../channel.js';

export { envVar };

/** The process environment (with `.env` under it), from which each channel reads its own variables. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable the channel cannot work without: "… is not set" turns it off. */
export const requiredVar = envVar.pipe(z.string({ error: 'is not set' }));

/** "SLACK_BOT_TOKEN is not set": the first problem, led by the variable it is about. */
export function offReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not configured';
  const path = issue.path.map(String).join('.');
  return path ? `${path} ${issue.message}` : issue.message;
}

export type Configured<Settings> = { channel?: Channel; settings?: Settings; disabledReason?: string };

/** The channel built from its settings, or why it is off. */
export function configureChannel<Settings>(plugin: ChannelPlugin<Settings>, env: Env, log: Logger): Configured<Settings> {
  const parsed = plugin.settings.safeParse(env);
  if (!parsed.success) return { disabledReason: offReason(parsed.error) };
  return { channel: plugin.create(parsed.data, log), settings: parsed.data };
}
