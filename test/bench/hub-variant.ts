/**
 * A hub entry for `BENCH_ONLY=pieces` (bench diagnostics only): the same environment contract as
 * `switchboard serve` with DATABASE_URL and REDIS_URL set, minus pieces switched off, so their cost
 * can be measured by difference.
 *   BENCH_VARIANT_WORKERS=0   no job workers in this process (createApp's `workers: false`)
 *   BENCH_VARIANT_RELAY=0     no outbox relay either: created rows stay in the outbox
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

const config = loadConfig();
if (!config.DATABASE_URL || !config.REDIS_URL) throw new Error('hub-variant needs DATABASE_URL and REDIS_URL');
const log = createLogger(config.SWITCHBOARD_LOG_LEVEL);
const app = await createApp({
  config,
  log,
  databaseUrl: config.DATABASE_URL,
  redisUrl: config.REDIS_URL,
  workers: process.env.BENCH_VARIANT_WORKERS !== '0',
});
if (process.env.BENCH_VARIANT_RELAY === '0') {
  // Diagnostics only: stop the relay and make every later poke a no-op.
  const { relay } = app;
  await relay.stop();
  relay.poke = () => {};
}
await app.listen(config.PORT, config.HOST);
process.once('SIGTERM', () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
