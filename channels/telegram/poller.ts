// Polling mode: one hub process at a time (the lease's holder) long-polls getUpdates. Each call's offset
// confirms everything before it, so updates are confirmed only once handled; a process that takes over
// after another died starts from Telegram's first unconfirmed update, and the duplicate guard drops the
// ones already handled. A 409 means something else holds the updates: a webhook (deleted, since this
// deployment chose polling) or another getUpdates caller (waited out).
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import type { TelegramApi } from './client.js';
import { pause } from '../kit/pause.js';
import { TelegramApiError } from './errors.js';

const CONFLICT_WAIT_MS = 5000;
const MAX_BACKOFF_MS = 30_000;

export interface PollerOptions {
  api: TelegramApi;
  log: Logger;
  handle(update: Update): Promise<void>;
}

/** The lease's work: polls until `signal` aborts (the lease lost, or the channel stopped). */
export async function poll(o: PollerOptions, signal: AbortSignal): Promise<void> {
  let offset: number | undefined;
  let failures = 0;
  o.log.info('telegram: polling for updates');
  while (!signal.aborted) {
    let updates: Update[];
    try {
      updates = await o.api.getUpdates(offset, signal);
      failures = 0;
    } catch (err) {
      if (signal.aborted) return;
      await pause(await waitAfter(o, err, ++failures), signal);
      continue;
    }
    for (const update of updates) {
      await o.handle(update);
      offset = update.update_id + 1;
    }
  }
}

/** How long to wait after a failed getUpdates, having done what the failure calls for. */
async function waitAfter(o: PollerOptions, err: unknown, failures: number): Promise<number> {
  const e = err instanceof TelegramApiError ? err : undefined;
  if (e?.conflict && /webhook/i.test(e.description)) {
    o.log.warn('telegram: a webhook is set for this bot; deleting it, since TELEGRAM_MODE is polling');
    await o.api.deleteWebhook().catch((del: Error) => o.log.error({ err: del.message }, 'telegram: deleteWebhook failed'));
    return 0;
  }
  if (e?.conflict) {
    o.log.warn({ err: e.message }, 'telegram: another getUpdates caller holds the updates (another deployment with this bot token?); waiting');
    return CONFLICT_WAIT_MS;
  }
  if (e?.kind === 'rate_limited') return e.retryAfterMs ?? 1000;
  o.log[e?.kind === 'auth' ? 'error' : 'warn']({ err: (err as Error).message }, 'telegram: getUpdates failed');
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 6));
}

