import type { Logger } from 'pino';
import type { Outcome, Request } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import type { TelegramApi } from './client.js';
import type { TelegramMessage } from './render.js';

/** What the handlers of taps and replies need. */
export interface InboundContext {
  api: TelegramApi;
  hub: Hub;
  log: Logger;
  /** The bot's own user id: a reply counts only when it answers a prompt this bot sent. */
  botId: number;
  /** The message for a request as it stands: pending with its keyboard, or closed with its outcome. */
  render(request: Request, outcome?: Outcome): Promise<TelegramMessage>;
}
