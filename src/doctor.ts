import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createChannels } from '../channels/index.js';
import type { Config } from './config.js';
import { resolveDatabaseForCli } from './local/infra.js';
import { pingRedis } from './local/redis.js';
import { connect } from './store/db.js';
import { webhookSecretWarning } from './webhooks.js';

interface Finding {
  what: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function checkPostgres(config: Config, log: Logger): Promise<Finding> {
  const what = config.DATABASE_URL ? 'Postgres (DATABASE_URL)' : 'Postgres (embedded)';
  try {
    const pg = await resolveDatabaseForCli(config, log);
    const db = connect(pg.url, { max: 1 });
    try {
      const [v] = await db.sql<{ version: string }[]>`select current_setting('server_version') as version`;
      const [m] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.tables where table_name = 'requests'`;
      return { what, ok: true, detail: `server ${v?.version}; ${m?.n ? 'schema present' : 'schema not yet created (it is on first start)'}` };
    } finally {
      await db.sql.end({ timeout: 2 });
      await pg.stop();
    }
  } catch (err) {
    return { what, ok: false, detail: (err as Error).message, fix: 'check DATABASE_URL (postgres://user:pass@host:5432/db) and that the server accepts connections' };
  }
}

async function checkRedis(config: Config): Promise<Finding> {
  if (!config.REDIS_URL) {
    const ok = await pingRedis('127.0.0.1', 6379);
    return ok
      ? { what: 'Redis', ok, detail: 'answering on 127.0.0.1:6379 (REDIS_URL unset)' }
      : { what: 'Redis', ok: true, detail: 'REDIS_URL unset and nothing on 127.0.0.1:6379: serve starts redis-server from PATH' };
  }
  const r = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await r.connect();
    const info = await r.info('server');
    return { what: 'Redis', ok: true, detail: `redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}` };
  } catch (err) {
    return { what: 'Redis', ok: false, detail: (err as Error).message, fix: 'check REDIS_URL (redis://host:6379) and that Redis runs' };
  } finally {
    r.disconnect();
  }
}

/** `switchboard doctor`: what works, what does not, and how to fix it. Exit code 1 when anything fails. */
export async function doctor(config: Config, log: Logger): Promise<number> {
  const findings: Finding[] = [await checkPostgres(config, log), await checkRedis(config)];
  if (config.SWITCHBOARD_WEBHOOK_SECRET) {
    try {
      const weak = webhookSecretWarning(config.SWITCHBOARD_WEBHOOK_SECRET);
      findings.push({ what: 'Webhook secret', ok: true, detail: weak ?? 'SWITCHBOARD_WEBHOOK_SECRET is valid' });
    } catch (err) {
      findings.push({ what: 'Webhook secret', ok: false, detail: (err as Error).message, fix: 'unset it to have one generated, or give whsec_<base64 of 32 random bytes>' });
    }
  }
  const channels = createChannels(config, log);
  for (const s of channels.status()) {
    if (!s.on) {
      findings.push({ what: `Channel ${s.name}`, ok: true, detail: `off: ${s.reason}` });
      continue;
    }
    const check = await channels.get(s.name)?.check?.();
    findings.push(check ? { what: `Channel ${s.name}`, ok: check.ok, detail: check.detail } : { what: `Channel ${s.name}`, ok: true, detail: 'on' });
  }
  for (const f of findings) {
    process.stdout.write(`${f.ok ? '✓' : '✗'} ${f.what.padEnd(24)} ${f.detail}\n${f.fix ? `  ${''.padEnd(24)} fix: ${f.fix}\n` : ''}`);
  }
  const failed = findings.filter((f) => !f.ok).length;
  process.stdout.write(failed ? `\n${failed} problem(s) found.\n` : '\nAll good.\n');
  return failed ? 1 : 0;
}
