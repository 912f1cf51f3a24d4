// Telegram's published limits as lanes of the channel kit's RateGate (core.telegram.org/bots/faq: "My
// bot is hitting limits"): about 30 messages a second across all chats, about one a second in one
// chat (short bursts pass), and no more than 20 a minute in one group. Edits count like messages.
// A 429's retry_after holds the chat's lane (or the whole bot's, for calls not about one chat).
import type { Lane, Pace } from '../kit/rate-gate.js';
import { isGroupChat, type ChatTarget } from './codec.js';

const BOT: Pace = { perMinute: 30 * 60, burst: 30 };
const PRIVATE_CHAT: Pace = { perMinute: 60, burst: 4 };
const GROUP_CHAT: Pace = { perMinute: 20, burst: 4 };

const BOT_LANE = 'bot';

/** The lanes a message (sent or edited) in `chat` travels, and the one a 429 on it holds. */
export function telegramLanes(chat?: ChatTarget): { lanes: Lane[]; holdKey: string } {
  if (chat === undefined) return { lanes: [{ key: BOT_LANE, pace: BOT }], holdKey: BOT_LANE };
  const key = `chat:${chat}`;
  return { lanes: [{ key: BOT_LANE, pace: BOT }, { key, pace: isGroupChat(chat) ? GROUP_CHAT : PRIVATE_CHAT }], holdKey: key };
}
