// Slack's published rate limits as lanes of the channel kit's RateGate. Limits apply per method, per
// app, per workspace (one bot token = one gate); chat.postMessage is the special case: about one
// message per second per channel, short bursts allowed (https://docs.slack.dev/apis/web-api/rate-limits).
// The tiers are floors (Tier 3 "50+ per minute", Tier 4 "100+"), so these paces are conservative and
// the bursts modest. conversations.history is Tier 3 for internal apps (which a self-hosted hub is);
// commercially distributed non-Marketplace apps get 1 per minute, and then its 429s pace it.
import type { Lane, Pace } from '../kit/rate-gate.js';

const TIER3: Pace = { perMinute: 50, burst: 10 };
const TIER4: Pace = { perMinute: 100, burst: 20 };
const POST_PER_CHANNEL: Pace = { perMinute: 60, burst: 4 };

interface MethodLimit {
  /** Pace of the method across the workspace. */
  method?: Pace;
  /** Pace per conversation; a 429 then holds that conversation's lane only. */
  conversation?: Pace;
}

export const SLACK_LIMITS: Record<string, MethodLimit> = {
  'chat.postMessage': { conversation: POST_PER_CHANNEL },
  'chat.update': { method: TIER3 },
  'chat.postEphemeral': { method: TIER4 },
  'views.open': { method: TIER4 },
  'conversations.open': { method: TIER3 },
  'conversations.history': { method: TIER3 },
  'users.info': { method: TIER4 },
  'auth.test': {},
};

/** The lanes a call travels, and the one a 429 on it holds. */
export function slackLanes(method: string, conversation?: string): { lanes: Lane[]; holdKey: string } {
  const limit = SLACK_LIMITS[method] ?? {};
  const lanes: Lane[] = [{ key: method, pace: limit.method }];
  if (limit.conversation && conversation) {
    const key = `${method}:${conversation}`;
    lanes.push({ key, pace: limit.conversation });
    return { lanes, holdKey: key };
  }
  return { lanes, holdKey: method };
}
