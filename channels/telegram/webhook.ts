// POST /telegram/webhook: Telegram posts each update here with the secret given to setWebhook in the
// X-Telegram-Bot-Api-Secret-Token header (Telegram does not sign updates; the header is the proof).
// It is compared in constant time, and a request without it is refused with 401 before anything is
// read or written. Telegram re-sends an update until it gets a 2xx, so every accepted update gets one.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import type { HttpRoutes } from '../channel.js';
import { problem } from '../kit/problem.js';
import { header, rawPost } from '../kit/raw-route.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time (hashing first makes the lengths equal). */
export function secretMatches(given: string | undefined, secret: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(secret));
}

/** An Update as far as the channel trusts its shape: an object with an integer update_id. */
export function parseUpdate(raw: Buffer): Update | undefined {
  try {
    const u = JSON.parse(raw.toString('utf8')) as unknown;
    if (!u || typeof u !== 'object' || !Number.isSafeInteger((u as { update_id?: unknown }).update_id)) return undefined;
    return u as Update;
  } catch {
    return undefined;
  }
}

export async function mountWebhook(
  http: HttpRoutes,
  o: { secret: string; log: Logger; handle(update: Update): Promise<void> },
): Promise<void> {
  await rawPost(http, TELEGRAM_WEBHOOK_PATH, async (req, reply, raw) => {
    if (!secretMatches(header(req, SECRET_HEADER), o.secret)) {
      o.log.warn('telegram: refused a webhook call without the right secret token');
      return problem(reply, 401, 'the X-Telegram-Bot-Api-Secret-Token header does not match TELEGRAM_WEBHOOK_SECRET');
    }
    const update = parseUpdate(raw);
    if (!update) return problem(reply, 400, 'not a Telegram update');
    await o.handle(update);
    return reply.code(200).send();
  });
}
