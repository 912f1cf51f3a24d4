import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { resolveInfra } from './local/infra.js';
import { chooseLogFormat, createLogger, flushLogs } from './log.js';
import { SCOPES } from './domain/scopes.js';
import { countApiKeys, createApiKey } from './store/api-keys.js';

/** `switchboard serve`: one process with the API, channel webhooks and workers. */
export async function serve(config: Config): Promise<void> {
  const format = chooseLogFormat(config.SWITCHBOARD_LOG_FORMAT, process.stdout.isTTY);
  const log = createLogger(config.SWITCHBOARD_LOG_LEVEL, { buffered: true, format });
  const infra = await resolveInfra(config, log);
  const app = await createApp({
    config,
    log,
    databaseUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    crashAfterCommit: process.env.SWITCHBOARD_FAILPOINT === 'crash-after-commit',
  });
  if (!config.SWITCHBOARD_API_KEY && (await countApiKeys(app.db)) === 0) {
    const { key } = await createApiKey(app.db, 'bootstrap', SCOPES);
    const file = await saveBootstrapKey(config, key);
    process.stdout.write(
      `\n  Switchboard bootstrap API key (shown once; stored hashed):\n\n    ${key}\n\n` +
        (file ? `  Also saved to ${file} (mode 600). ` : '') +
        'Create more with `switchboard keys create --name NAME`.\n\n',
    );
  }
  const address = await app.listen(config.PORT, config.HOST);
  log.info({ address, publicUrl: config.publicUrl, embedded: infra.embedded, channels: app.channels.status() }, 'switchboard is listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'draining: finishing in-flight requests and jobs');
    try {
      await app.stop();
      await infra.stop();
      log.info('stopped');
      await flushLogs(log);
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      await flushLogs(log);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** With the embedded default, the first key also goes to the data dir so the quickstart can read it. */
async function saveBootstrapKey(config: Config, key: string): Promise<string | undefined> {
  if (config.DATABASE_URL) return undefined;
  await mkdir(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'api-key');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
