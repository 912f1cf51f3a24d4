import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { TEST_REDIS_URL } from '../helpers/services.js';
import { sleep } from './util.js';

/**
 * Work the servers did on the hub's behalf: Postgres transactions on the hub's database
 * (pg_stat_database; each backend reports at most once a second, so this is approximate), and
 * Redis commands server-wide (INFO; anything else using the same Redis is counted too).
 */
export interface ServerCounts {
  pgTransactions: number;
  redisCommands: number;
  /** EVALSHA calls (BullMQ runs one Lua script per queue operation). */
  redisScripts: number;
}

export interface PerOp {
  pgTransactions: number;
  redisCommands: number;
  redisScripts: number;
}

export class ServerCounters {
  private constructor(
    private readonly sql: postgres.Sql,
    private readonly redis: Redis,
  ) {}

  static async open(sql: postgres.Sql): Promise<ServerCounters> {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    return new ServerCounters(sql, redis);
  }

  async read(): Promise<ServerCounts> {
    const [row] = await this.sql<{ n: string }[]>`
      select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()`;
    const stats = await this.redis.info('stats');
    const cmdstats = await this.redis.info('commandstats');
    return {
      pgTransactions: Number(row?.n ?? 0),
      redisCommands: Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0),
      redisScripts: Number(/cmdstat_evalsha:calls=(\d+)/.exec(cmdstats)?.[1] ?? 0),
    };
  }

  /** After the work is done: lets backends report their statistics, then reads. */
  async settleAndRead(): Promise<ServerCounts> {
    await sleep(1500);
    return this.read();
  }

  close(): void {
    this.redis.disconnect();
  }
}

export function perOp(before: ServerCounts, after: ServerCounts, ops: number): PerOp | undefined {
  if (ops <= 0) return undefined;
  const r = (v: number) => Math.round((v / ops) * 10) / 10;
  return {
    pgTransactions: r(after.pgTransactions - before.pgTransactions),
    redisCommands: r(after.redisCommands - before.redisCommands),
    redisScripts: r(after.redisScripts - before.redisScripts),
  };
}
