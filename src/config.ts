import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** An environment variable that may be unset: trimmed, and unset when empty. */
export const envVar = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** The hub's own settings; channels' settings are theirs (see Config.env). */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: envVar,
  DATABASE_URL: envVar,
  REDIS_URL: envVar,
  SWITCHBOARD_DATA_DIR: z.string().default('./.switchboard'),
  SWITCHBOARD_API_KEY: envVar,
  SWITCHBOARD_WEBHOOK_SECRET: envVar,
  SWITCHBOARD_CALLBACK_PRIVATE: z.enum(['allow', 'deny']).default('allow'),
  SWITCHBOARD_QUEUE_PREFIX: z.string().default('switchboard'),
  SWITCHBOARD_LOG_LEVEL: z.string().default('info'),
  SWITCHBOARD_LOG_FORMAT: envVar.pipe(z.enum(['json', 'pretty']).optional()),
  METRICS_TOKEN: envVar,
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  publicUrl: string;
  dataDir: string;
  /** The whole environment: each channel reads its own section of it (channels/<name>/config.ts). */
  env: Readonly<Record<string, string | undefined>>;
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
  return { ...c, publicUrl, dataDir: resolve(c.SWITCHBOARD_DATA_DIR), env: { ...env } };
}
