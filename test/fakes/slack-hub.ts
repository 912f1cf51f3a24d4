// Channel-level Slack tests: a request addressed to Slack, and the Slack channel started over the fake
// Slack with an in-memory hub (test/fakes/memory-hub.ts).
import pino from 'pino';
import type { Hub } from '../../channels/channel.js';
import { slack, type SlackChannel } from '../../channels/slack/index.js';
import { startPlugin, type StartedChannel } from '../channels/start.js';
import type { Request } from '../../src/domain/types.js';
import { makeRequest as baseRequest } from '../helpers/fixtures.js';

export { MemoryHub } from './memory-hub.js';

/** A pending request addressed to a Slack channel (see test/helpers/fixtures.ts). */
export function makeRequest(over: Partial<Request> = {}): Request {
  return baseRequest({ recipients: [{ channel: 'slack', to: 'C0APPROVALS' }], created_at: new Date().toISOString(), ...over });
}

/**
 * The Slack channel built from `env` (over the fake's token and URL), started on its own HTTP server.
 * Channels started with one `prefix` share their duplicate guard, as processes of one deployment do.
 */
export async function startSlackChannel(
  fake: { token: string; url: string },
  hub: Hub,
  env: Record<string, string>,
  opts: { prefix?: string } = {},
): Promise<StartedChannel & { channel: SlackChannel }> {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const started = await startPlugin(slack, { env: { SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url, ...env }, hub, log, prefix: opts.prefix });
  return { ...started, channel: started.channel as SlackChannel };
}
