#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { resolveDatabaseForCli } from './local/infra.js';
import { createLogger } from './log.js';
import { DEFAULT_SCOPES, parseScopes, ScopeError, SCOPES } from './domain/scopes.js';
import { createApiKey, listApiKeys, revokeApiKey } from './store/api-keys.js';
import { connect, runMigrations, type Db } from './store/db.js';

const HELP = `switchboard — human-in-the-loop hub for AI agents

usage:
  switchboard [serve]                       start the hub (API, channel webhooks, workers)
  switchboard migrate                       apply database migrations
  switchboard keys create --name NAME [--scopes a,b]
                                            create an API key (printed once); scopes from
                                            ${SCOPES.join(', ')}
                                            (default ${DEFAULT_SCOPES.join(',')})
  switchboard keys list                     list API keys
  switchboard keys revoke ID|NAME           revoke an API key
  switchboard doctor                        check Postgres, Redis and every channel's settings
  switchboard mcp                           serve the MCP tools (request_approval, ask_human,
                                            check_request) on stdio for the hub at
                                            SWITCHBOARD_URL, with SWITCHBOARD_API_KEY
  switchboard manifest slack --url URL [--socket-mode]
                                            print the Slack app manifest for this hub
  switchboard telegram set-webhook          register PUBLIC_URL/telegram/webhook with Telegram
                                            (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET)
  switchboard discord register              print the interactions URL for the developer portal
                                            and the bot's invite URL (DISCORD_*, PUBLIC_URL)

Configuration comes from the environment (and .env); see the README.`;

class UsageError extends Error {}

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const log = createLogger('warn');
  const pg = await resolveDatabaseForCli(config, log);
  const db = connect(pg.url, { max: 2 });
  try {
    await runMigrations(db);
    return await fn(db);
  } finally {
    await db.sql.end({ timeout: 2 });
    await pg.stop();
  }
}

async function keys(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { name: { type: 'string' }, scopes: { type: 'string' } }, allowPositionals: true });
  const [sub, target] = positionals;
  if (sub === 'create') {
    if (!values.name) throw new UsageError('keys create needs --name NAME');
    const scopes = values.scopes === undefined ? DEFAULT_SCOPES : parseScopesOrExplain(values.scopes);
    const { id, key } = await withDb(config, (db) => createApiKey(db, values.name!, scopes));
    process.stdout.write(`created ${id} (${values.name}) with scopes ${scopes.join(',')}\n\n  ${key}\n\nThis is the only time the key is shown.\n`);
    return 0;
  }
  if (sub === 'list') {
    const rows = await withDb(config, listApiKeys);
    for (const k of rows) {
      const state = k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active';
      process.stdout.write(`${k.id}  ${k.prefix}…  ${k.name.padEnd(20)} ${state}  last used ${k.last_used_at?.toISOString() ?? 'never'}  scopes ${k.scopes.join(',')}\n`);
    }
    if (rows.length === 0) process.stdout.write('no API keys\n');
    return 0;
  }
  if (sub === 'revoke') {
    if (!target) throw new UsageError('keys revoke needs a key id or name');
    const n = await withDb(config, (db) => revokeApiKey(db, target));
    process.stdout.write(n ? `revoked ${n} key(s)\n` : `no active key with id or name ${target}\n`);
    return n ? 0 : 1;
  }
  throw new UsageError('keys takes create, list or revoke');
}

function parseScopesOrExplain(text: string) {
  try {
    return parseScopes(text);
  } catch (err) {
    if (err instanceof ScopeError) throw new UsageError(`keys create --scopes: ${err.message}`);
    throw err;
  }
}

async function manifest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { url: { type: 'string' }, 'socket-mode': { type: 'boolean' } }, allowPositionals: true });
  if (positionals[0] !== 'slack') throw new UsageError('manifest takes: slack');
  if (!values.url || !/^https?:\/\//.test(values.url)) throw new UsageError('manifest slack needs --url https://your-hub.example.com');
  const { renderSlackManifest } = await import('../channels/slack/manifest.js');
  process.stdout.write(renderSlackManifest({ url: values.url.replace(/\/+$/, ''), socketMode: values['socket-mode'] ?? false }));
  return 0;
}

async function telegram(config: Config, args: string[]): Promise<number> {
  if (args[0] !== 'set-webhook') throw new UsageError('telegram takes: set-webhook');
  const { setWebhookCommand } = await import('../channels/telegram/setup.js');
  return setWebhookCommand(config.env, (line) => process.stdout.write(`${line}\n`));
}

async function discord(config: Config, args: string[]): Promise<number> {
  if (args[0] !== 'register') throw new UsageError('discord takes: register');
  const { registerCommand } = await import('../channels/discord/setup.js');
  return registerCommand(config.env, (line) => process.stdout.write(`${line}\n`));
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (command === 'manifest') return manifest(rest);
  if (command === 'mcp') return (await import('./mcp/stdio.js')).serveMcpStdio();
  const config = loadConfig();
  switch (command) {
    case 'serve':
      // Loaded only to serve (and for doctor): the whole hub and every channel, seconds of start-up for keys and migrate.
      await (await import('./main.js')).serve(config);
      return -1; // keeps running
    case 'migrate':
      await withDb(config, async () => {});
      process.stdout.write('migrations applied\n');
      return 0;
    case 'keys':
      return keys(config, rest);
    case 'doctor':
      return (await import('./doctor.js')).doctor(config, createLogger('warn'));
    case 'telegram':
      return telegram(config, rest);
    case 'discord':
      return discord(config, rest);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof UsageError) process.stderr.write(`switchboard: ${err.message}\n\n${HELP}\n`);
    else if (err instanceof ConfigError) process.stderr.write(`switchboard: ${err.message}\n`);
    else process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
