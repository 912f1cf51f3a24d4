import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** An environment variable that may be unset: trimmed, and unset when empty. */
export const envVar = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** The hub's own settings; channels' settings are theirs (see Config.env). */
export const envSchema = z.object({
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
  /** Back-pressure: past any of these, new creates get 429 (0 turns a check off; see src/http/load-monitor.ts). */
  SWITCHBOARD_SHED_EVENT_LOOP_MS: z.coerce.number().min(0).default(200),
  SWITCHBOARD_SHED_PENDING_CREATES: z.coerce.number().int().min(0).default(1024),
  SWITCHBOARD_SHED_OUTBOX: z.coerce.number().int().min(0).default(20_000),
  /** Group commit: creates arriving together (within this many ms; 0: one tick, or while 4 batches are being written) go in one statement, up to BATCH_MAX (1: each alone). */
  SWITCHBOARD_CREATE_BATCH_MS: z.coerce.number().min(0).max(100).default(0),
  SWITCHBOARD_CREATE_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(64),
  /**
   * Postgres connections per process. Opened as needed and used in turn: on a small database server
   * fewer backends answer faster (2 cores: 8 against 16 took the answer p99 from 34–51 to 23–26 ms).
   */
  SWITCHBOARD_DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(8),
  /** How long SIGTERM may take: HTTP drains and running jobs finish within it (below Kubernetes' 30 s default). */
  SWITCHBOARD_DRAIN_SECONDS: z.coerce.number().min(1).max(3600).default(25),
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
