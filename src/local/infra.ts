// The database and Redis a hub or a CLI command uses: the configured ones, or the local defaults.
import postgres from 'postgres';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { storedUrl } from './postgres/data-dir.js';
import { startEmbeddedPostgres } from './postgres/embedded.js';
import { resolveRedis } from './redis.js';

export interface Infra {
  databaseUrl: string;
  redisUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL / REDIS_URL when given; otherwise the embedded Postgres and a local Redis. */
export async function resolveInfra(config: Config, log: Logger): Promise<Infra> {
  const say = (msg: string) => log.info(msg);
  const pg = config.DATABASE_URL
    ? { url: config.DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres(config.dataDir, say);
  try {
    const redis = await resolveRedis(config.REDIS_URL, config.dataDir, say);
    return {
      databaseUrl: pg.url,
      redisUrl: redis.url,
      embedded: !config.DATABASE_URL,
      async stop() {
        await redis.stop();
        await pg.stop();
      },
    };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}

/**
 * For CLI commands beside a running hub: the embedded Postgres that hub started, if it answers;
 * otherwise start it for the length of the command.
 */
export async function resolveDatabaseForCli(config: Config, log: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };
  const running = await runningEmbeddedUrl(config.dataDir);
  if (running) return { url: running, stop: async () => {} };
  return startEmbeddedPostgres(config.dataDir, (m) => log.debug(m));
}

async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const url = await storedUrl(dataDir);
  if (!url) return undefined;
  try {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return url;
    } finally {
      await sql.end({ timeout: 1 });
    }
  } catch {
    return undefined;
  }
}
