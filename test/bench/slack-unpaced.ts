/**
 * A hub entry for `BENCH_ONLY=slack` (bench only): `src/cli.ts` with the Slack client's own pacing
 * lifted. That pacing keeps a real workspace under Slack's published limits (about 1 post/s per
 * channel, chat.update 50/min); against the fake, which never limits unless told, it would measure
 * the pace instead of the hub. 429s are still obeyed. BENCH_SLACK_PACED=1 runs the real CLI instead.
 */
import { SLACK_LIMITS } from '../../channels/slack/pacing.js';

for (const method of Object.keys(SLACK_LIMITS)) SLACK_LIMITS[method] = {};
await import('../../src/cli.js');
