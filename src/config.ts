import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: optional,
  DATABASE_URL: optional,
  REDIS_URL: optional,
  SWITCHBOARD_DATA_DIR: z.string().default('./.switchboard'),
  SWITCHBOARD_API_KEY: optional,
  SWITCHBOARD_WEBHOOK_SECRET: optional,
  SWITCHBOARD_CALLBACK_PRIVATE: z.enum(['allow', 'deny']).default('allow'),
  SWITCHBOARD_QUEUE_PREFIX: z.string().default('switchboard'),
  SWITCHBOARD_LOG_LEVEL: z.string().default('info'),
  METRICS_TOKEN: optional,
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional,
  SLACK_API_URL: optional,
  DISCORD_BOT_TOKEN: optional,
  DISCORD_PUBLIC_KEY: optional,
  DISCORD_APPLICATION_ID: optional,
  DISCORD_API_URL: optional,
  TELEGRAM_BOT_TOKEN: optional,
  TELEGRAM_WEBHOOK_SECRET: optional,
  TELEGRAM_API_ROOT: optional,
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).optional(),
  SMTP_URL: optional,
  IMAP_URL: optional,
  EMAIL_FROM: optional,
  EMAIL_REPLY_TO: optional,
  SQS_RESPONSE_QUEUE_URL: optional,
  AWS_REGION: optional,
  AWS_ENDPOINT_URL_SQS: optional,
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  publicUrl: string;
  dataDir: string;
}

/** Reads `.env` (if present) underneath the real environment: real variables win. */
export function readDotEnv(path = '.env'): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = { ...readDotEnv(), ...process.env }): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  return { ...c, publicUrl, dataDir: resolve(c.SWITCHBOARD_DATA_DIR) };
}
